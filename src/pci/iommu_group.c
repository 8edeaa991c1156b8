// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOMMU groups, derived as Linux derives them for PCI devices
 * (drivers/iommu/iommu.c: pci_device_group() and its helpers, with
 * pci_acs_enabled()/pci_acs_path_enabled() from drivers/pci/pci.c and
 * pci_for_each_dma_alias() from drivers/pci/search.c).
 *
 * The rules, in the order the kernel applies them to each device:
 *   1. Walk the device's DMA aliases up to the root bus: a conventional
 *      PCI bridge or a PCIe-to-PCI bridge takes ownership of the
 *      requests of everything behind it, so the device is only as
 *      isolated as that bridge. If an alias already has a group, join it.
 *   2. From the last alias, go upstream until a bridge whose path to the
 *      root has ACS Source Validation, Request and Completion Redirect and
 *      Upstream Forwarding (REQ_ACS_FLAGS) on every hop; each bridge
 *      passed that already has a group donates it.
 *   3. A device that aliases another function on its bus (DMA alias
 *      quirks) shares that function's group.
 *   4. A function of a multifunction device without ACS shares the group
 *      of the other functions of its slot that also lack ACS.
 *   5. Otherwise a new group.
 * The kernel probes devices in enumeration order and a device can only
 * join a group that exists, so groups are derived in m->order and
 * numbered 0, 1, ... as the IDA hands them out on boot. The result is
 * order dependent in exactly the ways the kernel's is.
 *
 * Known kernel behaviour kept on purpose: the upstream walk starts at the
 * bus *above* a device, so a switch's downstream ports are each tested
 * only against the path above them; endpoints below two non-ACS
 * downstream ports of an ACS-clean switch path end up in two groups
 * (one per port). The "Fix incorrect iommu_groups with PCIe ACS" series
 * (J. Gunthorpe, 2025) changes this; it is not followed here.
 *
 * Invariant: after topo_derive_groups() every node has group >= 0 and
 * m->nr_groups is one past the largest.
 */
#include <errno.h>
#include <stdint.h>

#include "pci/topology.h"

#define PCI_SLOT(devfn)		(((devfn) >> 3) & 0x1f)
#define REQ_ACS_FLAGS		(TOPO_ACS_SV | TOPO_ACS_RR | TOPO_ACS_CR | \
				 TOPO_ACS_UF)
#define NO_GROUP		(-1)

/* devfns visited by one alias search; aliases never cross a bus. */
struct devfn_set {
	uint64_t bits[4];
};

static bool devfn_test_and_set(struct devfn_set *s, uint8_t devfn)
{
	uint64_t bit = 1ull << (devfn % 64);
	bool was = s->bits[devfn / 64] & bit;

	s->bits[devfn / 64] |= bit;
	return was;
}

static struct topo_node *node(struct topo_machine *m, int idx)
{
	return &m->nodes[idx];
}

static const struct topo_bus *bus_of(const struct topo_machine *m,
				     const struct topo_node *n)
{
	return &m->buses[n->bus];
}

/*
 * Capabilities a function lacks are either not required or hard-wired
 * on, so only the ones it advertises must be enabled (Egress Control
 * always must, as its vector is useless without the capability).
 */
static bool acs_flags_enabled(const struct topo_node *n, uint16_t flags)
{
	if (!n->has_acs)
		return false;
	flags &= n->acs_cap | TOPO_ACS_EC;
	return (n->acs_ctrl & flags) == flags;
}

/* The *effective* ACS of a function, by PCIe r3.0 6.12 as Linux reads it. */
static bool acs_enabled(const struct topo_node *n, uint16_t flags)
{
	if (n->acs_quirk >= 0)
		return n->acs_quirk;
	/* A shared conventional bus lets anyone claim or snoop a request. */
	if (!n->pcie)
		return false;
	switch (n->pcie_type) {
	case TOPO_EXP_TYPE_PCIE_BRIDGE:
	case TOPO_EXP_TYPE_PCI_BRIDGE:
		return false;
	case TOPO_EXP_TYPE_DOWNSTREAM:
	case TOPO_EXP_TYPE_ROOT_PORT:
		return acs_flags_enabled(n, flags);
	case TOPO_EXP_TYPE_ENDPOINT:
	case TOPO_EXP_TYPE_UPSTREAM:
	case TOPO_EXP_TYPE_RC_END:
		/* ACS only matters between functions of one device. */
		if (!n->multifunction)
			return true;
		return acs_flags_enabled(n, flags);
	default:
		return true;
	}
}

/* Every hop from start up to the root bus enables flags. */
static bool acs_path_enabled(const struct topo_machine *m,
			     const struct topo_node *start, uint16_t flags)
{
	const struct topo_node *n;

	for (n = start; n; n = topo_parent(m, n))
		if (!acs_enabled(n, flags))
			return false;
	return true;
}

static bool devfn_in(const uint8_t *mask, uint8_t devfn)
{
	return mask[devfn / 8] & (1u << (devfn % 8));
}

static bool are_dma_aliases(const struct topo_node *a,
			    const struct topo_node *b)
{
	return devfn_in(a->dma_alias, b->devfn) ||
	       devfn_in(b->dma_alias, a->devfn);
}

static int function_alias_group(struct topo_machine *m, int idx,
				struct devfn_set *seen);

/* Look for a group among the functions idx aliases or that alias idx. */
static int alias_group(struct topo_machine *m, int idx, struct devfn_set *seen)
{
	const struct topo_node *n = node(m, idx);
	const struct topo_bus *bus = bus_of(m, n);
	int group;

	if (devfn_test_and_set(seen, n->devfn))
		return NO_GROUP;
	if (n->group != NO_GROUP)
		return n->group;
	for (size_t i = 0; i < bus->nr_devs; i++) {
		int other = bus->devs[i];

		if (other == idx || !are_dma_aliases(n, node(m, other)))
			continue;
		group = alias_group(m, other, seen);
		if (group != NO_GROUP)
			return group;
		group = function_alias_group(m, other, seen);
		if (group != NO_GROUP)
			return group;
	}
	return NO_GROUP;
}

/* Non-isolated functions of one slot share whatever group one of them has. */
static int function_alias_group(struct topo_machine *m, int idx,
				struct devfn_set *seen)
{
	const struct topo_node *n = node(m, idx);
	const struct topo_bus *bus = bus_of(m, n);
	int group;

	if (!n->multifunction || acs_enabled(n, REQ_ACS_FLAGS))
		return NO_GROUP;
	for (size_t i = 0; i < bus->nr_devs; i++) {
		const struct topo_node *o = node(m, bus->devs[i]);

		if (o == n || PCI_SLOT(o->devfn) != PCI_SLOT(n->devfn) ||
		    acs_enabled(o, REQ_ACS_FLAGS))
			continue;
		group = alias_group(m, bus->devs[i], seen);
		if (group != NO_GROUP)
			return group;
	}
	return NO_GROUP;
}

/*
 * pci_for_each_dma_alias() with the group lookup as its callback: visit
 * the device, then each bridge above that takes over the requester ID.
 * Returns the first group met; *last is the last alias visited.
 */
static int dma_alias_walk(struct topo_machine *m, int idx, int *last)
{
	const struct topo_node *n = node(m, idx);
	const struct topo_node *br;

	*last = idx;
	if (n->group != NO_GROUP)
		return n->group;
	for (br = topo_parent(m, n); br; br = topo_parent(m, br)) {
		/* Native PCIe ports forward the requester ID untouched. */
		if (br->pcie && br->pcie_type != TOPO_EXP_TYPE_PCI_BRIDGE &&
		    br->pcie_type != TOPO_EXP_TYPE_PCIE_BRIDGE)
			continue;
		*last = br - m->nodes;
		if (br->group != NO_GROUP)
			return br->group;
	}
	return NO_GROUP;
}

static int device_group(struct topo_machine *m, int idx)
{
	struct devfn_set seen = { { 0 } };
	const struct topo_node *br;
	int group, pdev;

	group = dma_alias_walk(m, idx, &pdev);
	if (group != NO_GROUP)
		return group;
	/* Up from the narrowest alias to where ACS isolates the path. */
	for (br = topo_parent(m, node(m, pdev)); br; br = topo_parent(m, br)) {
		if (acs_path_enabled(m, br, REQ_ACS_FLAGS))
			break;
		pdev = br - m->nodes;
		if (br->group != NO_GROUP)
			return br->group;
	}
	group = alias_group(m, pdev, &seen);
	if (group != NO_GROUP)
		return group;
	/* The bitmap stays: devfns already tested need no second look. */
	group = function_alias_group(m, pdev, &seen);
	if (group != NO_GROUP)
		return group;
	return m->nr_groups++;
}

int topo_derive_groups(struct topo_machine *m)
{
	if (!m->finalized)
		return -EINVAL;
	m->nr_groups = 0;
	for (size_t i = 0; i < m->nr_nodes; i++)
		m->nodes[i].group = NO_GROUP;
	for (size_t seq = 0; seq < m->nr_nodes; seq++) {
		int idx = m->order[seq];

		m->nodes[idx].group = device_group(m, idx);
	}
	return 0;
}

unsigned int topo_group_count(const struct topo_machine *m)
{
	return m->finalized ? m->nr_groups : 0;
}

size_t topo_group_members(const struct topo_machine *m, int group,
			  const struct topo_node **out, size_t max)
{
	size_t count = 0;

	for (size_t seq = 0; seq < topo_node_count(m); seq++) {
		const struct topo_node *n = topo_node_at(m, seq);

		if (n->group != group)
			continue;
		if (count < max)
			out[count] = n;
		count++;
	}
	return count;
}
