// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hot reset: VFIO_DEVICE_GET_PCI_HOT_RESET_INFO and
 * VFIO_DEVICE_PCI_HOT_RESET.
 *
 * A hot reset is a slot reset when the function's slot can be reset,
 * else a secondary bus reset of its bus; it touches every function on
 * the slot or bus and below (topo_hot_reset_scope). vfio-pci allows it
 * only when every one of those functions is a vfio-pci device of the
 * same dev_set ("resettable"), and only when the caller proves it owns
 * every device of the dev_set:
 *   group path  the caller passes the group fds, and every device's
 *               group is among them;
 *   cdev path   the array is empty and every device is bound to the
 *               caller's iommufd, or its group is owned by that iommufd
 *               through another device.
 * The info ioctl lists the affected functions: group ids on the group
 * path; on the cdev path dev_ids (bound to the same iommufd), OWNED, or
 * NOT_OWNED, with DEV_ID_OWNED set when none is NOT_OWNED.
 *
 * The reset itself restores each function's config state around it, as
 * pci_reset_bus() does, and every device model sees its reset.
 */
#include <errno.h>
#include <stdlib.h>

#include "core/file.h"
#include "core/platform.h"
#include "core/util.h"
#include "pci/pci_regs.h"
#include "pci/topology.h"
#include "vfio/pci/vfio_pci_priv.h"

#define offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))

/* The functions a hot reset of vpci touches; caller frees *ret_nodes. */
int vfio_pci_hot_reset_scope(struct vfio_pci_core_device *vpci,
			     const struct topo_node ***ret_nodes,
			     bool *ret_is_slot)
{
	const struct topo_machine *m = uvfio_platform.machine;
	struct platform_func *f = platform_find(vpci->pdev->bdf);
	const struct topo_node **nodes;
	int count, again;

	if (!f)
		return -ENODEV;
	count = topo_hot_reset_scope(m, f->node, NULL, 0, NULL);
	if (count == -ENOTTY)
		return -ENODEV;	/* neither slot nor bus reset */
	if (count <= 0)
		return count ? count : -ERANGE;
	nodes = uvfio_calloc(count, sizeof(*nodes));
	if (!nodes)
		return -ENOMEM;
	again = topo_hot_reset_scope(m, f->node, nodes, count, ret_is_slot);
	if (again != count) {
		free(nodes);
		return -EAGAIN;
	}
	*ret_nodes = nodes;
	return count;
}

struct vfio_device *vfio_pci_node_vdev(const struct topo_node *n)
{
	struct platform_func *f = platform_find(n->bdf);

	return f ? f->vdev : NULL;
}

static uint32_t dev_id_of(struct vfio_device *self, const struct topo_node *n)
{
	struct vfio_device *vdev = vfio_pci_node_vdev(n);
	int id;

	/* Hot reset needs every affected device in the dev_set. */
	if (!vdev || vdev->dev_set != self->dev_set)
		return VFIO_PCI_DEVID_NOT_OWNED;
	id = vfio_iommufd_get_dev_id(vdev, self->iommufd);
	if (id > 0)
		return id;
	return id == -ENOENT ? VFIO_PCI_DEVID_OWNED : VFIO_PCI_DEVID_NOT_OWNED;
}

static void fill_devs(struct vfio_pci_core_device *vpci,
		      const struct topo_node **nodes, int count,
		      struct vfio_pci_dependent_device *devs, uint32_t *flags)
{
	int i;

	for (i = 0; i < count; i++) {
		devs[i].segment = nodes[i]->domain;
		devs[i].bus = nodes[i]->bus_nr;
		devs[i].devfn = nodes[i]->devfn;
		if (*flags & VFIO_PCI_HOT_RESET_FLAG_DEV_ID) {
			devs[i].devid = dev_id_of(&vpci->vdev, nodes[i]);
			if (devs[i].devid == (uint32_t)VFIO_PCI_DEVID_NOT_OWNED)
				*flags &= ~VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED;
		} else {
			devs[i].group_id = nodes[i]->group;
		}
	}
}

long vfio_pci_ioctl_get_pci_hot_reset_info(struct vfio_pci_core_device *vpci,
					   struct uvfio_call *call,
					   uint64_t arg)
{
	size_t minsz = offsetofend(struct vfio_pci_hot_reset_info, count);
	struct vfio_pci_dependent_device *devs = NULL;
	struct vfio_pci_hot_reset_info hdr;
	const struct topo_node **nodes;
	uint32_t flags = 0;
	int count, rc = 0;

	if (copy_from_user(call, &hdr, arg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz)
		return -EINVAL;
	hdr.flags = 0;
	count = vfio_pci_hot_reset_scope(vpci, &nodes, NULL);
	if (count < 0)
		return count;
	if ((size_t)count > (hdr.argsz - sizeof(hdr)) / sizeof(*devs) ||
	    hdr.argsz < sizeof(hdr)) {
		hdr.count = count;
		rc = -ENOSPC;
		goto header;
	}
	devs = uvfio_calloc(count, sizeof(*devs));
	if (!devs) {
		rc = -ENOMEM;
		goto out;
	}
	if (vpci->vdev.cdev_opened)
		flags = VFIO_PCI_HOT_RESET_FLAG_DEV_ID |
			VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED;
	fill_devs(vpci, nodes, count, devs, &flags);
	if (copy_to_user(call, arg + sizeof(hdr), devs,
			 sizeof(*devs) * count)) {
		rc = -EFAULT;
		goto out;
	}
	hdr.count = count;
	hdr.flags = flags;
header:
	if (copy_to_user(call, arg, &hdr, minsz))
		rc = -EFAULT;
out:
	free(devs);
	free(nodes);
	return rc;
}

/* vfio_pci_dev_set_resettable(): everything touched is in the dev_set. */
bool vfio_pci_dev_set_resettable(struct vfio_pci_core_device *vpci)
{
	const struct topo_node **nodes;
	bool ok = true;
	int count, i;

	count = vfio_pci_hot_reset_scope(vpci, &nodes, NULL);
	if (count < 0)
		return false;
	for (i = 0; i < count && ok; i++) {
		struct vfio_device *vdev = vfio_pci_node_vdev(nodes[i]);

		ok = vdev && vdev->dev_set == vpci->vdev.dev_set;
	}
	free(nodes);
	return ok;
}

/* The group path's proof: the caller passed the device's group. */
struct group_list {
	struct vfio_group **groups;
	unsigned int nr;
};

static bool dev_in_groups(struct vfio_device *vdev, const void *data)
{
	const struct group_list *gl = data;
	unsigned int i;

	for (i = 0; i < gl->nr; i++)
		if (gl->groups[i] == vdev->group)
			return true;
	return false;
}

/* The cdev path's proof: bound to the caller's iommufd, or its group is. */
static bool dev_in_iommufd(struct vfio_device *vdev, const void *data)
{
	int id = vfio_iommufd_get_dev_id(vdev, (struct iommufd_ctx *)data);

	return id > 0 || id == -ENOENT;
}

/* Every device of the dev_set owned by the caller, then reset them all. */
int vfio_pci_dev_set_hot_reset(struct vfio_pci_core_device *vpci,
			       vfio_pci_owned_fn owned, const void *data)
{
	struct vfio_device_set *set = vpci->vdev.dev_set;
	unsigned int i;
	int rc = 0;

	if (!set || !vfio_pci_dev_set_resettable(vpci))
		return -EINVAL;
	for (i = 0; i < set->device_count; i++)
		if (!owned(set->devices[i], data))
			return -EINVAL;
	for (i = 0; i < set->device_count; i++)
		pci_dev_set_power_state(set->devices[i]->pdev, PCI_D0);
	for (i = 0; i < set->device_count; i++) {
		int r = vfio_pci_reset_function(set->devices[i]->pci);

		if (r && !rc)
			rc = r;
	}
	return rc;
}

static int hot_reset_groups(struct vfio_pci_core_device *vpci,
			    struct uvfio_call *call, uint32_t array_count,
			    uint64_t arg)
{
	struct vfio_group **groups;
	const struct topo_node **nodes;
	struct group_list gl;
	int32_t *fds;
	uint32_t i;
	int count, rc = 0;

	/* One group per affected function at most: bounds the copy. */
	count = vfio_pci_hot_reset_scope(vpci, &nodes, NULL);
	if (count < 0)
		return count;
	free(nodes);
	if (array_count > (uint32_t)count)
		return -EINVAL;
	fds = uvfio_calloc(array_count, sizeof(*fds));
	groups = uvfio_calloc(array_count, sizeof(*groups));
	if (!fds || !groups) {
		rc = -ENOMEM;
		goto out;
	}
	if (copy_from_user(call, fds, arg + sizeof(struct vfio_pci_hot_reset),
			   array_count * sizeof(*fds))) {
		rc = -EFAULT;
		goto out;
	}
	for (i = 0; i < array_count; i++) {
		if (uvfio_call_fd(call, fds[i]) < 0) {
			rc = -EBADF;
			goto out;
		}
		groups[i] = vfio_group_from_file(uvfio_call_file(call, fds[i]));
		if (!groups[i]) {
			rc = -EINVAL;
			goto out;
		}
	}
	gl.groups = groups;
	gl.nr = array_count;
	rc = vfio_pci_dev_set_hot_reset(vpci, dev_in_groups, &gl);
out:
	free(fds);
	free(groups);
	return rc;
}

long vfio_pci_ioctl_pci_hot_reset(struct vfio_pci_core_device *vpci,
				  struct uvfio_call *call, uint64_t arg)
{
	size_t minsz = offsetofend(struct vfio_pci_hot_reset, count);
	struct vfio_pci_hot_reset hdr;
	const struct topo_node **nodes;
	int count;

	if (copy_from_user(call, &hdr, arg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz || hdr.flags)
		return -EINVAL;
	/* A zero-length array is for cdev-opened devices only, and only it. */
	if (!!hdr.count == vpci->vdev.cdev_opened)
		return -EINVAL;
	count = vfio_pci_hot_reset_scope(vpci, &nodes, NULL);
	if (count < 0)
		return count;
	free(nodes);
	if (hdr.count)
		return hot_reset_groups(vpci, call, hdr.count, arg);
	return vfio_pci_dev_set_hot_reset(vpci, dev_in_iommufd,
					  vpci->vdev.iommufd);
}
