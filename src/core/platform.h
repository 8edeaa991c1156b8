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
	char *driver_override;		/* sysfs driver_override, or NULL */
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

/*
 * Driver binding, as the driver core's bind/unbind: attach needs an
 * unbound function (EBUSY), a host driver is refused with EBUSY while a
 * VFIO user owns the group; detach of vfio-pci is EBUSY while a file of
 * the device is open. drv is an enum topo_driver.
 */
int platform_driver_attach(struct platform_func *f, int drv);
int platform_driver_detach(struct platform_func *f);

#endif
