// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reset domains and reset reach, derived as Linux derives them.
 *
 * dev_set (vfio_pci_core_register_device()): the devices that must be
 * reset together and so share open counts and the hot-reset lock:
 *   - a device on a root bus has a set of its own (nothing above it can
 *     reset it together with anything else);
 *   - else, if its hotplug slot can be reset, the devices of that slot;
 *   - else every device on its bus, since only a secondary bus reset
 *     remains.
 * The set is keyed structurally and numbered in enumeration order; vfio
 * adds a device to its set when vfio-pci binds it, so membership lists
 * every endpoint with the key and callers count the bound ones.
 *
 * Function reset methods follow the default reset_method order of
 * drivers/pci/pci.c (device_specific, acpi, flr, af_flr, pm, bus,
 * cxl_bus); uvfio models flr, af_flr, pm and bus. "bus" for a single
 * function is pci_reset_bus_function(): a slot reset if the function is
 * alone in a resettable hotplug slot, else a secondary bus reset if it is
 * alone on its bus; never for bridges or on a root bus.
 *
 * Hot reset reach (VFIO_DEVICE_PCI_HOT_RESET): the slot if
 * pci_probe_reset_slot() succeeds, else the bus if pci_probe_reset_bus()
 * does, together with everything below (bridges included).
 *
 * A slot exists for device 0 on the link below a root or downstream port
 * declared "hotplug" (pciehp registers slot number 0 there and
 * implements reset_slot). PCI_DEV_FLAGS_NO_BUS_RESET on the bridge or on
 * any device reached forbids both slot and bus resets.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pci/topology.h"

#define PCI_SLOT(devfn)		(((devfn) >> 3) & 0x1f)

enum set_key_type {
	KEY_DEVICE,	/* root bus: the device itself */
	KEY_SLOT,	/* a resettable hotplug slot (one per link bus) */
	KEY_BUS,	/* the whole bus */
};

static const struct topo_node *bus_bridge(const struct topo_machine *m,
					  const struct topo_bus *b)
{
	return b->self >= 0 ? &m->nodes[b->self] : NULL;
}

/* pci_bus_resettable(): nothing on or below the bus forbids it. */
static bool bus_resettable(const struct topo_machine *m, int b)
{
	const struct topo_bus *bus = &m->buses[b];
	const struct topo_node *self = bus_bridge(m, bus);

	if (self && self->no_bus_reset)
		return false;
	for (size_t i = 0; i < bus->nr_devs; i++) {
		const struct topo_node *n = &m->nodes[bus->devs[i]];

		if (n->no_bus_reset ||
		    (n->secondary >= 0 && !bus_resettable(m, n->secondary)))
			return false;
	}
	return true;
}

/* pdev->slot != NULL: device 0 below a port with a pciehp slot. */
static bool in_hotplug_slot(const struct topo_machine *m,
			    const struct topo_node *n)
{
	const struct topo_node *port = topo_parent(m, n);

	return port && port->hotplug && PCI_SLOT(n->devfn) == 0;
}

/* pci_slot_resettable() for the slot on bus b. */
static bool slot_resettable(const struct topo_machine *m, int b)
{
	const struct topo_bus *bus = &m->buses[b];
	const struct topo_node *self = bus_bridge(m, bus);

	if (self && self->no_bus_reset)
		return false;
	for (size_t i = 0; i < bus->nr_devs; i++) {
		const struct topo_node *n = &m->nodes[bus->devs[i]];

		if (!in_hotplug_slot(m, n))
			continue;
		if (n->no_bus_reset ||
		    (n->secondary >= 0 && !bus_resettable(m, n->secondary)))
			return false;
	}
	return true;
}

/* pci_probe_reset_slot(pdev->slot) == 0 */
static bool slot_reset_ok(const struct topo_machine *m,
			  const struct topo_node *n)
{
	return in_hotplug_slot(m, n) && slot_resettable(m, n->bus);
}

/* pci_probe_reset_bus(pdev->bus) == 0: root buses have no bridge. */
static bool bus_reset_ok(const struct topo_machine *m,
			 const struct topo_node *n)
{
	return !topo_on_root_bus(m, n) && bus_resettable(m, n->bus);
}

static void set_key(const struct topo_machine *m, const struct topo_node *n,
		    int *type, int *id)
{
	if (topo_on_root_bus(m, n)) {
		*type = KEY_DEVICE;
		*id = n - m->nodes;
	} else if (slot_reset_ok(m, n)) {
		*type = KEY_SLOT;
		*id = n->bus;
	} else {
		*type = KEY_BUS;
		*id = n->bus;
	}
}

int topo_derive_dev_sets(struct topo_machine *m)
{
	int *types, *ids;
	size_t nr = 0;

	if (!m->finalized)
		return -EINVAL;
	types = calloc(m->nr_nodes + 1, sizeof(*types));
	ids = calloc(m->nr_nodes + 1, sizeof(*ids));
	if (!types || !ids) {
		free(types);
		free(ids);
		return -ENOMEM;
	}
	m->nr_dev_sets = 0;
	for (size_t seq = 0; seq < m->nr_nodes; seq++) {
		struct topo_node *n = &m->nodes[m->order[seq]];
		size_t k;

		n->dev_set = -1;
		if (n->kind != TOPO_ENDPOINT)
			continue;
		/* types[k]/ids[k] is the key of dev_set k. */
		set_key(m, n, &types[nr], &ids[nr]);
		for (k = 0; k < nr; k++)
			if (types[k] == types[nr] && ids[k] == ids[nr])
				break;
		if (k == nr)
			nr++;
		n->dev_set = k;
	}
	m->nr_dev_sets = nr;
	free(types);
	free(ids);
	return 0;
}

unsigned int topo_dev_set_count(const struct topo_machine *m)
{
	return m->finalized ? m->nr_dev_sets : 0;
}

size_t topo_dev_set_members(const struct topo_machine *m, int dev_set,
			    const struct topo_node **out, size_t max)
{
	size_t count = 0;

	if (dev_set < 0)
		return 0;
	for (size_t seq = 0; seq < topo_node_count(m); seq++) {
		const struct topo_node *n = topo_node_at(m, seq);

		if (n->dev_set != dev_set)
			continue;
		if (count < max)
			out[count] = n;
		count++;
	}
	return count;
}

/* pci_reset_bus_function(): slot reset, else parent bus reset. */
static bool bus_method_ok(const struct topo_machine *m,
			  const struct topo_node *n)
{
	const struct topo_bus *bus = topo_bus_of(m, n);

	if (topo_on_root_bus(m, n) || n->secondary >= 0 || n->no_bus_reset)
		return false;
	if (!n->multifunction && in_hotplug_slot(m, n))
		return true;
	/* A secondary bus reset would take the neighbours along. */
	return bus->nr_devs == 1;
}

unsigned int topo_reset_methods(const struct topo_machine *m,
				const struct topo_node *n)
{
	unsigned int methods = 0;

	if (n->flr && n->pcie)
		methods |= TOPO_RESET_FLR;
	if (n->af_flr)
		methods |= TOPO_RESET_AF_FLR;
	if (n->pm_reset)
		methods |= TOPO_RESET_PM;
	if (bus_method_ok(m, n))
		methods |= TOPO_RESET_BUS;
	return methods;
}

int topo_reset_method_string(const struct topo_machine *m,
			     const struct topo_node *n, char *buf, size_t len)
{
	static const struct {
		unsigned int bit;
		const char *name;
	} names[] = {
		{ TOPO_RESET_FLR, "flr" },
		{ TOPO_RESET_AF_FLR, "af_flr" },
		{ TOPO_RESET_PM, "pm" },
		{ TOPO_RESET_BUS, "bus" },
	};
	unsigned int methods = topo_reset_methods(m, n);
	size_t pos = 0;

	if (!len)
		return -EINVAL;
	buf[0] = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int w;

		if (!(methods & names[i].bit))
			continue;
		w = snprintf(buf + pos, len - pos, "%s%s", pos ? " " : "",
			     names[i].name);
		if (w < 0 || (size_t)w >= len - pos)
			return -ENOSPC;
		pos += w;
	}
	return pos;
}

static void mark_below(const struct topo_machine *m, int b, bool *mark)
{
	const struct topo_bus *bus = &m->buses[b];

	for (size_t i = 0; i < bus->nr_devs; i++) {
		const struct topo_node *n = &m->nodes[bus->devs[i]];

		mark[bus->devs[i]] = true;
		if (n->secondary >= 0)
			mark_below(m, n->secondary, mark);
	}
}

int topo_hot_reset_scope(const struct topo_machine *m,
			 const struct topo_node *n,
			 const struct topo_node **out, size_t max,
			 bool *ret_is_slot)
{
	const struct topo_bus *bus = topo_bus_of(m, n);
	bool slot = slot_reset_ok(m, n);
	size_t count = 0;
	bool *mark;

	if (!slot && !bus_reset_ok(m, n))
		return -ENOTTY;
	mark = calloc(m->nr_nodes, sizeof(*mark));
	if (!mark)
		return -ENOMEM;
	for (size_t i = 0; i < bus->nr_devs; i++) {
		const struct topo_node *o = &m->nodes[bus->devs[i]];

		if (slot && !in_hotplug_slot(m, o))
			continue;
		mark[bus->devs[i]] = true;
		if (o->secondary >= 0)
			mark_below(m, o->secondary, mark);
	}
	for (size_t seq = 0; seq < m->nr_nodes; seq++) {
		if (!mark[m->order[seq]])
			continue;
		if (count < max)
			out[count] = &m->nodes[m->order[seq]];
		count++;
	}
	free(mark);
	if (ret_is_slot)
		*ret_is_slot = slot;
	return count;
}
