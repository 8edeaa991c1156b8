// SPDX-License-Identifier: GPL-2.0-only
/*
 * Devices bound to an iommufd context, and their attachment to page
 * tables.
 *
 * Binding makes the device an object of the context (its dev_id) and
 * takes a user reference on it for the driver (so IOMMU_DESTROY answers
 * EBUSY while the device is bound). Attaching to an IOAS finds an
 * automatic HWPT of that IOAS or creates one; attaching to an HWPT uses
 * it. Attaching while attached replaces, so DMA moves from one page table
 * to the other with no window where it is blocked. A bound but detached
 * device is in the blocking domain: every DMA faults.
 *
 * Graph references: the device holds its HWPT (hwpt->obj.users), the
 * HWPT holds its IOAS. An automatic HWPT is destroyed when its last
 * device leaves.
 */
#include <errno.h>
#include <stdlib.h>

#include "core/util.h"
#include "iommufd/hw_pagetable.h"
#include "iommufd/iommufd.h"
#include "iommufd/iommufd_private.h"
#include "iommufd/pgtable.h"

int iommufd_device_bind(struct iommufd_ctx *ictx, void *dev, uint32_t group_id,
			uint32_t *ret_id, struct iommufd_device **ret_idev)
{
	struct iommufd_device *idev;

	idev = iommufd_object_alloc(ictx, idev, IOMMUFD_OBJ_DEVICE);
	if (!idev)
		return -ENOMEM;
	idev->ictx = ictx;
	idev->dev = dev;
	idev->group_id = group_id;
	idev->iommu = &iommufd_sw_iommu;
	/* The driver's reference: released by unbind. */
	idev->obj.users = 1;
	iommufd_object_finalize(ictx, &idev->obj);
	*ret_id = idev->obj.id;
	*ret_idev = idev;
	return 0;
}

uint32_t iommufd_device_to_id(struct iommufd_device *idev)
{
	return idev->obj.id;
}

struct iommufd_ctx *iommufd_device_to_ictx(struct iommufd_device *idev)
{
	return idev->ictx;
}

bool iommufd_device_attached(struct iommufd_device *idev)
{
	return idev && idev->hwpt;
}

struct iommufd_device *iommufd_get_device(struct iommufd_ctx *ictx, uint32_t id)
{
	struct iommufd_object *obj;

	obj = iommufd_get_object(ictx, id, IOMMUFD_OBJ_DEVICE);
	return obj ? container_of(obj, struct iommufd_device, obj) : NULL;
}

static void device_leave_hwpt(struct iommufd_device *idev)
{
	struct iommufd_hwpt_paging *hwpt = idev->hwpt;

	if (!hwpt)
		return;
	/* Faults still queued for this device are answered by detach. */
	if (hwpt->fault)
		iommufd_fault_flush_device(hwpt->fault, idev);
	idev->hwpt = NULL;
	hwpt->nr_devices--;
	hwpt->obj.users--;
	if (hwpt->auto_domain && !hwpt->obj.users)
		iommufd_object_destroy_user(idev->ictx, &hwpt->obj);
}

void iommufd_device_detach(struct iommufd_device *idev)
{
	if (idev)
		device_leave_hwpt(idev);
}

static int device_join_hwpt(struct iommufd_device *idev,
			    struct iommufd_hwpt_paging *hwpt)
{
	int rc;

	if (idev->hwpt == hwpt)
		return 0;
	rc = iommufd_hwpt_paging_check_device(hwpt, idev);
	if (rc)
		return rc;
	hwpt->obj.users++;
	hwpt->nr_devices++;
	/* Replace: leave the old one only once the new one holds. */
	device_leave_hwpt(idev);
	idev->hwpt = hwpt;
	return 0;
}

static int device_attach_ioas(struct iommufd_device *idev,
			      struct iommufd_ioas *ioas, uint32_t *pt_id)
{
	struct iommufd_hwpt_paging *hwpt;
	int rc;

	/* Reuse an automatic HWPT of this IOAS when the device fits it. */
	hwpt = iommufd_ioas_find_auto_hwpt(ioas, idev);
	if (!hwpt) {
		rc = iommufd_hwpt_paging_alloc(idev->ictx, ioas, idev, 0, true,
					       &hwpt);
		if (rc)
			return rc;
		rc = device_join_hwpt(idev, hwpt);
		if (rc) {
			iommufd_object_abort_and_destroy(idev->ictx, &hwpt->obj);
			return rc;
		}
		iommufd_object_finalize(idev->ictx, &hwpt->obj);
	} else {
		rc = device_join_hwpt(idev, hwpt);
		if (rc)
			return rc;
	}
	*pt_id = hwpt->obj.id;
	return 0;
}

int iommufd_device_attach(struct iommufd_device *idev, uint32_t *pt_id)
{
	struct iommufd_object *pt;

	if (!idev)
		return -EINVAL;
	pt = iommufd_get_object(idev->ictx, *pt_id, IOMMUFD_OBJ_ANY);
	if (!pt)
		return -ENOENT;
	switch (pt->type) {
	case IOMMUFD_OBJ_IOAS:
		return device_attach_ioas(idev,
			container_of(pt, struct iommufd_ioas, obj), pt_id);
	case IOMMUFD_OBJ_HWPT_PAGING:
	case IOMMUFD_OBJ_HWPT_NESTED:
		return device_join_hwpt(idev,
			container_of(pt, struct iommufd_hwpt_paging, obj));
	default:
		return -EINVAL;
	}
}

/*
 * Replace needs an attachment to replace, as the kernel's does; joining
 * the new table before leaving the old keeps DMA translated throughout.
 */
int iommufd_device_replace(struct iommufd_device *idev, uint32_t *pt_id)
{
	if (!idev->hwpt)
		return -EINVAL;
	return iommufd_device_attach(idev, pt_id);
}

void iommufd_device_unbind(struct iommufd_device *idev)
{
	if (!idev)
		return;
	device_leave_hwpt(idev);
	idev->obj.users--;
	iommufd_object_destroy_user(idev->ictx, &idev->obj);
}

/* Called by object teardown (context release); unbind did the rest. */
void iommufd_device_destroy(struct iommufd_object *obj)
{
	struct iommufd_device *idev = container_of(obj, struct iommufd_device, obj);

	device_leave_hwpt(idev);
}

int iommufd_device_dma_rw(struct iommufd_device *idev, uint64_t iova,
			  void *buf, size_t len, bool is_write)
{
	struct iommufd_hwpt_paging *hwpt = idev->hwpt;

	if (hwpt && hwpt->parent)
		hwpt = hwpt->parent;
	if (!hwpt)
		return -EFAULT;
	return iommufd_hwpt_dma_rw(hwpt, iova, buf, len, is_write);
}

int iommufd_device_dma_copy(struct iommufd_device *idev, uint64_t dst,
			    uint64_t src, size_t len, bool *ret_write_fault)
{
	struct iommufd_hwpt_paging *hwpt = idev->hwpt;

	*ret_write_fault = false;
	if (hwpt && hwpt->parent)
		hwpt = hwpt->parent;
	if (!hwpt)
		return -EFAULT;
	return iommu_domain_dma_copy(hwpt->domain, dst, src, len,
				     ret_write_fault);
}
