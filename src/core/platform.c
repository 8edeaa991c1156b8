// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bringing the machine up: load the description, realise every endpoint's
 * device model, and let vfio-pci probe the functions bound to it, in
 * enumeration order so vfioN numbers are stable from run to run.
 *
 * After start-up a function's driver can change (sysfs bind/unbind,
 * drivers_probe, `uvfio bind`): binding vfio-pci creates its VFIO device
 * with the lowest free vfioN and puts it in its dev_set (vfio counts
 * only its own devices), unbinding removes both; the shadow sysfs
 * follows. Invariant: f->vdev != NULL exactly when the node's driver is
 * vfio-pci.
 *
 * The platform is the device models' host: their DMA goes to the IOMMU
 * through the function's VFIO device (blocked when nothing is attached),
 * their interrupts to vfio-pci's eventfds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/daemon.h"
#include "core/log.h"
#include "core/platform.h"
#include "core/util.h"
#include "pci/pci_dev.h"
#include "pci/topology.h"
#include "sysfs/sysfs.h"
#include "vfio/pci/vfio_pci_priv.h"
#include "vfio/vfio.h"

struct platform uvfio_platform;
static struct vfio_device_set *dev_sets;
static unsigned int nr_dev_sets;

static int host_dma_rw(struct pci_dev *pdev, uint64_t iova, void *buf,
		       size_t len, bool is_write)
{
	struct vfio_device *vdev = pdev->host_data;

	/* A function no VFIO user owns has nothing mapped for it. */
	if (!vdev)
		return -EFAULT;
	return vfio_device_dma_rw(vdev, iova, buf, len, is_write);
}

static int host_dma_copy(struct pci_dev *pdev, uint64_t dst, uint64_t src,
			 size_t len, bool *ret_write_fault)
{
	struct vfio_device *vdev = pdev->host_data;

	*ret_write_fault = false;
	if (!vdev)
		return -EFAULT;
	return vfio_device_dma_copy(vdev, dst, src, len, ret_write_fault);
}

static const struct pci_host_ops platform_host_ops = {
	.dma_rw = host_dma_rw,
	.dma_copy = host_dma_copy,
	.msi = vfio_pci_host_msi,
	.intx = vfio_pci_host_intx,
};

static int build_dev_sets(void)
{
	struct platform *p = &uvfio_platform;
	size_t i;

	nr_dev_sets = topo_dev_set_count(p->machine);
	dev_sets = uvfio_calloc(nr_dev_sets ? nr_dev_sets : 1, sizeof(*dev_sets));
	if (!dev_sets)
		return -ENOMEM;
	for (i = 0; i < nr_dev_sets; i++) {
		dev_sets[i].id = i;
		dev_sets[i].devices = uvfio_calloc(p->nr_funcs, sizeof(void *));
		if (!dev_sets[i].devices)
			return -ENOMEM;
	}
	for (i = 0; i < p->nr_funcs; i++) {
		struct vfio_device *vdev = p->funcs[i].vdev;
		struct vfio_device_set *set;

		if (!vdev || p->funcs[i].node->dev_set < 0)
			continue;
		set = &dev_sets[p->funcs[i].node->dev_set];
		set->devices[set->device_count++] = vdev;
		vdev->dev_set = set;
	}
	for (i = 0; i < p->nr_funcs; i++)
		if (p->funcs[i].vdev)
			vfio_pci_set_reset_works(p->funcs[i].vdev,
				topo_reset_methods(p->machine, p->funcs[i].node) != 0);
	return 0;
}

/* Keep a set's devices in enumeration order, whatever the bind order. */
static void dev_set_add(struct platform_func *f)
{
	struct vfio_device_set *set;
	unsigned int i;

	if (f->node->dev_set < 0 || (unsigned int)f->node->dev_set >= nr_dev_sets)
		return;
	set = &dev_sets[f->node->dev_set];
	for (i = set->device_count; i > 0; i--) {
		struct platform_func *o = platform_find(set->devices[i - 1]->pdev->bdf);

		if (!o || o->node->seq < f->node->seq)
			break;
		set->devices[i] = set->devices[i - 1];
	}
	set->devices[i] = f->vdev;
	set->device_count++;
	f->vdev->dev_set = set;
	vfio_pci_set_reset_works(f->vdev,
		topo_reset_methods(uvfio_platform.machine, f->node) != 0);
}

static void dev_set_del(struct vfio_device *vdev)
{
	struct vfio_device_set *set = vdev->dev_set;
	unsigned int i, k;

	for (i = 0, k = 0; set && i < set->device_count; i++)
		if (set->devices[i] != vdev)
			set->devices[k++] = set->devices[i];
	if (set)
		set->device_count = k;
	vdev->dev_set = NULL;
}

/* The lowest vfioN no device has, as the kernel's IDA hands them out. */
static unsigned int vfio_free_index(void)
{
	struct vfio_device *vdev;
	unsigned int index = 0;

	/* The device list is kept in index order. */
	for (vdev = vfio_device_first(); vdev; vdev = vdev->next) {
		if (vdev->index != index)
			break;
		index++;
	}
	return index;
}

/* Does any file (bound or not, either path) still hold vdev? */
static bool vfio_device_has_files(struct vfio_device *vdev)
{
	struct vfio_device_file *df;

	for (df = vfio_df_first(); df; df = df->next)
		if (df->device == vdev)
			return true;
	return false;
}

/*
 * A host (DMA-API) driver's probe: pci_dma_configure() calls
 * iommu_device_use_default_domain(), EBUSY while a VFIO user owns the
 * group. A reset claim (extension) also keeps host drivers off.
 */
static int host_probe_check(struct platform_func *f)
{
	struct vfio_group *group = vfio_group_get(f->node->group);

	if (group && group->owner_cnt)
		return -EBUSY;
	if (vfio_reset_claim_covers_bdf(f->node->bdf))
		return -EBUSY;
	return 0;
}

static int probe_driver(struct platform_func *f, enum topo_driver drv)
{
	int rc;

	if (drv == TOPO_DRV_HOST) {
		rc = host_probe_check(f);
		if (rc)
			return rc;
	}
	rc = topo_set_driver(uvfio_platform.machine, f->node, drv);
	if (rc || drv != TOPO_DRV_VFIO_PCI)
		return rc;
	rc = vfio_pci_probe(f->pdev, vfio_free_index(), f->node->group, &f->vdev);
	if (rc) {
		topo_set_driver(uvfio_platform.machine, f->node, TOPO_DRV_NONE);
		return rc;
	}
	dev_set_add(f);
	return 0;
}

int platform_driver_attach(struct platform_func *f, int drv)
{
	int rc;

	if (f->node->driver != TOPO_DRV_NONE)
		return -EBUSY;
	if (drv == TOPO_DRV_NONE)
		return 0;
	rc = probe_driver(f, drv);
	if (!rc)
		sysfs_update_function(f);
	return rc;
}

int platform_driver_detach(struct platform_func *f)
{
	if (f->vdev) {
		/* The kernel waits here for the files to go (deviations.md). */
		if (vfio_device_has_files(f->vdev))
			return -EBUSY;
		dev_set_del(f->vdev);
		vfio_pci_remove(f->vdev);
		f->vdev = NULL;
	}
	topo_set_driver(uvfio_platform.machine, f->node, TOPO_DRV_NONE);
	sysfs_update_function(f);
	return 0;
}

static int realize_function(struct platform_func *f, unsigned int *vfio_index)
{
	const struct topo_node *n = f->node;
	int rc;

	rc = pci_dev_create(n->model, n->domain, n->bus_nr, n->devfn, n->props,
			    &platform_host_ops, NULL, &f->pdev);
	if (rc) {
		pr_err("%s: cannot create %s device: %s", n->bdf, n->model_name,
		       strerror(-rc));
		return rc;
	}
	if (n->driver != TOPO_DRV_VFIO_PCI)
		return 0;
	rc = vfio_pci_probe(f->pdev, *vfio_index, n->group, &f->vdev);
	if (!rc) {
		(*vfio_index)++;
		return 0;
	}
	/*
	 * As at boot, a failed probe leaves the function without a driver
	 * (a function no IOMMU covers, without noiommu mode: EINVAL).
	 */
	pr_warn("%s: vfio-pci probe failed: %s", n->bdf, strerror(-rc));
	return topo_set_driver(uvfio_platform.machine, n, TOPO_DRV_NONE);
}

int platform_init(const char *machine_file)
{
	struct platform *p = &uvfio_platform;
	const struct topo_node *n;
	char err[TOPO_ERR_MAX] = "";
	unsigned int vfio_index = 0;
	size_t count = 0;
	int rc;

	if (machine_file)
		rc = topo_machine_load_file(machine_file, &p->machine, err, sizeof(err));
	else
		rc = topo_machine_default(&p->machine, err, sizeof(err));
	if (rc) {
		pr_err("machine description %s: %s", machine_file ? machine_file :
		       "(built-in)", err[0] ? err : strerror(-rc));
		return rc;
	}
	rc = vfio_groups_init(topo_group_count(p->machine));
	if (!rc)
		rc = vfio_container_init();
	if (rc)
		return rc;
	topo_for_each_endpoint(p->machine, n)
		count++;
	p->funcs = uvfio_calloc(count ? count : 1, sizeof(*p->funcs));
	if (!p->funcs)
		return -ENOMEM;
	topo_for_each_endpoint(p->machine, n) {
		struct platform_func *f = &p->funcs[p->nr_funcs++];

		f->node = n;
		rc = realize_function(f, &vfio_index);
		if (rc)
			return rc;
	}
	return build_dev_sets();
}

void platform_exit(void)
{
	struct platform *p = &uvfio_platform;
	size_t i;

	for (i = 0; i < p->nr_funcs; i++) {
		if (p->funcs[i].vdev)
			vfio_pci_remove(p->funcs[i].vdev);
		if (p->funcs[i].pdev)
			pci_dev_destroy(p->funcs[i].pdev);
		free(p->funcs[i].driver_override);
	}
	for (i = 0; i < nr_dev_sets; i++)
		free(dev_sets[i].devices);
	free(dev_sets);
	dev_sets = NULL;
	nr_dev_sets = 0;
	free(p->funcs);
	vfio_container_exit();
	vfio_groups_exit();
	topo_machine_free(p->machine);
	memset(p, 0, sizeof(*p));
}

struct platform_func *platform_find(const char *bdf)
{
	struct platform *p = &uvfio_platform;
	const struct topo_node *n;
	size_t i;

	if (!p->machine)
		return NULL;
	n = topo_find(p->machine, bdf);
	for (i = 0; n && i < p->nr_funcs; i++)
		if (p->funcs[i].node == n)
			return &p->funcs[i];
	return NULL;
}
