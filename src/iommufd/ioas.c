// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOAS ioctls: validate the command, look the IOAS up, call io_pagetable,
 * answer. Nothing here keeps state; the IOVA space is the io_pagetable's.
 *
 * The order of the checks is the kernel's, because programs (and the
 * selftests) see which errno wins: unknown flags or a non-zero reserved
 * field EOPNOTSUPP, then values that do not fit an unsigned long
 * EOVERFLOW, then a map with neither READABLE nor WRITEABLE EINVAL, then
 * the object lookup ENOENT, then what the layer below says.
 *
 * The memory is the caller's: a user VA belongs to the calling process,
 * which is also the one whose RLIMIT_MEMLOCK pinning is charged to.
 */
#include <errno.h>
#include <stdlib.h>

#include "core/file.h"
#include "core/util.h"
#include "iommufd/io_pagetable.h"
#include "iommufd/iommufd_private.h"
#include "iommufd/pgtable.h"

#define IOAS_MAP_FLAGS							\
	(IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE |		\
	 IOMMU_IOAS_MAP_READABLE)

struct iommufd_ioas *iommufd_get_ioas(struct iommufd_ctx *ictx, uint32_t id)
{
	struct iommufd_object *obj;

	obj = iommufd_get_object(ictx, id, IOMMUFD_OBJ_IOAS);
	return obj ? container_of(obj, struct iommufd_ioas, obj) : NULL;
}

void iommufd_ioas_destroy(struct iommufd_object *obj)
{
	struct iommufd_ioas *ioas = container_of(obj, struct iommufd_ioas, obj);

	free(ioas->auto_hwpts);
	ioas->auto_hwpts = NULL;
	if (!ioas->iopt)
		return;
	IOPT_WARN_ON(iopt_unmap_all(ioas->iopt, NULL));
	iopt_free(ioas->iopt);
	ioas->iopt = NULL;
}

struct iommufd_ioas *iommufd_ioas_alloc(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas;

	ioas = iommufd_object_alloc(ictx, ioas, IOMMUFD_OBJ_IOAS);
	if (!ioas)
		return NULL;
	ioas->iopt = iopt_alloc();
	if (!ioas->iopt) {
		iommufd_object_abort(ictx, &ioas->obj);
		return NULL;
	}
	return ioas;
}

int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_alloc *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;
	ioas = iommufd_ioas_alloc(ucmd->ictx);
	if (!ioas)
		return -ENOMEM;
	cmd->out_ioas_id = ioas->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto err_destroy;
	iommufd_object_finalize(ucmd->ictx, &ioas->obj);
	return 0;

err_destroy:
	iommufd_object_abort_and_destroy(ucmd->ictx, &ioas->obj);
	return rc;
}

/* The usable IOVA: the holes between reserved ranges. */
int iommufd_ioas_iova_ranges(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_iova_ranges *cmd = ucmd->cmd;
	struct interval_tree_span_iter span;
	struct iommufd_ioas *ioas;
	uint32_t max_iovas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;

	max_iovas = cmd->num_iovas;
	cmd->num_iovas = 0;
	cmd->out_iova_alignment = ioas->iopt->iova_alignment;
	interval_tree_for_each_span(&span, &ioas->iopt->reserved_itree, 0,
				    UINT64_MAX) {
		if (!span.is_hole)
			continue;
		if (cmd->num_iovas < max_iovas) {
			struct iommu_iova_range elm = {
				.start = span.start,
				.last = span.last,
			};

			if (copy_to_user(ucmd->call,
					 cmd->allowed_iovas +
						 (uint64_t)cmd->num_iovas *
							 sizeof(elm),
					 &elm, sizeof(elm)))
				return -EFAULT;
		}
		cmd->num_iovas++;
	}
	/* The count goes back even when it did not fit: that is the protocol. */
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		return rc;
	if (cmd->num_iovas > max_iovas)
		return -EMSGSIZE;
	return 0;
}

static int iommufd_ioas_load_iovas(struct iommufd_ucmd *ucmd,
				   struct interval_tree_root *itree,
				   uint64_t uranges, uint32_t num)
{
	uint32_t i;
	int rc;

	for (i = 0; i != num; i++) {
		struct iommu_iova_range range;

		if (copy_from_user(ucmd->call, &range,
				   uranges + (uint64_t)i * sizeof(range),
				   sizeof(range)))
			return -EFAULT;
		if (range.start >= range.last)
			return -EINVAL;
		if (interval_tree_iter_first(itree, range.start, range.last))
			return -EINVAL;
		rc = iopt_allowed_add(itree, range.start, range.last);
		if (rc)
			return rc;
	}
	return 0;
}

int iommufd_ioas_allow_iovas(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_allow_iovas *cmd = ucmd->cmd;
	struct interval_tree_root allowed = INTERVAL_TREE_ROOT_INIT;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	rc = iommufd_ioas_load_iovas(ucmd, &allowed, cmd->allowed_iovas,
				     cmd->num_iovas);
	/* All or nothing: on success this frees the old list instead. */
	if (!rc)
		rc = iopt_set_allow_iova(ioas->iopt, &allowed);
	iopt_allowed_free(&allowed);
	return rc;
}

/*
 * IOMMU_CACHE always: there is no cache maintenance uAPI, so the IOMMU
 * must be coherent (the kernel enforces that at bind).
 */
static int conv_iommu_prot(uint32_t map_flags)
{
	int iommu_prot = IOMMU_CACHE;

	if (map_flags & IOMMU_IOAS_MAP_WRITEABLE)
		iommu_prot |= IOMMU_WRITE;
	if (map_flags & IOMMU_IOAS_MAP_READABLE)
		iommu_prot |= IOMMU_READ;
	return iommu_prot;
}

static void ioas_source(struct iommufd_ucmd *ucmd, struct iopt_source *src)
{
	src->mm = ucmd->call->mm;
	src->uid = ucmd->call->uid;
	src->account_mode = ucmd->ictx->account_mode;
}

/*
 * The checks MAP and MAP_FILE share, in the kernel's order, and the IOAS
 * they name; *ret_flags are the io_pagetable flags to map with.
 */
static int ioas_map_prepare(struct iommufd_ucmd *ucmd, uint32_t map_flags,
			    uint32_t ioas_id, uint64_t iova, uint64_t length,
			    struct iommufd_ioas **ret_ioas,
			    unsigned int *ret_flags)
{
	if (map_flags & ~IOAS_MAP_FLAGS)
		return -EOPNOTSUPP;
	if (iova >= UINT64_MAX || length >= UINT64_MAX)
		return -EOVERFLOW;
	if (!(map_flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;
	*ret_ioas = iommufd_get_ioas(ucmd->ictx, ioas_id);
	if (!*ret_ioas)
		return -ENOENT;
	*ret_flags = (map_flags & IOMMU_IOAS_MAP_FIXED_IOVA) ? 0 : IOPT_ALLOC_IOVA;
	return 0;
}

int iommufd_ioas_map(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_map *cmd = ucmd->cmd;
	uint64_t iova = cmd->iova;
	struct iommufd_ioas *ioas;
	struct iopt_source src;
	unsigned int flags;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	rc = ioas_map_prepare(ucmd, cmd->flags, cmd->ioas_id, cmd->iova,
			      cmd->length, &ioas, &flags);
	if (rc)
		return rc;
	ioas_source(ucmd, &src);
	rc = iopt_map_user_pages(ioas->iopt, &src, &iova, cmd->user_va,
				 cmd->length, conv_iommu_prot(cmd->flags),
				 flags);
	if (rc)
		return rc;
	cmd->iova = iova;
	/* As in the kernel, a failed answer leaves the mapping in place. */
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

int iommufd_ioas_map_file(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_map_file *cmd = ucmd->cmd;
	uint64_t iova = cmd->iova;
	struct iommufd_ioas *ioas;
	struct iopt_source src;
	unsigned int flags;
	int rc;

	rc = ioas_map_prepare(ucmd, cmd->flags, cmd->ioas_id, cmd->iova,
			      cmd->length, &ioas, &flags);
	if (rc)
		return rc;
	ioas_source(ucmd, &src);
	rc = iopt_map_file_pages(ioas->iopt, &src, &iova,
				 uvfio_call_fd(ucmd->call, cmd->fd), cmd->start,
				 cmd->length, conv_iommu_prot(cmd->flags),
				 flags);
	if (rc)
		return rc;
	cmd->iova = iova;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

int iommufd_ioas_copy(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_copy *cmd = ucmd->cmd;
	struct iopt_pages_list list = { 0 };
	struct iommufd_ioas *src_ioas, *dst_ioas;
	unsigned int flags = 0;
	uint64_t iova;
	int rc;

	if (cmd->flags & ~IOAS_MAP_FLAGS)
		return -EOPNOTSUPP;
	if (cmd->length >= UINT64_MAX || cmd->src_iova >= UINT64_MAX ||
	    cmd->dst_iova >= UINT64_MAX)
		return -EOVERFLOW;
	if (!(cmd->flags &
	      (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;
	src_ioas = iommufd_get_ioas(ucmd->ictx, cmd->src_ioas_id);
	if (!src_ioas)
		return -ENOENT;
	rc = iopt_get_pages(src_ioas->iopt, cmd->src_iova, cmd->length, &list);
	if (rc)
		return rc;
	dst_ioas = iommufd_get_ioas(ucmd->ictx, cmd->dst_ioas_id);
	if (!dst_ioas) {
		rc = -ENOENT;
		goto out_pages;
	}
	if (!(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		flags = IOPT_ALLOC_IOVA;
	iova = cmd->dst_iova;
	rc = iopt_map_pages(dst_ioas->iopt, &list, cmd->length, &iova,
			    conv_iommu_prot(cmd->flags), flags);
	if (rc)
		goto out_pages;
	cmd->dst_iova = iova;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_pages:
	iopt_free_pages_list(&list);
	return rc;
}

int iommufd_ioas_unmap(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_unmap *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	uint64_t unmapped = 0;
	int rc;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	if (cmd->iova == 0 && cmd->length == UINT64_MAX) {
		/* Unmap all succeeds on an empty IOAS. */
		rc = iopt_unmap_all(ioas->iopt, &unmapped);
		if (rc)
			return rc;
	} else {
		if (cmd->iova >= UINT64_MAX || cmd->length >= UINT64_MAX)
			return -EOVERFLOW;
		rc = iopt_unmap_iova(ioas->iopt, cmd->iova, cmd->length,
				     &unmapped);
		if (rc)
			return rc;
		/* A range with nothing mapped in it is an error here only. */
		if (!unmapped)
			return -ENOENT;
	}
	cmd->length = unmapped;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

static int iommufd_ioas_option_huge_pages(struct iommufd_ucmd *ucmd,
					  struct iommufd_ioas *ioas)
{
	struct iommu_option *cmd = ucmd->cmd;

	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = !ioas->iopt->disable_large_pages;
		return 0;
	}
	if (cmd->op == IOMMU_OPTION_OP_SET) {
		if (cmd->val64 == 0)
			return iopt_disable_large_pages(ioas->iopt);
		if (cmd->val64 == 1) {
			iopt_enable_large_pages(ioas->iopt);
			return 0;
		}
		return -EINVAL;
	}
	return -EOPNOTSUPP;
}

int iommufd_ioas_option(struct iommufd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->object_id);
	if (!ioas)
		return -ENOENT;
	switch (cmd->option_id) {
	case IOMMU_OPTION_HUGE_PAGES:
		return iommufd_ioas_option_huge_pages(ucmd, ioas);
	default:
		return -EOPNOTSUPP;
	}
}
