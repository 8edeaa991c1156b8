// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VFIO container side of iommufd: an iommufd fd also answers the
 * type1 container ioctls (the kernel's CONFIG_IOMMUFD_VFIO_CONTAINER), on
 * one IOAS of the context, the compat IOAS.
 *
 * IOMMU_VFIO_IOAS chooses, reads or clears the compat IOAS. The container
 * ioctls act on it and answer ENODEV while there is none (VFIO needs a
 * group before SET_IOMMU). TYPE1 (v1) differs from v2 by allowing unmap
 * of part of a mapping: we emulate it as the kernel does, by disabling
 * huge IOPTEs and cutting areas at the unmap boundaries. Maps through this
 * path use fixed IOVAs and per-process accounting, as type1 does.
 */
#include <errno.h>
#include <stddef.h>

#include "core/file.h"
#include "core/util.h"
#include "iommufd/io_pagetable.h"
#include "iommufd/iommufd.h"
#include "iommufd/iommufd_private.h"
#include "iommufd/pgtable.h"
#include "uvfio/uapi/vfio.h"

#define offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))

int iommufd_vfio_ioas(struct iommufd_ucmd *ucmd)
{
	struct iommu_vfio_ioas *cmd = ucmd->cmd;
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct iommufd_ioas *ioas;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->op) {
	case IOMMU_VFIO_IOAS_GET:
		if (!ictx->vfio_ioas)
			return -ENODEV;
		cmd->ioas_id = ictx->vfio_ioas->obj.id;
		return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	case IOMMU_VFIO_IOAS_SET:
		ioas = iommufd_get_ioas(ictx, cmd->ioas_id);
		if (!ioas)
			return -ENOENT;
		ictx->vfio_ioas = ioas;
		return 0;
	case IOMMU_VFIO_IOAS_CLEAR:
		ictx->vfio_ioas = NULL;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static int vfio_map_dma(struct iommufd_ctx *ictx, struct uvfio_call *call,
			uint64_t arg)
{
	const uint32_t valid = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_map, size);
	struct vfio_iommu_type1_dma_map map;
	struct iopt_source src = {
		.mm = call->mm, .uid = call->uid,
		.account_mode = IOMMUFD_ACCOUNT_MM,
	};
	int prot = IOMMU_CACHE;
	uint64_t iova;

	if (copy_from_user(call, &map, arg, minsz))
		return -EFAULT;
	if (map.argsz < minsz || (map.flags & ~valid))
		return -EINVAL;
	if (map.flags & VFIO_DMA_MAP_FLAG_READ)
		prot |= IOMMU_READ;
	if (map.flags & VFIO_DMA_MAP_FLAG_WRITE)
		prot |= IOMMU_WRITE;
	if (!ictx->vfio_ioas)
		return -ENODEV;
	iova = map.iova;
	return iopt_map_user_pages(ictx->vfio_ioas->iopt, &src, &iova,
				   map.vaddr, map.size, prot, 0);
}

static int vfio_unmap_dma(struct iommufd_ctx *ictx, struct uvfio_call *call,
			  uint64_t arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_unmap, size);
	struct vfio_iommu_type1_dma_unmap unmap;
	uint64_t unmapped = 0;
	struct io_pagetable *iopt;
	int rc;

	if (copy_from_user(call, &unmap, arg, minsz))
		return -EFAULT;
	/* GET_DIRTY_BITMAP is obsolete here; only UNMAP_ALL is known. */
	if (unmap.argsz < minsz || (unmap.flags & ~VFIO_DMA_UNMAP_FLAG_ALL))
		return -EINVAL;
	if (!ictx->vfio_ioas)
		return -ENODEV;
	iopt = ictx->vfio_ioas->iopt;
	if (unmap.flags & VFIO_DMA_UNMAP_FLAG_ALL) {
		if (unmap.iova || unmap.size)
			return -EINVAL;
		rc = iopt_unmap_all(iopt, &unmapped);
	} else {
		if (iopt->disable_large_pages) {
			/* v1: cut at both ends so the middle can go. */
			uint64_t iovas[] = { unmap.iova + unmap.size - 1,
					     unmap.iova - 1 };

			rc = iopt_cut_iova(iopt, iovas, unmap.iova ? 2 : 1);
			if (rc)
				return rc;
		}
		rc = iopt_unmap_iova(iopt, unmap.iova, unmap.size, &unmapped);
	}
	unmap.size = unmapped;
	if (copy_to_user(call, arg, &unmap, minsz))
		return -EFAULT;
	return rc;
}

/* A group with no IOMMU joins: only VFIO_NOIOMMU_IOMMU may be set now. */
int iommufd_vfio_compat_set_no_iommu(struct iommufd_ctx *ictx)
{
	if (ictx->vfio_ioas)
		return -EINVAL;
	ictx->no_iommu_mode = true;
	return 0;
}

/* A group joins: make the compat IOAS unless one exists. */
int iommufd_vfio_compat_ioas_create(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas;

	/* A context cannot serve IOMMU and no-IOMMU groups at once. */
	if (ictx->no_iommu_mode)
		return -EINVAL;
	if (ictx->vfio_ioas)
		return 0;
	ioas = iommufd_ioas_alloc(ictx);
	if (!ioas)
		return -ENOMEM;
	iommufd_object_finalize(ictx, &ioas->obj);
	ictx->vfio_ioas = ioas;
	return 0;
}

static int vfio_check_extension(struct iommufd_ctx *ictx, unsigned long type)
{
	switch (type) {
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
	case VFIO_UNMAP_ALL:
		return !ictx->no_iommu_mode;
	case VFIO_NOIOMMU_IOMMU:
		/* Built in, as CONFIG_VFIO_NOIOMMU. */
		return 1;
	case VFIO_DMA_CC_IOMMU:
		/* Every domain here is coherent; ENODEV without an IOAS. */
		return ictx->vfio_ioas ? 1 : -ENODEV;
	default:
		return 0;
	}
}

static int vfio_set_iommu(struct iommufd_ctx *ictx, unsigned long type,
			  struct uvfio_call *call)
{
	if (type == VFIO_NOIOMMU_IOMMU && ictx->no_iommu_mode)
		return call->uid ? -EPERM : 0;	/* CAP_SYS_RAWIO */
	if ((type != VFIO_TYPE1_IOMMU && type != VFIO_TYPE1v2_IOMMU) ||
	    ictx->no_iommu_mode)
		return -EINVAL;
	if (!ictx->vfio_ioas)
		return -ENODEV;
	if (type == VFIO_TYPE1_IOMMU)
		return iopt_disable_large_pages(ictx->vfio_ioas->iopt);
	return 0;
}

static uint64_t vfio_pagesizes(struct io_pagetable *iopt)
{
	uint64_t pgsizes = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < iopt->nr_domains; i++)
		pgsizes &= iopt->domains[i]->pgsize_bitmap;
	/* Below a CPU page means a CPU page, as vfio reports it. */
	if (pgsizes & (IOPT_PAGE_SIZE - 1)) {
		pgsizes &= ~(IOPT_PAGE_SIZE - 1);
		pgsizes |= IOPT_PAGE_SIZE;
	}
	return max_t(uint64_t, pgsizes, iopt->iova_alignment);
}

/*
 * A capability is written only where it fits in avail; its size is
 * returned either way, so the caller learns how much room a full answer
 * needs.
 */
typedef int (*fill_cap_fn)(struct uvfio_call *call, struct io_pagetable *iopt,
			   uint64_t ucap, size_t avail);

static int fill_cap_dma_avail(struct uvfio_call *call,
			      struct io_pagetable *iopt, uint64_t ucap,
			      size_t avail)
{
	struct vfio_iommu_type1_info_dma_avail cap = {
		.header = { .id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, .version = 1 },
		.avail = UINT32_MAX,
	};

	if (avail >= sizeof(cap) && copy_to_user(call, ucap, &cap, sizeof(cap)))
		return -EFAULT;
	return sizeof(cap);
}

static int fill_cap_iova(struct uvfio_call *call, struct io_pagetable *iopt,
			 uint64_t ucap, size_t avail)
{
	struct vfio_iommu_type1_info_cap_iova_range cap = {
		.header = { .id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
			    .version = 1 },
	};
	const size_t elm = sizeof(struct vfio_iova_range);
	struct interval_tree_span_iter span;

	interval_tree_for_each_span(&span, &iopt->reserved_itree, 0,
				    UINT64_MAX) {
		struct vfio_iova_range range = {
			.start = span.start, .end = span.last,
		};

		if (!span.is_hole)
			continue;
		if (avail >= sizeof(cap) + (cap.nr_iovas + 1) * elm &&
		    copy_to_user(call, ucap + sizeof(cap) + cap.nr_iovas * elm,
				 &range, elm))
			return -EFAULT;
		cap.nr_iovas++;
	}
	if (avail >= sizeof(cap) + cap.nr_iovas * elm &&
	    copy_to_user(call, ucap, &cap, sizeof(cap)))
		return -EFAULT;
	return sizeof(cap) + cap.nr_iovas * elm;
}

static int vfio_iommu_get_info(struct iommufd_ctx *ictx,
			       struct uvfio_call *call, uint64_t arg)
{
	static const fill_cap_fn fill_fns[] = {
		fill_cap_dma_avail,
		fill_cap_iova,
	};
	size_t minsz = offsetofend(struct vfio_iommu_type1_info, iova_pgsizes);
	struct vfio_iommu_type1_info info = { 0 };
	uint64_t last_cap = 0, total;
	unsigned int i;

	if (copy_from_user(call, &info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	minsz = min_t(size_t, info.argsz, sizeof(info));
	if (!ictx->vfio_ioas)
		return -ENODEV;
	info.flags = VFIO_IOMMU_INFO_PGSIZES;
	info.iova_pgsizes = vfio_pagesizes(ictx->vfio_ioas->iopt);
	info.cap_offset = 0;
	total = sizeof(info);
	for (i = 0; i < ARRAY_SIZE(fill_fns); i++) {
		uint32_t next = total;
		int size;

		size = fill_fns[i](call, ictx->vfio_ioas->iopt, arg + total,
				   info.argsz > total ? info.argsz - total : 0);
		if (size < 0)
			return size;
		size = ALIGN_UP(size, sizeof(uint64_t));
		if (last_cap && info.argsz >= total &&
		    copy_to_user(call, last_cap +
				 offsetof(struct vfio_info_cap_header, next),
				 &next, sizeof(next)))
			return -EFAULT;
		last_cap = arg + total;
		total += size;
	}
	/* Too little room: no caps, and argsz says how much is needed. */
	if (info.argsz >= total)
		info.cap_offset = sizeof(info);
	info.argsz = total;
	info.flags |= VFIO_IOMMU_INFO_CAPS;
	return copy_to_user(call, arg, &info, minsz);
}

long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, struct uvfio_call *call,
			unsigned long cmd, uint64_t arg)
{
	switch (cmd) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_SET_IOMMU:
		return vfio_set_iommu(ictx, arg, call);
	case VFIO_CHECK_EXTENSION:
		return vfio_check_extension(ictx, arg);
	case VFIO_IOMMU_GET_INFO:
		return vfio_iommu_get_info(ictx, call, arg);
	case VFIO_IOMMU_MAP_DMA:
		return vfio_map_dma(ictx, call, arg);
	case VFIO_IOMMU_UNMAP_DMA:
		return vfio_unmap_dma(ictx, call, arg);
	default:
		return -ENOTTY;
	}
}

int iommufd_vfio_compat_init(void)
{
	return 0;
}
