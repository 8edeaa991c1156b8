/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * uvfio extensions to the VFIO device uAPI: reset capability queries.
 *
 * Not in Linux. These answer the five questions set out on the list for
 * a QEMU-like program: does the current configuration support a reset
 * now, claim that it stays supported for the life of the file, which of
 * my open devices a reset affects, what the whole reset set is (for
 * debugging), and reset without passing any fd list.
 *
 * The ioctls are issued on a VFIO device fd (opened through its cdev and
 * bound with VFIO_DEVICE_BIND_IOMMUFD, or obtained with
 * VFIO_GROUP_GET_DEVICE_FD). Their type is VFIO_EXT_TYPE (0xE7), not
 * VFIO's ';': no number Linux assigns to VFIO or iommufd later can equal
 * one of these, and 0xE7 is unassigned in Linux's ioctl-number.rst, so
 * the real kernel answers ENOTTY. Like VFIO's, every ioctl is _IO() and
 * the argument starts with argsz; argsz below the end of the last
 * mandatory field and unknown flags are EINVAL.
 *
 * This header depends only on <linux/types.h> and <linux/ioctl.h>, so it
 * can be included next to either <linux/vfio.h> or <uvfio/uapi/vfio.h>.
 */
#ifndef UVFIO_UAPI_VFIO_EXT_H
#define UVFIO_UAPI_VFIO_EXT_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define VFIO_EXT_TYPE	0xE7

/*
 * Which reset: by default the one VFIO_DEVICE_RESET would do when the
 * function has a method of its own (FLR, PM, or a bus reset that touches
 * it alone), else the hot reset of its slot or bus
 * (VFIO_DEVICE_PCI_HOT_RESET). VFIO_EXT_RESET_FLAG_BUS asks about the hot
 * reset even when a function method exists.
 */
#define VFIO_EXT_RESET_FLAG_BUS		(1 << 0)

/* Methods (bit values are the order of sysfs reset_method). */
#define VFIO_EXT_RESET_METHOD_FLR	(1 << 0)	/* PCIe FLR */
#define VFIO_EXT_RESET_METHOD_AF_FLR	(1 << 1)	/* AF FLR */
#define VFIO_EXT_RESET_METHOD_PM	(1 << 2)	/* D3hot -> D0 */
#define VFIO_EXT_RESET_METHOD_BUS	(1 << 3)	/* secondary bus reset */
#define VFIO_EXT_RESET_METHOD_SLOT	(1 << 4)	/* hotplug slot reset */

/* Why a reset is not supported now (reason). */
enum vfio_ext_reset_reason {
	VFIO_EXT_RESET_OK = 0,
	VFIO_EXT_RESET_NO_METHOD = 1,	/* no method reaches the function */
	VFIO_EXT_RESET_NOT_VFIO = 2,	/* an affected function is not a
					 * vfio-pci device of the dev_set */
	VFIO_EXT_RESET_NOT_OWNED = 3,	/* an affected device is not owned
					 * by this file's iommufd/container */
};

/*
 * (1) VFIO_EXT_RESET_QUERY: is the reset supported now, and if not why.
 * in: argsz, flags (FLAG_BUS). out: flags adds SUPPORTED, and CLAIMED
 * when this file holds a claim; method is the one (5) would use (one
 * METHOD bit, 0 if none); methods every method that reaches the
 * function; reason; count the functions the reset touches; blocker_*
 * the first function that makes it unsupported (NOT_VFIO, NOT_OWNED).
 */
#define VFIO_EXT_RESET_SUPPORTED	(1 << 16)
#define VFIO_EXT_RESET_CLAIMED		(1 << 17)

struct vfio_ext_reset_query {
	__u32 argsz;
	__u32 flags;
	__u32 method;
	__u32 methods;
	__u32 reason;
	__u32 count;
	__u16 blocker_segment;
	__u8 blocker_bus;
	__u8 blocker_devfn;
	__u32 __reserved;
};

#define VFIO_EXT_RESET_QUERY		_IO(VFIO_EXT_TYPE, 0)

/*
 * (2) VFIO_EXT_RESET_CLAIM: keep the reset supported for the life of
 * this file. Succeeds only when the query says SUPPORTED (else ENODEV
 * for NO_METHOD, EBUSY for NOT_VFIO, EPERM for NOT_OWNED; EALREADY if
 * this file holds a claim). While it is held, a bind, SET_CONTAINER or
 * GET_DEVICE_FD that would make an affected device another iommufd's or
 * container's, and binding a host driver to an affected function, fail
 * with EBUSY. Released when the file is closed.
 */
struct vfio_ext_reset_claim {
	__u32 argsz;
	__u32 flags;		/* FLAG_BUS */
};

#define VFIO_EXT_RESET_CLAIM		_IO(VFIO_EXT_TYPE, 1)

/*
 * (3) VFIO_EXT_RESET_AFFECTED: every function the reset touches, and
 * for each whether the caller has it open. The count protocol is
 * GET_PCI_HOT_RESET_INFO's: count is always set; ENOSPC when argsz has
 * no room for count entries.
 */
#define VFIO_EXT_RESET_DEV_SELF		(1 << 0)	/* the device of this fd */
#define VFIO_EXT_RESET_DEV_VFIO		(1 << 1)	/* a vfio-pci device */
#define VFIO_EXT_RESET_DEV_OWNED	(1 << 2)	/* by this file's owner */
#define VFIO_EXT_RESET_DEV_OPEN		(1 << 3)	/* caller has an fd: fd */

struct vfio_ext_reset_dev {
	__u16 segment;
	__u8 bus;
	__u8 devfn;
	__u32 flags;
	__u32 dev_id;		/* in this file's iommufd; 0 if none */
	__s32 fd;		/* the caller's lowest fd of it; -1 if none */
};

struct vfio_ext_reset_affected {
	__u32 argsz;
	__u32 flags;		/* FLAG_BUS */
	__u32 count;
	__u32 __reserved;
	struct vfio_ext_reset_dev devices[];
};

#define VFIO_EXT_RESET_AFFECTED		_IO(VFIO_EXT_TYPE, 2)

/*
 * (4) VFIO_EXT_RESET_DESCRIBE: the reset set in sysfs terms, as text:
 * a first line "reset=METHOD count=N supported=yes|no reason=WORD", then
 * one line per function: "BDF driver=D group=G dev_set=S
 * reset_method=M cdev=vfioN|- open=K path=cdev|group|- owner=PID|-".
 * len is set to the size the text needs with its NUL; ENOSPC when
 * argsz has no room for it.
 */
struct vfio_ext_reset_describe {
	__u32 argsz;
	__u32 flags;		/* FLAG_BUS */
	__u32 len;
	__u32 __reserved;
	char text[];
};

#define VFIO_EXT_RESET_DESCRIBE		_IO(VFIO_EXT_TYPE, 3)

/*
 * (5) VFIO_EXT_RESET: do the reset the query describes, with no fd list:
 * a function reset, or the hot reset of every function of the set,
 * validated through this file's ownership (and claim). Errors as CLAIM.
 */
struct vfio_ext_reset {
	__u32 argsz;
	__u32 flags;		/* FLAG_BUS */
};

#define VFIO_EXT_RESET			_IO(VFIO_EXT_TYPE, 4)

#endif /* UVFIO_UAPI_VFIO_EXT_H */
