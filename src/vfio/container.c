// SPDX-License-Identifier: GPL-2.0-only
/*
 * The legacy container, /dev/vfio/vfio.
 *
 * Opening it grants nothing: the container is unprivileged until a
 * group joins it (VFIO_GROUP_SET_CONTAINER, which claims the group's DMA
 * ownership). Only then may VFIO_SET_IOMMU choose an IOMMU driver, and
 * every other ioctl goes to that driver: type1 (vfio_iommu_type1.c) in
 * its v1 and v2 flavours, or vfio-noiommu. When the last group leaves,
 * the driver and all its mappings go, and the container is back to the
 * unset state, as in the kernel.
 *
 * vfio-noiommu is the driver of groups no IOMMU stands behind: it maps
 * nothing (every ioctl but CHECK_EXTENSION is ENOTTY) and only answers
 * VFIO_NOIOMMU_IOMMU while the module parameter is on. Noiommu groups
 * and real groups never share a container (EPERM), a noiommu container
 * takes no other driver and a real one not this one; noiommu groups
 * claim no DMA ownership (there is no iommu_group to own); every step
 * needs CAP_SYS_RAWIO.
 *
 * Lifetime: the container file holds one reference and each attached
 * group one more; the container is freed with the last.
 *
 * Locking: everything runs under uvfio_big_lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "core/file.h"
#include "core/platform.h"
#include "core/util.h"
#include "pci/topology.h"
#include "uvfio/uapi/vfio.h"
#include "vfio/vfio.h"

#define VFIO_CONTAINER_PATH	"/dev/vfio/vfio"
#define MISC_MAJOR		10
#define VFIO_MINOR		196

struct vfio_container {
	unsigned int refs;
	struct vfio_group *groups;	/* via container_next */
	struct vfio_iommu *iommu;	/* type1 state once SET_IOMMU ran */
	bool noiommu;			/* its groups are noiommu groups */
	bool noiommu_driver;		/* SET_IOMMU chose vfio-noiommu */
};

bool vfio_container_has_driver(const struct vfio_container *c)
{
	return c->iommu || c->noiommu_driver;
}

static void container_release_driver(struct vfio_container *c)
{
	if (c->iommu)
		vfio_iommu_type1_release(c->iommu);
	c->iommu = NULL;
	c->noiommu_driver = false;
}

static void container_put(struct vfio_container *c)
{
	if (--c->refs)
		return;
	container_release_driver(c);
	free(c);
}

int vfio_container_attach_group(struct vfio_container *c,
				struct vfio_group *group,
				const struct uvfio_call *call)
{
	int rc;

	if (group->noiommu && !vfio_capable_rawio(call))
		return -EPERM;
	/* Real groups and noiommu groups never mix. */
	if (c->groups && c->noiommu != group->noiommu)
		return -EPERM;
	if (!group->noiommu) {
		rc = vfio_group_claim_dma_owner(group, group);
		if (rc)
			return rc;
	}
	/* Every group shares the one domain of the type1 driver. */
	c->noiommu = group->noiommu;
	group->container = c;
	group->container_users = 1;
	group->container_next = c->groups;
	c->groups = group;
	c->refs++;
	return 0;
}

void vfio_group_detach_container(struct vfio_group *group)
{
	struct vfio_container *c = group->container;
	struct vfio_group **pp;

	for (pp = &c->groups; *pp; pp = &(*pp)->container_next) {
		if (*pp == group) {
			*pp = group->container_next;
			break;
		}
	}
	if (!group->noiommu)
		vfio_group_release_dma_owner(group);
	group->container = NULL;
	group->container_users = 0;
	group->container_next = NULL;
	/* No group left: the container goes back to the unset state. */
	if (!c->groups)
		container_release_driver(c);
	container_put(c);
}

bool vfio_noiommu_enabled(void)
{
	return uvfio_platform.machine && uvfio_platform.machine->noiommu_mode;
}

bool vfio_capable_rawio(const struct uvfio_call *call)
{
	return call->uid == 0;
}

int vfio_container_dma_rw(struct vfio_container *c, uint64_t iova, void *buf,
			  size_t len, bool is_write)
{
	if (!c->iommu)
		return -EFAULT;
	return vfio_iommu_type1_dma_rw(c->iommu, iova, buf, len, is_write);
}

static long noiommu_check_extension(unsigned long arg)
{
	return vfio_noiommu_enabled() && arg == VFIO_NOIOMMU_IOMMU;
}

/* Only noiommu containers use vfio-noiommu, and they use nothing else. */
static bool driver_allowed(const struct vfio_container *c, bool noiommu)
{
	return !c->groups || c->noiommu == noiommu;
}

static long container_check_extension(struct vfio_container *c,
				      unsigned long arg)
{
	long rc = 0;

	if (c->noiommu_driver)
		return noiommu_check_extension(arg);
	if (c->iommu)
		return vfio_iommu_type1_check_extension(c->iommu, arg);
	/* No driver yet: the first allowed one that says yes answers. */
	if (driver_allowed(c, false))
		rc = vfio_iommu_type1_check_extension(NULL, arg);
	if (rc <= 0 && driver_allowed(c, true))
		rc = noiommu_check_extension(arg);
	return rc;
}

/* vfio-noiommu's open: nothing to allocate, but a privilege to check. */
static long noiommu_open(struct vfio_container *c, struct uvfio_call *call,
			 unsigned long arg)
{
	if (arg != VFIO_NOIOMMU_IOMMU)
		return -EINVAL;
	if (!vfio_capable_rawio(call))
		return -EPERM;
	c->noiommu_driver = true;
	return 0;
}

static long container_set_iommu(struct vfio_container *c,
				struct uvfio_call *call, unsigned long arg)
{
	struct vfio_iommu *iommu;
	int rc;

	/* Only a container with a group may enable an IOMMU, once. */
	if (!c->groups || vfio_container_has_driver(c))
		return -EINVAL;
	if (driver_allowed(c, false) &&
	    vfio_iommu_type1_check_extension(NULL, arg) > 0) {
		rc = vfio_iommu_type1_open(arg, &iommu);
		if (rc)
			return rc;
		c->iommu = iommu;
		return 0;
	}
	if (driver_allowed(c, true) && noiommu_check_extension(arg) > 0)
		return noiommu_open(c, call, arg);
	return -ENODEV;
}

static long container_ioctl(struct uvfio_file *file, struct uvfio_call *call,
			    unsigned long cmd, uint64_t arg)
{
	struct vfio_container *c = file->private_data;

	switch (cmd) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION:
		return container_check_extension(c, arg);
	case VFIO_SET_IOMMU:
		return container_set_iommu(c, call, arg);
	default:
		if (c->noiommu_driver)
			return -ENOTTY;
		if (!c->iommu)
			return -EINVAL;
		return vfio_iommu_type1_ioctl(c->iommu, call, cmd, arg);
	}
}

static void container_release(struct uvfio_file *file)
{
	container_put(file->private_data);
}

static const struct uvfio_file_ops vfio_container_fops = {
	.name = "vfio-container",
	.ioctl = container_ioctl,
	.release = container_release,
};

struct vfio_container *vfio_container_from_file(struct uvfio_file *file)
{
	return file && file->ops == &vfio_container_fops ? file->private_data
							 : NULL;
}

static int container_open(struct uvfio_call *call, void *data, int flags,
			  struct uvfio_file **ret_file)
{
	struct vfio_container *c;
	int rc;

	c = uvfio_zalloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->refs = 1;
	rc = uvfio_file_create(&vfio_container_fops, c, flags, call,
			       UVFIO_FD_RET, 0, ret_file);
	if (rc)
		free(c);
	return rc;
}

int vfio_container_init(void)
{
	return uvfio_node_register(VFIO_CONTAINER_PATH, container_open, NULL,
				   S_IFCHR | 0666, MISC_MAJOR, VFIO_MINOR);
}

void vfio_container_exit(void)
{
	uvfio_node_unregister(VFIO_CONTAINER_PATH);
}
