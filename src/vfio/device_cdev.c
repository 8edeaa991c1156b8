// SPDX-License-Identifier: GPL-2.0-only
/*
 * The device cdev, /dev/vfio/devices/vfioN: the iommufd way in.
 *
 * Opening it grants nothing. VFIO_DEVICE_BIND_IOMMUFD binds the file to
 * an iommufd context (the device becomes an object there and gets a
 * dev_id) and opens the device; only then do the other ioctls, reads,
 * writes and mmaps work. Every ioctl on an unbound file fails with
 * EINVAL, as in the kernel. Closing the file unbinds it; the iommufd
 * context stays alive for as long as a bound device holds it.
 *
 * Binding claims the group's DMA ownership for the iommufd context
 * (EPERM when a host driver or another owner holds the group) and keeps
 * the group file from opening (EBUSY both ways), as the kernel does.
 * Device files of the group path use the same file operations (df->group
 * set, access granted at creation).
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <sys/stat.h>

#include "core/file.h"
#include "core/util.h"
#include "iommufd/iommufd.h"
#include "uvfio/uapi/vfio.h"
#include "vfio/vfio.h"

#define VFIO_CDEV_MAJOR 511

/* Every device file, both paths: the reset extensions look fds up here. */
static struct vfio_device_file *all_dfs;

struct vfio_device_file *vfio_df_first(void)
{
	return all_dfs;
}

static void df_list_add(struct vfio_device_file *df, struct uvfio_file *file)
{
	df->file = file;
	df->next = all_dfs;
	all_dfs = df;
}

static void df_list_del(struct vfio_device_file *df)
{
	struct vfio_device_file **pp;

	for (pp = &all_dfs; *pp; pp = &(*pp)->next) {
		if (*pp == df) {
			*pp = df->next;
			return;
		}
	}
}

static long vfio_df_ioctl(struct uvfio_file *file, struct uvfio_call *call,
			  unsigned long cmd, uint64_t arg)
{
	struct vfio_device_file *df = file->private_data;

	if (cmd == VFIO_DEVICE_BIND_IOMMUFD)
		return vfio_df_ioctl_bind_iommufd(df, call, arg);
	if (!df->access_granted)
		return -EINVAL;
	return vfio_device_fops_ioctl(df, call, cmd, arg);
}

static ssize_t vfio_df_read(struct uvfio_file *file, struct uvfio_call *call,
			    uint64_t ubuf, size_t len, uint64_t *pos)
{
	struct vfio_device_file *df = file->private_data;
	struct vfio_device *vdev = df->device;

	if (!df->access_granted)
		return -EINVAL;
	if (!vdev->ops->read)
		return -EINVAL;
	return vdev->ops->read(vdev, call, ubuf, len, pos);
}

static ssize_t vfio_df_write(struct uvfio_file *file, struct uvfio_call *call,
			     uint64_t ubuf, size_t len, uint64_t *pos)
{
	struct vfio_device_file *df = file->private_data;
	struct vfio_device *vdev = df->device;

	if (!df->access_granted)
		return -EINVAL;
	if (!vdev->ops->write)
		return -EINVAL;
	return vdev->ops->write(vdev, call, ubuf, len, pos);
}

static int vfio_df_mmap(struct uvfio_file *file, struct uvfio_call *call,
			uint64_t off, uint64_t len, int prot,
			struct uvfio_mmap_info *info)
{
	struct vfio_device_file *df = file->private_data;
	struct vfio_device *vdev = df->device;

	if (!df->access_granted)
		return -EINVAL;
	if (!vdev->ops->mmap)
		return -EINVAL;
	return vdev->ops->mmap(vdev, call, off, len, prot, info);
}

static int vfio_df_mmio(struct uvfio_file *file, uint64_t off,
			unsigned int size, bool is_write, void *data)
{
	struct vfio_device_file *df = file->private_data;
	struct vfio_device *vdev = df->device;

	if (!df->access_granted || !vdev->ops->mmio)
		return -EINVAL;
	return vdev->ops->mmio(vdev, off, size, is_write, data);
}

static void vfio_df_unbind(struct vfio_device_file *df)
{
	struct vfio_device *vdev = df->device;

	if (!df->access_granted)
		return;
	df->access_granted = false;
	vfio_device_close(df);
	iommufd_device_unbind(vdev->idev);
	vdev->idev = NULL;
	vdev->iommufd = NULL;
	vdev->cdev_opened = false;
	uvfio_file_put(df->iommufd_file);
	df->iommufd_file = NULL;
	vfio_device_release_dma_owner(vdev);
	vfio_device_unblock_group(vdev);
}

static void vfio_df_release(struct uvfio_file *file)
{
	struct vfio_device_file *df = file->private_data;

	vfio_reset_claim_release(df);
	df_list_del(df);
	if (df->group)
		vfio_df_group_close(df);
	else
		vfio_df_unbind(df);
	free(df);
}

static const struct uvfio_file_ops vfio_device_fops = {
	.name = "vfio-device",
	.ioctl = vfio_df_ioctl,
	.read = vfio_df_read,
	.write = vfio_df_write,
	.mmap = vfio_df_mmap,
	.mmio = vfio_df_mmio,
	.release = vfio_df_release,
};

static int df_bind(struct vfio_device_file *df, struct uvfio_call *call,
		   int32_t iommufd, uint32_t *ret_devid)
{
	struct vfio_device *vdev = df->device;
	struct uvfio_file *ifile;
	struct iommufd_ctx *ictx;
	int rc;

	/* One device cannot be bound twice. */
	if (df->access_granted)
		return -EINVAL;
	if (uvfio_call_fd(call, iommufd) < 0)
		return -EBADF;
	ifile = uvfio_call_file(call, iommufd);
	ictx = iommufd_ctx_from_file(ifile);
	if (!ictx)
		return -EBADFD;
	/* Only the group path opens a device more than once. */
	if (vdev->open_count || vdev->idev)
		return -EINVAL;
	/* Another owner's reset claim covers this device. */
	rc = vfio_reset_claim_check(vdev, ictx);
	if (rc)
		return rc;
	/* iommufd_device_bind() claims DMA ownership for the context. */
	rc = vfio_device_claim_dma_owner(vdev, ictx);
	if (rc)
		return rc;
	rc = iommufd_device_bind(ictx, vdev, vdev->group_id, ret_devid,
				 &vdev->idev);
	if (rc)
		goto err_release;
	vdev->iommufd = ictx;
	df->iommufd_file = uvfio_file_get(ifile);
	rc = vfio_device_open(df);
	if (rc)
		goto err_unbind;
	vdev->cdev_opened = true;
	vdev->owner_pid = call->pid;
	return 0;

err_unbind:
	iommufd_device_unbind(vdev->idev);
	vdev->idev = NULL;
	vdev->iommufd = NULL;
	uvfio_file_put(df->iommufd_file);
	df->iommufd_file = NULL;
err_release:
	vfio_device_release_dma_owner(vdev);
	return rc;
}

long vfio_df_ioctl_bind_iommufd(struct vfio_device_file *df,
				struct uvfio_call *call, uint64_t arg)
{
	struct vfio_device_bind_iommufd bind;
	size_t minsz = offsetof(struct vfio_device_bind_iommufd, out_devid) +
		       sizeof(bind.out_devid);
	uint32_t devid;
	int rc;

	rc = vfio_copy_argsz(call, &bind, minsz, arg, NULL);
	if (rc)
		return rc;
	if (bind.flags || bind.iommufd < 0)
		return -EINVAL;
	/* BIND_IOMMUFD is for cdev files only. */
	if (df->group)
		return -EINVAL;
	rc = vfio_device_block_group(df->device);
	if (rc)
		return rc;
	rc = df_bind(df, call, bind.iommufd, &devid);
	if (rc)
		goto err_unblock;
	if (copy_to_user(call, arg + offsetof(struct vfio_device_bind_iommufd,
					      out_devid),
			 &devid, sizeof(devid))) {
		rc = -EFAULT;
		goto err_unbind;
	}
	df->devid = devid;
	df->access_granted = true;
	return 0;

err_unbind:
	df->access_granted = true;
	vfio_df_unbind(df);
	return rc;
err_unblock:
	vfio_device_unblock_group(df->device);
	return rc;
}

long vfio_df_ioctl_attach_pt(struct vfio_device_file *df,
			     struct uvfio_call *call, uint64_t arg)
{
	struct vfio_device *vdev = df->device;
	struct vfio_device_attach_iommufd_pt attach;
	size_t minsz = offsetof(struct vfio_device_attach_iommufd_pt, pt_id) +
		       sizeof(attach.pt_id);
	bool was_attached = iommufd_device_attached(vdev->idev);
	int rc;

	rc = vfio_copy_argsz(call, &attach, minsz, arg, NULL);
	if (rc)
		return rc;
	if (attach.flags)
		return -EINVAL;
	rc = iommufd_device_attach(vdev->idev, &attach.pt_id);
	if (rc)
		return rc;
	if (copy_to_user(call, arg + offsetof(struct vfio_device_attach_iommufd_pt,
					      pt_id),
			 &attach.pt_id, sizeof(attach.pt_id))) {
		if (!was_attached)
			iommufd_device_detach(vdev->idev);
		return -EFAULT;
	}
	return 0;
}

long vfio_df_ioctl_detach_pt(struct vfio_device_file *df,
			     struct uvfio_call *call, uint64_t arg)
{
	struct vfio_device_detach_iommufd_pt detach;
	size_t minsz = offsetof(struct vfio_device_detach_iommufd_pt, flags) +
		       sizeof(detach.flags);
	int rc;

	rc = vfio_copy_argsz(call, &detach, minsz, arg, NULL);
	if (rc)
		return rc;
	if (detach.flags)
		return -EINVAL;
	iommufd_device_detach(df->device->idev);
	return 0;
}

/* A device file opened through its group: access is granted already. */
int vfio_df_file_create(struct vfio_device_file *df, struct uvfio_call *call,
			int flags, struct uvfio_file **ret_file)
{
	int rc = uvfio_file_create(&vfio_device_fops, df, flags, call,
				   UVFIO_FD_RET, 0, ret_file);

	if (!rc)
		df_list_add(df, *ret_file);
	return rc;
}

static int vfio_cdev_open(struct uvfio_call *call, void *data, int flags,
			  struct uvfio_file **ret_file)
{
	struct vfio_device_file *df;
	int rc;

	df = uvfio_zalloc(sizeof(*df));
	if (!df)
		return -ENOMEM;
	df->device = data;
	rc = vfio_df_file_create(df, call, flags, ret_file);
	if (rc)
		free(df);
	return rc;
}

int vfio_device_cdev_init(struct vfio_device *vdev)
{
	snprintf(vdev->cdev_path, sizeof(vdev->cdev_path),
		 "/dev/vfio/devices/%s", vdev->name);
	return uvfio_node_register(vdev->cdev_path, vfio_cdev_open, vdev,
				   S_IFCHR | 0600, VFIO_CDEV_MAJOR, vdev->index);
}
