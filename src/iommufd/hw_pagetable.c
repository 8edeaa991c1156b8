// SPDX-License-Identifier: GPL-2.0-only
/*
 * HWPT objects: a hardware page table (our software IOMMU's domain) and
 * the IOAS whose mappings it mirrors.
 *
 * A paging HWPT owns one domain, filled from its IOAS when created and
 * kept in sync by io_pagetable on every map and unmap. It holds its IOAS
 * (ioas->obj.users) for its whole life. Automatic HWPTs are made for
 * devices attached directly to an IOAS and listed on the IOAS so the
 * next compatible device shares the same domain, as the kernel does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/util.h"
#include "iommufd/hw_pagetable.h"
#include "iommufd/io_pagetable.h"
#include "iommufd/iommufd.h"
#include "iommufd/pages.h"
#include "iommufd/pgtable.h"
#include "uvfio/uapi/iommufd_test.h"

/* The software IOMMU behind every non-mock device: 48-bit, 4K/2M/1G. */
const struct iommufd_iommu iommufd_sw_iommu = {
	.aperture_start = 0,
	.aperture_last = (1ULL << 48) - 1,
	.pgsize_bitmap = BIT(12) | BIT(21) | BIT(30),
	.dirty_tracking = true,
	.hw_info_type = IOMMU_HW_INFO_TYPE_NONE,
};

static int ioas_add_auto(struct iommufd_ioas *ioas,
			 struct iommufd_hwpt_paging *hwpt)
{
	struct iommufd_hwpt_paging **list;

	list = uvfio_realloc(ioas->auto_hwpts, ioas->nr_auto_hwpts + 1,
			     sizeof(*list));
	if (!list)
		return -ENOMEM;
	list[ioas->nr_auto_hwpts++] = hwpt;
	ioas->auto_hwpts = list;
	return 0;
}

static void ioas_del_auto(struct iommufd_ioas *ioas,
			  struct iommufd_hwpt_paging *hwpt)
{
	unsigned int i;

	for (i = 0; i < ioas->nr_auto_hwpts; i++) {
		if (ioas->auto_hwpts[i] == hwpt) {
			ioas->auto_hwpts[i] = ioas->auto_hwpts[--ioas->nr_auto_hwpts];
			return;
		}
	}
}

struct iommufd_hwpt_paging *iommufd_ioas_find_auto_hwpt(struct iommufd_ioas *ioas,
							struct iommufd_device *idev)
{
	unsigned int i;

	for (i = 0; i < ioas->nr_auto_hwpts; i++)
		if (!iommufd_hwpt_paging_check_device(ioas->auto_hwpts[i], idev))
			return ioas->auto_hwpts[i];
	return NULL;
}

/* IOMMU_CAP_DIRTY_TRACKING of the IOMMU in front of idev. */
static bool iommufd_device_dirty_capable(struct iommufd_device *idev)
{
	return idev->iommu->dirty_tracking &&
	       !(idev->mock_flags & MOCK_FLAGS_DEVICE_NO_DIRTY);
}

/*
 * The driver's attach_dev: a table made by another driver does not fit;
 * the mock refuses a dirty-tracking table for a device that cannot track.
 */
int iommufd_hwpt_paging_check_device(struct iommufd_hwpt_paging *hwpt,
				     struct iommufd_device *idev)
{
	if (hwpt->iommu->mock != idev->iommu->mock)
		return -EINVAL;
	if (hwpt->dirty_ops && (idev->mock_flags & MOCK_FLAGS_DEVICE_NO_DIRTY))
		return -EINVAL;
	return 0;
}

int iommufd_hwpt_paging_alloc(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			      struct iommufd_device *idev, uint32_t flags,
			      bool auto_domain,
			      struct iommufd_hwpt_paging **ret_hwpt)
{
	const uint32_t valid = IOMMU_HWPT_ALLOC_NEST_PARENT |
			       IOMMU_HWPT_ALLOC_DIRTY_TRACKING;

	const struct iommufd_iommu *iommu = idev->iommu;
	bool dirty = flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	struct iommufd_hwpt_paging *hwpt;
	int rc;

	if (flags & ~valid)
		return -EOPNOTSUPP;
	if (dirty && !iommufd_device_dirty_capable(idev))
		return -EOPNOTSUPP;
	hwpt = iommufd_object_alloc(ictx, hwpt, IOMMUFD_OBJ_HWPT_PAGING);
	if (!hwpt)
		return -ENOMEM;
	rc = iommu_domain_alloc(iommu->aperture_start, iommu->aperture_last,
				iommu->pgsize_bitmap,
				dirty ? IOMMU_DOMAIN_F_DIRTY : 0, &hwpt->domain);
	if (rc)
		goto err_abort;
	hwpt->iommu = iommu;
	hwpt->dirty_ops = dirty;
	hwpt->nest_parent = flags & IOMMU_HWPT_ALLOC_NEST_PARENT;
	hwpt->auto_domain = auto_domain;
	rc = iopt_table_add_domain(ioas->iopt, hwpt->domain);
	if (rc)
		goto err_domain;
	if (auto_domain) {
		rc = ioas_add_auto(ioas, hwpt);
		if (rc)
			goto err_remove;
	}
	hwpt->ioas = ioas;
	ioas->obj.users++;
	*ret_hwpt = hwpt;
	return 0;

err_remove:
	iopt_table_remove_domain(ioas->iopt, hwpt->domain);
err_domain:
	iommu_domain_free(hwpt->domain);
err_abort:
	iommufd_object_abort(ictx, &hwpt->obj);
	return rc;
}

void iommufd_hwpt_paging_destroy(struct iommufd_object *obj)
{
	struct iommufd_hwpt_paging *hwpt =
		container_of(obj, struct iommufd_hwpt_paging, obj);
	struct iommufd_ioas *ioas = hwpt->ioas;

	if (hwpt->fault)
		hwpt->fault->obj.users--;
	hwpt->fault = NULL;
	if (!ioas)
		return;
	if (hwpt->auto_domain)
		ioas_del_auto(ioas, hwpt);
	iopt_table_remove_domain(ioas->iopt, hwpt->domain);
	iommu_domain_free(hwpt->domain);
	ioas->obj.users--;
	hwpt->ioas = NULL;
}

int iommufd_hwpt_dma_rw(struct iommufd_hwpt_paging *hwpt, uint64_t iova,
			void *buf, size_t len, bool is_write)
{
	return iommu_domain_dma_rw(hwpt->domain, iova, buf, len, is_write);
}

/*
 * The mock driver's nested domain: a stage 1 owned by the guest, here
 * only an IOTLB the user can fill (at alloc) and invalidate.
 */
static int hwpt_nested_data(struct iommufd_ucmd *ucmd,
			    const struct iommu_hwpt_alloc *cmd,
			    struct iommu_hwpt_selftest *cfg)
{
	const size_t min_len = offsetof(struct iommu_hwpt_selftest, iotlb) +
			       sizeof(cfg->iotlb);

	if (cmd->data_type != IOMMU_HWPT_DATA_SELFTEST)
		return -EOPNOTSUPP;
	/* iommu_copy_struct_from_user(): longer than ours is EINVAL too. */
	if (cmd->data_len < min_len || cmd->data_len > sizeof(*cfg))
		return -EINVAL;
	memset(cfg, 0, sizeof(*cfg));
	if (copy_from_user(ucmd->call, cfg, cmd->data_uptr, cmd->data_len))
		return -EFAULT;
	return 0;
}

static int iommufd_hwpt_nested_alloc(struct iommufd_ucmd *ucmd,
				     struct iommufd_hwpt_paging *parent,
				     struct iommufd_device *idev,
				     const struct iommu_hwpt_alloc *cmd,
				     struct iommufd_hwpt_paging **ret_hwpt)
{
	struct iommu_hwpt_selftest cfg;
	struct iommufd_hwpt_paging *hwpt;
	unsigned int i;
	int rc;

	if ((cmd->flags & ~IOMMU_HWPT_FAULT_ID_VALID) || !cmd->data_len ||
	    !idev->iommu->mock)
		return -EOPNOTSUPP;
	if (parent->auto_domain || !parent->nest_parent ||
	    parent->iommu->mock != idev->iommu->mock)
		return -EINVAL;
	rc = hwpt_nested_data(ucmd, cmd, &cfg);
	if (rc)
		return rc;
	hwpt = iommufd_object_alloc(ucmd->ictx, hwpt, IOMMUFD_OBJ_HWPT_NESTED);
	if (!hwpt)
		return -ENOMEM;
	hwpt->parent = parent;
	hwpt->iommu = idev->iommu;
	parent->obj.users++;
	for (i = 0; i < IOMMUFD_MOCK_IOTLB_NUM; i++)
		hwpt->iotlb[i] = cfg.iotlb;
	*ret_hwpt = hwpt;
	return 0;
}

void iommufd_hwpt_nested_destroy(struct iommufd_object *obj)
{
	struct iommufd_hwpt_paging *hwpt =
		container_of(obj, struct iommufd_hwpt_paging, obj);

	if (hwpt->fault)
		hwpt->fault->obj.users--;
	hwpt->fault = NULL;
	if (hwpt->parent)
		hwpt->parent->obj.users--;
	hwpt->parent = NULL;
}

static int hwpt_alloc_one(struct iommufd_ucmd *ucmd, struct iommufd_device *idev,
			  struct iommufd_object *pt,
			  struct iommufd_hwpt_paging **ret_hwpt)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	uint32_t flags = cmd->flags;

	if (pt->type == IOMMUFD_OBJ_HWPT_PAGING)
		return iommufd_hwpt_nested_alloc(ucmd,
			container_of(pt, struct iommufd_hwpt_paging, obj),
			idev, cmd, ret_hwpt);
	if (pt->type != IOMMUFD_OBJ_IOAS)
		return -EINVAL;
	/* A paging table takes no driver data, from either driver. */
	if (cmd->data_len)
		return -EOPNOTSUPP;
	if ((flags & IOMMU_HWPT_FAULT_ID_VALID) &&
	    (flags & IOMMU_HWPT_ALLOC_NEST_PARENT))
		return -EOPNOTSUPP;
	return iommufd_hwpt_paging_alloc(ucmd->ictx,
		container_of(pt, struct iommufd_ioas, obj), idev,
		flags & ~IOMMU_HWPT_FAULT_ID_VALID, false, ret_hwpt);
}

int iommufd_hwpt_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt;
	struct iommufd_device *idev;
	struct iommufd_object *pt;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	if ((cmd->data_type == IOMMU_HWPT_DATA_NONE && cmd->data_len) ||
	    (cmd->data_type != IOMMU_HWPT_DATA_NONE && !cmd->data_len))
		return -EINVAL;
	idev = iommufd_get_device(ucmd->ictx, cmd->dev_id);
	if (!idev)
		return -ENOENT;
	pt = iommufd_get_object(ucmd->ictx, cmd->pt_id, IOMMUFD_OBJ_ANY);
	if (!pt)
		return -EINVAL;
	rc = hwpt_alloc_one(ucmd, idev, pt, &hwpt);
	if (rc)
		return rc;
	if (cmd->flags & IOMMU_HWPT_FAULT_ID_VALID) {
		struct iommufd_fault *fault;

		fault = iommufd_get_fault(ucmd->ictx, cmd->fault_id);
		if (!fault) {
			rc = -ENOENT;
			goto err_destroy;
		}
		hwpt->fault = fault;
		fault->obj.users++;
	}
	cmd->out_hwpt_id = hwpt->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto err_destroy;
	iommufd_object_finalize(ucmd->ictx, &hwpt->obj);
	return 0;

err_destroy:
	iommufd_object_abort_and_destroy(ucmd->ictx, &hwpt->obj);
	return rc;
}

static struct iommufd_hwpt_paging *get_hwpt(struct iommufd_ctx *ictx,
					    uint32_t id,
					    enum iommufd_object_type type)
{
	struct iommufd_object *obj = iommufd_get_object(ictx, id, type);

	return obj ? container_of(obj, struct iommufd_hwpt_paging, obj) : NULL;
}

int iommufd_hwpt_set_dirty_tracking(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_set_dirty_tracking *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt;

	if (cmd->flags & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE)
		return -EOPNOTSUPP;
	hwpt = get_hwpt(ucmd->ictx, cmd->hwpt_id, IOMMUFD_OBJ_HWPT_PAGING);
	if (!hwpt)
		return -ENOENT;
	return iopt_set_dirty_tracking(hwpt->ioas->iopt, hwpt->domain,
				       cmd->flags & IOMMU_HWPT_DIRTY_TRACKING_ENABLE);
}

int iommufd_hwpt_get_dirty_bitmap(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_get_dirty_bitmap *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt;

	if ((cmd->flags & ~IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	hwpt = get_hwpt(ucmd->ictx, cmd->hwpt_id, IOMMUFD_OBJ_HWPT_PAGING);
	if (!hwpt)
		return -ENOENT;
	/* Reading needs tracking on, as the drivers insist. */
	if (!iommu_domain_dirty_tracking(hwpt->domain) &&
	    (hwpt->domain->flags & IOMMU_DOMAIN_F_DIRTY))
		return -EINVAL;
	return iopt_read_and_clear_dirty_data(hwpt->ioas->iopt, hwpt->domain,
					      cmd->flags, cmd, ucmd->call->mm);
}

/* The most entries one call may name, as the kernel bounds it. */
#define HWPT_INVALIDATE_ENTRY_NUM_MAX	(1u << 19)

/* The mock driver's cache_invalidate_user: *done counts handled entries. */
static int mock_invalidate(struct iommufd_ucmd *ucmd,
			   struct iommufd_hwpt_paging *hwpt,
			   const struct iommu_hwpt_invalidate *cmd,
			   uint32_t *done)
{
	struct iommu_hwpt_invalidate_selftest inv;
	uint32_t i, j;

	if (cmd->data_type != IOMMU_HWPT_INVALIDATE_DATA_SELFTEST)
		return -EINVAL;
	for (i = 0; i < cmd->entry_num; i++) {
		if (cmd->entry_len < sizeof(inv) || cmd->entry_len > sizeof(inv))
			return -EINVAL;
		if (copy_from_user(ucmd->call, &inv,
				   cmd->data_uptr + (uint64_t)i * cmd->entry_len,
				   sizeof(inv)))
			return -EFAULT;
		if (inv.flags & ~IOMMU_TEST_INVALIDATE_FLAG_ALL)
			return -EOPNOTSUPP;
		if (inv.iotlb_id >= IOMMUFD_MOCK_IOTLB_NUM)
			return -EINVAL;
		if (inv.flags & IOMMU_TEST_INVALIDATE_FLAG_ALL)
			for (j = 0; j < IOMMUFD_MOCK_IOTLB_NUM; j++)
				hwpt->iotlb[j] = 0;
		else
			hwpt->iotlb[inv.iotlb_id] = 0;
		(*done)++;
	}
	return 0;
}

int iommufd_hwpt_invalidate(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_invalidate *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt;
	uint32_t done = 0;
	int rc;

	if (cmd->__reserved) {
		rc = -EOPNOTSUPP;
		goto out;
	}
	if (cmd->entry_num &&
	    (!cmd->data_uptr || !cmd->entry_len ||
	     cmd->entry_len > IOPT_PAGE_SIZE ||
	     cmd->entry_num > HWPT_INVALIDATE_ENTRY_NUM_MAX)) {
		rc = -EINVAL;
		goto out;
	}
	hwpt = get_hwpt(ucmd->ictx, cmd->hwpt_id, IOMMUFD_OBJ_HWPT_NESTED);
	if (!hwpt) {
		rc = -ENOENT;
		goto out;
	}
	rc = mock_invalidate(ucmd, hwpt, cmd, &done);
out:
	cmd->entry_num = done;
	if (iommufd_ucmd_respond(ucmd, sizeof(*cmd)))
		return -EFAULT;
	return rc;
}

static int hw_info_fill(struct iommufd_ucmd *ucmd, struct iommu_hw_info *cmd,
			const void *data, uint32_t data_len)
{
	static const uint8_t zeros[256];
	uint64_t done = min_t(uint64_t, data_len, cmd->data_len);

	if (done && copy_to_user(ucmd->call, cmd->data_uptr, data, done))
		return -EFAULT;
	/* A larger user buffer has its tail zeroed. */
	while (done < cmd->data_len) {
		uint64_t n = min_t(uint64_t, sizeof(zeros), cmd->data_len - done);

		if (copy_to_user(ucmd->call, cmd->data_uptr + done, zeros, n))
			return -EFAULT;
		done += n;
	}
	cmd->data_len = data_len;
	return 0;
}

int iommufd_get_hw_info(struct iommufd_ucmd *ucmd)
{
	struct iommu_hw_info *cmd = ucmd->cmd;
	struct iommu_test_hw_info mock = {
		.test_reg = IOMMU_HW_INFO_SELFTEST_REGVAL,
	};
	const struct iommufd_iommu *iommu;
	struct iommufd_device *idev;
	int rc;

	if (cmd->flags & ~IOMMU_HW_INFO_FLAG_INPUT_TYPE)
		return -EOPNOTSUPP;
	if (cmd->__reserved[0] || cmd->__reserved[1] || cmd->__reserved[2])
		return -EOPNOTSUPP;
	idev = iommufd_get_device(ucmd->ictx, cmd->dev_id);
	if (!idev)
		return -ENOENT;
	iommu = idev->iommu;
	/* Asking for a vendor type: only the driver's own (or default). */
	if ((cmd->flags & IOMMU_HW_INFO_FLAG_INPUT_TYPE) &&
	    cmd->in_data_type != IOMMU_HW_INFO_TYPE_DEFAULT &&
	    cmd->in_data_type != iommu->hw_info_type)
		return -EOPNOTSUPP;
	if (iommu->mock)
		rc = hw_info_fill(ucmd, cmd, &mock, sizeof(mock));
	else
		rc = hw_info_fill(ucmd, cmd, NULL, 0);
	if (rc)
		return rc;
	cmd->out_data_type = iommu->hw_info_type;
	cmd->out_capabilities = 0;
	if (iommufd_device_dirty_capable(idev))
		cmd->out_capabilities |= IOMMU_HW_CAP_DIRTY_TRACKING;
	cmd->out_max_pasid_log2 = (idev->mock_flags & MOCK_FLAGS_DEVICE_PASID) ?
				  MOCK_PASID_WIDTH : iommu->max_pasid_log2;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}
