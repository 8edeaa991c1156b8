/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VFIO core inside uvfiod: devices, groups, containers, reset sets,
 * and the two ways in (the cdev /dev/vfio/devices/vfioN, and the group
 * /dev/vfio/N with a type1 container or an iommufd).
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
struct uvfio_mm;
struct uvfio_file;
struct uvfio_mmap_info;
struct iommufd_ctx;
struct iommufd_device;
struct vfio_container;
struct vfio_device;
struct vfio_group;
struct vfio_iommu;
struct vfio_pci_core_device;
struct vfio_reset_claim;

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
	struct vfio_group *group;
	bool cdev_opened;		/* bound through its cdev */
	char name[32];			/* "vfio0" */
	char cdev_path[64];		/* "/dev/vfio/devices/vfio0" */
	unsigned int open_count;	/* bound files */
	struct iommufd_device *idev;	/* while open through iommufd */
	struct iommufd_ctx *iommufd;
	uint64_t iommu_faults;		/* DMA refused by the IOMMU */
	pid_t owner_pid;		/* who opened it last; 0 when closed */
	/*
	 * noiommu: the address space device DMA reaches untranslated (that
	 * of the last process to get a device fd), held while it is open.
	 */
	struct uvfio_mm *noiommu_mm;
	struct vfio_device *next;
};

/* The device file (one per open of the cdev). */
struct vfio_device_file {
	struct vfio_device *device;
	struct uvfio_file *iommufd_file;	/* held while bound */
	bool access_granted;
	uint32_t devid;
	/* Group path: the group file (a reference), NULL on the cdev path. */
	struct vfio_group *group;
	struct uvfio_file *group_file;
	struct uvfio_file *file;		/* this file (no reference) */
	struct vfio_reset_claim *reset_claim;	/* VFIO_EXT_RESET_CLAIM */
	struct vfio_device_file *next;		/* all device files */
};

/*
 * A group: the iommu_group's DMA-ownership state and VFIO's group, in one
 * (every iommu group of the machine has one; /dev/vfio/N exists while a
 * device of the group is bound to vfio-pci).
 *
 * DMA ownership (iommu_group->owner/owner_cnt): a host driver bound to a
 * member claims the group for the kernel's DMA API; a VFIO user claims it
 * with an owner token (an iommufd context, or the group for a container).
 * Claims by different owners exclude each other with EPERM.
 */
struct vfio_group {
	unsigned int id;
	char path[32];			/* "/dev/vfio/3", "/dev/vfio/noiommu-3" */
	bool noiommu;			/* VFIO_NO_IOMMU: no IOMMU behind it */
	unsigned int nr_devices;	/* bound to vfio-pci */
	bool registered;		/* node exists */
	struct uvfio_file *opened_file;	/* the one open of /dev/vfio/N */
	unsigned int cdev_device_open_cnt;
	struct vfio_container *container;
	unsigned int container_users;	/* 1 + device files of the group */
	struct iommufd_ctx *iommufd;	/* SET_CONTAINER with an iommufd */
	struct uvfio_file *iommufd_file;
	const void *owner;
	unsigned int owner_cnt;
	struct vfio_group *container_next;
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
/* noiommu: DMA now reaches mm (held until the device's last close). */
void vfio_device_set_noiommu_mm(struct vfio_device *vdev,
				struct uvfio_mm *mm);
void vfio_device_close(struct vfio_device_file *df);

/* Device files, shared by both paths (device_cdev.c). */
int vfio_df_file_create(struct vfio_device_file *df, struct uvfio_call *call,
			int flags, struct uvfio_file **ret_file);
/* Another device of ictx's shares vdev's group: -ENOENT; bound: its id. */
int vfio_iommufd_get_dev_id(struct vfio_device *vdev, struct iommufd_ctx *ictx);

/* Groups and DMA ownership (group.c). */
int vfio_groups_init(unsigned int nr_groups);
void vfio_groups_exit(void);
struct vfio_group *vfio_group_get(unsigned int id);
unsigned int vfio_group_count(void);
/* -EINVAL when no IOMMU covers vdev and noiommu mode is off. */
int vfio_group_add_device(struct vfio_device *vdev);
void vfio_group_del_device(struct vfio_device *vdev);
struct vfio_group *vfio_group_from_file(struct uvfio_file *file);
/* Members bound to a host driver (the kernel's DMA-API users). */
unsigned int vfio_group_host_claims(const struct vfio_group *group);
bool vfio_group_dma_owner_claimed(const struct vfio_group *group);
bool vfio_group_viable(const struct vfio_group *group);
int vfio_device_claim_dma_owner(struct vfio_device *vdev, const void *owner);
void vfio_device_release_dma_owner(struct vfio_device *vdev);
/* iommu_group_claim_dma_owner(): EPERM unless no one holds the group. */
int vfio_group_claim_dma_owner(struct vfio_group *group, const void *owner);
void vfio_group_release_dma_owner(struct vfio_group *group);
int vfio_device_block_group(struct vfio_device *vdev);
void vfio_device_unblock_group(struct vfio_device *vdev);
void vfio_df_group_close(struct vfio_device_file *df);

/*
 * vfio's enable_unsafe_noiommu_mode, and CAP_SYS_RAWIO (uid 0 here,
 * docs/deviations.md "Privileges"), which every noiommu step demands.
 */
bool vfio_noiommu_enabled(void);
bool vfio_capable_rawio(const struct uvfio_call *call);

/* The legacy container /dev/vfio/vfio (container.c). */
int vfio_container_init(void);
void vfio_container_exit(void);
struct vfio_container *vfio_container_from_file(struct uvfio_file *file);
int vfio_container_attach_group(struct vfio_container *c,
				struct vfio_group *group,
				const struct uvfio_call *call);
/* VFIO_SET_IOMMU has chosen a driver (type1 or vfio-noiommu). */
bool vfio_container_has_driver(const struct vfio_container *c);
void vfio_group_detach_container(struct vfio_group *group);
int vfio_container_dma_rw(struct vfio_container *c, uint64_t iova, void *buf,
			  size_t len, bool is_write);

/* type1/type1v2 (vfio_iommu_type1.c). */
int vfio_iommu_type1_check_extension(struct vfio_iommu *iommu,
				     unsigned long arg);
int vfio_iommu_type1_open(unsigned long type, struct vfio_iommu **ret);
void vfio_iommu_type1_release(struct vfio_iommu *iommu);
long vfio_iommu_type1_ioctl(struct vfio_iommu *iommu, struct uvfio_call *call,
			    unsigned long cmd, uint64_t arg);
int vfio_iommu_type1_dma_rw(struct vfio_iommu *iommu, uint64_t iova,
			    void *buf, size_t len, bool is_write);

/* The cdev path. */
int vfio_device_cdev_init(struct vfio_device *vdev);
long vfio_df_ioctl_bind_iommufd(struct vfio_device_file *df,
				struct uvfio_call *call, uint64_t arg);
long vfio_df_ioctl_attach_pt(struct vfio_device_file *df,
			     struct uvfio_call *call, uint64_t arg);
long vfio_df_ioctl_detach_pt(struct vfio_device_file *df,
			     struct uvfio_call *call, uint64_t arg);

/* All device files, both paths; and who owns a file's device. */
struct vfio_device_file *vfio_df_first(void);
/* The iommufd context, or the type1 container, a device file uses. */
const void *vfio_df_owner(const struct vfio_device_file *df);

/*
 * Reset capability extensions (src/vfio/pci/vfio_pci_reset_ext.c,
 * include/uvfio/uapi/vfio_ext.h): the ioctls, and the claims they hold.
 */
long vfio_ext_ioctl(struct vfio_device_file *df, struct uvfio_call *call,
		    unsigned long cmd, uint64_t arg);
/* -EBUSY when a reset claim of another owner covers vdev. */
int vfio_reset_claim_check(struct vfio_device *vdev, const void *owner);
/* A claim covers the function at bdf (host driver binding is refused). */
bool vfio_reset_claim_covers_bdf(const char *bdf);
void vfio_reset_claim_release(struct vfio_device_file *df);

/* DMA from the device model through whatever the device is attached to. */
int vfio_device_dma_rw(struct vfio_device *vdev, uint64_t iova, void *buf,
		       size_t len, bool is_write);
/* Copy src to dst (an engine's memcpy); -EOPNOTSUPP: use dma_rw. */
int vfio_device_dma_copy(struct vfio_device *vdev, uint64_t dst, uint64_t src,
			 size_t len, bool *ret_write_fault);

/* vfio-pci: create the device for an emulated function. */
int vfio_pci_probe(struct pci_dev *pdev, unsigned int index,
		   unsigned int group_id, struct vfio_device **ret);
void vfio_pci_remove(struct vfio_device *vdev);

/* argsz helper shared by every device ioctl: minsz check and copy-in. */
int vfio_copy_argsz(struct uvfio_call *call, void *dst, size_t minsz,
		    uint64_t arg, uint32_t *ret_argsz);

#endif
