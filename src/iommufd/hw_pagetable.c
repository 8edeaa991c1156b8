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
#include "iommufd/pgtable.h"

/* The software IOMMU behind every non-mock device: 48-bit, 4K/2M/1G. */
#define UVFIO_IOMMU_APERTURE_LAST	((1ULL << 48) - 1)
#define UVFIO_IOMMU_PGSIZES		(BIT(12) | BIT(21) | BIT(30))

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

int iommufd_hwpt_paging_check_device(struct iommufd_hwpt_paging *hwpt,
				     struct iommufd_device *idev)
{
	/* Every real device here sits behind the same kind of IOMMU. */
	return 0;
}

int iommufd_hwpt_paging_alloc(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			      struct iommufd_device *idev, uint32_t flags,
			      bool auto_domain,
			      struct iommufd_hwpt_paging **ret_hwpt)
{
	const uint32_t valid = IOMMU_HWPT_ALLOC_NEST_PARENT |
			       IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	struct iommufd_hwpt_paging *hwpt;
	int rc;

	if (flags & ~valid)
		return -EOPNOTSUPP;
	hwpt = iommufd_object_alloc(ictx, hwpt, IOMMUFD_OBJ_HWPT_PAGING);
	if (!hwpt)
		return -ENOMEM;
	rc = iommu_domain_alloc(0, UVFIO_IOMMU_APERTURE_LAST, UVFIO_IOMMU_PGSIZES,
				IOMMU_DOMAIN_F_DIRTY, &hwpt->domain);
	if (rc)
		goto err_abort;
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

int iommufd_hwpt_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt;
	struct iommufd_object *dev, *pt;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	if ((cmd->data_type == IOMMU_HWPT_DATA_NONE && cmd->data_len) ||
	    (cmd->data_type != IOMMU_HWPT_DATA_NONE && !cmd->data_len))
		return -EINVAL;
	dev = iommufd_get_object(ucmd->ictx, cmd->dev_id, IOMMUFD_OBJ_DEVICE);
	if (!dev)
		return -ENOENT;
	pt = iommufd_get_object(ucmd->ictx, cmd->pt_id, IOMMUFD_OBJ_ANY);
	if (!pt || pt->type != IOMMUFD_OBJ_IOAS)
		return -EINVAL;
	/* Our IOMMU takes no driver-specific data for a paging table. */
	if (cmd->data_type != IOMMU_HWPT_DATA_NONE)
		return -EOPNOTSUPP;
	rc = iommufd_hwpt_paging_alloc(ucmd->ictx,
				       container_of(pt, struct iommufd_ioas, obj),
				       (struct iommufd_device *)dev, cmd->flags,
				       false, &hwpt);
	if (rc)
		return rc;
	cmd->out_hwpt_id = hwpt->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		iommufd_object_abort_and_destroy(ucmd->ictx, &hwpt->obj);
		return rc;
	}
	iommufd_object_finalize(ucmd->ictx, &hwpt->obj);
	return 0;
}

int iommufd_get_hw_info(struct iommufd_ucmd *ucmd)
{
	struct iommu_hw_info *cmd = ucmd->cmd;
	static const uint8_t zeros[256];
	uint64_t done = 0;

	if (cmd->flags & ~IOMMU_HW_INFO_FLAG_INPUT_TYPE)
		return -EOPNOTSUPP;
	if (cmd->__reserved[0] || cmd->__reserved[1] || cmd->__reserved[2])
		return -EOPNOTSUPP;
	/* Asking for a vendor type we are not: the driver refuses it. */
	if ((cmd->flags & IOMMU_HW_INFO_FLAG_INPUT_TYPE) &&
	    cmd->in_data_type != IOMMU_HW_INFO_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	if (!iommufd_get_object(ucmd->ictx, cmd->dev_id, IOMMUFD_OBJ_DEVICE))
		return -ENOENT;
	/* No vendor-specific registers: our IOMMU is its own kind. */
	while (done < cmd->data_len) {
		uint64_t n = min_t(uint64_t, sizeof(zeros), cmd->data_len - done);

		if (copy_to_user(ucmd->call, cmd->data_uptr + done, zeros, n))
			return -EFAULT;
		done += n;
	}
	cmd->data_len = 0;
	cmd->out_data_type = IOMMU_HW_INFO_TYPE_NONE;
	cmd->out_capabilities = IOMMU_HW_CAP_DIRTY_TRACKING;
	cmd->out_max_pasid_log2 = 0;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}
