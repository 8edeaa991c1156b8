/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd inside uvfiod: objects, the per-open context, and the contracts
 * between the files of this directory.
 *
 * Layers, top to bottom (as in the kernel):
 *   main.c          the /dev/iommu file, object table, ioctl dispatch
 *   ioas.c          IOAS ioctls: validate, look up, call io_pagetable
 *   device.c        devices bound to a context, attach/detach/replace
 *   hw_pagetable.c  HWPT objects (paging, nested), dirty tracking
 *   io_pagetable.c  which IOVA ranges map which pages; domains attached
 *   pages.c         where the pages of a user range live; accounting
 *   pgtable.c       a domain: a real radix page table (4K/2M/1G leaves)
 *
 * Object lifetime: an object is allocated with its id reserved but not
 * visible (lookups fail) until iommufd_object_finalize(); on error it is
 * aborted instead. "users" counts long-term references from other objects
 * (an HWPT holds its IOAS, a device holds its HWPT): destroy of an object
 * with users fails with EBUSY. Everything runs under uvfio_big_lock, so
 * there are no short-term references to track.
 */
#ifndef UVFIO_IOMMUFD_PRIVATE_H
#define UVFIO_IOMMUFD_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uvfio/uapi/iommufd.h"

struct uvfio_call;
struct uvfio_file;
struct uvfio_mm;
struct io_pagetable;
struct iommu_domain;

enum iommufd_object_type {
	IOMMUFD_OBJ_NONE,
	IOMMUFD_OBJ_ANY = IOMMUFD_OBJ_NONE,
	IOMMUFD_OBJ_DEVICE,
	IOMMUFD_OBJ_HWPT_PAGING,
	IOMMUFD_OBJ_HWPT_NESTED,
	IOMMUFD_OBJ_IOAS,
	IOMMUFD_OBJ_ACCESS,
	IOMMUFD_OBJ_FAULT,
	IOMMUFD_OBJ_VIOMMU,
	IOMMUFD_OBJ_VDEVICE,
	IOMMUFD_OBJ_VEVENTQ,
	IOMMUFD_OBJ_SELFTEST,
	IOMMUFD_OBJ_MAX,
};

struct iommufd_object {
	uint32_t id;
	enum iommufd_object_type type;
	unsigned int users;
	bool finalized;
};

struct iommufd_ioas;

/* Whose RLIMIT_MEMLOCK pinned pages count against (IOMMU_OPTION_RLIMIT_MODE). */
enum iommufd_account_mode {
	IOMMUFD_ACCOUNT_NONE,
	IOMMUFD_ACCOUNT_USER,		/* the default: per user */
	IOMMUFD_ACCOUNT_MM,		/* per process */
};

struct iommufd_access;

struct iommufd_ctx {
	struct uvfio_file *file;
	struct iommufd_object **objs;	/* index = id; [0] unused */
	uint32_t nr_objs;		/* capacity of objs */
	uint32_t live_objs;
	struct iommufd_ioas *vfio_ioas;	/* the container-compat IOAS */
	struct uvfio_mm *mm;		/* the opener, for accounting */
	enum iommufd_account_mode account_mode;
	/* A no-IOMMU group uses this context as its container. */
	bool no_iommu_mode;
};

/* One ioctl in flight on a context; cmd is the kernel-side copy. */
struct iommufd_ucmd {
	struct iommufd_ctx *ictx;
	struct uvfio_call *call;
	uint64_t ubuffer;
	uint32_t user_size;
	void *cmd;
};

/* Copy cmd (cmd_len bytes, truncated to user_size) back to the caller. */
int iommufd_ucmd_respond(struct iommufd_ucmd *ucmd, size_t cmd_len);

/* Objects. */
struct iommufd_object *iommufd_object_alloc_elm(struct iommufd_ctx *ictx,
						size_t size,
						enum iommufd_object_type type);
#define iommufd_object_alloc(ictx, ptr, type)				\
	((__typeof__(ptr))iommufd_object_alloc_elm(ictx, sizeof(*(ptr)), type))
void iommufd_object_finalize(struct iommufd_ctx *ictx, struct iommufd_object *obj);
/* Free an object that never had its destroy-able state built. */
void iommufd_object_abort(struct iommufd_ctx *ictx, struct iommufd_object *obj);
/* Run its destroy callback, then free it (used on late errors). */
void iommufd_object_abort_and_destroy(struct iommufd_ctx *ictx,
				      struct iommufd_object *obj);
/* A finalized object of type (or any type), or NULL: -ENOENT. */
struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx, uint32_t id,
					  enum iommufd_object_type type);
/* If every fd of file was closed, release it now (see main.c). */
bool iommufd_file_reap_if_closed(struct uvfio_file *file);
/* Destroy by id: -ENOENT, -EBUSY while it has users. */
int iommufd_object_remove(struct iommufd_ctx *ictx, uint32_t id);
/* Destroy an object that has no users (internal, e.g. auto HWPT). */
void iommufd_object_destroy_user(struct iommufd_ctx *ictx,
				 struct iommufd_object *obj);

/* IOAS: owned by ioas.c / io_pagetable.c. */
struct iommufd_ioas {
	struct iommufd_object obj;
	struct io_pagetable *iopt;
	/* HWPT_PAGING objects created automatically for attached devices. */
	struct iommufd_hwpt_paging **auto_hwpts;
	unsigned int nr_auto_hwpts;
	/* Access objects attached (access.c), told before pinned IOVA goes. */
	struct iommufd_access **accesses;
	unsigned int nr_accesses;
};

struct iommufd_ioas *iommufd_get_ioas(struct iommufd_ctx *ictx, uint32_t id);
struct iommufd_ioas *iommufd_ioas_alloc(struct iommufd_ctx *ictx);
void iommufd_ioas_destroy(struct iommufd_object *obj);
int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_ioas_allow_iovas(struct iommufd_ucmd *ucmd);
int iommufd_ioas_copy(struct iommufd_ucmd *ucmd);
int iommufd_ioas_iova_ranges(struct iommufd_ucmd *ucmd);
int iommufd_ioas_map(struct iommufd_ucmd *ucmd);
int iommufd_ioas_map_file(struct iommufd_ucmd *ucmd);
int iommufd_ioas_unmap(struct iommufd_ucmd *ucmd);
/* IOMMU_OPTION with an IOAS object_id (HUGE_PAGES). */
int iommufd_ioas_option(struct iommufd_ucmd *ucmd);

/*
 * What the IOMMU in front of a device offers: the kernel's iommu_ops and
 * capabilities, reduced to what iommufd looks at. Real devices sit behind
 * uvfio's software IOMMU; the selftest's mock devices behind the mock
 * driver (selftest.c).
 */
struct iommufd_iommu {
	uint64_t aperture_start;
	uint64_t aperture_last;
	uint64_t pgsize_bitmap;
	bool dirty_tracking;		/* IOMMU_CAP_DIRTY_TRACKING */
	bool mock;			/* the selftest driver: nesting, IOPF */
	uint32_t hw_info_type;		/* IOMMU_HW_INFO_TYPE_* */
	uint8_t max_pasid_log2;
};

/*
 * HWPTs: owned by hw_pagetable.c. One struct serves both kinds; obj.type
 * says which. A paging HWPT owns a domain mirroring its IOAS. A nested
 * HWPT has a user-managed stage 1 we cannot walk: DMA goes through its
 * parent's domain, and only its (mock) IOTLB is state of its own.
 */
#define IOMMUFD_MOCK_IOTLB_NUM	4

struct iommufd_fault;

struct iommufd_hwpt_paging {
	struct iommufd_object obj;
	struct iommufd_ioas *ioas;		/* paging */
	struct iommu_domain *domain;		/* paging */
	struct iommufd_hwpt_paging *parent;	/* nested */
	struct iommufd_fault *fault;		/* IOMMU_HWPT_FAULT_ID_VALID */
	const struct iommufd_iommu *iommu;	/* the driver that made it */
	uint32_t iotlb[IOMMUFD_MOCK_IOTLB_NUM];	/* nested, mock */
	bool auto_domain;
	bool enforce_cache_coherency;
	bool nest_parent;
	bool dirty_ops;				/* DIRTY_TRACKING at alloc */
	unsigned int nr_devices;
};

void iommufd_hwpt_paging_destroy(struct iommufd_object *obj);
void iommufd_hwpt_nested_destroy(struct iommufd_object *obj);
int iommufd_hwpt_set_dirty_tracking(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_get_dirty_bitmap(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_invalidate(struct iommufd_ucmd *ucmd);

/* Devices: owned by device.c. */
struct iommufd_device {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	void *dev;
	uint32_t group_id;
	const struct iommufd_iommu *iommu;
	uint32_t mock_flags;			/* MOCK_FLAGS_DEVICE_* */
	struct iommufd_hwpt_paging *hwpt;	/* attached, or NULL */
};

void iommufd_device_destroy(struct iommufd_object *obj);
/* The IOMMU behind every real (non-mock) device. */
extern const struct iommufd_iommu iommufd_sw_iommu;
/* Replace the attachment of a bound device (attach if detached). */
int iommufd_device_replace(struct iommufd_device *idev, uint32_t *pt_id);
struct iommufd_device *iommufd_get_device(struct iommufd_ctx *ictx,
					  uint32_t id);

/*
 * Fault queues: fault.c. The object is reached by id; its file (the fd
 * IOMMU_FAULT_QUEUE_ALLOC returns) holds a user reference on it and a
 * reference on the context's file, as the kernel's does.
 */
struct iommufd_fault_entry;

struct iommufd_fault {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	struct uvfio_file *file;
	struct iommufd_fault_entry *deliver;	/* queued, oldest first */
	struct iommufd_fault_entry *response;	/* read, awaiting an answer */
	uint32_t next_cookie;
};

void iommufd_fault_destroy(struct iommufd_object *obj);
int iommufd_fault_alloc(struct iommufd_ucmd *ucmd);
struct iommufd_fault *iommufd_get_fault(struct iommufd_ctx *ictx, uint32_t id);
/* Queue a page request on the fault object of hwpt; -EOPNOTSUPP without. */
int iommufd_fault_report(struct iommufd_hwpt_paging *hwpt,
			 struct iommufd_device *idev,
			 const struct iommu_hwpt_pgfault *fault);
/* Drop every pending fault of idev on fault (auto response, detach). */
void iommufd_fault_flush_device(struct iommufd_fault *fault,
				struct iommufd_device *idev);

/* Access objects: access.c. */
struct iommufd_access_ops {
	bool needs_pin_pages;
	/* Unpin whatever lies in [iova, iova + length): the IOVA is going. */
	void (*unmap)(void *data, uint64_t iova, uint64_t length);
};

void iommufd_access_destroy_object(struct iommufd_object *obj);
struct iommufd_access *iommufd_access_create(struct iommufd_ctx *ictx,
					     const struct iommufd_access_ops *ops,
					     void *data, int *rc);
void iommufd_access_destroy(struct iommufd_access *access);
int iommufd_access_attach(struct iommufd_access *access, uint32_t ioas_id);
int iommufd_access_replace(struct iommufd_access *access, uint32_t ioas_id);
int iommufd_access_pin_pages(struct iommufd_access *access, uint64_t iova,
			     uint64_t length, bool write);
void iommufd_access_unpin_pages(struct iommufd_access *access, uint64_t iova,
				uint64_t length);
int iommufd_access_rw(struct iommufd_access *access, uint64_t iova, void *buf,
		      size_t len, bool write);
/* The pages behind iova (pinned by the access), for checks. */
struct iopt_pages *iommufd_access_iova_pages(struct iommufd_access *access,
					    uint64_t iova, uint64_t *offset);

/* selftest.c: the mock driver, only with --mock. */
int iommufd_test(struct iommufd_ucmd *ucmd);
void iommufd_selftest_destroy(struct iommufd_object *obj);
/* Release selftest access files whose fds were all closed; any? */
bool iommufd_selftest_reap_closed(void);
extern const struct iommufd_iommu iommufd_mock_iommu;
extern const struct iommufd_iommu iommufd_mock_iommu_huge;

/* main.c: the file. */
int iommufd_ctx_open(struct uvfio_call *call, int flags,
		     struct uvfio_file **ret_file);
bool iommufd_file_is_ctx(struct uvfio_file *file);
struct iommufd_ctx *iommufd_ctx_from_file(struct uvfio_file *file);

/* hw_pagetable.c / device.c ioctls. */
int iommufd_hwpt_alloc(struct iommufd_ucmd *ucmd);
int iommufd_get_hw_info(struct iommufd_ucmd *ucmd);

/* vfio_compat.c */
int iommufd_vfio_ioas(struct iommufd_ucmd *ucmd);
long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, struct uvfio_call *call,
			unsigned long cmd, uint64_t arg);
int iommufd_vfio_compat_init(void);

/* Lifetime of the module. */
int iommufd_init(bool mock);
void iommufd_exit(void);
unsigned int iommufd_live_objects(void);

#endif
