/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * uvfio: the iommufd selftest interface (IOMMU_TEST_CMD and the "mock"
 * IOMMU driver's data types), layout-identical to Linux's
 * drivers/iommu/iommufd/iommufd_test.h as used by
 * tools/testing/selftests/iommu/ from 6.12 on.  uvfiod implements it.
 *
 * This is a superset across kernel versions:
 *  - MOCK_FLAGS_DEVICE_HUGE_IOVA is the 6.12 meaning of dev_flags bit 1
 *    (later kernels dropped it when the mock moved to a generic page
 *    table and pagetable_type/MOCK_IOMMUPT_* appeared);
 *  - iommu_hwpt_selftest has the newer pagetable_type member (8 bytes);
 *    6.12 programs pass data_len 4 (iotlb only), which must be accepted;
 *  - the mock page sizes are NOT defined under their Linux names here,
 *    because the 6.12 selftest defines MOCK_PAGE_SIZE/MOCK_HUGE_PAGE_SIZE
 *    itself; use UVFIO_MOCK_PAGE_SIZE instead.
 */
#ifndef UVFIO_UAPI_IOMMUFD_TEST_H
#define UVFIO_UAPI_IOMMUFD_TEST_H

#ifdef _UAPI_IOMMUFD_TEST_H
#error "the kernel's iommufd_test.h already included; use only one of the two"
#endif
#define _UAPI_IOMMUFD_TEST_H

#include <linux/types.h>
#include <uvfio/uapi/iommufd.h>

/* The single multiplexed test ioctl: 0x3ba0. */
#define IOMMU_TEST_CMD _IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + 32)

/* iommu_test_cmd.op */
enum {
	IOMMU_TEST_OP_ADD_RESERVED = 1,
	IOMMU_TEST_OP_MOCK_DOMAIN = 2,
	IOMMU_TEST_OP_MD_CHECK_MAP = 3,
	IOMMU_TEST_OP_MD_CHECK_REFS = 4,
	IOMMU_TEST_OP_CREATE_ACCESS = 5,
	IOMMU_TEST_OP_DESTROY_ACCESS_PAGES = 6,
	IOMMU_TEST_OP_ACCESS_PAGES = 7,
	IOMMU_TEST_OP_ACCESS_RW = 8,
	IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT = 9,
	IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE = 10,
	IOMMU_TEST_OP_ACCESS_REPLACE_IOAS = 11,
	IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS = 12,
	IOMMU_TEST_OP_DIRTY = 13,
	IOMMU_TEST_OP_MD_CHECK_IOTLB = 14,
	IOMMU_TEST_OP_TRIGGER_IOPF = 15,
	IOMMU_TEST_OP_DEV_CHECK_CACHE = 16,
	IOMMU_TEST_OP_TRIGGER_VEVENT = 17,
	IOMMU_TEST_OP_PASID_ATTACH = 18,
	IOMMU_TEST_OP_PASID_REPLACE = 19,
	IOMMU_TEST_OP_PASID_DETACH = 20,
	IOMMU_TEST_OP_PASID_CHECK_HWPT = 21,
	IOMMU_TEST_OP_DMABUF_GET = 22,
	IOMMU_TEST_OP_DMABUF_REVOKE = 23,
	IOMMU_TEST_OP_MD_CHECK_DMABUF = 24,
};

/* Page-table formats a mock HWPT can ask for (iommu_hwpt_selftest). */
enum {
	MOCK_IOMMUPT_DEFAULT = 0,
	MOCK_IOMMUPT_HUGE = 1,
};

/* IOVA window of a mock domain: [16 MiB, 2 GiB - 1]. */
enum {
	MOCK_APERTURE_START = 0x01000000,
	MOCK_APERTURE_LAST = 0x7fffffff,
};

/* Mock IOMMU page size: half of a 4 KiB CPU page; huge = 512 of them. */
#define UVFIO_MOCK_PAGE_SIZE		2048
#define UVFIO_MOCK_HUGE_PAGE_SIZE	(512 * UVFIO_MOCK_PAGE_SIZE)

/* access_pages.flags */
enum {
	MOCK_FLAGS_ACCESS_WRITE = 1 << 0,
	MOCK_FLAGS_ACCESS_SYZ = 1 << 16,
};

/* access_rw.flags */
enum {
	MOCK_ACCESS_RW_WRITE = 1 << 0,
	MOCK_ACCESS_RW_SLOW_PATH = 1 << 2,
};

/* create_access.flags */
enum {
	MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES = 1 << 0,
};

/* mock_domain_flags.dev_flags */
enum {
	MOCK_FLAGS_DEVICE_NO_DIRTY = 1 << 0,
	MOCK_FLAGS_DEVICE_HUGE_IOVA = 1 << 1,	/* 6.12; unused later */
	MOCK_FLAGS_DEVICE_PASID = 1 << 2,
};

/* The nested mock domain keeps 4 fake IOTLB entries (ids 0..3). */
enum {
	MOCK_NESTED_DOMAIN_IOTLB_ID_MAX = 3,
	MOCK_NESTED_DOMAIN_IOTLB_NUM = 4,
};

/* A mock device keeps 4 fake cache entries (ids 0..3). */
enum {
	MOCK_DEV_CACHE_ID_MAX = 3,
	MOCK_DEV_CACHE_NUM = 4,
};

/* A PASID that tests keep for the replace-failure case. */
#define IOMMU_TEST_PASID_RESERVED 1024

/* PASID width of the mock device and mock IOMMU, in bits. */
#define MOCK_PASID_WIDTH 20

/*
 * Argument of IOMMU_TEST_CMD.  "id" names the object the op works on
 * (an IOAS, HWPT, access or mock device, depending on op).  The union is
 * as large as its largest member ("dirty", 48 bytes), so the struct is
 * 72 bytes; "last" only marks the end.
 */
struct iommu_test_cmd {
	__u32 size;
	__u32 op;
	__u32 id;
	__u32 __reserved;
	union {
		struct {
			__aligned_u64 start;
			__aligned_u64 length;
		} add_reserved;
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			__u32 out_idev_id;	/* a normal device id */
		} mock_domain;
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			__u32 out_idev_id;
			__u32 dev_flags;	/* MOCK_FLAGS_DEVICE_* (in) */
		} mock_domain_flags;
		struct {
			__u32 pt_id;
		} mock_domain_replace;
		struct {
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
		} check_map;
		struct {
			__aligned_u64 length;
			__aligned_u64 uptr;
			__u32 refs;
		} check_refs;
		struct {
			__u32 out_access_fd;
			__u32 flags;
		} create_access;
		struct {
			__u32 access_pages_id;
		} destroy_access_pages;
		struct {
			__u32 flags;
			__u32 out_access_pages_id;
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
		} access_pages;
		struct {
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
			__u32 flags;
		} access_rw;
		struct {
			__u32 limit;
		} memory_limit;
		struct {
			__u32 ioas_id;
		} access_replace_ioas;
		struct {
			__u32 flags;
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 page_size;
			__aligned_u64 uptr;
			__aligned_u64 out_nr_dirty;
		} dirty;
		struct {
			__u32 id;
			__u32 iotlb;
		} check_iotlb;
		struct {
			__u32 dev_id;
			__u32 pasid;
			__u32 grpid;
			__u32 perm;
			__u64 addr;
		} trigger_iopf;
		struct {
			__u32 id;
			__u32 cache;
		} check_dev_cache;
		struct {
			__u32 dev_id;
		} trigger_vevent;
		/* for the four PASID ops, id is the mock device (stdev) */
		struct {
			__u32 pasid;
			__u32 pt_id;
		} pasid_attach;
		struct {
			__u32 pasid;
			__u32 pt_id;
		} pasid_replace;
		struct {
			__u32 pasid;
		} pasid_detach;
		struct {
			__u32 pasid;
			__u32 hwpt_id;
		} pasid_check;
		struct {
			__u32 length;
			__u32 open_flags;
		} dmabuf_get;
		struct {
			__s32 dmabuf_fd;
			__u32 revoked;
		} dmabuf_revoke;
		struct {
			__s32 dmabuf_fd;
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 offset;
		} check_dmabuf;
	};
	__u32 last;
};

/* IOMMU_GET_HW_INFO on a mock device */
#define IOMMU_HW_INFO_TYPE_SELFTEST	0xfeedbeef
#define IOMMU_HW_INFO_SELFTEST_REGVAL	0xdeadbeef

struct iommu_test_hw_info {
	__u32 flags;
	__u32 test_reg;			/* IOMMU_HW_INFO_SELFTEST_REGVAL */
};

/* IOMMU_HWPT_ALLOC of a nested mock HWPT */
#define IOMMU_HWPT_DATA_SELFTEST	0xdead
#define IOMMU_TEST_IOTLB_DEFAULT	0xbadbeef
#define IOMMU_TEST_DEV_CACHE_DEFAULT	0xbaddad

struct iommu_hwpt_selftest {
	__u32 iotlb;			/* initial value of every fake IOTLB */
	__u32 pagetable_type;		/* MOCK_IOMMUPT_*; newer than 6.12 */
};

/* IOMMU_HWPT_INVALIDATE on a nested mock HWPT */
#define IOMMU_HWPT_INVALIDATE_DATA_SELFTEST		0xdeadbeef
#define IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID	0xdadbeef

/* flags of both selftest invalidation entries: ignore the index */
#define IOMMU_TEST_INVALIDATE_FLAG_ALL	(1 << 0)

struct iommu_hwpt_invalidate_selftest {
	__u32 flags;
	__u32 iotlb_id;
};

/* IOMMU_VIOMMU_ALLOC of a mock vIOMMU: out_data echoes in_data */
#define IOMMU_VIOMMU_TYPE_SELFTEST	0xdeadbeef

struct iommu_viommu_selftest {
	__u32 in_data;
	__u32 out_data;
	__aligned_u64 out_mmap_offset;
	__aligned_u64 out_mmap_length;
};

/* IOMMU_HWPT_INVALIDATE on a mock vIOMMU (device cache) */
#define IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST		0xdeadbeef
#define IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID	0xdadbeef

struct iommu_viommu_invalidate_selftest {
	__u32 flags;
	__u32 vdev_id;
	__u32 cache_id;
};

/* vEVENTQ of a mock vIOMMU; each record carries the vdevice's virt_id */
#define IOMMU_VEVENTQ_TYPE_SELFTEST	0xbeefbeef

struct iommu_viommu_event_selftest {
	__u32 virt_id;
};

/* IOMMU_HW_QUEUE_ALLOC on a mock vIOMMU: at most 2 queues */
#define IOMMU_HW_QUEUE_TYPE_SELFTEST	0xdeadbeef
#define IOMMU_TEST_HW_QUEUE_MAX		2

#endif /* UVFIO_UAPI_IOMMUFD_TEST_H */
