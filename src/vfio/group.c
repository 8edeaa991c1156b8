// SPDX-License-Identifier: GPL-2.0-only
/*
 * The group path, /dev/vfio/N, and the DMA ownership of IOMMU groups.
 *
 * Every IOMMU group of the machine has a vfio_group; its node exists
 * while at least one member is bound to vfio-pci (the kernel creates the
 * vfio_group with its first vfio device). The group file is exclusive:
 * one open at a time (EBUSY), and none while a member is open through
 * its cdev (EBUSY both ways, vfio_device_block_group).
 *
 * Ownership follows iommu_group's owner/owner_cnt: host drivers bound
 * to members count as DMA-API users (no owner token); a VFIO user
 * claims with a token: the group itself for a type1 container
 * (iommu_group_claim_dma_owner: any prior claim is EPERM), an iommufd
 * context for iommufd binds (iommu_device_claim_dma_owner: the same
 * token may claim again, another is EPERM). A group is viable when no
 * one but a VFIO owner holds it.
 *
 * SET_CONTAINER takes a /dev/vfio/vfio container (claim at once) or an
 * iommufd (claim at GET_DEVICE_FD, which binds the device in that
 * context and attaches it to the context's compat IOAS).
 *
 * noiommu groups (VFIO_NO_IOMMU): with enable_unsafe_noiommu_mode, each
 * function no IOMMU covers gets a group of its own, /dev/vfio/noiommu-N,
 * named "vfio-noiommu" in sysfs. Opening it, joining a container and
 * getting a device fd need CAP_SYS_RAWIO (EPERM); it owns no DMA (there
 * is nothing to isolate). With an iommufd the device is not bound: the
 * context must not have a compat IOAS (EPERM: the user would expect
 * translation), and the device's DMA goes untranslated to the address
 * space of the process that got the device fd.
 *
 * Locking: everything runs under uvfio_big_lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/file.h"
#include "core/platform.h"
#include "core/util.h"
#include "iommufd/iommufd.h"
#include "iommufd/iommufd_private.h"
#include "pci/pci_dev.h"
#include "pci/topology.h"
#include "uvfio/uapi/vfio.h"
#include "vfio/vfio.h"

#define VFIO_GROUP_MAJOR	510
#define VFIO_NAME_MAX		4096	/* strndup_user(arg, PAGE_SIZE) */

static struct vfio_group *groups;
static unsigned int nr_groups;

int vfio_groups_init(unsigned int count)
{
	unsigned int i;

	groups = uvfio_calloc(count ? count : 1, sizeof(*groups));
	if (!groups)
		return -ENOMEM;
	nr_groups = count;
	for (i = 0; i < count; i++) {
		groups[i].id = i;
		groups[i].noiommu = topo_group_is_noiommu(uvfio_platform.machine,
							  i);
		snprintf(groups[i].path, sizeof(groups[i].path),
			 "/dev/vfio/%s%u", groups[i].noiommu ? "noiommu-" : "",
			 i);
	}
	return 0;
}

void vfio_groups_exit(void)
{
	unsigned int i;

	for (i = 0; i < nr_groups; i++)
		if (groups[i].registered)
			uvfio_node_unregister(groups[i].path);
	free(groups);
	groups = NULL;
	nr_groups = 0;
}

struct vfio_group *vfio_group_get(unsigned int id)
{
	return id < nr_groups ? &groups[id] : NULL;
}

unsigned int vfio_group_count(void)
{
	return nr_groups;
}

unsigned int vfio_group_host_claims(const struct vfio_group *group)
{
	struct platform *p = &uvfio_platform;
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < p->nr_funcs; i++)
		if (p->funcs[i].node->group == (int)group->id &&
		    p->funcs[i].node->driver == TOPO_DRV_HOST)
			n++;
	return n;
}

bool vfio_group_dma_owner_claimed(const struct vfio_group *group)
{
	return group->owner_cnt || vfio_group_host_claims(group);
}

bool vfio_group_viable(const struct vfio_group *group)
{
	return !vfio_group_host_claims(group);
}

/* iommu_device_claim_dma_owner(): the same owner may claim again. */
int vfio_device_claim_dma_owner(struct vfio_device *vdev, const void *owner)
{
	struct vfio_group *group = vdev->group;

	if (vfio_group_host_claims(group))
		return -EPERM;
	if (group->owner_cnt && group->owner != owner)
		return -EPERM;
	group->owner = owner;
	group->owner_cnt++;
	return 0;
}

void vfio_device_release_dma_owner(struct vfio_device *vdev)
{
	struct vfio_group *group = vdev->group;

	if (group->owner_cnt && --group->owner_cnt == 0)
		group->owner = NULL;
}

/* iommu_group_claim_dma_owner(): only an unclaimed group. */
int vfio_group_claim_dma_owner(struct vfio_group *group, const void *owner)
{
	if (vfio_group_dma_owner_claimed(group))
		return -EPERM;
	group->owner = owner;
	group->owner_cnt = 1;
	return 0;
}

void vfio_group_release_dma_owner(struct vfio_group *group)
{
	group->owner = NULL;
	group->owner_cnt = 0;
}

int vfio_device_block_group(struct vfio_device *vdev)
{
	if (vdev->group->opened_file)
		return -EBUSY;
	vdev->group->cdev_device_open_cnt++;
	return 0;
}

void vfio_device_unblock_group(struct vfio_device *vdev)
{
	vdev->group->cdev_device_open_cnt--;
}

static bool group_has_iommu(const struct vfio_group *group)
{
	return group->container || group->iommufd;
}

/*
 * A noiommu group with an iommufd: no compat IOAS is made, and none may
 * exist (iommufd_vfio_compat_set_no_iommu()).
 */
static int group_set_noiommu_iommufd(struct vfio_group *group,
				     struct uvfio_file *file,
				     struct iommufd_ctx *ictx)
{
	int rc = iommufd_vfio_compat_set_no_iommu(ictx);

	if (rc)
		return rc;
	group->iommufd = ictx;
	group->iommufd_file = uvfio_file_get(file);
	return 0;
}

/* ---- the group file ------------------------------------------------ */

static long group_get_status(struct vfio_group *group, struct uvfio_call *call,
			     uint64_t arg)
{
	struct vfio_group_status status;
	size_t minsz = offsetof(struct vfio_group_status, flags) +
		       sizeof(status.flags);
	int rc;

	rc = vfio_copy_argsz(call, &status, minsz, arg, NULL);
	if (rc)
		return rc;
	status.flags = 0;
	/* With an iommufd the claim comes at GET_DEVICE_FD, as the kernel. */
	if (group_has_iommu(group))
		status.flags |= VFIO_GROUP_FLAGS_CONTAINER_SET |
				VFIO_GROUP_FLAGS_VIABLE;
	else if (!vfio_group_dma_owner_claimed(group))
		status.flags |= VFIO_GROUP_FLAGS_VIABLE;
	return copy_to_user(call, arg, &status, minsz) ? -EFAULT : 0;
}

static int group_set_iommufd(struct vfio_group *group, struct uvfio_file *file,
			     struct iommufd_ctx *ictx)
{
	int rc = iommufd_vfio_compat_ioas_create(ictx);

	if (rc)
		return rc;
	group->iommufd = ictx;
	group->iommufd_file = uvfio_file_get(file);
	return 0;
}

/* A reset claim of another owner covers a member: EBUSY. */
static int group_claim_check(struct vfio_group *group, const void *owner)
{
	struct vfio_device *vdev;
	int rc;

	for (vdev = vfio_device_first(); vdev; vdev = vdev->next) {
		if (vdev->group != group)
			continue;
		rc = vfio_reset_claim_check(vdev, owner);
		if (rc)
			return rc;
	}
	return 0;
}

static long group_set_container(struct vfio_group *group,
				struct uvfio_call *call, uint64_t arg)
{
	struct vfio_container *container;
	struct iommufd_ctx *ictx;
	struct uvfio_file *file;
	int32_t fd;
	int rc;

	if (copy_from_user(call, &fd, arg, sizeof(fd)))
		return -EFAULT;
	if (uvfio_call_fd(call, fd) < 0)
		return -EBADF;
	if (group_has_iommu(group))
		return -EINVAL;
	file = uvfio_call_file(call, fd);
	container = file ? vfio_container_from_file(file) : NULL;
	ictx = file ? iommufd_ctx_from_file(file) : NULL;
	if (!container && !ictx)
		return -EBADFD;
	rc = group_claim_check(group, container ? (const void *)container :
						  (const void *)ictx);
	if (rc)
		return rc;
	if (container)
		return vfio_container_attach_group(container, group, call);
	if (group->noiommu)
		return group_set_noiommu_iommufd(group, file, ictx);
	return group_set_iommufd(group, file, ictx);
}

/* Container-side half of detach: the claim goes with the container. */
static void group_drop_iommu(struct vfio_group *group)
{
	if (group->container)
		vfio_group_detach_container(group);
	if (group->iommufd) {
		uvfio_file_put(group->iommufd_file);
		group->iommufd_file = NULL;
		group->iommufd = NULL;
	}
}

static long group_unset_container(struct vfio_group *group)
{
	if (!group_has_iommu(group))
		return -EINVAL;
	if (group->container && group->container_users != 1)
		return -EBUSY;
	/* Device files of an iommufd group hold their own binding. */
	group_drop_iommu(group);
	return 0;
}

static struct vfio_device *group_find_device(struct vfio_group *group,
					     const char *name)
{
	struct vfio_device *vdev;

	for (vdev = vfio_device_first(); vdev; vdev = vdev->next)
		if (vdev->group == group && !strcmp(vdev->pdev->bdf, name))
			return vdev;
	return NULL;
}

/*
 * The checks a noiommu device open makes: RAWIO always; with a container
 * a driver must be set; with an iommufd no compat IOAS may exist.
 */
static int df_noiommu_check(struct vfio_device_file *df,
			    const struct uvfio_call *call)
{
	struct vfio_group *group = df->group;

	if (group->container && !vfio_container_has_driver(group->container))
		return -EINVAL;
	if (!vfio_capable_rawio(call))
		return -EPERM;
	if (group->iommufd && group->iommufd->vfio_ioas)
		return -EPERM;
	return 0;
}

/* vfio_df_group_open(): the device joins the group's container/iommufd. */
static int df_group_open(struct vfio_device_file *df,
			 const struct uvfio_call *call)
{
	struct vfio_device *vdev = df->device;
	struct vfio_group *group = df->group;
	uint32_t devid, pt_id;
	int rc;

	if (!group_has_iommu(group))
		return -EINVAL;
	if (group->noiommu) {
		rc = df_noiommu_check(df, call);
		if (rc)
			return rc;
	}
	rc = vfio_reset_claim_check(vdev, group->container ?
				    (const void *)group->container :
				    (const void *)group->iommufd);
	if (rc)
		return rc;
	if (group->iommufd && !group->noiommu && vdev->open_count == 0) {
		rc = vfio_device_claim_dma_owner(vdev, group->iommufd);
		if (rc)
			return rc;
		rc = iommufd_device_bind(group->iommufd, vdev, group->id,
					 &devid, &vdev->idev);
		if (rc)
			goto err_release;
		vdev->iommufd = group->iommufd;
		pt_id = group->iommufd->vfio_ioas ?
			group->iommufd->vfio_ioas->obj.id : 0;
		/* No compat IOAS any more: stay unattached, as the kernel. */
		if (pt_id && (rc = iommufd_device_attach(vdev->idev, &pt_id)))
			goto err_unbind;
	}
	rc = vfio_device_open(df);
	if (rc)
		goto err_unbind;
	if (group->container)
		group->container_users++;
	/* The binding outlives UNSET_CONTAINER: hold the context's file. */
	if (group->iommufd)
		df->iommufd_file = uvfio_file_get(group->iommufd_file);
	df->access_granted = true;
	return 0;

err_unbind:
	if (group->iommufd && vdev->open_count == 0) {
		iommufd_device_unbind(vdev->idev);
		vdev->idev = NULL;
		vdev->iommufd = NULL;
	}
err_release:
	if (group->iommufd && vdev->open_count == 0)
		vfio_device_release_dma_owner(vdev);
	return rc;
}

void vfio_df_group_close(struct vfio_device_file *df)
{
	struct vfio_device *vdev = df->device;
	struct vfio_group *group = df->group;

	if (df->access_granted) {
		df->access_granted = false;
		vfio_device_close(df);
		if (group->container)
			group->container_users--;
		if (vdev->open_count == 0 && vdev->idev) {
			iommufd_device_unbind(vdev->idev);
			vdev->idev = NULL;
			vdev->iommufd = NULL;
			vfio_device_release_dma_owner(vdev);
		}
	}
	if (df->iommufd_file)
		uvfio_file_put(df->iommufd_file);
	df->iommufd_file = NULL;
	uvfio_file_put(df->group_file);
	df->group_file = NULL;
}

static long group_get_device_fd(struct vfio_group *group,
				struct uvfio_file *gfile,
				struct uvfio_call *call, uint64_t arg)
{
	char name[VFIO_NAME_MAX];
	struct vfio_device_file *df;
	struct vfio_device *vdev;
	struct uvfio_file *file;
	size_t i;
	int rc;

	/* strndup_user(): byte by byte up to the NUL, EFAULT on a hole. */
	for (i = 0; i < sizeof(name); i++) {
		if (copy_from_user(call, &name[i], arg + i, 1))
			return -EFAULT;
		if (!name[i])
			break;
	}
	if (i == sizeof(name))
		return -EINVAL;
	vdev = group_find_device(group, name);
	if (!vdev)
		return -ENODEV;
	df = uvfio_zalloc(sizeof(*df));
	if (!df)
		return -ENOMEM;
	df->device = vdev;
	df->group = group;
	df->group_file = uvfio_file_get(gfile);
	rc = df_group_open(df, call);
	if (rc)
		goto err_free;
	rc = vfio_df_file_create(df, call, O_RDWR | O_CLOEXEC, &file);
	if (rc)
		goto err_close;
	vdev->owner_pid = call->pid;
	if (group->noiommu)
		vfio_device_set_noiommu_mm(vdev, call->mm);
	return 0;

err_close:
	vfio_df_group_close(df);
	free(df);
	return rc;
err_free:
	uvfio_file_put(df->group_file);
	free(df);
	return rc;
}

static long group_ioctl(struct uvfio_file *file, struct uvfio_call *call,
			unsigned long cmd, uint64_t arg)
{
	struct vfio_group *group = file->private_data;

	switch (cmd) {
	case VFIO_GROUP_GET_DEVICE_FD:
		return group_get_device_fd(group, file, call, arg);
	case VFIO_GROUP_GET_STATUS:
		return group_get_status(group, call, arg);
	case VFIO_GROUP_SET_CONTAINER:
		return group_set_container(group, call, arg);
	case VFIO_GROUP_UNSET_CONTAINER:
		return group_unset_container(group);
	default:
		return -ENOTTY;
	}
}

/* Device files hold the group file, so this runs with none open. */
static void group_release(struct uvfio_file *file)
{
	struct vfio_group *group = file->private_data;

	group_drop_iommu(group);
	if (group->opened_file == file)
		group->opened_file = NULL;
}

static const struct uvfio_file_ops vfio_group_fops = {
	.name = "vfio-group",
	.ioctl = group_ioctl,
	.release = group_release,
};

struct vfio_group *vfio_group_from_file(struct uvfio_file *file)
{
	return file && file->ops == &vfio_group_fops ? file->private_data : NULL;
}

static int group_open(struct uvfio_call *call, void *data, int flags,
		      struct uvfio_file **ret_file)
{
	struct vfio_group *group = data;
	int rc;

	if (!group->nr_devices)
		return -ENODEV;
	if (group->noiommu && !vfio_capable_rawio(call))
		return -EPERM;
	/* One open at a time; none while a member is open by its cdev. */
	if (group->opened_file || group->cdev_device_open_cnt)
		return -EBUSY;
	rc = uvfio_file_create(&vfio_group_fops, group, flags, call,
			       UVFIO_FD_RET, 0, ret_file);
	if (!rc)
		group->opened_file = *ret_file;
	return rc;
}

int vfio_group_add_device(struct vfio_device *vdev)
{
	struct vfio_group *group = vfio_group_get(vdev->group_id);

	/* No iommu_group and noiommu mode off: vfio refuses the device. */
	if (!group)
		return -EINVAL;
	vdev->group = group;
	if (group->nr_devices++)
		return 0;
	if (!uvfio_node_register(group->path, group_open, group,
				 S_IFCHR | 0600, VFIO_GROUP_MAJOR, group->id))
		group->registered = true;
	return 0;
}

void vfio_group_del_device(struct vfio_device *vdev)
{
	struct vfio_group *group = vdev->group;

	if (!group || --group->nr_devices)
		return;
	if (group->registered)
		uvfio_node_unregister(group->path);
	group->registered = false;
}
