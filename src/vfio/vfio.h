/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VFIO core inside uvfiod: devices, reset sets, and the two ways in
 * (the cdev /dev/vfio/devices/vfioN, and later the group /dev/vfio/N).
 *
 * A vfio_device exists for every function bound to vfio-pci. Each open of
 * its cdev is a vfio_device_file: inert until VFIO_DEVICE_BIND_IOMMUFD
 * succeeds, then the device's ioctls, region reads/writes and mmaps work
 * through it. The device counts its opens: the first bind opens the
 * device (enables it), the last close closes it (disables interrupts,
 * resets it when it can), as vfio_pci does.
 *
 * Locking: everything runs under uvfio_big_lock.
 */
#ifndef UVFIO_VFIO_H
#define UVFIO_VFIO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct pci_dev;
struct uvfio_call;
struct uvfio_file;
struct uvfio_mmap_info;
struct iommufd_ctx;
struct iommufd_device;
struct vfio_device;
struct vfio_pci_core_device;

struct vfio_device_ops {
	const char *name;
	int (*open_device)(struct vfio_device *vdev);
	void (*close_device)(struct vfio_device *vdev);
	ssize_t (*read)(struct vfio_device *vdev, struct uvfio_call *call,
			uint64_t ubuf, size_t count, uint64_t *ppos);
	ssize_t (*write)(struct vfio_device *vdev, struct uvfio_call *call,
			 uint64_t ubuf, size_t count, uint64_t *ppos);
	long (*ioctl)(struct vfio_device *vdev, struct uvfio_call *call,
		      unsigned long cmd, uint64_t arg);
	int (*mmap)(struct vfio_device *vdev, struct uvfio_call *call,
		    uint64_t off, uint64_t len, int prot,
		    struct uvfio_mmap_info *info);
	int (*mmio)(struct vfio_device *vdev, uint64_t off, unsigned int size,
		    bool is_write, void *data);
	/* Device feature (VFIO_DEVICE_FEATURE) other than the core's. */
	int (*device_feature)(struct vfio_device *vdev, struct uvfio_call *call,
			      uint32_t flags, uint64_t arg, size_t argsz);
};

struct vfio_device_set {
	unsigned int id;
	unsigned int device_count;
	struct vfio_device **devices;
};

struct vfio_device {
	const struct vfio_device_ops *ops;
	struct pci_dev *pdev;
	struct vfio_pci_core_device *pci;	/* vfio-pci's state */
	struct vfio_device_set *dev_set;
	unsigned int index;		/* N of vfioN */
	unsigned int group_id;
	char name[32];			/* "vfio0" */
	char cdev_path[64];		/* "/dev/vfio/devices/vfio0" */
	unsigned int open_count;	/* bound files */
	struct iommufd_device *idev;	/* while open through iommufd */
	struct iommufd_ctx *iommufd;
	uint64_t iommu_faults;		/* DMA refused by the IOMMU */
	struct vfio_device *next;
};

/* The device file (one per open of the cdev). */
struct vfio_device_file {
	struct vfio_device *device;
	struct uvfio_file *iommufd_file;	/* held while bound */
	bool access_granted;
	uint32_t devid;
};

int vfio_register_device(struct vfio_device *vdev);
void vfio_unregister_device(struct vfio_device *vdev);
struct vfio_device *vfio_device_first(void);
struct vfio_device *vfio_device_find_bdf(const char *bdf);
struct vfio_device *vfio_device_from_pdev(struct pci_dev *pdev);

/* Core ioctls on a bound device fd (the ones not tied to a bus). */
long vfio_device_fops_ioctl(struct vfio_device_file *df,
			    struct uvfio_call *call, unsigned long cmd,
			    uint64_t arg);
int vfio_device_open(struct vfio_device_file *df);
void vfio_device_close(struct vfio_device_file *df);

/* The cdev path. */
int vfio_device_cdev_init(struct vfio_device *vdev);
long vfio_df_ioctl_bind_iommufd(struct vfio_device_file *df,
				struct uvfio_call *call, uint64_t arg);
long vfio_df_ioctl_attach_pt(struct vfio_device_file *df,
			     struct uvfio_call *call, uint64_t arg);
long vfio_df_ioctl_detach_pt(struct vfio_device_file *df,
			     struct uvfio_call *call, uint64_t arg);

/* DMA from the device model through whatever the device is attached to. */
int vfio_device_dma_rw(struct vfio_device *vdev, uint64_t iova, void *buf,
		       size_t len, bool is_write);

/* vfio-pci: create the device for an emulated function. */
int vfio_pci_probe(struct pci_dev *pdev, unsigned int index,
		   unsigned int group_id, struct vfio_device **ret);
void vfio_pci_remove(struct vfio_device *vdev);

/* argsz helper shared by every device ioctl: minsz check and copy-in. */
int vfio_copy_argsz(struct uvfio_call *call, void *dst, size_t minsz,
		    uint64_t arg, uint32_t *ret_argsz);

#endif
