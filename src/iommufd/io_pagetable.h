/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * io_pagetable: the IOVA space of an IOAS. See io_pagetable.c.
 */
#ifndef UVFIO_IOMMUFD_IO_PAGETABLE_H
#define UVFIO_IOMMUFD_IO_PAGETABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iommufd/interval_tree.h"
#include "iommufd/iommufd_private.h"
#include "iommufd/pages.h"

struct iommu_domain;
struct uvfio_mm;

/*
 * An IOVA range [node.start, node.last] backed by a slice of pages.
 * pages is NULL only while the area is being built or torn down.
 * pages_node is in pages->pin_itree while the area is pinned, which is
 * exactly while the io_pagetable has at least one domain.
 */
struct iopt_area {
	struct interval_tree_node node;
	struct interval_tree_node pages_node;
	struct io_pagetable *iopt;
	struct iopt_pages *pages;
	unsigned int page_offset;	/* bytes into the first page */
	int iommu_prot;			/* IOMMU_READ | IOMMU_WRITE | ... */
	bool pinned;
	unsigned int num_locks;		/* unmap is -EBUSY while non-zero */
	unsigned int num_accesses;	/* access pins inside the area */
};

struct iopt_allowed {
	struct interval_tree_node node;
};

struct iopt_reserved {
	struct interval_tree_node node;
	void *owner;
};

struct io_pagetable {
	struct interval_tree_root area_itree;
	/* IOVA that cannot become reserved, struct iopt_allowed */
	struct interval_tree_root allowed_itree;
	/* IOVA that cannot be mapped, struct iopt_reserved */
	struct interval_tree_root reserved_itree;
	struct iommu_domain **domains;
	unsigned int nr_domains;
	unsigned int max_domains;
	/* alignment wanted by access objects (0 when none) */
	uint64_t *access_alignments;
	unsigned int nr_accesses;
	uint64_t iova_alignment;
	bool disable_large_pages;
	/*
	 * Told before an area an access pins is unmapped; must unpin every
	 * access pin in [iova, iova + length). NULL: such unmaps are -EBUSY.
	 */
	void (*unmap_notify)(void *data, uint64_t iova, uint64_t length);
	void *unmap_notify_data;
};

static inline uint64_t iopt_area_iova(const struct iopt_area *area)
{
	return area->node.start;
}

static inline uint64_t iopt_area_last_iova(const struct iopt_area *area)
{
	return area->node.last;
}

static inline uint64_t iopt_area_length(const struct iopt_area *area)
{
	return area->node.last - area->node.start + 1;
}

static inline uint64_t iopt_area_index(const struct iopt_area *area)
{
	return area->pages_node.start;
}

static inline uint64_t iopt_area_last_index(const struct iopt_area *area)
{
	return area->pages_node.last;
}

/* Byte offset in the pages of iova, which must lie inside the area. */
static inline uint64_t iopt_area_start_byte(const struct iopt_area *area,
					    uint64_t iova)
{
	return (iova - iopt_area_iova(area)) + area->page_offset +
	       iopt_area_index(area) * IOPT_PAGE_SIZE;
}

struct iopt_area *iopt_area_iter_first(struct io_pagetable *iopt,
				       uint64_t start, uint64_t last);
struct iopt_area *iopt_area_iter_next(struct io_pagetable *iopt,
				      struct iopt_area *area, uint64_t start,
				      uint64_t last);

/* Areas that together cover [iova, last_iova] without a gap. */
struct iopt_area_contig_iter {
	uint64_t cur_iova;
	uint64_t last_iova;
	struct iopt_area *area;
	struct io_pagetable *iopt;
};

struct iopt_area *iopt_area_contig_init(struct iopt_area_contig_iter *iter,
					struct io_pagetable *iopt,
					uint64_t iova, uint64_t last_iova);
struct iopt_area *iopt_area_contig_next(struct iopt_area_contig_iter *iter);

/* After the loop: did the areas cover all of [iova, last_iova]? */
static inline bool iopt_area_contig_done(const struct iopt_area_contig_iter *iter)
{
	return iter->area && iter->last_iova <= iopt_area_last_iova(iter->area);
}

#define iopt_for_each_contig_area(iter, area, iopt, iova, last_iova)          \
	for (area = iopt_area_contig_init(iter, iopt, iova, last_iova); area; \
	     area = iopt_area_contig_next(iter))

/* A slice of pages to be mapped (MAP builds one, COPY one per area). */
struct iopt_pages_elm {
	struct iopt_pages *pages;	/* a reference, moved to the area */
	struct iopt_area *area;
	uint64_t start_byte;
	uint64_t length;
};

struct iopt_pages_list {
	struct iopt_pages_elm *elms;
	size_t nr;
	size_t cap;
};

enum {
	IOPT_ALLOC_IOVA = 1 << 0,	/* choose the IOVA (else it is fixed) */
};

struct io_pagetable *iopt_alloc(void);
/* Unmaps everything and frees; domains should be gone already. */
void iopt_free(struct io_pagetable *iopt);

/*
 * Map a user VA or a file range. With IOPT_ALLOC_IOVA *iova is only
 * output. Errors as IOMMU_IOAS_MAP: EINVAL, EOVERFLOW, EEXIST, ENOSPC,
 * EPERM, EFAULT, ENOMEM, EBADF.
 */
int iopt_map_user_pages(struct io_pagetable *iopt,
			const struct iopt_source *src, uint64_t *iova,
			uint64_t uptr, uint64_t length, int iommu_prot,
			unsigned int flags);
/* fd may be a negative errno (the caller's fd did not resolve). */
int iopt_map_file_pages(struct io_pagetable *iopt,
			const struct iopt_source *src, uint64_t *iova, int fd,
			uint64_t start, uint64_t length, int iommu_prot,
			unsigned int flags);

/* References to the pages behind [iova, iova + length): -ENOENT if a gap. */
int iopt_get_pages(struct io_pagetable *iopt, uint64_t iova, uint64_t length,
		   struct iopt_pages_list *list);
void iopt_free_pages_list(struct iopt_pages_list *list);
int iopt_map_pages(struct io_pagetable *iopt, struct iopt_pages_list *list,
		   uint64_t length, uint64_t *dst_iova, int iommu_prot,
		   unsigned int flags);

/*
 * Remove whole areas inside [iova, iova + length). 0 with *unmapped = 0
 * when nothing is mapped there; -ENOENT when an area sticks out of the
 * range (areas before it in IOVA order are already gone); -EBUSY.
 */
int iopt_unmap_iova(struct io_pagetable *iopt, uint64_t iova, uint64_t length,
		    uint64_t *unmapped);
int iopt_unmap_all(struct io_pagetable *iopt, uint64_t *unmapped);
/* Split the areas containing each iova so that iova ends one (VFIO v1). */
int iopt_cut_iova(struct io_pagetable *iopt, const uint64_t *iovas,
		  size_t num_iovas);

/* Allowed ranges: build a tree with iopt_allowed_add(), then swap it in. */
int iopt_allowed_add(struct interval_tree_root *allowed, uint64_t start,
		     uint64_t last);
void iopt_allowed_free(struct interval_tree_root *allowed);
/* On success the old ranges are left in *allowed, for the caller to free. */
int iopt_set_allow_iova(struct io_pagetable *iopt,
			struct interval_tree_root *allowed);

int iopt_reserve_iova(struct io_pagetable *iopt, uint64_t start, uint64_t last,
		      void *owner);
void iopt_remove_reserved_iova(struct io_pagetable *iopt, void *owner);

enum iopt_resv_type {
	IOPT_RESV_DIRECT,
	IOPT_RESV_DIRECT_RELAXABLE,	/* ignored, as by the kernel */
	IOPT_RESV_RESERVED,
	IOPT_RESV_MSI,
	IOPT_RESV_SW_MSI,
};

struct iopt_resv_region {
	uint64_t start;
	uint64_t length;
	enum iopt_resv_type type;
};

/*
 * Reserve a device's reserved regions (owner: the device). *sw_msi_start
 * (if sw_msi_start) gets the SW_MSI base. -EADDRINUSE, -EINVAL, -ENOMEM;
 * on error nothing of this owner stays reserved.
 */
int iopt_table_enforce_dev_resv_regions(struct io_pagetable *iopt, void *owner,
					const struct iopt_resv_region *regions,
					unsigned int nr_regions,
					uint64_t *sw_msi_start);

/* Domains: add fills the domain with every area; remove empties it. */
int iopt_table_add_domain(struct io_pagetable *iopt,
			  struct iommu_domain *domain);
void iopt_table_remove_domain(struct io_pagetable *iopt,
			      struct iommu_domain *domain);

/* Access objects: an alignment the IOVAs must keep while attached. */
int iopt_add_access(struct io_pagetable *iopt, uint64_t iova_alignment);
void iopt_remove_access(struct io_pagetable *iopt, uint64_t iova_alignment);
/* One area's share of an access pin (a list per pinned range). */
struct iopt_access_slice {
	struct iopt_access_slice *next;
	struct iopt_area *area;
	struct interval_tree_node pin;	/* in area->pages->pin_itree */
};

/*
 * Pin [iova, iova + length) for an access: -ENOENT (not all mapped),
 * -EPERM (write to a read-only area), -EFAULT, -ENOMEM. The areas cannot
 * be unmapped without unmap_notify while pinned.
 */
int iopt_access_pin(struct io_pagetable *iopt, uint64_t iova, uint64_t length,
		    bool write, struct iopt_access_slice **ret_slices);
void iopt_access_unpin(struct iopt_access_slice *slices);
/* CPU access to IOVA through the areas: -ENOENT (gap), -EPERM, -EFAULT. */
int iopt_access_rw(struct io_pagetable *iopt, uint64_t iova, void *buf,
		   size_t len, bool is_write);

/* IOMMU_OPTION_HUGE_PAGES */
void iopt_enable_large_pages(struct io_pagetable *iopt);
int iopt_disable_large_pages(struct io_pagetable *iopt);

/* Dirty tracking of an attached domain (hw_pagetable.c). */
int iopt_set_dirty_tracking(struct io_pagetable *iopt,
			    struct iommu_domain *domain, bool enable);
/*
 * IOMMU_HWPT_GET_DIRTY_BITMAP: OR the dirty bits of [iova, iova + length)
 * into the caller's bitmap (one bit per page_size, bit 0 = iova), then
 * clear them unless IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR.
 */
int iopt_read_and_clear_dirty_data(struct io_pagetable *iopt,
				   struct iommu_domain *domain,
				   unsigned long flags,
				   const struct iommu_hwpt_get_dirty_bitmap *bitmap,
				   struct uvfio_mm *mm);

#endif
