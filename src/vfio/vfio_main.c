// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VFIO core: the device list, open counting and the ioctls every
 * device fd answers the same way whatever the bus.
 *
 * A device is "open" while at least one of its files is bound; the first
 * bind calls ops->open_device and the last unbind ops->close_device, so a
 * driver sees one open/close pair however many files share the device.
 *
 * Device DMA goes through the IOMMU the device is attached to, except
 * for a noiommu device, whose bus addresses are, in uvfio, virtual
 * addresses of the process that last got a device fd (the kernel's are
 * physical addresses): nothing translates or checks them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/log.h"
#include "core/uaccess.h"
#include "core/util.h"
#include "iommufd/iommufd.h"
#include "pci/pci_dev.h"
#include "uvfio/uapi/vfio.h"
#include "uvfio/uapi/vfio_ext.h"
#include "vfio/vfio.h"

static struct vfio_device *devices;

int vfio_register_device(struct vfio_device *vdev)
{
	struct vfio_device **pp;
	int rc;

	/* Keep the list in index order, for stable listings. */
	for (pp = &devices; *pp && (*pp)->index < vdev->index; pp = &(*pp)->next)
		;
	rc = vfio_group_add_device(vdev);
	if (rc)
		return rc;
	snprintf(vdev->name, sizeof(vdev->name), "vfio%u", vdev->index);
	vdev->next = *pp;
	*pp = vdev;
	/* In 6.12 a noiommu device has no cdev (vfio_device_add()). */
	if (vdev->group->noiommu)
		return 0;
	rc = vfio_device_cdev_init(vdev);
	if (rc) {
		*pp = vdev->next;
		vfio_group_del_device(vdev);
	}
	return rc;
}

void vfio_unregister_device(struct vfio_device *vdev)
{
	struct vfio_device **pp;

	if (!vdev->group->noiommu)
		uvfio_node_unregister(vdev->cdev_path);
	vfio_group_del_device(vdev);
	for (pp = &devices; *pp; pp = &(*pp)->next) {
		if (*pp == vdev) {
			*pp = vdev->next;
			return;
		}
	}
}

struct vfio_device *vfio_device_first(void)
{
	return devices;
}

struct vfio_device *vfio_device_find_bdf(const char *bdf)
{
	struct vfio_device *vdev;

	for (vdev = devices; vdev; vdev = vdev->next)
		if (!strcmp(vdev->pdev->bdf, bdf))
			return vdev;
	return NULL;
}

struct vfio_device *vfio_device_from_pdev(struct pci_dev *pdev)
{
	return pdev->host_data;
}

int vfio_copy_argsz(struct uvfio_call *call, void *dst, size_t minsz,
		    uint64_t arg, uint32_t *ret_argsz)
{
	uint32_t argsz;

	if (copy_from_user(call, dst, arg, minsz))
		return -EFAULT;
	memcpy(&argsz, dst, sizeof(argsz));
	if (argsz < minsz)
		return -EINVAL;
	if (ret_argsz)
		*ret_argsz = argsz;
	return 0;
}

int vfio_device_open(struct vfio_device_file *df)
{
	struct vfio_device *vdev = df->device;
	int rc;

	if (vdev->open_count == 0 && vdev->ops->open_device) {
		rc = vdev->ops->open_device(vdev);
		if (rc)
			return rc;
	}
	vdev->open_count++;
	return 0;
}

void vfio_device_close(struct vfio_device_file *df)
{
	struct vfio_device *vdev = df->device;

	if (--vdev->open_count)
		return;
	vdev->owner_pid = 0;
	vfio_device_set_noiommu_mm(vdev, NULL);
	if (vdev->ops->close_device)
		vdev->ops->close_device(vdev);
}

void vfio_device_set_noiommu_mm(struct vfio_device *vdev,
				struct uvfio_mm *mm)
{
	if (mm)
		uvfio_mm_get(mm);
	if (vdev->noiommu_mm)
		uvfio_mm_put(vdev->noiommu_mm);
	vdev->noiommu_mm = mm;
	if (mm)
		pr_warn("%s: vfio-noiommu device opened by user (pid %d)",
			vdev->pdev->bdf, (int)mm->pid);
}

/* No translation: the bus address is the opener's virtual address. */
static int noiommu_dma_rw(struct vfio_device *vdev, uint64_t addr, void *buf,
			  size_t len, bool is_write)
{
	if (!vdev->noiommu_mm)
		return -EFAULT;
	if (is_write)
		return uvfio_mm_write(vdev->noiommu_mm, addr, buf, len);
	return uvfio_mm_read(vdev->noiommu_mm, addr, buf, len);
}

const void *vfio_df_owner(const struct vfio_device_file *df)
{
	/* Bound in an iommufd (either path), else the group's container. */
	if (df->device->iommufd)
		return df->device->iommufd;
	return df->group ? (const void *)df->group->container : NULL;
}

int vfio_device_dma_rw(struct vfio_device *vdev, uint64_t iova, void *buf,
		       size_t len, bool is_write)
{
	int rc;

	/*
	 * Through the iommufd HWPT it is attached to, or the domain of the
	 * group's type1 container; otherwise the group's blocking domain.
	 */
	if (vdev->group->noiommu)
		rc = noiommu_dma_rw(vdev, iova, buf, len, is_write);
	else if (vdev->idev)
		rc = iommufd_device_dma_rw(vdev->idev, iova, buf, len, is_write);
	else if (vdev->group && vdev->group->container)
		rc = vfio_container_dma_rw(vdev->group->container, iova, buf,
					   len, is_write);
	else
		rc = -EFAULT;
	if (rc) {
		vdev->iommu_faults++;
		pr_info("%s: DMA %s iova 0x%llx len %zu refused by the IOMMU",
			vdev->pdev->bdf, is_write ? "write" : "read",
			(unsigned long long)iova, len);
	}
	return rc;
}

/*
 * A device engine's memory-to-memory copy, done by the IOMMU layer
 * without a bounce through the model. -EOPNOTSUPP where only
 * vfio_device_dma_rw() goes (a type1 container): the model bounces.
 */
int vfio_device_dma_copy(struct vfio_device *vdev, uint64_t dst, uint64_t src,
			 size_t len, bool *ret_write_fault)
{
	int rc;

	*ret_write_fault = false;
	/* noiommu: the model bounces through noiommu_dma_rw(). */
	if (vdev->group->noiommu)
		return -EOPNOTSUPP;
	if (vdev->idev)
		rc = iommufd_device_dma_copy(vdev->idev, dst, src, len,
					     ret_write_fault);
	else if (vdev->group && vdev->group->container)
		return -EOPNOTSUPP;
	else
		rc = -EFAULT;
	if (rc) {
		vdev->iommu_faults++;
		pr_info("%s: DMA %s iova 0x%llx len %zu refused by the IOMMU",
			vdev->pdev->bdf, *ret_write_fault ? "write" : "read",
			(unsigned long long)(*ret_write_fault ? dst : src),
			len);
	}
	return rc;
}

/*
 * vfio_iommufd_get_dev_id(): the dev_id when vdev is bound to ictx;
 * -ENOENT when another device of its group is (the group is then owned
 * by ictx, so vdev cannot be anyone else's); -ENODEV otherwise.
 */
int vfio_iommufd_get_dev_id(struct vfio_device *vdev, struct iommufd_ctx *ictx)
{
	struct vfio_device *o;

	if (!ictx)
		return -ENODEV;
	if (vdev->idev && vdev->iommufd == ictx)
		return (int)iommufd_device_to_id(vdev->idev);
	for (o = devices; o; o = o->next)
		if (o->group == vdev->group && o->idev && o->iommufd == ictx)
			return -ENOENT;
	return -ENODEV;
}

static long vfio_ioctl_device_feature(struct vfio_device_file *df,
				      struct uvfio_call *call, uint64_t arg)
{
	struct vfio_device *vdev = df->device;
	struct vfio_device_feature feature;
	size_t minsz = offsetof(struct vfio_device_feature, flags) +
		       sizeof(feature.flags);
	uint32_t argsz;
	int rc;

	rc = vfio_copy_argsz(call, &feature, minsz, arg, &argsz);
	if (rc)
		return rc;
	if (feature.flags & ~(VFIO_DEVICE_FEATURE_MASK |
			      VFIO_DEVICE_FEATURE_SET |
			      VFIO_DEVICE_FEATURE_GET |
			      VFIO_DEVICE_FEATURE_PROBE))
		return -EINVAL;
	/* GET and SET together is only allowed with PROBE. */
	if (!(feature.flags & VFIO_DEVICE_FEATURE_PROBE) &&
	    (feature.flags & VFIO_DEVICE_FEATURE_SET) &&
	    (feature.flags & VFIO_DEVICE_FEATURE_GET))
		return -EINVAL;
	if (!vdev->ops->device_feature)
		return -EINVAL;
	return vdev->ops->device_feature(vdev, call, feature.flags,
					 arg + minsz, argsz - minsz);
}

long vfio_device_fops_ioctl(struct vfio_device_file *df,
			    struct uvfio_call *call, unsigned long cmd,
			    uint64_t arg)
{
	struct vfio_device *vdev = df->device;

	/* Extensions have a type of their own: no kernel number can match. */
	if (_IOC_TYPE(cmd) == VFIO_EXT_TYPE)
		return vfio_ext_ioctl(df, call, cmd, arg);
	switch (cmd) {
	case VFIO_DEVICE_ATTACH_IOMMUFD_PT:
		return vfio_df_ioctl_attach_pt(df, call, arg);
	case VFIO_DEVICE_DETACH_IOMMUFD_PT:
		return vfio_df_ioctl_detach_pt(df, call, arg);
	case VFIO_DEVICE_FEATURE:
		return vfio_ioctl_device_feature(df, call, arg);
	default:
		if (!vdev->ops->ioctl)
			return -EINVAL;
		return vdev->ops->ioctl(vdev, call, cmd, arg);
	}
}
