// SPDX-License-Identifier: GPL-2.0-only
/*
 * fd-carrying ioctl arguments.
 *
 * The daemon reads every argument from our memory itself; only the fds in
 * it need the interposer, because only the kernel can copy an fd into
 * another process. The layouts come from the Linux uAPI (our copy in
 * include/uvfio/uapi): VFIO_DEVICE_BIND_IOMMUFD, VFIO_DEVICE_SET_IRQS
 * with eventfds, IOMMU_IOAS_MAP_FILE, VFIO_GROUP_SET_CONTAINER,
 * VFIO_DEVICE_PCI_HOT_RESET, VFIO_DEVICE_IOEVENTFD, the wakeup eventfd of
 * VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP, and live update's
 * SESSION_PRESERVE_FD.
 *
 * VFIO reuses numbers across fd types: VFIO_BASE + 13 is PCI_HOT_RESET on
 * a device and IOMMU_MAP_DMA on a container, + 17 is DEVICE_FEATURE and
 * IOMMU_DIRTY_PAGES, + 16 and + 18 are spapr container ioctls. A file we
 * know is a container (/dev/vfio/vfio, or /dev/iommu with its compat
 * ioctls) gets none of the device layouts; a file of unknown kind must
 * also pass the checks the kernel would make (hot reset flags == 0 and
 * count within argsz), which MAP_DMA's arguments cannot.
 *
 * The caller's memory is read with a callback that cannot fault (the
 * interposer uses process_vm_readv on itself).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "preload/fdargs.h"
#include "uvfio/uapi/iommufd.h"
#include "uvfio/uapi/vfio.h"

/* <linux/liveupdate.h>: struct { __u32 size; __s32 fd; __u64 token; } */
#define LIVEUPDATE_SESSION_PRESERVE_FD	_IO(0xBA, 0x40)
#define LIVEUPDATE_PRESERVE_FD_OFF	4

_Static_assert(offsetof(struct vfio_device_bind_iommufd, iommufd) == 8,
	       "bind_iommufd layout");
_Static_assert(offsetof(struct iommu_ioas_map_file, fd) == 12,
	       "map_file layout");
_Static_assert(offsetof(struct vfio_irq_set, data) == 20, "irq_set layout");
_Static_assert(offsetof(struct vfio_pci_hot_reset, group_fds) == 12,
	       "hot_reset layout");
_Static_assert(offsetof(struct vfio_device_ioeventfd, fd) == 24,
	       "ioeventfd layout");
_Static_assert(offsetof(struct vfio_device_feature, data) == 8,
	       "device_feature layout");
_Static_assert(VFIO_DEVICE_BIND_IOMMUFD == 0x3b76 &&
	       VFIO_DEVICE_SET_IRQS == 0x3b6e &&
	       VFIO_GROUP_SET_CONTAINER == 0x3b68 &&
	       VFIO_DEVICE_PCI_HOT_RESET == 0x3b71 &&
	       VFIO_DEVICE_IOEVENTFD == 0x3b74 &&
	       VFIO_DEVICE_FEATURE == 0x3b75 &&
	       IOMMU_IOAS_MAP_FILE == 0x3b8f, "ioctl numbers");

/* Most array entries looked at: MSI-X has at most 2048 vectors. */
#define FDARGS_MAX_ARRAY	4096u

struct collect {
	const struct fdargs_ops *ops;
	int *fds;
	unsigned int n, max;
	int err;
};

static void add_fd(struct collect *c, int32_t fd)
{
	unsigned int i;

	if (fd < 0 || c->err)
		return;
	for (i = 0; i < c->n; i++)
		if (c->fds[i] == fd)
			return;
	if (!c->ops->valid(fd))
		return;
	if (c->n >= c->max) {
		c->err = -E2BIG;
		return;
	}
	c->fds[c->n++] = fd;
}

static void add_fd_at(struct collect *c, uint64_t addr, size_t off)
{
	int32_t fd;

	if (!c->ops->read(addr + off, &fd, sizeof(fd)))
		add_fd(c, fd);
}

static void add_fd_array(struct collect *c, uint64_t addr, uint32_t count)
{
	int32_t chunk[64];
	uint32_t done = 0;

	if (count > FDARGS_MAX_ARRAY)
		count = FDARGS_MAX_ARRAY;
	while (done < count && !c->err) {
		uint32_t i, k = count - done;

		if (k > 64)
			k = 64;
		if (c->ops->read(addr + done * 4ull, chunk, k * 4))
			return;
		for (i = 0; i < k; i++)
			add_fd(c, chunk[i]);
		done += k;
	}
}

static void irq_set(struct collect *c, uint64_t arg, size_t off)
{
	struct vfio_irq_set hdr;

	if (c->ops->read(arg, &hdr, sizeof(hdr)))
		return;
	if (!(hdr.flags & VFIO_IRQ_SET_DATA_EVENTFD) || hdr.argsz < sizeof(hdr))
		return;
	if (hdr.count > (hdr.argsz - sizeof(hdr)) / 4)
		return;		/* the kernel says EINVAL */
	add_fd_array(c, arg + sizeof(hdr), hdr.count);
}

static void hot_reset(struct collect *c, uint64_t arg, size_t off)
{
	struct vfio_pci_hot_reset hdr;

	if (c->ops->read(arg, &hdr, sizeof(hdr)))
		return;
	if (hdr.flags || hdr.argsz < sizeof(hdr) ||
	    hdr.count > (hdr.argsz - sizeof(hdr)) / 4)
		return;
	add_fd_array(c, arg + sizeof(hdr), hdr.count);
}

static void device_feature(struct collect *c, uint64_t arg, size_t off)
{
	struct vfio_device_feature hdr;

	if (c->ops->read(arg, &hdr, sizeof(hdr)))
		return;
	if ((hdr.flags & VFIO_DEVICE_FEATURE_MASK) !=
		    VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP ||
	    !(hdr.flags & VFIO_DEVICE_FEATURE_SET) ||
	    (hdr.flags & VFIO_DEVICE_FEATURE_PROBE))
		return;
	add_fd_at(c, arg, sizeof(hdr) +
		  offsetof(struct vfio_device_low_power_entry_with_wakeup,
			   wakeup_eventfd));
}

struct fdarg_rule {
	unsigned long cmd;
	/* The number is a container ioctl too: skip it on containers. */
	bool device_only;
	void (*collect)(struct collect *c, uint64_t arg, size_t off);
	size_t off;
};

static const struct fdarg_rule rules[] = {
	{ VFIO_GROUP_SET_CONTAINER, false, add_fd_at, 0 },
	{ VFIO_DEVICE_SET_IRQS, false, irq_set, 0 },
	{ IOMMU_IOAS_MAP_FILE, false, add_fd_at,
	  offsetof(struct iommu_ioas_map_file, fd) },
	{ LIVEUPDATE_SESSION_PRESERVE_FD, false, add_fd_at,
	  LIVEUPDATE_PRESERVE_FD_OFF },
	{ VFIO_DEVICE_BIND_IOMMUFD, true, add_fd_at,
	  offsetof(struct vfio_device_bind_iommufd, iommufd) },
	{ VFIO_DEVICE_PCI_HOT_RESET, true, hot_reset, 0 },
	{ VFIO_DEVICE_IOEVENTFD, true, add_fd_at,
	  offsetof(struct vfio_device_ioeventfd, fd) },
	{ VFIO_DEVICE_FEATURE, true, device_feature, 0 },
};

int fdargs_collect(unsigned long cmd, uint64_t arg, enum node_kind kind,
		   const struct fdargs_ops *ops, int *fds, unsigned int max)
{
	struct collect c = { .ops = ops, .fds = fds, .max = max };
	bool container = kind == NODE_CONTAINER || kind == NODE_IOMMUFD;
	size_t i;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		if (rules[i].cmd != cmd)
			continue;
		if (!rules[i].device_only || !container)
			rules[i].collect(&c, arg, rules[i].off);
		break;
	}
	return c.err ? c.err : (int)c.n;
}
