// SPDX-License-Identifier: GPL-2.0-only
/*
 * The type1 IOMMU driver of the legacy container, v1 and v2.
 *
 * Each VFIO_IOMMU_MAP_DMA is one vfio_dma, kept as one area of an
 * io_pagetable (areas are never merged, so an area is exactly one user
 * mapping); the pages are pinned there and mirrored into one software
 * domain that every group of the container shares (they all sit behind
 * the same IOMMU). Device DMA walks that domain.
 *
 * Unmap granularity is the difference between the flavours:
 *   v2  a range must not bisect a mapping (EINVAL); mappings inside it
 *       go; an empty range is success with size 0;
 *   v1  mappings whose first IOVA lies in the range go whole, even past
 *       its end; one that begins before it stops the walk (success, 0).
 * The number of mappings is limited (dma_entry_limit, 65535: ENOSPC).
 *
 * Locking: everything runs under uvfio_big_lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/util.h"
#include "iommufd/io_pagetable.h"
#include "iommufd/pgtable.h"
#include "uvfio/uapi/vfio.h"
#include "vfio/vfio.h"

#define TYPE1_DMA_ENTRY_LIMIT	65535u
#define TYPE1_APERTURE_LAST	((1ULL << 48) - 1)
#define TYPE1_PGSIZES		((1ULL << 12) | (1ULL << 21) | (1ULL << 30))

#define offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))

struct vfio_iommu {
	struct io_pagetable *iopt;
	struct iommu_domain *domain;
	bool v2;
	unsigned int dma_avail;
	uint64_t pgsize_bitmap;
};

int vfio_iommu_type1_check_extension(struct vfio_iommu *iommu,
				     unsigned long arg)
{
	switch (arg) {
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
	case VFIO_TYPE1_NESTING_IOMMU:
	case VFIO_UNMAP_ALL:
		return 1;
	case VFIO_DMA_CC_IOMMU:
		/* The software IOMMU enforces coherency: nothing to snoop. */
		return iommu ? 1 : 0;
	default:
		/* VFIO_UPDATE_VADDR: not implemented (docs/deviations.md). */
		return 0;
	}
}

int vfio_iommu_type1_open(unsigned long type, struct vfio_iommu **ret)
{
	struct vfio_iommu *iommu;
	int rc;

	iommu = uvfio_zalloc(sizeof(*iommu));
	if (!iommu)
		return -ENOMEM;
	iommu->v2 = type == VFIO_TYPE1v2_IOMMU;
	iommu->dma_avail = TYPE1_DMA_ENTRY_LIMIT;
	iommu->pgsize_bitmap = TYPE1_PGSIZES;
	iommu->iopt = iopt_alloc();
	if (!iommu->iopt) {
		rc = -ENOMEM;
		goto err_free;
	}
	rc = iommu_domain_alloc(0, TYPE1_APERTURE_LAST, TYPE1_PGSIZES, 0,
				&iommu->domain);
	if (rc)
		goto err_iopt;
	rc = iopt_table_add_domain(iommu->iopt, iommu->domain);
	if (rc)
		goto err_domain;
	*ret = iommu;
	return 0;

err_domain:
	iommu_domain_free(iommu->domain);
err_iopt:
	iopt_free(iommu->iopt);
err_free:
	free(iommu);
	return rc;
}

void vfio_iommu_type1_release(struct vfio_iommu *iommu)
{
	uint64_t unmapped;

	iopt_unmap_all(iommu->iopt, &unmapped);
	iopt_table_remove_domain(iommu->iopt, iommu->domain);
	iommu_domain_free(iommu->domain);
	iopt_free(iommu->iopt);
	free(iommu);
}

int vfio_iommu_type1_dma_rw(struct vfio_iommu *iommu, uint64_t iova,
			    void *buf, size_t len, bool is_write)
{
	return iommu_domain_dma_rw(iommu->domain, iova, buf, len, is_write);
}

static uint64_t min_pgsize(const struct vfio_iommu *iommu)
{
	return iommu->pgsize_bitmap & -iommu->pgsize_bitmap;
}

static long type1_map_dma(struct vfio_iommu *iommu, struct uvfio_call *call,
			  uint64_t arg)
{
	const uint32_t mask = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE |
			      VFIO_DMA_MAP_FLAG_VADDR;
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_map, size);
	struct vfio_iommu_type1_dma_map map;
	struct iopt_source src = {
		.mm = call->mm, .uid = call->uid,
		.account_mode = IOMMUFD_ACCOUNT_MM,
	};
	uint64_t pgmask = min_pgsize(iommu) - 1, iova, last;
	int prot = IOMMU_CACHE;
	int rc;

	if (copy_from_user(call, &map, arg, minsz))
		return -EFAULT;
	if (map.argsz < minsz || (map.flags & ~mask))
		return -EINVAL;
	/* Changing the vaddr of a mapping (UPDATE_VADDR) is not offered. */
	if (map.flags & VFIO_DMA_MAP_FLAG_VADDR)
		return -EINVAL;
	if (map.flags & VFIO_DMA_MAP_FLAG_READ)
		prot |= IOMMU_READ;
	if (map.flags & VFIO_DMA_MAP_FLAG_WRITE)
		prot |= IOMMU_WRITE;
	if (!(prot & (IOMMU_READ | IOMMU_WRITE)))
		return -EINVAL;
	if (!map.size || ((map.size | map.iova | map.vaddr) & pgmask))
		return -EINVAL;
	if (__builtin_add_overflow(map.iova, map.size - 1, &last) ||
	    map.vaddr + map.size - 1 < map.vaddr)
		return -EINVAL;
	if (iopt_area_iter_first(iommu->iopt, map.iova, last))
		return -EEXIST;
	if (!iommu->dma_avail)
		return -ENOSPC;
	if (last > TYPE1_APERTURE_LAST)
		return -EINVAL;
	iova = map.iova;
	rc = iopt_map_user_pages(iommu->iopt, &src, &iova, map.vaddr, map.size,
				 prot, 0);
	if (rc)
		return rc;
	iommu->dma_avail--;
	return 0;
}

/* Unmap one whole area; returns its size. */
static uint64_t unmap_area(struct vfio_iommu *iommu, struct iopt_area *area)
{
	uint64_t start = iopt_area_iova(area), len = iopt_area_length(area);
	uint64_t unmapped = 0;

	if (!iopt_unmap_iova(iommu->iopt, start, len, &unmapped))
		iommu->dma_avail++;
	return unmapped;
}

static int type1_do_unmap(struct vfio_iommu *iommu, uint64_t iova,
			  uint64_t size, bool all, uint64_t *unmapped)
{
	uint64_t last = all ? UINT64_MAX : iova + size - 1;
	struct iopt_area *area;

	if (iova & (min_pgsize(iommu) - 1))
		return -EINVAL;
	if (all) {
		if (iova || size)
			return -EINVAL;
	} else if (!size || (size & (min_pgsize(iommu) - 1)) ||
		   iova + size - 1 < iova) {
		return -EINVAL;
	}
	if (iommu->v2 && !all) {
		area = iopt_area_iter_first(iommu->iopt, iova, iova);
		if (area && iopt_area_iova(area) != iova)
			return -EINVAL;
		area = iopt_area_iter_first(iommu->iopt, last, last);
		if (area && iopt_area_last_iova(area) != last)
			return -EINVAL;
	}
	while ((area = iopt_area_iter_first(iommu->iopt, iova, last))) {
		if (!iommu->v2 && iopt_area_iova(area) < iova)
			break;
		*unmapped += unmap_area(iommu, area);
	}
	return 0;
}

static long type1_unmap_dma(struct vfio_iommu *iommu, struct uvfio_call *call,
			    uint64_t arg)
{
	const uint32_t mask = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP |
			      VFIO_DMA_UNMAP_FLAG_ALL |
			      VFIO_DMA_UNMAP_FLAG_VADDR;
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_unmap, size);
	struct vfio_iommu_type1_dma_unmap unmap;
	uint64_t unmapped = 0;
	int rc;

	if (copy_from_user(call, &unmap, arg, minsz))
		return -EFAULT;
	if (unmap.argsz < minsz || (unmap.flags & ~mask))
		return -EINVAL;
	if ((unmap.flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP) &&
	    (unmap.flags & (VFIO_DMA_UNMAP_FLAG_ALL | VFIO_DMA_UNMAP_FLAG_VADDR)))
		return -EINVAL;
	/*
	 * A dirty bitmap needs dirty tracking started, which this driver
	 * never does; VADDR invalidation is not offered.
	 */
	if (unmap.flags & (VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP |
			   VFIO_DMA_UNMAP_FLAG_VADDR))
		rc = -EINVAL;
	else
		rc = type1_do_unmap(iommu, unmap.iova, unmap.size,
				    unmap.flags & VFIO_DMA_UNMAP_FLAG_ALL,
				    &unmapped);
	unmap.size = unmapped;
	return copy_to_user(call, arg, &unmap, minsz) ? -EFAULT : rc;
}

/*
 * The capability chain of GET_INFO, in the kernel's order: migration,
 * DMA avail, IOVA ranges, each starting 8-byte aligned (natural
 * alignment pads the 12-byte DMA avail one as vfio_info_cap_add does).
 */
struct type1_caps {
	struct vfio_iommu_type1_info_cap_migration mig;
	struct vfio_iommu_type1_info_dma_avail avail;
	struct vfio_iommu_type1_info_cap_iova_range iova;
	struct vfio_iova_range range;
};

static void type1_build_caps(struct vfio_iommu *iommu, struct type1_caps *caps,
			     uint32_t base)
{
	memset(caps, 0, sizeof(*caps));
	caps->mig.header.id = VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION;
	caps->mig.header.version = 1;
	caps->mig.header.next = base + offsetof(struct type1_caps, avail);
	caps->mig.flags = 0;
	caps->mig.pgsize_bitmap = min_pgsize(iommu);
	caps->mig.max_dirty_bitmap_size = 256ULL << 20;
	caps->avail.header.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL;
	caps->avail.header.version = 1;
	caps->avail.header.next = base + offsetof(struct type1_caps, iova);
	caps->avail.avail = iommu->dma_avail;
	caps->iova.header.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
	caps->iova.header.version = 1;
	caps->iova.nr_iovas = 1;
	caps->range.start = 0;
	caps->range.end = TYPE1_APERTURE_LAST;
}

static long type1_get_info(struct vfio_iommu *iommu, struct uvfio_call *call,
			   uint64_t arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_info, iova_pgsizes);
	struct vfio_iommu_type1_info info;
	struct type1_caps caps;

	_Static_assert(sizeof(struct type1_caps) % 8 == 0, "caps alignment");
	memset(&info, 0, sizeof(info));
	if (copy_from_user(call, &info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	minsz = info.argsz < sizeof(info) ? info.argsz : sizeof(info);
	info.flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
	info.iova_pgsizes = iommu->pgsize_bitmap;
	info.cap_offset = 0;
	if (info.argsz < sizeof(info) + sizeof(caps)) {
		info.argsz = sizeof(info) + sizeof(caps);
	} else {
		type1_build_caps(iommu, &caps, sizeof(info));
		if (copy_to_user(call, arg + sizeof(info), &caps, sizeof(caps)))
			return -EFAULT;
		info.cap_offset = sizeof(info);
	}
	return copy_to_user(call, arg, &info, minsz) ? -EFAULT : 0;
}

long vfio_iommu_type1_ioctl(struct vfio_iommu *iommu, struct uvfio_call *call,
			    unsigned long cmd, uint64_t arg)
{
	switch (cmd) {
	case VFIO_CHECK_EXTENSION:
		return vfio_iommu_type1_check_extension(iommu, arg);
	case VFIO_IOMMU_GET_INFO:
		return type1_get_info(iommu, call, arg);
	case VFIO_IOMMU_MAP_DMA:
		return type1_map_dma(iommu, call, arg);
	case VFIO_IOMMU_UNMAP_DMA:
		return type1_unmap_dma(iommu, call, arg);
	default:
		/* VFIO_IOMMU_DIRTY_PAGES: not offered (docs/deviations.md). */
		return -ENOTTY;
	}
}
