/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * uvfio: the iommufd user API (/dev/iommu), ABI-identical to Linux's
 * <linux/iommufd.h>.
 *
 * Written for uvfio from the published facts of the Linux uAPI (ioctl
 * numbers, names, field order and widths).  Identifier names are the
 * kernel's so that a program builds unchanged against either header.
 * Content: everything up to IOMMU_HW_QUEUE_ALLOC (cmd 0x94), plus the AMD
 * hw_info / nested-HWPT data and IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED.
 *
 * Conventions shared by every command: the argument begins with
 * "__u32 size" (the caller's sizeof), ioctl numbers carry no size
 * (_IO), trailing bytes the implementation does not know must be zero
 * (else E2BIG), and known-but-unsupported values give EOPNOTSUPP.
 */
#ifndef UVFIO_UAPI_IOMMUFD_H
#define UVFIO_UAPI_IOMMUFD_H

/*
 * Linux's header (installed or not) uses one of these guards.  Including
 * both headers in one translation unit cannot work, so refuse clearly,
 * and make a later #include <linux/iommufd.h> a no-op.
 */
#if defined(_IOMMUFD_H) || defined(_UAPI_IOMMUFD_H)
#error "<linux/iommufd.h> already included; include <uvfio/uapi/iommufd.h> instead of it"
#endif
#define _IOMMUFD_H
#define _UAPI_IOMMUFD_H

#include <linux/types.h>
#include <linux/ioctl.h>

#ifndef __aligned_le64
#define __aligned_le64 __le64 __attribute__((aligned(8)))
#endif

#define IOMMUFD_TYPE (';')

/* Command numbers (the "nr" of each _IO()). */
enum {
	IOMMUFD_CMD_BASE = 0x80,
	IOMMUFD_CMD_DESTROY = IOMMUFD_CMD_BASE,
	IOMMUFD_CMD_IOAS_ALLOC = 0x81,
	IOMMUFD_CMD_IOAS_ALLOW_IOVAS = 0x82,
	IOMMUFD_CMD_IOAS_COPY = 0x83,
	IOMMUFD_CMD_IOAS_IOVA_RANGES = 0x84,
	IOMMUFD_CMD_IOAS_MAP = 0x85,
	IOMMUFD_CMD_IOAS_UNMAP = 0x86,
	IOMMUFD_CMD_OPTION = 0x87,
	IOMMUFD_CMD_VFIO_IOAS = 0x88,
	IOMMUFD_CMD_HWPT_ALLOC = 0x89,
	IOMMUFD_CMD_GET_HW_INFO = 0x8a,
	IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING = 0x8b,
	IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP = 0x8c,
	IOMMUFD_CMD_HWPT_INVALIDATE = 0x8d,
	IOMMUFD_CMD_FAULT_QUEUE_ALLOC = 0x8e,
	IOMMUFD_CMD_IOAS_MAP_FILE = 0x8f,
	IOMMUFD_CMD_VIOMMU_ALLOC = 0x90,
	IOMMUFD_CMD_VDEVICE_ALLOC = 0x91,
	IOMMUFD_CMD_IOAS_CHANGE_PROCESS = 0x92,
	IOMMUFD_CMD_VEVENTQ_ALLOC = 0x93,
	IOMMUFD_CMD_HW_QUEUE_ALLOC = 0x94,
};

/* ---- IOMMU_DESTROY: drop any object by id ---------------------------- */
struct iommu_destroy {
	__u32 size;
	__u32 id;
};
#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY)

/* ---- IOAS: I/O address spaces ----------------------------------------- */
struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;			/* 0 */
	__u32 out_ioas_id;
};
#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)

/* Inclusive interval [start, last]. */
struct iommu_iova_range {
	__aligned_u64 start;
	__aligned_u64 last;
};

/*
 * num_iovas: in = room in the array at allowed_iovas, out = ranges that
 * exist (EMSGSIZE when the array was too small).
 */
struct iommu_ioas_iova_ranges {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;	/* user pointer to iommu_iova_range[] */
	__aligned_u64 out_iova_alignment;
};
#define IOMMU_IOAS_IOVA_RANGES _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_IOVA_RANGES)

/* Replaces the whole list of ranges that must stay usable. */
struct iommu_ioas_allow_iovas {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;	/* user pointer to iommu_iova_range[] */
};
#define IOMMU_IOAS_ALLOW_IOVAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOW_IOVAS)

/* flags of MAP, MAP_FILE and COPY */
enum iommufd_ioas_map_flags {
	IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,	/* else the IOVA is chosen */
	IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,
	IOMMU_IOAS_MAP_READABLE = 1 << 2,
};

struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;		/* in with FIXED_IOVA, else out */
};
#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP)

/* Like IOMMU_IOAS_MAP, but the memory is a file (memfd) range. */
struct iommu_ioas_map_file {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__s32 fd;
	__aligned_u64 start;		/* byte offset into the file */
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define IOMMU_IOAS_MAP_FILE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP_FILE)

/* Duplicate an existing mapping of src_ioas_id into dst_ioas_id. */
struct iommu_ioas_copy {
	__u32 size;
	__u32 flags;
	__u32 dst_ioas_id;
	__u32 src_ioas_id;
	__aligned_u64 length;
	__aligned_u64 dst_iova;
	__aligned_u64 src_iova;
};
#define IOMMU_IOAS_COPY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_COPY)

/* length is in/out: bytes actually unmapped come back. */
struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};
#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP)

/* ---- IOMMU_OPTION ------------------------------------------------------ */
enum iommufd_option {
	IOMMU_OPTION_RLIMIT_MODE = 0,	/* global: 0 per-user, 1 per-process */
	IOMMU_OPTION_HUGE_PAGES = 1,	/* per IOAS */
};

enum iommufd_option_ops {
	IOMMU_OPTION_OP_SET = 0,
	IOMMU_OPTION_OP_GET = 1,
};

struct iommu_option {
	__u32 size;
	__u32 option_id;
	__u16 op;
	__u16 __reserved;
	__u32 object_id;
	__aligned_u64 val64;
};
#define IOMMU_OPTION _IO(IOMMUFD_TYPE, IOMMUFD_CMD_OPTION)

/* ---- IOMMU_VFIO_IOAS: the IOAS behind the VFIO container emulation --- */
enum iommufd_vfio_ioas_op {
	IOMMU_VFIO_IOAS_GET = 0,
	IOMMU_VFIO_IOAS_SET = 1,
	IOMMU_VFIO_IOAS_CLEAR = 2,
};

struct iommu_vfio_ioas {
	__u32 size;
	__u32 ioas_id;
	__u16 op;
	__u16 __reserved;
};
#define IOMMU_VFIO_IOAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VFIO_IOAS)

/* ---- HWPT: hardware page tables --------------------------------------- */
enum iommufd_hwpt_alloc_flags {
	IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,
	IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1,
	IOMMU_HWPT_FAULT_ID_VALID = 1 << 2,
	IOMMU_HWPT_ALLOC_PASID = 1 << 3,
};

enum iommu_hwpt_vtd_s1_flags {
	IOMMU_VTD_S1_SRE = 1 << 0,
	IOMMU_VTD_S1_EAFE = 1 << 1,
	IOMMU_VTD_S1_WPE = 1 << 2,
};

/* data for IOMMU_HWPT_DATA_VTD_S1 */
struct iommu_hwpt_vtd_s1 {
	__aligned_u64 flags;
	__aligned_u64 pgtbl_addr;
	__u32 addr_width;
	__u32 __reserved;
};

/* data for IOMMU_HWPT_DATA_ARM_SMMUV3: STE words 0 and 1, little endian */
struct iommu_hwpt_arm_smmuv3 {
	__aligned_le64 ste[2];
};

/* data for IOMMU_HWPT_DATA_AMD_GUEST: the guest's device table entry */
struct iommu_hwpt_amd_guest {
	__aligned_u64 dte[4];
};

enum iommu_hwpt_data_type {
	IOMMU_HWPT_DATA_NONE = 0,
	IOMMU_HWPT_DATA_VTD_S1 = 1,
	IOMMU_HWPT_DATA_ARM_SMMUV3 = 2,
	IOMMU_HWPT_DATA_AMD_GUEST = 3,
};

/*
 * pt_id: an IOAS (kernel-managed table), or a parent HWPT / vIOMMU for a
 * nested user-managed table described by data_type/data_len/data_uptr.
 */
struct iommu_hwpt_alloc {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id;
	__u32 out_hwpt_id;
	__u32 __reserved;
	__u32 data_type;
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 fault_id;			/* valid with IOMMU_HWPT_FAULT_ID_VALID */
	__u32 __reserved2;
};
#define IOMMU_HWPT_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_ALLOC)

/* ---- IOMMU_GET_HW_INFO ------------------------------------------------ */
enum iommu_hw_info_vtd_flags {
	IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17 = 1 << 0,
};

struct iommu_hw_info_vtd {
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 cap_reg;
	__aligned_u64 ecap_reg;
};

struct iommu_hw_info_arm_smmuv3 {
	__u32 flags;
	__u32 __reserved;
	__u32 idr[6];
	__u32 iidr;
	__u32 aidr;
};

struct iommu_hw_info_tegra241_cmdqv {
	__u32 flags;
	__u8 version;
	__u8 log2vcmdqs;
	__u8 log2vsids;
	__u8 __reserved;
};

/* AMD: the extended feature registers EFR and EFR2 */
struct iommu_hw_info_amd {
	__aligned_u64 efr;
	__aligned_u64 efr2;
};

enum iommu_hw_info_type {
	IOMMU_HW_INFO_TYPE_NONE = 0,
	IOMMU_HW_INFO_TYPE_DEFAULT = 0,	/* as input: "whatever is native" */
	IOMMU_HW_INFO_TYPE_INTEL_VTD = 1,
	IOMMU_HW_INFO_TYPE_ARM_SMMUV3 = 2,
	IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV = 3,
	IOMMU_HW_INFO_TYPE_AMD = 4,
};

enum iommufd_hw_capabilities {
	IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0,
	IOMMU_HW_CAP_PCI_PASID_EXEC = 1 << 1,
	IOMMU_HW_CAP_PCI_PASID_PRIV = 1 << 2,
	IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED = 1 << 3,
};

enum iommufd_hw_info_flags {
	IOMMU_HW_INFO_FLAG_INPUT_TYPE = 1 << 0,	/* in_data_type is meaningful */
};

/*
 * in_data_type and out_data_type are one field: a request when
 * IOMMU_HW_INFO_FLAG_INPUT_TYPE is set, the reported type on return.
 */
struct iommu_hw_info {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 data_len;			/* in: buffer size, out: driver size */
	__aligned_u64 data_uptr;
	union {
		__u32 in_data_type;
		__u32 out_data_type;
	};
	__u8 out_max_pasid_log2;
	__u8 __reserved[3];
	__aligned_u64 out_capabilities;
};
#define IOMMU_GET_HW_INFO _IO(IOMMUFD_TYPE, IOMMUFD_CMD_GET_HW_INFO)

/* ---- Dirty tracking ----------------------------------------------------- */
enum iommufd_hwpt_set_dirty_tracking_flags {
	IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1,
};

struct iommu_hwpt_set_dirty_tracking {
	__u32 size;
	__u32 flags;
	__u32 hwpt_id;
	__u32 __reserved;
};
#define IOMMU_HWPT_SET_DIRTY_TRACKING \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING)

enum iommufd_hwpt_get_dirty_bitmap_flags {
	IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1,
};

/* Bit n of the u64 array at data covers iova + n * page_size. */
struct iommu_hwpt_get_dirty_bitmap {
	__u32 size;
	__u32 hwpt_id;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;
};
#define IOMMU_HWPT_GET_DIRTY_BITMAP \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP)

/* ---- IOMMU_HWPT_INVALIDATE (nested HWPT or vIOMMU) --------------------- */
enum iommu_hwpt_invalidate_data_type {
	IOMMU_HWPT_INVALIDATE_DATA_VTD_S1 = 0,
	IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 = 1,
};

enum iommu_hwpt_vtd_s1_invalidate_flags {
	IOMMU_VTD_INV_FLAGS_LEAF = 1 << 0,
};

struct iommu_hwpt_vtd_s1_invalidate {
	__aligned_u64 addr;
	__aligned_u64 npages;
	__u32 flags;
	__u32 __reserved;
};

/* one 128-bit SMMUv3 command-queue entry, little endian */
struct iommu_viommu_arm_smmuv3_invalidate {
	__aligned_le64 cmd[2];
};

/*
 * entry_num: in = entries in the array, out = entries handled.
 * entry_num == 0 only probes whether data_type is supported.
 */
struct iommu_hwpt_invalidate {
	__u32 size;
	__u32 hwpt_id;
	__aligned_u64 data_uptr;
	__u32 data_type;
	__u32 entry_len;
	__u32 entry_num;
	__u32 __reserved;
};
#define IOMMU_HWPT_INVALIDATE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_INVALIDATE)

/* ---- Fault queues: read() gives pgfaults, write() takes responses ----- */
enum iommu_hwpt_pgfault_flags {
	IOMMU_PGFAULT_FLAGS_PASID_VALID = 1 << 0,
	IOMMU_PGFAULT_FLAGS_LAST_PAGE = 1 << 1,
};

enum iommu_hwpt_pgfault_perm {
	IOMMU_PGFAULT_PERM_READ = 1 << 0,
	IOMMU_PGFAULT_PERM_WRITE = 1 << 1,
	IOMMU_PGFAULT_PERM_EXEC = 1 << 2,
	IOMMU_PGFAULT_PERM_PRIV = 1 << 3,
};

struct iommu_hwpt_pgfault {
	__u32 flags;
	__u32 dev_id;
	__u32 pasid;
	__u32 grpid;
	__u32 perm;
	__u32 __reserved;
	__aligned_u64 addr;
	__u32 length;
	__u32 cookie;
};

enum iommufd_page_response_code {
	IOMMUFD_PAGE_RESP_SUCCESS = 0,
	IOMMUFD_PAGE_RESP_INVALID = 1,
};

struct iommu_hwpt_page_response {
	__u32 cookie;
	__u32 code;
};

struct iommu_fault_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_fault_id;
	__u32 out_fault_fd;
};
#define IOMMU_FAULT_QUEUE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_FAULT_QUEUE_ALLOC)

/* ---- vIOMMU and vDEVICE ------------------------------------------------ */
enum iommu_viommu_type {
	IOMMU_VIOMMU_TYPE_DEFAULT = 0,
	IOMMU_VIOMMU_TYPE_ARM_SMMUV3 = 1,
	IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV = 2,
};

/* output data of a TEGRA241_CMDQV vIOMMU: where to mmap VINTF page0 */
struct iommu_viommu_tegra241_cmdqv {
	__aligned_u64 out_vintf_mmap_offset;
	__aligned_u64 out_vintf_mmap_length;
};

struct iommu_viommu_alloc {
	__u32 size;
	__u32 flags;
	__u32 type;
	__u32 dev_id;
	__u32 hwpt_id;			/* nesting parent */
	__u32 out_viommu_id;
	__u32 data_len;
	__u32 __reserved;
	__aligned_u64 data_uptr;
};
#define IOMMU_VIOMMU_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VIOMMU_ALLOC)

struct iommu_vdevice_alloc {
	__u32 size;
	__u32 viommu_id;
	__u32 dev_id;
	__u32 out_vdevice_id;
	__aligned_u64 virt_id;		/* vSID / vDeviceID / vRID */
};
#define IOMMU_VDEVICE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VDEVICE_ALLOC)

/* ---- IOMMU_IOAS_CHANGE_PROCESS: move pin accounting to the caller ------ */
struct iommu_ioas_change_process {
	__u32 size;
	__u32 __reserved;
};
#define IOMMU_IOAS_CHANGE_PROCESS \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_CHANGE_PROCESS)

/* ---- vEVENTQ: per-vIOMMU event fds -------------------------------------- */
enum iommu_veventq_flag {
	IOMMU_VEVENTQ_FLAG_LOST_EVENTS = (1U << 0),
};

/* Precedes every record read from a vEVENTQ fd. */
struct iommufd_vevent_header {
	__u32 flags;
	__u32 sequence;			/* 0..INT_MAX, then wraps to 0 */
};

enum iommu_veventq_type {
	IOMMU_VEVENTQ_TYPE_DEFAULT = 0,
	IOMMU_VEVENTQ_TYPE_ARM_SMMUV3 = 1,
	IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV = 2,
};

/* a 256-bit SMMUv3 event record, little endian */
struct iommu_vevent_arm_smmuv3 {
	__aligned_le64 evt[4];
};

struct iommu_vevent_tegra241_cmdqv {
	__aligned_le64 lvcmdq_err_map[2];
};

struct iommu_veventq_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 veventq_depth;
	__u32 out_veventq_id;
	__u32 out_veventq_fd;
	__u32 __reserved;
};
#define IOMMU_VEVENTQ_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VEVENTQ_ALLOC)

/* ---- HW queues ---------------------------------------------------------- */
enum iommu_hw_queue_type {
	IOMMU_HW_QUEUE_TYPE_DEFAULT = 0,
	IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV = 1,
};

struct iommu_hw_queue_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 index;
	__u32 out_hw_queue_id;
	__aligned_u64 nesting_parent_iova;
	__aligned_u64 length;
};
#define IOMMU_HW_QUEUE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HW_QUEUE_ALLOC)

#endif /* UVFIO_UAPI_IOMMUFD_H */
