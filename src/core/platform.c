// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bringing the machine up: load the description, realise every endpoint's
 * device model, and let vfio-pci probe the functions bound to it, in
 * enumeration order so vfioN numbers are stable from run to run.
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
	rc = vfio_pci_probe(f->pdev, (*vfio_index)++, n->group, &f->vdev);
	if (rc)
		pr_err("%s: vfio-pci probe failed: %s", n->bdf, strerror(-rc));
	return rc;
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
