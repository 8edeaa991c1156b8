/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The machine the daemon emulates, as instantiated: the topology, one
 * pci_dev per endpoint, and the VFIO device of each function bound to
 * vfio-pci.
 */
#ifndef UVFIO_PLATFORM_H
#define UVFIO_PLATFORM_H

#include <stddef.h>

struct topo_machine;
struct topo_node;
struct pci_dev;
struct vfio_device;

struct platform_func {
	const struct topo_node *node;
	struct pci_dev *pdev;
	struct vfio_device *vdev;	/* NULL unless bound to vfio-pci */
};

struct platform {
	struct topo_machine *machine;
	struct platform_func *funcs;	/* endpoints, enumeration order */
	size_t nr_funcs;
};

extern struct platform uvfio_platform;

int platform_init(const char *machine_file);
void platform_exit(void);
struct platform_func *platform_find(const char *bdf);

#endif
