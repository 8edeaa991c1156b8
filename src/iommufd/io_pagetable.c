// SPDX-License-Identifier: GPL-2.0-only
/*
 * io_pagetable: which IOVA ranges of an IOAS map which pages, and the
 * domains that must translate them.
 *
 * An io_pagetable owns three interval trees over the 64-bit IOVA space:
 *  - areas: mapped ranges, each a slice of an iopt_pages (pages.c);
 *  - reserved: ranges that must not be mapped (outside a domain's
 *    aperture, a device's MSI window...), each with an owner cookie so
 *    the owner can drop its own later;
 *  - allowed: ranges user space asked to keep usable (ALLOW_IOVAS). They
 *    steer the IOVA allocator and forbid later reservations over them;
 *    they do not restrict fixed-IOVA maps.
 * and the domains attached to it (through HWPTs).
 *
 * Invariants:
 *  - areas never overlap; an area with pages != NULL is mapped in every
 *    attached domain, and pinned (its pages_node in pages->pin_itree)
 *    iff at least one domain is attached: pages are pinned only when
 *    something needs them, as the kernel does;
 *  - no area intersects a reserved range; no allowed range intersects a
 *    reserved range;
 *  - every area's IOVA, length and page offset are multiples of
 *    iova_alignment, the largest of the attached domains' smallest page
 *    size, the access objects' alignment, and PAGE_SIZE when huge pages
 *    are disabled (then domains get only PAGE_SIZE leaves, which lets
 *    VFIO type1 v1 split areas).
 * Map builds areas with NULL pages first (reserving the IOVA), fills the
 * domains, and only then sets pages; any failure unwinds to the state
 * before the call. Unmap and domain removal cannot fail.
 *
 * Unmap removes whole areas only: a range that cuts an area is -ENOENT
 * (IOMMU_IOAS_UNMAP; VFIO v1 compat first cuts areas with iopt_cut_iova).
 *
 * Vocabulary: "last" is inclusive, "end" exclusive; an IOVA can reach
 * U64_MAX, so last + 1 is never computed unchecked.
 *
 * Everything here runs under the daemon's big lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/uaccess.h"
#include "core/util.h"
#include "iommufd/io_pagetable.h"
#include "iommufd/pgtable.h"

/* The THP size the kernel caps its IOVA alignment guess at. */
#define IOPT_HPAGE_SIZE		(2ULL << 20)

static struct iopt_area *node_to_area(struct interval_tree_node *node)
{
	return node ? container_of(node, struct iopt_area, node) : NULL;
}

struct iopt_area *iopt_area_iter_first(struct io_pagetable *iopt,
				       uint64_t start, uint64_t last)
{
	return node_to_area(interval_tree_iter_first(&iopt->area_itree, start,
						     last));
}

struct iopt_area *iopt_area_iter_next(struct io_pagetable *iopt,
				      struct iopt_area *area, uint64_t start,
				      uint64_t last)
{
	return node_to_area(interval_tree_iter_next(&iopt->area_itree,
						    &area->node, start, last));
}

#define iopt_for_each_area(iopt, area)					\
	for (area = iopt_area_iter_first(iopt, 0, UINT64_MAX); area;	\
	     area = iopt_area_iter_next(iopt, area, 0, UINT64_MAX))

struct iopt_area *iopt_area_contig_init(struct iopt_area_contig_iter *iter,
					struct io_pagetable *iopt,
					uint64_t iova, uint64_t last_iova)
{
	iter->iopt = iopt;
	iter->cur_iova = iova;
	iter->last_iova = last_iova;
	iter->area = iopt_area_iter_first(iopt, iova, iova);
	if (iter->area && !iter->area->pages)
		iter->area = NULL;
	return iter->area;
}

struct iopt_area *iopt_area_contig_next(struct iopt_area_contig_iter *iter)
{
	uint64_t last_iova;

	if (!iter->area)
		return NULL;
	last_iova = iopt_area_last_iova(iter->area);
	if (iter->last_iova <= last_iova)
		return NULL;
	iter->cur_iova = last_iova + 1;
	iter->area = iopt_area_iter_next(iter->iopt, iter->area,
					 iter->cur_iova, iter->last_iova);
	if (iter->area && (iter->cur_iova != iopt_area_iova(iter->area) ||
			   !iter->area->pages))
		iter->area = NULL;
	return iter->area;
}

/* The IOVA allocator. */

static uint64_t roundup_pow_of_two64(uint64_t x)
{
	return x <= 1 ? 1 : 1ULL << (64 - __builtin_clzll(x - 1));
}

/* Align *start up (keeping page_offset) and check length still fits. */
static bool iopt_alloc_fits(uint64_t *start, uint64_t last, uint64_t length,
			    uint64_t align, uint64_t page_offset)
{
	uint64_t aligned;

	if (__builtin_add_overflow(*start, align - 1, &aligned))
		return false;
	aligned &= ~(align - 1);
	aligned |= page_offset;
	if (aligned >= last || last - aligned < length - 1)
		return false;
	*start = aligned;
	return true;
}

/*
 * Find the next hole of reserved + areas at or after *cur, up to last:
 * moves *cur to its start and returns its last in *hole_last.
 */
static bool iopt_next_free(struct io_pagetable *iopt, uint64_t *cur,
			   uint64_t last, uint64_t *hole_last)
{
	struct interval_tree_span_iter rsv, used;

	for (;;) {
		interval_tree_span_iter_first(&rsv, &iopt->reserved_itree,
					      *cur, last);
		if (!rsv.is_hole) {
			if (rsv.last == last)
				return false;
			*cur = rsv.last + 1;
			continue;
		}
		interval_tree_span_iter_first(&used, &iopt->area_itree, *cur,
					      rsv.last);
		if (!used.is_hole) {
			if (used.last == last)
				return false;
			*cur = used.last + 1;
			continue;
		}
		*hole_last = used.last;
		return true;
	}
}

static int iopt_alloc_in(struct io_pagetable *iopt, uint64_t start,
			 uint64_t last, uint64_t length, uint64_t align,
			 uint64_t page_offset, uint64_t *iova)
{
	uint64_t cur, hole_last;

	if (!iopt_alloc_fits(&start, last, length, align, page_offset))
		return -ENOSPC;
	cur = start;
	while (iopt_next_free(iopt, &cur, last, &hole_last)) {
		uint64_t hole_start = cur;

		if (iopt_alloc_fits(&hole_start, hole_last, length, align,
				    page_offset)) {
			*iova = hole_start;
			return 0;
		}
		if (hole_last == last)
			break;
		cur = hole_last + 1;
	}
	return -ENOSPC;
}

/*
 * First fit, never at IOVA 0 nor in the last page. The alignment copies
 * the one the memory address has (up to 2 MiB), so a huge page of the
 * process can become a huge leaf of the domain.
 */
static int iopt_alloc_iova(struct io_pagetable *iopt, uint64_t *iova,
			   uint64_t addr, uint64_t length)
{
	uint64_t page_offset = addr % IOPT_PAGE_SIZE;
	struct interval_tree_span_iter allowed;
	uint64_t align;

	/* Keeps the power-of-two round-up below from overflowing. */
	if (!length || length >= UINT64_MAX / 2)
		return -EOVERFLOW;
	align = roundup_pow_of_two64(length);
	if (addr && align > (1ULL << __builtin_ctzll(addr)))
		align = 1ULL << __builtin_ctzll(addr);
	if (align >= IOPT_HPAGE_SIZE)
		align = IOPT_HPAGE_SIZE;
	if (align < iopt->iova_alignment)
		return -EINVAL;

	if (interval_tree_empty(&iopt->allowed_itree))
		return iopt_alloc_in(iopt, IOPT_PAGE_SIZE,
				     UINT64_MAX - IOPT_PAGE_SIZE, length, align,
				     page_offset, iova);
	interval_tree_for_each_span(&allowed, &iopt->allowed_itree,
				    IOPT_PAGE_SIZE, UINT64_MAX - IOPT_PAGE_SIZE) {
		if (allowed.is_hole)
			continue;
		if (!iopt_alloc_in(iopt, allowed.start, allowed.last, length,
				   align, page_offset, iova))
			return 0;
	}
	return -ENOSPC;
}

static int iopt_check_iova(struct io_pagetable *iopt, uint64_t iova,
			   uint64_t length)
{
	uint64_t last;

	if (iova & (iopt->iova_alignment - 1))
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	if (interval_tree_iter_first(&iopt->reserved_itree, iova, last))
		return -EINVAL;
	if (iopt_area_iter_first(iopt, iova, last))
		return -EEXIST;
	return 0;
}

/* The area takes the slice [start_byte, start_byte + length) of pages. */
static int iopt_insert_area(struct io_pagetable *iopt, struct iopt_area *area,
			    struct iopt_pages *pages, uint64_t iova,
			    uint64_t start_byte, uint64_t length, int iommu_prot)
{
	uint64_t last_byte;

	if ((iommu_prot & IOMMU_WRITE) && !pages->writable)
		return -EPERM;
	area->iommu_prot = iommu_prot;
	area->page_offset = start_byte % IOPT_PAGE_SIZE;
	if (area->page_offset & (iopt->iova_alignment - 1))
		return -EINVAL;
	area->node.start = iova;
	if (__builtin_add_overflow(iova, length - 1, &area->node.last))
		return -EOVERFLOW;
	area->pages_node.start = start_byte / IOPT_PAGE_SIZE;
	if (__builtin_add_overflow(start_byte, length - 1, &last_byte))
		return -EOVERFLOW;
	area->pages_node.last = last_byte / IOPT_PAGE_SIZE;
	if (IOPT_WARN_ON(area->pages_node.last >= pages->npages))
		return -EOVERFLOW;
	/* In the tree with NULL pages: the IOVA is taken, not yet usable. */
	area->iopt = iopt;
	interval_tree_insert(&iopt->area_itree, &area->node);
	return 0;
}

static void iopt_abort_area(struct iopt_area *area)
{
	IOPT_WARN_ON(area->pages);
	if (area->iopt)
		interval_tree_remove(&area->iopt->area_itree, &area->node);
	free(area);
}

static int iopt_alloc_area_pages(struct io_pagetable *iopt,
				 struct iopt_pages_list *list, uint64_t length,
				 uint64_t *dst_iova, int iommu_prot,
				 unsigned int flags)
{
	uint64_t iova;
	size_t i;
	int rc;

	for (i = 0; i < list->nr; i++) {
		list->elms[i].area = uvfio_zalloc(sizeof(struct iopt_area));
		if (!list->elms[i].area)
			return -ENOMEM;
	}
	if ((length & (iopt->iova_alignment - 1)) || !length)
		return -EINVAL;
	if (flags & IOPT_ALLOC_IOVA) {
		/* The first slice decides the alignment worth keeping. */
		struct iopt_pages_elm *elm = &list->elms[0];

		rc = iopt_alloc_iova(iopt, dst_iova,
				     iopt_pages_addr(elm->pages) +
					     elm->start_byte,
				     length);
	} else {
		rc = iopt_check_iova(iopt, *dst_iova, length);
	}
	if (rc)
		return rc;

	iova = *dst_iova;
	for (i = 0; i < list->nr; i++) {
		struct iopt_pages_elm *elm = &list->elms[i];

		rc = iopt_insert_area(iopt, elm->area, elm->pages, iova,
				      elm->start_byte, elm->length, iommu_prot);
		if (rc)
			return rc;
		iova += elm->length;
	}
	return 0;
}

void iopt_free_pages_list(struct iopt_pages_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++) {
		if (list->elms[i].area)
			iopt_abort_area(list->elms[i].area);
		iopt_put_pages(list->elms[i].pages);
	}
	free(list->elms);
	memset(list, 0, sizeof(*list));
}

/* Domains and areas. */

static int iopt_area_map_domain(struct iopt_area *area,
				struct iopt_pages *pages,
				struct iommu_domain *domain)
{
	uint64_t iova = iopt_area_iova(area);

	return iommu_domain_map(domain, iova,
				iopt_pages_phys(pages) +
					iopt_area_start_byte(area, iova),
				iopt_area_length(area), area->iommu_prot,
				area->iopt->disable_large_pages ?
					IOPT_PAGE_SIZE : 0);
}

static void iopt_area_unmap_domain(struct iopt_area *area,
				   struct iommu_domain *domain)
{
	uint64_t unmapped = iommu_domain_unmap(domain, iopt_area_iova(area),
					       iopt_area_length(area));

	/* Map and unmap always pair up exactly; anything else is a bug. */
	IOPT_WARN_ON(unmapped != iopt_area_length(area));
}

static int iopt_area_pin(struct iopt_area *area, struct iopt_pages *pages)
{
	int rc;

	rc = iopt_pages_pin(pages, &area->pages_node, iopt_area_index(area),
			    iopt_area_last_index(area));
	if (!rc)
		area->pinned = true;
	return rc;
}

static void iopt_area_unpin(struct iopt_area *area, struct iopt_pages *pages)
{
	if (!area->pinned)
		return;
	iopt_pages_unpin(pages, &area->pages_node);
	area->pinned = false;
}

/* A new area into every attached domain (nothing to do without one). */
static int iopt_area_fill_domains(struct iopt_area *area,
				  struct iopt_pages *pages)
{
	struct io_pagetable *iopt = area->iopt;
	unsigned int i;
	int rc;

	if (!iopt->nr_domains)
		return 0;
	rc = iopt_area_pin(area, pages);
	if (rc)
		return rc;
	for (i = 0; i < iopt->nr_domains; i++) {
		rc = iopt_area_map_domain(area, pages, iopt->domains[i]);
		if (rc)
			goto err_unmap;
	}
	return 0;

err_unmap:
	while (i--)
		iopt_area_unmap_domain(area, iopt->domains[i]);
	iopt_area_unpin(area, pages);
	return rc;
}

static void iopt_area_unfill_domains(struct iopt_area *area,
				     struct iopt_pages *pages)
{
	struct io_pagetable *iopt = area->iopt;
	unsigned int i;

	for (i = 0; i < iopt->nr_domains; i++)
		iopt_area_unmap_domain(area, iopt->domains[i]);
	iopt_area_unpin(area, pages);
}

int iopt_map_pages(struct io_pagetable *iopt, struct iopt_pages_list *list,
		   uint64_t length, uint64_t *dst_iova, int iommu_prot,
		   unsigned int flags)
{
	size_t i, j;
	int rc;

	rc = iopt_alloc_area_pages(iopt, list, length, dst_iova, iommu_prot,
				   flags);
	if (rc)
		return rc;
	for (i = 0; i < list->nr; i++) {
		rc = iopt_area_fill_domains(list->elms[i].area,
					    list->elms[i].pages);
		if (rc)
			goto err_unfill;
	}
	/* Done: the areas become visible and take the pages references. */
	for (i = 0; i < list->nr; i++) {
		list->elms[i].area->pages = list->elms[i].pages;
		list->elms[i].pages = NULL;
		list->elms[i].area = NULL;
	}
	return 0;

err_unfill:
	for (j = 0; j < i; j++)
		iopt_area_unfill_domains(list->elms[j].area,
					 list->elms[j].pages);
	return rc;
}

static int iopt_map_common(struct io_pagetable *iopt, struct iopt_pages *pages,
			   uint64_t *iova, uint64_t length, uint64_t start_byte,
			   int iommu_prot, unsigned int flags)
{
	struct iopt_pages_elm elm = {
		.pages = pages, .start_byte = start_byte, .length = length,
	};
	struct iopt_pages_list list = { .elms = &elm, .nr = 1, .cap = 1 };
	int rc;

	rc = iopt_map_pages(iopt, &list, length, iova, iommu_prot, flags);
	if (rc) {
		if (elm.area)
			iopt_abort_area(elm.area);
		iopt_put_pages(elm.pages);
	}
	return rc;
}

int iopt_map_user_pages(struct io_pagetable *iopt,
			const struct iopt_source *src, uint64_t *iova,
			uint64_t uptr, uint64_t length, int iommu_prot,
			unsigned int flags)
{
	struct iopt_pages *pages;
	int rc;

	rc = iopt_alloc_user_pages(src, uptr, length, iommu_prot & IOMMU_WRITE,
				   &pages);
	if (rc)
		return rc;
	return iopt_map_common(iopt, pages, iova, length, uptr - pages->uptr,
			       iommu_prot, flags);
}

int iopt_map_file_pages(struct io_pagetable *iopt,
			const struct iopt_source *src, uint64_t *iova, int fd,
			uint64_t start, uint64_t length, int iommu_prot,
			unsigned int flags)
{
	struct iopt_pages *pages;
	uint64_t last;
	int rc;

	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(start, length - 1, &last))
		return -EOVERFLOW;
	if (fd < 0)
		return fd;
	rc = iopt_alloc_file_pages(src, fd, start, length,
				   iommu_prot & IOMMU_WRITE, &pages);
	if (rc)
		return rc;
	return iopt_map_common(iopt, pages, iova, length, start - pages->start,
			       iommu_prot, flags);
}

static int iopt_pages_list_add(struct iopt_pages_list *list,
			       struct iopt_pages *pages, uint64_t start_byte,
			       uint64_t length)
{
	if (list->nr == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 4;
		struct iopt_pages_elm *elms;

		elms = uvfio_realloc(list->elms, cap, sizeof(*elms));
		if (!elms)
			return -ENOMEM;
		list->elms = elms;
		list->cap = cap;
	}
	list->elms[list->nr++] = (struct iopt_pages_elm){
		.pages = iopt_pages_get(pages),
		.start_byte = start_byte,
		.length = length,
	};
	return 0;
}

/* The last IOVA of [iova, iova + len); EINVAL if empty, EOVERFLOW on wrap. */
static int iopt_range_last(uint64_t iova, uint64_t len, uint64_t *last)
{
	if (!len)
		return -EINVAL;
	if (__builtin_add_overflow(iova, len - 1, last))
		return -EOVERFLOW;
	return 0;
}

int iopt_get_pages(struct io_pagetable *iopt, uint64_t iova, uint64_t length,
		   struct iopt_pages_list *list)
{
	struct iopt_area_contig_iter iter;
	struct iopt_area *area;
	uint64_t last_iova;
	int rc;

	memset(list, 0, sizeof(*list));
	rc = iopt_range_last(iova, length, &last_iova);
	if (rc)
		return rc;
	iopt_for_each_contig_area(&iter, area, iopt, iova, last_iova) {
		uint64_t last = min_t(uint64_t, last_iova,
				      iopt_area_last_iova(area));

		rc = iopt_pages_list_add(list, area->pages,
					 iopt_area_start_byte(area,
							      iter.cur_iova),
					 last - iter.cur_iova + 1);
		if (rc)
			goto err_free;
	}
	if (!iopt_area_contig_done(&iter)) {
		rc = -ENOENT;
		goto err_free;
	}
	return 0;

err_free:
	iopt_free_pages_list(list);
	return rc;
}

/* Unmap. */

static int iopt_unmap_iova_range(struct io_pagetable *iopt, uint64_t start,
				 uint64_t last, uint64_t *unmapped)
{
	uint64_t unmapped_bytes = 0;
	struct iopt_area *area;
	unsigned int tries = 0;
	int rc = 0;

	while ((area = iopt_area_iter_first(iopt, start, last))) {
		uint64_t area_first = iopt_area_iova(area);
		uint64_t area_last = iopt_area_last_iova(area);
		struct iopt_pages *pages = area->pages;

		if (!pages || area->num_locks) {
			rc = -EBUSY;
			break;
		}
		if (area_first < start || area_last > last) {
			rc = -ENOENT;
			break;
		}
		if (area->num_accesses) {
			/* The accesses must let go; one that does not is a bug. */
			if (!iopt->unmap_notify || ++tries > 100) {
				rc = iopt->unmap_notify ? -EDEADLK : -EBUSY;
				break;
			}
			iopt->unmap_notify(iopt->unmap_notify_data, area_first,
					   area_last - area_first + 1);
			continue;
		}
		area->pages = NULL;
		iopt_area_unfill_domains(area, pages);
		iopt_abort_area(area);
		iopt_put_pages(pages);
		unmapped_bytes += area_last - area_first + 1;
	}
	if (unmapped)
		*unmapped = unmapped_bytes;
	return rc;
}

int iopt_unmap_iova(struct io_pagetable *iopt, uint64_t iova, uint64_t length,
		    uint64_t *unmapped)
{
	uint64_t last;

	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	return iopt_unmap_iova_range(iopt, iova, last, unmapped);
}

int iopt_unmap_all(struct io_pagetable *iopt, uint64_t *unmapped)
{
	return iopt_unmap_iova_range(iopt, 0, UINT64_MAX, unmapped);
}

/* Allowed and reserved ranges. */

int iopt_allowed_add(struct interval_tree_root *allowed, uint64_t start,
		     uint64_t last)
{
	struct iopt_allowed *elm = uvfio_zalloc(sizeof(*elm));

	if (!elm)
		return -ENOMEM;
	elm->node.start = start;
	elm->node.last = last;
	interval_tree_insert(allowed, &elm->node);
	return 0;
}

void iopt_allowed_free(struct interval_tree_root *allowed)
{
	struct interval_tree_node *node;

	while ((node = interval_tree_iter_first(allowed, 0, UINT64_MAX))) {
		interval_tree_remove(allowed, node);
		free(container_of(node, struct iopt_allowed, node));
	}
}

int iopt_set_allow_iova(struct io_pagetable *iopt,
			struct interval_tree_root *allowed)
{
	struct interval_tree_root old = iopt->allowed_itree;
	struct interval_tree_node *node;

	for (node = interval_tree_iter_first(allowed, 0, UINT64_MAX); node;
	     node = interval_tree_iter_next(allowed, node, 0, UINT64_MAX))
		if (interval_tree_iter_first(&iopt->reserved_itree,
					     node->start, node->last))
			return -EADDRINUSE;
	iopt->allowed_itree = *allowed;
	*allowed = old;
	return 0;
}

int iopt_reserve_iova(struct io_pagetable *iopt, uint64_t start, uint64_t last,
		      void *owner)
{
	struct iopt_reserved *reserved;

	if (iopt_area_iter_first(iopt, start, last) ||
	    interval_tree_iter_first(&iopt->allowed_itree, start, last))
		return -EADDRINUSE;
	reserved = uvfio_zalloc(sizeof(*reserved));
	if (!reserved)
		return -ENOMEM;
	reserved->node.start = start;
	reserved->node.last = last;
	reserved->owner = owner;
	interval_tree_insert(&iopt->reserved_itree, &reserved->node);
	return 0;
}

static void iopt_remove_reserved_if(struct io_pagetable *iopt, void *owner,
				    bool all)
{
	struct interval_tree_node *node, *next;

	for (node = interval_tree_iter_first(&iopt->reserved_itree, 0,
					     UINT64_MAX);
	     node; node = next) {
		struct iopt_reserved *reserved =
			container_of(node, struct iopt_reserved, node);

		next = interval_tree_iter_next(&iopt->reserved_itree, node, 0,
					       UINT64_MAX);
		if (all || reserved->owner == owner) {
			interval_tree_remove(&iopt->reserved_itree, node);
			free(reserved);
		}
	}
}

void iopt_remove_reserved_iova(struct io_pagetable *iopt, void *owner)
{
	iopt_remove_reserved_if(iopt, owner, false);
}

int iopt_table_enforce_dev_resv_regions(struct io_pagetable *iopt, void *owner,
					const struct iopt_resv_region *regions,
					unsigned int nr_regions,
					uint64_t *sw_msi_start)
{
	unsigned int i, num_hw_msi = 0, num_sw_msi = 0;
	int rc = 0;

	for (i = 0; i < nr_regions; i++) {
		const struct iopt_resv_region *resv = &regions[i];
		uint64_t last;

		if (resv->type == IOPT_RESV_DIRECT_RELAXABLE)
			continue;
		if (!resv->length ||
		    __builtin_add_overflow(resv->start, resv->length - 1,
					   &last)) {
			rc = -EINVAL;
			goto err_remove;
		}
		if (sw_msi_start && resv->type == IOPT_RESV_MSI)
			num_hw_msi++;
		if (sw_msi_start && resv->type == IOPT_RESV_SW_MSI) {
			*sw_msi_start = resv->start;
			num_sw_msi++;
		}
		rc = iopt_reserve_iova(iopt, resv->start, last, owner);
		if (rc)
			goto err_remove;
	}
	/* Drivers must offer sane combinations of regions. */
	if ((num_sw_msi && num_hw_msi) || num_sw_msi > 1) {
		rc = -EINVAL;
		goto err_remove;
	}
	return 0;

err_remove:
	iopt_remove_reserved_iova(iopt, owner);
	return rc;
}

/* Alignment. */

static int iopt_check_iova_alignment(struct io_pagetable *iopt,
				     uint64_t new_iova_alignment)
{
	uint64_t mask = new_iova_alignment - 1;
	struct iopt_area *area;

	iopt_for_each_area(iopt, area)
		if ((iopt_area_iova(area) & mask) ||
		    (iopt_area_length(area) & mask) ||
		    (area->page_offset & mask))
			return -EADDRINUSE;
	return 0;
}

static uint64_t domain_min_pgsize(const struct iommu_domain *domain)
{
	return 1ULL << __builtin_ctzll(domain->pgsize_bitmap);
}

static int iopt_calculate_iova_alignment(struct io_pagetable *iopt)
{
	uint64_t align = iopt->disable_large_pages ? IOPT_PAGE_SIZE : 1;
	unsigned int i;
	int rc;

	for (i = 0; i < iopt->nr_domains; i++)
		align = max_t(uint64_t, align,
			      domain_min_pgsize(iopt->domains[i]));
	for (i = 0; i < iopt->nr_accesses; i++)
		align = max_t(uint64_t, align, iopt->access_alignments[i]);
	if (align > iopt->iova_alignment) {
		rc = iopt_check_iova_alignment(iopt, align);
		if (rc)
			return rc;
	}
	iopt->iova_alignment = align;
	return 0;
}

/* Domains. */

/* Unwind of iopt_fill_domain(): the areas before end. */
static void iopt_unfill_domain_until(struct io_pagetable *iopt,
				     struct iommu_domain *domain,
				     struct iopt_area *end, bool unpin)
{
	struct iopt_area *area;

	iopt_for_each_area(iopt, area) {
		if (area == end)
			break;
		if (!area->pages)
			continue;
		iopt_area_unmap_domain(area, domain);
		if (unpin)
			iopt_area_unpin(area, area->pages);
	}
}

/*
 * Map every area into a new domain; the first domain pins the pages.
 * On failure the domain and the pins are as before.
 */
static int iopt_fill_domain(struct io_pagetable *iopt,
			    struct iommu_domain *domain)
{
	bool first = !iopt->nr_domains;
	struct iopt_area *area;
	int rc;

	iopt_for_each_area(iopt, area) {
		if (!area->pages)
			continue;
		if (first) {
			rc = iopt_area_pin(area, area->pages);
			if (rc)
				goto err_unfill;
		}
		rc = iopt_area_map_domain(area, area->pages, domain);
		if (rc) {
			if (first)
				iopt_area_unpin(area, area->pages);
			goto err_unfill;
		}
	}
	return 0;

err_unfill:
	iopt_unfill_domain_until(iopt, domain, area, first);
	return rc;
}

int iopt_table_add_domain(struct io_pagetable *iopt,
			  struct iommu_domain *domain)
{
	uint64_t new_iova_alignment;
	unsigned int i;
	int rc;

	for (i = 0; i < iopt->nr_domains; i++)
		if (IOPT_WARN_ON(iopt->domains[i] == domain))
			return -EEXIST;
	/*
	 * The domain's smallest page sets the IOVA granularity; it must
	 * not exceed PAGE_SIZE since nothing promises larger contiguity.
	 */
	new_iova_alignment = max_t(uint64_t, domain_min_pgsize(domain),
				   iopt->iova_alignment);
	if (new_iova_alignment > IOPT_PAGE_SIZE)
		return -EINVAL;
	if (new_iova_alignment != iopt->iova_alignment) {
		rc = iopt_check_iova_alignment(iopt, new_iova_alignment);
		if (rc)
			return rc;
	}
	/* Nothing may be mapped outside the aperture. */
	if (domain->aperture_start != 0) {
		rc = iopt_reserve_iova(iopt, 0, domain->aperture_start - 1,
				       domain);
		if (rc)
			goto err_reserved;
	}
	if (domain->aperture_last != UINT64_MAX) {
		rc = iopt_reserve_iova(iopt, domain->aperture_last + 1,
				       UINT64_MAX, domain);
		if (rc)
			goto err_reserved;
	}
	if (iopt->nr_domains == iopt->max_domains) {
		unsigned int max = iopt->max_domains ? iopt->max_domains * 2 : 4;
		struct iommu_domain **domains;

		domains = uvfio_realloc(iopt->domains, max, sizeof(*domains));
		if (!domains) {
			rc = -ENOMEM;
			goto err_reserved;
		}
		iopt->domains = domains;
		iopt->max_domains = max;
	}
	rc = iopt_fill_domain(iopt, domain);
	if (rc)
		goto err_reserved;
	iopt->iova_alignment = new_iova_alignment;
	iopt->domains[iopt->nr_domains++] = domain;
	return 0;

err_reserved:
	iopt_remove_reserved_iova(iopt, domain);
	return rc;
}

void iopt_table_remove_domain(struct io_pagetable *iopt,
			      struct iommu_domain *domain)
{
	unsigned int i;

	for (i = 0; i < iopt->nr_domains; i++)
		if (iopt->domains[i] == domain)
			break;
	if (IOPT_WARN_ON(i == iopt->nr_domains))
		return;
	iopt->domains[i] = iopt->domains[--iopt->nr_domains];
	/* The last domain leaving takes the pins with it. */
	iopt_unfill_domain_until(iopt, domain, NULL, !iopt->nr_domains);
	iopt_remove_reserved_iova(iopt, domain);
	IOPT_WARN_ON(iopt_calculate_iova_alignment(iopt));
}

/* Access objects. */

int iopt_add_access(struct io_pagetable *iopt, uint64_t iova_alignment)
{
	uint64_t *aligns;
	int rc;

	aligns = uvfio_realloc(iopt->access_alignments, iopt->nr_accesses + 1,
			       sizeof(*aligns));
	if (!aligns)
		return -ENOMEM;
	iopt->access_alignments = aligns;
	aligns[iopt->nr_accesses++] = iova_alignment ? iova_alignment : 1;
	rc = iopt_calculate_iova_alignment(iopt);
	if (rc)
		iopt->nr_accesses--;
	return rc;
}

void iopt_remove_access(struct io_pagetable *iopt, uint64_t iova_alignment)
{
	unsigned int i;

	if (!iova_alignment)
		iova_alignment = 1;
	for (i = 0; i < iopt->nr_accesses; i++)
		if (iopt->access_alignments[i] == iova_alignment)
			break;
	if (IOPT_WARN_ON(i == iopt->nr_accesses))
		return;
	iopt->access_alignments[i] =
		iopt->access_alignments[--iopt->nr_accesses];
	IOPT_WARN_ON(iopt_calculate_iova_alignment(iopt));
}

void iopt_access_unpin(struct iopt_access_slice *slices)
{
	while (slices) {
		struct iopt_access_slice *next = slices->next;

		iopt_pages_unpin(slices->area->pages, &slices->pin);
		slices->area->num_accesses--;
		free(slices);
		slices = next;
	}
}

static int iopt_access_pin_area(struct iopt_area *area, uint64_t first,
				uint64_t last, bool write,
				struct iopt_access_slice ***tail)
{
	struct iopt_access_slice *slice;
	int rc;

	if (write && !(area->iommu_prot & IOMMU_WRITE))
		return -EPERM;
	slice = uvfio_zalloc(sizeof(*slice));
	if (!slice)
		return -ENOMEM;
	rc = iopt_pages_pin(area->pages, &slice->pin,
			    iopt_area_start_byte(area, first) / IOPT_PAGE_SIZE,
			    iopt_area_start_byte(area, last) / IOPT_PAGE_SIZE);
	if (rc) {
		free(slice);
		return rc;
	}
	slice->area = area;
	area->num_accesses++;
	**tail = slice;
	*tail = &slice->next;
	return 0;
}

int iopt_access_pin(struct io_pagetable *iopt, uint64_t iova, uint64_t length,
		    bool write, struct iopt_access_slice **ret_slices)
{
	struct iopt_access_slice *slices = NULL, **tail = &slices;
	struct iopt_area_contig_iter iter;
	struct iopt_area *area;
	uint64_t last_iova;
	int rc = 0;

	rc = iopt_range_last(iova, length, &last_iova);
	if (rc)
		return rc;
	iopt_for_each_contig_area(&iter, area, iopt, iova, last_iova) {
		uint64_t last = min_t(uint64_t, last_iova,
				      iopt_area_last_iova(area));

		rc = iopt_access_pin_area(area, iter.cur_iova, last, write,
					  &tail);
		if (rc)
			break;
	}
	if (!rc && !iopt_area_contig_done(&iter))
		rc = -ENOENT;
	if (rc) {
		iopt_access_unpin(slices);
		return rc;
	}
	*ret_slices = slices;
	return 0;
}

int iopt_access_rw(struct io_pagetable *iopt, uint64_t iova, void *buf,
		   size_t len, bool is_write)
{
	struct iopt_area_contig_iter iter;
	struct iopt_area *area;
	uint8_t *p = buf;
	uint64_t last_iova;
	int rc = 0;

	rc = iopt_range_last(iova, len, &last_iova);
	if (rc)
		return rc;
	iopt_for_each_contig_area(&iter, area, iopt, iova, last_iova) {
		uint64_t last = min_t(uint64_t, last_iova,
				      iopt_area_last_iova(area));
		uint64_t bytes = last - iter.cur_iova + 1;

		if (!(area->iommu_prot & (is_write ? IOMMU_WRITE : IOMMU_READ))) {
			rc = -EPERM;
			break;
		}
		rc = iopt_pages_rw(area->pages,
				   iopt_area_start_byte(area, iter.cur_iova),
				   p, bytes, is_write);
		if (rc)
			break;
		p += bytes;
	}
	if (!rc && !iopt_area_contig_done(&iter))
		rc = -ENOENT;
	return rc;
}

/* Huge pages. */

void iopt_enable_large_pages(struct io_pagetable *iopt)
{
	iopt->disable_large_pages = false;
	IOPT_WARN_ON(iopt_calculate_iova_alignment(iopt));
}

int iopt_disable_large_pages(struct io_pagetable *iopt)
{
	int rc;

	if (iopt->disable_large_pages)
		return 0;
	/* Domains already holding huge leaves cannot be rebuilt small. */
	if (iopt->nr_domains && !interval_tree_empty(&iopt->area_itree))
		return -EINVAL;
	iopt->disable_large_pages = true;
	rc = iopt_calculate_iova_alignment(iopt);
	if (rc)
		iopt->disable_large_pages = false;
	return rc;
}

/* Splitting, for VFIO type1 v1 compatibility. */

static int iopt_area_split(struct iopt_area *area, uint64_t iova)
{
	struct io_pagetable *iopt = area->iopt;
	uint64_t alignment = iopt->iova_alignment;
	uint64_t last_iova = iopt_area_last_iova(area);
	uint64_t start_iova = iopt_area_iova(area);
	struct iopt_pages *pages = area->pages;
	uint64_t new_start = iova + 1;
	struct iopt_area *lhs, *rhs;
	int rc;

	if (iova == start_iova || iova == last_iova)
		return 0;
	/* Access slices point at the area: it cannot be cut under them. */
	if (!pages || area->num_accesses)
		return -EBUSY;
	if ((new_start & (alignment - 1)) ||
	    (iopt_area_start_byte(area, new_start) & (alignment - 1)))
		return -EINVAL;
	/* A domain may hold huge leaves that cannot be cut. */
	if (area->pinned && !iopt->disable_large_pages)
		return -EINVAL;
	lhs = uvfio_zalloc(sizeof(*lhs));
	if (!lhs)
		return -ENOMEM;
	rhs = uvfio_zalloc(sizeof(*rhs));
	if (!rhs) {
		rc = -ENOMEM;
		goto err_free_lhs;
	}

	interval_tree_remove(&iopt->area_itree, &area->node);
	rc = iopt_insert_area(iopt, lhs, pages, start_iova,
			      iopt_area_start_byte(area, start_iova),
			      new_start - start_iova, area->iommu_prot);
	if (IOPT_WARN_ON(rc))
		goto err_reinsert;
	rc = iopt_insert_area(iopt, rhs, pages, new_start,
			      iopt_area_start_byte(area, new_start),
			      last_iova - new_start + 1, area->iommu_prot);
	if (IOPT_WARN_ON(rc))
		goto err_remove_lhs;
	if (area->pinned) {
		iopt_pages_pin_split(pages, &area->pages_node, &lhs->pages_node,
				     &rhs->pages_node);
		lhs->pinned = rhs->pinned = true;
	}
	lhs->pages = pages;
	rhs->pages = iopt_pages_get(pages);
	free(area);
	return 0;

err_remove_lhs:
	interval_tree_remove(&iopt->area_itree, &lhs->node);
err_reinsert:
	interval_tree_insert(&iopt->area_itree, &area->node);
	free(rhs);
err_free_lhs:
	free(lhs);
	return rc;
}

int iopt_cut_iova(struct io_pagetable *iopt, const uint64_t *iovas,
		  size_t num_iovas)
{
	size_t i;
	int rc;

	for (i = 0; i < num_iovas; i++) {
		struct iopt_area *area = iopt_area_iter_first(iopt, iovas[i],
							      iovas[i]);

		if (!area)
			continue;
		rc = iopt_area_split(area, iovas[i]);
		if (rc)
			return rc;
	}
	return 0;
}

/* Dirty tracking. */

static void dirty_discard(void *opaque, uint64_t iova, uint64_t len)
{
}

int iopt_set_dirty_tracking(struct io_pagetable *iopt,
			    struct iommu_domain *domain, bool enable)
{
	struct iopt_area *area;

	if (!(domain->flags & IOMMU_DOMAIN_F_DIRTY))
		return -EOPNOTSUPP;
	/* Start from a clean snapshot. */
	if (enable) {
		iopt_for_each_area(iopt, area)
			if (area->pages)
				iommu_domain_read_and_clear_dirty(
					domain, iopt_area_iova(area),
					iopt_area_length(area), 0,
					dirty_discard, NULL);
	}
	return iommu_domain_set_dirty_tracking(domain, enable);
}

#define DIRTY_WINDOW_WORDS	512

struct dirty_window {
	uint64_t words[DIRTY_WINDOW_WORDS];
	uint64_t iova;			/* IOVA of bit 0 of words[0] */
	unsigned int pgshift;
};

static void dirty_window_record(void *opaque, uint64_t iova, uint64_t len)
{
	struct dirty_window *w = opaque;
	uint64_t bit = (iova - w->iova) >> w->pgshift;
	uint64_t last_bit = (iova + len - 1 - w->iova) >> w->pgshift;

	for (; bit <= last_bit; bit++)
		w->words[bit / 64] |= 1ULL << (bit % 64);
}

static int iommufd_check_iova_range(struct io_pagetable *iopt,
				    const struct iommu_hwpt_get_dirty_bitmap *bitmap)
{
	uint64_t pgsize = iopt->iova_alignment;
	uint64_t last_iova;

	if (__builtin_add_overflow(bitmap->iova, bitmap->length - 1,
				   &last_iova))
		return -EOVERFLOW;
	if ((bitmap->iova & (pgsize - 1)) || ((last_iova + 1) & (pgsize - 1)))
		return -EINVAL;
	if (!bitmap->page_size)
		return -EINVAL;
	if ((bitmap->iova & (bitmap->page_size - 1)) ||
	    ((last_iova + 1) & (bitmap->page_size - 1)))
		return -EINVAL;
	return 0;
}

/* One window of the user's bitmap: read it, OR the dirty bits in, write. */
static int iopt_dirty_window(struct io_pagetable *iopt,
			     struct iommu_domain *domain, unsigned long flags,
			     struct dirty_window *w, uint64_t last,
			     uint64_t uaddr, size_t nwords, struct uvfio_mm *mm)
{
	struct iopt_area *area;
	int rc;

	rc = uvfio_mm_read(mm, uaddr, w->words, nwords * sizeof(uint64_t));
	if (rc)
		return rc;
	for (area = iopt_area_iter_first(iopt, w->iova, last); area;
	     area = iopt_area_iter_next(iopt, area, w->iova, last)) {
		uint64_t s = max_t(uint64_t, w->iova, iopt_area_iova(area));
		uint64_t l = min_t(uint64_t, last, iopt_area_last_iova(area));

		if (!area->pages)
			continue;
		rc = iommu_domain_read_and_clear_dirty(domain, s, l - s + 1,
						       flags,
						       dirty_window_record, w);
		if (rc)
			return rc;
	}
	return uvfio_mm_write(mm, uaddr, w->words, nwords * sizeof(uint64_t));
}

int iopt_read_and_clear_dirty_data(struct io_pagetable *iopt,
				   struct iommu_domain *domain,
				   unsigned long flags,
				   const struct iommu_hwpt_get_dirty_bitmap *bitmap,
				   struct uvfio_mm *mm)
{
	struct dirty_window *w;
	uint64_t last_iova, nbits, word;
	unsigned long pt_flags = 0;
	int rc;

	rc = iommufd_check_iova_range(iopt, bitmap);
	if (rc)
		return rc;
	if (!(domain->flags & IOMMU_DOMAIN_F_DIRTY))
		return -EOPNOTSUPP;
	if (flags & IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR)
		pt_flags |= IOMMU_DIRTY_NO_CLEAR;
	w = uvfio_zalloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->pgshift = __builtin_ctzll(bitmap->page_size);
	last_iova = bitmap->iova + bitmap->length - 1;
	nbits = ((last_iova - bitmap->iova) >> w->pgshift) + 1;
	for (word = 0; word * 64 < nbits; word += DIRTY_WINDOW_WORDS) {
		uint64_t bits = min_t(uint64_t, nbits - word * 64,
				      DIRTY_WINDOW_WORDS * 64);
		uint64_t first = bitmap->iova + ((word * 64) << w->pgshift);
		uint64_t last = first + ((bits - 1) << w->pgshift) +
				(bitmap->page_size - 1);

		w->iova = first;
		rc = iopt_dirty_window(iopt, domain, pt_flags, w,
				       min_t(uint64_t, last, last_iova),
				       bitmap->data + word * sizeof(uint64_t),
				       (bits + 63) / 64, mm);
		if (rc)
			break;
	}
	free(w);
	return rc;
}

/* Life cycle. */

struct io_pagetable *iopt_alloc(void)
{
	struct io_pagetable *iopt = uvfio_zalloc(sizeof(*iopt));

	if (!iopt)
		return NULL;
	/* Without a domain the IOVA space is all of u64, byte granular. */
	iopt->iova_alignment = 1;
	return iopt;
}

void iopt_free(struct io_pagetable *iopt)
{
	if (!iopt)
		return;
	iopt_unmap_all(iopt, NULL);
	/* Whoever attached a domain should have removed it. */
	if (IOPT_WARN_ON(iopt->nr_domains))
		while (iopt->nr_domains)
			iopt_table_remove_domain(iopt, iopt->domains[0]);
	iopt_remove_reserved_if(iopt, NULL, true);
	iopt_allowed_free(&iopt->allowed_itree);
	free(iopt->domains);
	free(iopt->access_alignments);
	free(iopt);
}
