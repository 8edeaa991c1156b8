// SPDX-License-Identifier: GPL-2.0-only
/*
 * The machine's shape: building it, checking it, numbering its buses the
 * way firmware does, and answering questions about it.
 *
 * What this file owns:
 *   - the node (function) and bus arrays of a struct topo_machine; both
 *     are only appended to while building and never move after finalize,
 *     so pointers to nodes stay valid for the machine's lifetime;
 *   - placement rules: what may sit where (root ports on root buses,
 *     downstream ports only inside a switch, only device 0 on a PCIe
 *     link, function 0 present in every slot, no duplicate addresses);
 *   - bus numbering: depth first in devfn order, as firmware and the
 *     kernel's pci_scan_bridge() assign them, unless the description
 *     fixes a number; every bridge's [secondary, subordinate] range must
 *     contain its subtree and be disjoint from its siblings';
 *   - enumeration order (m->order): the order in which Linux adds PCI
 *     devices (pci_scan_child_bus: every function of a bus, then each
 *     bridge's bus depth first). IOMMU groups are numbered in this order.
 *
 * Invariants after topo_machine_finalize() succeeded:
 *   - every node has a unique (domain, bus_nr, devfn) and a bdf string;
 *   - every bus has a number; bus->devs is sorted by devfn;
 *   - m->order is a permutation of the node indices; node->seq is the
 *     inverse; every node has a group, except that a node no IOMMU
 *     covers has none (-1) or, in noiommu mode, an endpoint has a
 *     group of its own numbered after the real ones; endpoints have a
 *     dev_set.
 * Queries assume a finalized machine and never fail on one.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pci/pci_dev.h"
#include "pci/topology.h"

#define PCI_SLOT(devfn)		(((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)		((devfn) & 0x07)
#define TREE_LINE_MAX		2048

static const char *const kind_names[TOPO_NR_KINDS] = {
	[TOPO_ENDPOINT]		= "endpoint",
	[TOPO_HOST_BRIDGE]	= "host_bridge",
	[TOPO_ROOT_PORT]	= "root_port",
	[TOPO_UPSTREAM_PORT]	= "upstream_port",
	[TOPO_DOWNSTREAM_PORT]	= "downstream_port",
	[TOPO_PCI_BRIDGE]	= "pci_bridge",
	[TOPO_PCIE_PCI_BRIDGE]	= "pcie_pci_bridge",
	[TOPO_PCI_PCIE_BRIDGE]	= "pci_pcie_bridge",
};

static const char *const driver_names[TOPO_NR_DRIVERS] = {
	[TOPO_DRV_NONE]		= "none",
	[TOPO_DRV_VFIO_PCI]	= "vfio-pci",
	[TOPO_DRV_HOST]		= "host",
	[TOPO_DRV_PCIEPORT]	= "pcieport",
};

/* Bit i of the ACS registers is named acs_names[i]. */
static const char *const acs_names[] = {
	"SV", "TB", "RR", "CR", "UF", "EC", "DT",
};

static int __attribute__((format(printf, 4, 5)))
topo_err(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

const char *topo_kind_name(enum topo_kind kind)
{
	if ((unsigned int)kind >= TOPO_NR_KINDS)
		return "?";
	return kind_names[kind];
}

int topo_kind_from_name(const char *name)
{
	for (int i = 0; i < TOPO_NR_KINDS; i++)
		if (!strcmp(name, kind_names[i]))
			return i;
	return -EINVAL;
}

const char *topo_driver_name(enum topo_driver drv)
{
	if ((unsigned int)drv >= TOPO_NR_DRIVERS)
		return "?";
	return driver_names[drv];
}

int topo_driver_from_name(const char *name)
{
	for (int i = 0; i < TOPO_NR_DRIVERS; i++)
		if (!strcmp(name, driver_names[i]))
			return i;
	return -EINVAL;
}

int topo_acs_flag_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(acs_names) / sizeof(acs_names[0]); i++)
		if (!strcmp(name, acs_names[i]))
			return 1 << i;
	return -EINVAL;
}

int topo_acs_string(uint16_t flags, char *buf, size_t len)
{
	size_t pos = 0;
	int n;

	if (!len)
		return -EINVAL;
	buf[0] = 0;
	if (!(flags & TOPO_ACS_ALL))
		return snprintf(buf, len, "-") < (int)len ? 1 : -ENOSPC;
	for (size_t i = 0; i < sizeof(acs_names) / sizeof(acs_names[0]); i++) {
		if (!(flags & (1 << i)))
			continue;
		n = snprintf(buf + pos, len - pos, "%s%s", pos ? "," : "",
			     acs_names[i]);
		if (n < 0 || (size_t)n >= len - pos)
			return -ENOSPC;
		pos += n;
	}
	return pos;
}

bool topo_node_is_bridge(const struct topo_node *n)
{
	return n->secondary >= 0;
}

static bool kind_is_bridge(enum topo_kind kind)
{
	return kind >= TOPO_ROOT_PORT && kind < TOPO_NR_KINDS;
}

/* Ports whose secondary side is a PCIe link: only device 0 answers. */
static bool kind_is_downstream_facing(enum topo_kind kind)
{
	return kind == TOPO_ROOT_PORT || kind == TOPO_DOWNSTREAM_PORT ||
	       kind == TOPO_PCI_PCIE_BRIDGE;
}

/* ------------------------------------------------------------------ */
/* Building                                                            */

void topo_func_desc_init(struct topo_func_desc *desc)
{
	memset(desc, 0, sizeof(*desc));
	desc->kind = TOPO_ENDPOINT;
	desc->pcie = -1;
	desc->multifunction = -1;
	desc->acs_ctrl = -1;
	desc->acs_quirk = -1;
	desc->flr = -1;
	desc->af_flr = -1;
	desc->pm_reset = -1;
	desc->driver = -1;
	desc->secondary_bus = -1;
	desc->iommu = -1;
}

struct topo_machine *topo_machine_new(const char *name)
{
	struct topo_machine *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	snprintf(m->name, sizeof(m->name), "%s", name ? name : "");
	return m;
}

void topo_machine_free(struct topo_machine *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nr_nodes; i++) {
		json_object_put(m->nodes[i].props);
		free(m->nodes[i].src);
	}
	for (size_t i = 0; i < m->nr_buses; i++) {
		free(m->buses[i].devs);
		free(m->buses[i].src);
	}
	free(m->nodes);
	free(m->buses);
	free(m->order);
	free(m);
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	p = reallocarray(*arr, ncap, elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* Appends a bus; returns its index or -ENOMEM. */
static int bus_append(struct topo_machine *m, uint16_t domain, int number,
		      const char *src)
{
	struct topo_bus *b;
	char *s;

	if (grow((void **)&m->buses, &m->cap_buses, m->nr_buses + 1,
		 sizeof(*m->buses)))
		return -ENOMEM;
	s = strdup(src ? src : "?");
	if (!s)
		return -ENOMEM;
	b = &m->buses[m->nr_buses];
	memset(b, 0, sizeof(*b));
	b->domain = domain;
	b->number = -1;
	b->explicit_number = number;
	b->subordinate = -1;
	b->self = -1;
	b->parent = -1;
	b->src = s;
	return m->nr_buses++;
}

int topo_add_root_bus(struct topo_machine *m, uint16_t domain, int number,
		      bool pcie, const char *src, char *err, size_t errlen)
{
	int idx;

	if (m->finalized)
		return topo_err(err, errlen, -EBUSY, "machine already finalized");
	if (m->nr_root_buses >= TOPO_MAX_ROOT_BUSES)
		return topo_err(err, errlen, -E2BIG,
				"%s: too many root buses (limit %d)",
				src, TOPO_MAX_ROOT_BUSES);
	if (number < -1 || number > 0xff)
		return topo_err(err, errlen, -EINVAL,
				"%s.bus: expected 0-255, got %d", src, number);
	idx = bus_append(m, domain, number, src);
	if (idx < 0)
		return topo_err(err, errlen, idx, "out of memory");
	m->buses[idx].pcie = pcie;
	m->nr_root_buses++;
	return idx;
}

static const struct topo_node *bus_self(const struct topo_machine *m,
					const struct topo_bus *b)
{
	return b->self >= 0 ? &m->nodes[b->self] : NULL;
}

static const char *article(enum topo_kind kind)
{
	return kind == TOPO_UPSTREAM_PORT ? "an" : "a";
}

static const char *placement_hint(enum topo_kind kind)
{
	switch (kind) {
	case TOPO_HOST_BRIDGE:
	case TOPO_ROOT_PORT:
		return "it belongs on a root bus";
	case TOPO_UPSTREAM_PORT:
		return "it belongs below a root_port or downstream_port";
	case TOPO_DOWNSTREAM_PORT:
		return "it belongs below an upstream_port";
	case TOPO_PCIE_PCI_BRIDGE:
		return "it needs a PCIe bus upstream";
	default:
		return "it needs a conventional PCI bus upstream";
	}
}

/* Where a function of this kind may sit: 0 or -EINVAL with a reason. */
static int check_placement(const struct topo_machine *m,
			   const struct topo_bus *b, enum topo_kind kind,
			   uint8_t devfn, const char *src, char *err,
			   size_t errlen)
{
	const struct topo_node *self = bus_self(m, b);
	enum topo_kind above = self ? self->kind : TOPO_NR_KINDS;
	const char *where = self ? self->src : "a root bus";

	if (b->link && PCI_SLOT(devfn))
		return topo_err(err, errlen, -EINVAL,
				"%s.addr: the PCIe link below %s carries only device 00 (the kernel scans nothing else there), got device %02x",
				src, where, PCI_SLOT(devfn));
	switch (kind) {
	case TOPO_HOST_BRIDGE:
	case TOPO_ROOT_PORT:
		if (self)
			goto bad;
		if (kind == TOPO_ROOT_PORT && !b->pcie)
			return topo_err(err, errlen, -EINVAL,
					"%s.kind: a root_port needs a PCIe root bus; this root bus has \"pcie\": false",
					src);
		return 0;
	case TOPO_UPSTREAM_PORT:
		if (!b->link || !b->pcie)
			goto bad;
		return 0;
	case TOPO_DOWNSTREAM_PORT:
		if (above != TOPO_UPSTREAM_PORT)
			goto bad;
		return 0;
	case TOPO_PCIE_PCI_BRIDGE:
		if (!b->pcie)
			goto bad;
		return 0;
	case TOPO_PCI_PCIE_BRIDGE:
		if (b->pcie)
			goto bad;
		return 0;
	default:
		return 0;
	}
bad:
	if (self)
		return topo_err(err, errlen, -EINVAL,
				"%s.kind: %s %s cannot sit on the bus below %s (a %s); %s",
				src, article(kind), kind_names[kind], where,
				kind_names[above], placement_hint(kind));
	return topo_err(err, errlen, -EINVAL,
			"%s.kind: %s %s cannot sit on a %s root bus; %s", src,
			article(kind), kind_names[kind],
			b->pcie ? "PCIe" : "conventional", placement_hint(kind));
}

static int check_duplicate(const struct topo_machine *m, int bus,
			   uint8_t devfn, const char *src, char *err,
			   size_t errlen)
{
	for (size_t i = 0; i < m->nr_nodes; i++) {
		const struct topo_node *o = &m->nodes[i];

		if (o->bus == bus && o->devfn == devfn)
			return topo_err(err, errlen, -EEXIST,
					"%s.addr: duplicate address %02x.%x on this bus, already used by %s",
					src, PCI_SLOT(devfn), PCI_FUNC(devfn),
					o->src);
	}
	return 0;
}

static int unknown_model(const char *name, const char *src, char *err,
			 size_t errlen)
{
	const struct pci_model *const *list = pci_model_list();
	char known[256] = "";
	size_t pos = 0;

	for (size_t i = 0; list && list[i] && pos < sizeof(known); i++) {
		int n = snprintf(known + pos, sizeof(known) - pos, "%s%s",
				 i ? ", " : "", list[i]->name);

		if (n < 0)
			break;
		pos += n;
	}
	return topo_err(err, errlen, -ENOENT,
			"%s.model: unknown device model \"%s\" (known: %s)",
			src, name, pos ? known : "none");
}

/* The endpoint-only facts: model, properties, PCIe-ness, reset facts. */
static int resolve_model(struct topo_node *n, const struct topo_bus *b,
			 const struct topo_func_desc *d, const char *src,
			 char *err, size_t errlen)
{
	if (n->kind != TOPO_ENDPOINT) {
		if (d->model || d->props)
			return topo_err(err, errlen, -EINVAL,
					"%s.model: only endpoints have a device model; this is a %s",
					src, kind_names[n->kind]);
		return 0;
	}
	if (!d->model)
		return topo_err(err, errlen, -EINVAL,
				"%s.model: an endpoint needs a device model name",
				src);
	if (strlen(d->model) >= sizeof(n->model_name))
		return topo_err(err, errlen, -ENAMETOOLONG,
				"%s.model: name longer than %d characters",
				src, TOPO_MODEL_NAME_MAX - 1);
	n->model = pci_model_find(d->model);
	if (!n->model)
		return unknown_model(d->model, src, err, errlen);
	strcpy(n->model_name, d->model);
	/* A PCIe card in a conventional slot works as a conventional one. */
	n->pcie = n->model->pcie && b->pcie;
	n->flr = n->model->flr;
	n->pm_reset = n->model->pm_reset;
	return 0;
}

static int resolve_pcie(struct topo_node *n, const struct topo_bus *b,
			const struct topo_func_desc *d, const char *src,
			char *err, size_t errlen)
{
	switch (n->kind) {
	case TOPO_ENDPOINT:
	case TOPO_HOST_BRIDGE:
		if (d->pcie == 1 && !b->pcie)
			return topo_err(err, errlen, -EINVAL,
					"%s.pcie: a PCIe function cannot sit on a conventional PCI bus",
					src);
		/* The model builds config space; it must have the capability. */
		if (d->pcie == 1 && n->model && !n->model->pcie)
			return topo_err(err, errlen, -EINVAL,
					"%s.pcie: model \"%s\" is conventional PCI (no PCI Express capability)",
					src, n->model_name);
		if (d->pcie >= 0)
			n->pcie = d->pcie;
		if (!n->pcie)
			n->pcie_type = TOPO_EXP_TYPE_NONE;
		else if (b->self < 0)
			n->pcie_type = TOPO_EXP_TYPE_RC_END;
		else
			n->pcie_type = TOPO_EXP_TYPE_ENDPOINT;
		return 0;
	case TOPO_PCI_BRIDGE:
		n->pcie = false;
		n->pcie_type = TOPO_EXP_TYPE_NONE;
		break;
	default:
		n->pcie = true;
		n->pcie_type = n->kind == TOPO_ROOT_PORT ? TOPO_EXP_TYPE_ROOT_PORT :
			n->kind == TOPO_UPSTREAM_PORT ? TOPO_EXP_TYPE_UPSTREAM :
			n->kind == TOPO_DOWNSTREAM_PORT ?
			TOPO_EXP_TYPE_DOWNSTREAM :
			n->kind == TOPO_PCIE_PCI_BRIDGE ?
			TOPO_EXP_TYPE_PCI_BRIDGE : TOPO_EXP_TYPE_PCIE_BRIDGE;
		break;
	}
	if (d->pcie >= 0 && d->pcie != n->pcie)
		return topo_err(err, errlen, -EINVAL,
				"%s.pcie: a %s is %s by definition", src,
				kind_names[n->kind],
				n->pcie ? "PCIe" : "conventional PCI");
	return 0;
}

static int resolve_acs(struct topo_node *n, const struct topo_func_desc *d,
		       const char *src, char *err, size_t errlen)
{
	char buf[64];

	if (d->acs_quirk < -1 || d->acs_quirk > 1)
		return topo_err(err, errlen, -EINVAL,
				"%s.acs_quirk: expected -1, 0 or 1", src);
	n->acs_quirk = d->acs_quirk;
	if (!d->has_acs) {
		if (d->acs_ctrl >= 0)
			return topo_err(err, errlen, -EINVAL,
					"%s.acs_ctrl: set without an \"acs\" capability",
					src);
		return 0;
	}
	if (!n->pcie)
		return topo_err(err, errlen, -EINVAL,
				"%s.acs: ACS is a PCIe extended capability; this %s is conventional PCI",
				src, kind_names[n->kind]);
	if (d->acs_cap & ~TOPO_ACS_ALL)
		return topo_err(err, errlen, -EINVAL,
				"%s.acs: unknown capability bits 0x%x", src,
				d->acs_cap & ~TOPO_ACS_ALL);
	n->has_acs = true;
	n->acs_cap = d->acs_cap;
	/* pci_std_enable_acs() turns on what the IOMMU needs, if present. */
	n->acs_ctrl = d->acs_cap & (TOPO_ACS_SV | TOPO_ACS_RR | TOPO_ACS_CR |
				    TOPO_ACS_UF);
	if (d->acs_ctrl < 0)
		return 0;
	if (d->acs_ctrl & ~d->acs_cap) {
		topo_acs_string(d->acs_ctrl & ~d->acs_cap, buf, sizeof(buf));
		return topo_err(err, errlen, -EINVAL,
				"%s.acs_ctrl: %s enabled but not in the \"acs\" capability",
				src, buf);
	}
	n->acs_ctrl = d->acs_ctrl;
	return 0;
}

static int resolve_resets(struct topo_node *n, const struct topo_func_desc *d,
			  const char *src, char *err, size_t errlen)
{
	if (d->flr == 1 && !n->pcie)
		return topo_err(err, errlen, -EINVAL,
				"%s.flr: FLR lives in the PCIe capability and this function is conventional PCI; use \"af_flr\"",
				src);
	if (d->flr >= 0)
		n->flr = d->flr;
	if (!n->pcie)
		n->flr = false;
	if (d->af_flr >= 0)
		n->af_flr = d->af_flr;
	if (d->pm_reset >= 0)
		n->pm_reset = d->pm_reset;
	n->no_bus_reset = d->no_bus_reset;
	if (d->hotplug && n->kind != TOPO_ROOT_PORT &&
	    n->kind != TOPO_DOWNSTREAM_PORT)
		return topo_err(err, errlen, -EINVAL,
				"%s.hotplug: only a root_port or downstream_port has a hotplug slot; this is a %s",
				src, kind_names[n->kind]);
	n->hotplug = d->hotplug;
	return 0;
}

static int resolve_driver(struct topo_node *n, const struct topo_func_desc *d,
			  const char *src, char *err, size_t errlen)
{
	bool port = n->kind == TOPO_ROOT_PORT ||
		    n->kind == TOPO_UPSTREAM_PORT ||
		    n->kind == TOPO_DOWNSTREAM_PORT;

	if (d->driver < -1 || d->driver >= TOPO_NR_DRIVERS)
		return topo_err(err, errlen, -EINVAL, "%s.driver: invalid",
				src);
	if (d->driver < 0) {
		n->driver = n->kind == TOPO_ENDPOINT ? TOPO_DRV_VFIO_PCI :
			    port ? TOPO_DRV_PCIEPORT : TOPO_DRV_NONE;
		return 0;
	}
	n->driver = d->driver;
	/* vfio-pci refuses anything but a type 0 header with a model. */
	if (n->driver == TOPO_DRV_VFIO_PCI && n->kind != TOPO_ENDPOINT)
		return topo_err(err, errlen, -EINVAL,
				"%s.driver: vfio-pci binds only endpoints; this is a %s",
				src, kind_names[n->kind]);
	if (n->driver == TOPO_DRV_PCIEPORT && !port)
		return topo_err(err, errlen, -EINVAL,
				"%s.driver: pcieport binds only PCIe ports; this is a %s",
				src, kind_names[n->kind]);
	if (n->driver == TOPO_DRV_HOST && kind_is_bridge(n->kind))
		return topo_err(err, errlen, -EINVAL,
				"%s.driver: \"host\" is for endpoints; a bridge takes \"pcieport\" or \"none\"",
				src);
	return 0;
}

static int fill_node(struct topo_machine *m, struct topo_node *n, int bus,
		     const struct topo_func_desc *d, const char *src,
		     char *err, size_t errlen)
{
	const struct topo_bus *b = &m->buses[bus];
	int ret;

	memset(n, 0, sizeof(*n));
	n->kind = d->kind;
	n->domain = b->domain;
	n->devfn = d->devfn;
	n->bus = bus;
	n->secondary = -1;	/* bridges: add_secondary_bus() sets it */
	n->group = -1;
	n->dev_set = -1;
	n->mf_decl = d->multifunction;
	n->multifunction = d->multifunction == 1;
	n->no_iommu = d->iommu == 0;
	if (d->dma_alias)
		memcpy(n->dma_alias, d->dma_alias, sizeof(n->dma_alias));
	if (d->multifunction < -1 || d->multifunction > 1)
		return topo_err(err, errlen, -EINVAL,
				"%s.multifunction: invalid", src);
	if (d->secondary_bus >= 0 && !kind_is_bridge(d->kind))
		return topo_err(err, errlen, -EINVAL,
				"%s.secondary_bus: only bridges have a secondary bus; this is a %s",
				src, kind_names[d->kind]);
	if (d->secondary_bus < -1 || d->secondary_bus > 0xff)
		return topo_err(err, errlen, -EINVAL,
				"%s.secondary_bus: expected 0-255, got %d",
				src, d->secondary_bus);
	ret = resolve_model(n, b, d, src, err, errlen);
	if (!ret)
		ret = resolve_pcie(n, b, d, src, err, errlen);
	if (!ret)
		ret = resolve_acs(n, d, src, err, errlen);
	if (!ret)
		ret = resolve_resets(n, d, src, err, errlen);
	if (!ret)
		ret = resolve_driver(n, d, src, err, errlen);
	return ret;
}

static int add_secondary_bus(struct topo_machine *m, int node, int number)
{
	struct topo_node *n = &m->nodes[node];
	const struct topo_bus *up = &m->buses[n->bus];
	unsigned int depth = up->depth + 1;
	bool pcie = n->kind != TOPO_PCI_BRIDGE &&
		    n->kind != TOPO_PCIE_PCI_BRIDGE;
	bool link = kind_is_downstream_facing(n->kind);
	char src[TOPO_ERR_MAX];
	int idx;

	snprintf(src, sizeof(src), "%s.devices", n->src);
	idx = bus_append(m, up->domain, number, src);
	if (idx < 0)
		return idx;
	m->buses[idx].self = node;
	m->buses[idx].parent = m->nodes[node].bus;
	m->buses[idx].depth = depth;
	m->buses[idx].pcie = pcie;
	m->buses[idx].link = link;
	m->nodes[node].secondary = idx;
	return 0;
}

int topo_add_function(struct topo_machine *m, int bus,
		      const struct topo_func_desc *desc, const char *src,
		      char *err, size_t errlen)
{
	struct topo_node *n;
	int ret;

	src = src ? src : "?";
	if (m->finalized)
		return topo_err(err, errlen, -EBUSY, "machine already finalized");
	if (bus < 0 || (size_t)bus >= m->nr_buses)
		return topo_err(err, errlen, -EINVAL, "%s: no such bus", src);
	if ((unsigned int)desc->kind >= TOPO_NR_KINDS)
		return topo_err(err, errlen, -EINVAL, "%s.kind: invalid", src);
	if (m->nr_nodes >= TOPO_MAX_FUNCTIONS)
		return topo_err(err, errlen, -E2BIG,
				"%s: too many functions (limit %d)", src,
				TOPO_MAX_FUNCTIONS);
	if (kind_is_bridge(desc->kind) &&
	    m->buses[bus].depth + 1 > TOPO_MAX_DEPTH)
		return topo_err(err, errlen, -E2BIG,
				"%s: bridges nested deeper than %d levels",
				src, TOPO_MAX_DEPTH);
	ret = check_placement(m, &m->buses[bus], desc->kind, desc->devfn,
			      src, err, errlen);
	if (!ret)
		ret = check_duplicate(m, bus, desc->devfn, src, err, errlen);
	if (ret)
		return ret;
	if (grow((void **)&m->nodes, &m->cap_nodes, m->nr_nodes + 1,
		 sizeof(*m->nodes)))
		return topo_err(err, errlen, -ENOMEM, "out of memory");
	n = &m->nodes[m->nr_nodes];
	ret = fill_node(m, n, bus, desc, src, err, errlen);
	if (ret)
		return ret;
	n->src = strdup(src);
	if (!n->src)
		return topo_err(err, errlen, -ENOMEM, "out of memory");
	n->props = desc->props ? json_object_get(desc->props) : NULL;
	m->nr_nodes++;
	if (kind_is_bridge(desc->kind)) {
		ret = add_secondary_bus(m, m->nr_nodes - 1,
					desc->secondary_bus);
		if (ret)
			goto err_unwind_node;
	}
	return m->nr_nodes - 1;

err_unwind_node:
	m->nr_nodes--;
	json_object_put(m->nodes[m->nr_nodes].props);
	free(m->nodes[m->nr_nodes].src);
	return topo_err(err, errlen, ret, "out of memory");
}

/* ------------------------------------------------------------------ */
/* Finalize                                                            */

static int collect_bus_devs(struct topo_machine *m)
{
	for (size_t i = 0; i < m->nr_nodes; i++)
		m->buses[m->nodes[i].bus].nr_devs++;
	for (size_t b = 0; b < m->nr_buses; b++) {
		size_t nr = m->buses[b].nr_devs;

		m->buses[b].devs = calloc(nr ? nr : 1, sizeof(int));
		if (!m->buses[b].devs)
			return -ENOMEM;
		m->buses[b].nr_devs = 0;
	}
	for (size_t i = 0; i < m->nr_nodes; i++) {
		struct topo_bus *b = &m->buses[m->nodes[i].bus];
		size_t j = b->nr_devs++;

		/* Insertion by devfn; a bus holds at most 256 functions. */
		while (j > 0 && m->nodes[b->devs[j - 1]].devfn >
				m->nodes[i].devfn) {
			b->devs[j] = b->devs[j - 1];
			j--;
		}
		b->devs[j] = i;
	}
	return 0;
}

/*
 * pci_scan_slot(): functions 1-7 are looked for only behind a function 0
 * whose header says multifunction, and any function found past 0 is
 * marked multifunction.
 */
static int check_slots(struct topo_machine *m, char *err, size_t errlen)
{
	for (size_t b = 0; b < m->nr_buses; b++) {
		const struct topo_bus *bus = &m->buses[b];

		for (size_t i = 0; i < bus->nr_devs; i++) {
			struct topo_node *n = &m->nodes[bus->devs[i]];
			struct topo_node *f0 = &m->nodes[bus->devs[i]];
			size_t k = i;

			if (!PCI_FUNC(n->devfn))
				continue;
			while (k > 0 && PCI_SLOT(f0->devfn) == PCI_SLOT(n->devfn) &&
			       PCI_FUNC(f0->devfn))
				f0 = &m->nodes[bus->devs[--k]];
			if (PCI_SLOT(f0->devfn) != PCI_SLOT(n->devfn) ||
			    PCI_FUNC(f0->devfn))
				return topo_err(err, errlen, -EINVAL,
						"%s.addr: function %x of slot %02x has no function 0 beside it (the kernel looks for functions 1-7 only behind function 0)",
						n->src, PCI_FUNC(n->devfn),
						PCI_SLOT(n->devfn));
			if (f0->mf_decl == 0)
				return topo_err(err, errlen, -EINVAL,
						"%s.multifunction: false, but slot %02x also has function %x (%s)",
						f0->src, PCI_SLOT(n->devfn),
						PCI_FUNC(n->devfn), n->src);
			if (n->mf_decl == 0)
				return topo_err(err, errlen, -EINVAL,
						"%s.multifunction: false, but functions past 0 are always part of a multifunction device",
						n->src);
			f0->multifunction = true;
			n->multifunction = true;
		}
	}
	return 0;
}

/* Firmware numbering: depth first, in devfn order, below bus b. */
static int number_children(struct topo_machine *m, int b, int *max,
			   char *err, size_t errlen)
{
	struct topo_bus *bus = &m->buses[b];
	int sub = bus->number;

	for (size_t i = 0; i < bus->nr_devs; i++) {
		const struct topo_node *n = &m->nodes[bus->devs[i]];
		struct topo_bus *child;
		int ret;

		if (n->secondary < 0)
			continue;
		child = &m->buses[n->secondary];
		child->number = child->explicit_number >= 0 ?
				child->explicit_number : *max + 1;
		if (child->number > 0xff)
			return topo_err(err, errlen, -ENOSPC,
					"%s: no bus number left for the bus below this %s (all 256 used in domain %04x)",
					n->src, kind_names[n->kind], bus->domain);
		if (child->number <= bus->number)
			return topo_err(err, errlen, -EINVAL,
					"%s.secondary_bus: bus %02x must be above the bus it bridges from (%02x)",
					n->src, child->number, bus->number);
		if (child->number > *max)
			*max = child->number;
		ret = number_children(m, n->secondary, max, err, errlen);
		if (ret)
			return ret;
		if (child->subordinate > sub)
			sub = child->subordinate;
	}
	bus->subordinate = sub;
	return 0;
}

static bool ranges_overlap(const struct topo_bus *a, const struct topo_bus *b)
{
	return a->domain == b->domain && a->number <= b->subordinate &&
	       b->number <= a->subordinate;
}

static const char *bus_owner(const struct topo_machine *m,
			     const struct topo_bus *b)
{
	return b->self >= 0 ? m->nodes[b->self].src : b->src;
}

/* Siblings' ranges (and root buses' ranges) must not overlap. */
static int check_bus_ranges(const struct topo_machine *m, char *err,
			    size_t errlen)
{
	for (size_t i = 0; i < m->nr_buses; i++) {
		const struct topo_bus *a = &m->buses[i];

		for (size_t j = i + 1; j < m->nr_buses; j++) {
			const struct topo_bus *b = &m->buses[j];

			if (a->parent != b->parent || !ranges_overlap(a, b))
				continue;
			return topo_err(err, errlen, -EINVAL,
					"bus number conflict: %s spans buses %02x-%02x, overlapping %02x-%02x of %s",
					bus_owner(m, b), b->number,
					b->subordinate, a->number,
					a->subordinate, bus_owner(m, a));
		}
	}
	return 0;
}

static int number_buses(struct topo_machine *m, char *err, size_t errlen)
{
	for (size_t r = 0; r < m->nr_buses; r++) {
		struct topo_bus *root = &m->buses[r];
		int max = -1, ret;

		if (root->self >= 0)
			continue;
		/* A root bus without a number follows the ones before it. */
		for (size_t o = 0; o < r; o++)
			if (m->buses[o].self < 0 &&
			    m->buses[o].domain == root->domain &&
			    m->buses[o].subordinate > max)
				max = m->buses[o].subordinate;
		root->number = root->explicit_number >= 0 ?
			       root->explicit_number : max + 1;
		if (root->number > 0xff)
			return topo_err(err, errlen, -ENOSPC,
					"%s: no bus number left for this root bus in domain %04x",
					root->src, root->domain);
		max = root->number > max ? root->number : max;
		ret = number_children(m, r, &max, err, errlen);
		if (ret)
			return ret;
	}
	return check_bus_ranges(m, err, errlen);
}

static void emit_bus(struct topo_machine *m, int b, size_t *pos)
{
	const struct topo_bus *bus = &m->buses[b];

	for (size_t i = 0; i < bus->nr_devs; i++) {
		struct topo_node *n = &m->nodes[bus->devs[i]];

		n->seq = *pos;
		m->order[(*pos)++] = bus->devs[i];
	}
	for (size_t i = 0; i < bus->nr_devs; i++) {
		const struct topo_node *n = &m->nodes[bus->devs[i]];

		if (n->secondary >= 0)
			emit_bus(m, n->secondary, pos);
	}
}

static int build_order(struct topo_machine *m)
{
	size_t pos = 0;

	m->order = calloc(m->nr_nodes ? m->nr_nodes : 1, sizeof(int));
	if (!m->order)
		return -ENOMEM;
	for (size_t r = 0; r < m->nr_buses; r++)
		if (m->buses[r].self < 0)
			emit_bus(m, r, &pos);
	for (size_t i = 0; i < m->nr_nodes; i++) {
		struct topo_node *n = &m->nodes[i];

		n->bus_nr = m->buses[n->bus].number;
		snprintf(n->bdf, sizeof(n->bdf), "%04x:%02x:%02x.%x",
			 n->domain, n->bus_nr, PCI_SLOT(n->devfn),
			 PCI_FUNC(n->devfn));
	}
	return 0;
}

/*
 * Functions no IOMMU covers have no iommu_group: take them out of the
 * derived groups and renumber the rest densely (ids keep their order of
 * first appearance). With enable_unsafe_noiommu_mode, vfio-pci's probe
 * makes a group per such endpoint (vfio_noiommu_group_alloc), after the
 * boot-time groups, so they come last, in enumeration order.
 */
static int noiommu_groups(struct topo_machine *m)
{
	unsigned int nr = 0;
	int *map;

	if (!m->no_iommu) {
		size_t i;

		for (i = 0; i < m->nr_nodes && !m->nodes[i].no_iommu; i++)
			;
		if (i == m->nr_nodes)
			return 0;
	}
	map = malloc((m->nr_groups ? m->nr_groups : 1) * sizeof(*map));
	if (!map)
		return -ENOMEM;
	for (unsigned int g = 0; g < m->nr_groups; g++)
		map[g] = -1;
	for (size_t seq = 0; seq < m->nr_nodes; seq++) {
		struct topo_node *n = &m->nodes[m->order[seq]];

		n->no_iommu |= m->no_iommu;
		if (!n->no_iommu && map[n->group] < 0)
			map[n->group] = nr++;
	}
	for (size_t seq = 0; seq < m->nr_nodes; seq++) {
		struct topo_node *n = &m->nodes[m->order[seq]];

		if (!n->no_iommu)
			n->group = map[n->group];
		else if (m->noiommu_mode && n->kind == TOPO_ENDPOINT)
			n->group = nr++;
		else
			n->group = -1;
	}
	free(map);
	m->nr_groups = nr;
	return 0;
}

bool topo_group_is_noiommu(const struct topo_machine *m, int group)
{
	for (size_t i = 0; group >= 0 && i < topo_node_count(m); i++)
		if (m->nodes[i].group == group)
			return m->nodes[i].no_iommu;
	return false;
}

int topo_machine_finalize(struct topo_machine *m, char *err, size_t errlen)
{
	int ret;

	if (m->finalized)
		return topo_err(err, errlen, -EBUSY, "machine already finalized");
	if (!m->nr_root_buses)
		return topo_err(err, errlen, -EINVAL, "the machine has no root bus");
	ret = collect_bus_devs(m);
	if (ret)
		return topo_err(err, errlen, ret, "out of memory");
	ret = check_slots(m, err, errlen);
	if (ret)
		return ret;
	ret = number_buses(m, err, errlen);
	if (ret)
		return ret;
	ret = build_order(m);
	if (ret)
		return topo_err(err, errlen, ret, "out of memory");
	m->finalized = true;
	ret = topo_derive_groups(m);
	if (!ret)
		ret = noiommu_groups(m);
	if (!ret)
		ret = topo_derive_dev_sets(m);
	if (ret)
		return topo_err(err, errlen, ret, "deriving groups: %s",
				strerror(-ret));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Queries                                                             */

size_t topo_node_count(const struct topo_machine *m)
{
	return m->finalized ? m->nr_nodes : 0;
}

const struct topo_node *topo_node_at(const struct topo_machine *m, size_t seq)
{
	if (!m->finalized || seq >= m->nr_nodes)
		return NULL;
	return &m->nodes[m->order[seq]];
}

const struct topo_node *topo_next_endpoint(const struct topo_machine *m,
					   const struct topo_node *prev)
{
	size_t seq = prev ? prev->seq + 1 : 0;

	for (; seq < topo_node_count(m); seq++) {
		const struct topo_node *n = topo_node_at(m, seq);

		if (n->kind == TOPO_ENDPOINT)
			return n;
	}
	return NULL;
}

static int parse_hex(const char **s, unsigned int digits, unsigned int max,
		     unsigned int *ret)
{
	unsigned int v = 0;

	for (unsigned int i = 0; i < digits; i++) {
		char c = (*s)[i];
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -EINVAL;
		v = v * 16 + d;
	}
	if (v > max)
		return -EINVAL;
	*s += digits;
	*ret = v;
	return 0;
}

int topo_parse_bdf(const char *s, uint16_t *domain, uint8_t *bus,
		   uint8_t *devfn)
{
	unsigned int dom = 0, b, slot, fn;

	if (!s)
		return -EINVAL;
	if (strlen(s) == 12) {
		if (parse_hex(&s, 4, 0xffff, &dom) || *s++ != ':')
			return -EINVAL;
	} else if (strlen(s) != 7) {
		return -EINVAL;
	}
	if (parse_hex(&s, 2, 0xff, &b) || *s++ != ':' ||
	    parse_hex(&s, 2, 0x1f, &slot) || *s++ != '.' ||
	    parse_hex(&s, 1, 7, &fn) || *s)
		return -EINVAL;
	*domain = dom;
	*bus = b;
	*devfn = slot << 3 | fn;
	return 0;
}

const struct topo_node *topo_find_addr(const struct topo_machine *m,
				       uint16_t domain, uint8_t bus,
				       uint8_t devfn)
{
	for (size_t i = 0; i < topo_node_count(m); i++) {
		const struct topo_node *n = &m->nodes[i];

		if (n->domain == domain && n->bus_nr == bus &&
		    n->devfn == devfn)
			return n;
	}
	return NULL;
}

const struct topo_node *topo_find(const struct topo_machine *m,
				  const char *bdf)
{
	uint16_t domain;
	uint8_t bus, devfn;

	if (topo_parse_bdf(bdf, &domain, &bus, &devfn))
		return NULL;
	return topo_find_addr(m, domain, bus, devfn);
}

const struct topo_bus *topo_bus_of(const struct topo_machine *m,
				   const struct topo_node *n)
{
	return &m->buses[n->bus];
}

const struct topo_bus *topo_secondary_bus(const struct topo_machine *m,
					  const struct topo_node *n)
{
	return n->secondary >= 0 ? &m->buses[n->secondary] : NULL;
}

bool topo_on_root_bus(const struct topo_machine *m, const struct topo_node *n)
{
	return m->buses[n->bus].self < 0;
}

const struct topo_node *topo_parent(const struct topo_machine *m,
				    const struct topo_node *n)
{
	return bus_self(m, &m->buses[n->bus]);
}

size_t topo_parent_chain(const struct topo_machine *m,
			 const struct topo_node *n,
			 const struct topo_node **out, size_t max)
{
	size_t count = 0;

	for (n = topo_parent(m, n); n; n = topo_parent(m, n)) {
		if (count < max)
			out[count] = n;
		count++;
	}
	return count;
}

int topo_set_driver(struct topo_machine *m, const struct topo_node *n,
		    enum topo_driver drv)
{
	struct topo_func_desc d;
	struct topo_node tmp;
	int ret;

	if (!m->finalized || n < m->nodes || n >= m->nodes + m->nr_nodes)
		return -EINVAL;
	/* Judge the new binding on a copy so a refusal changes nothing. */
	tmp = *n;
	topo_func_desc_init(&d);
	d.driver = drv;
	ret = resolve_driver(&tmp, &d, n->src, NULL, 0);
	if (ret)
		return ret;
	m->nodes[n - m->nodes].driver = tmp.driver;
	return 0;
}

/* ------------------------------------------------------------------ */
/* lspci -t style tree                                                 */

/*
 * One output line is built in a buffer; after it is printed, every
 * character but a branch ('+' or '|') turns into a space so that the
 * next line, written from a deeper column, keeps the branches above it.
 */
struct tree {
	const struct topo_machine *m;
	FILE *f;
	unsigned int flags;
	char line[TREE_LINE_MAX];
	int ret;
};

static size_t tree_put(struct tree *t, size_t p, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static size_t tree_put(struct tree *t, size_t p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p >= sizeof(t->line) - 1)
		goto too_long;
	va_start(ap, fmt);
	n = vsnprintf(t->line + p, sizeof(t->line) - p, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(t->line) - p)
		goto too_long;
	return p + n;
too_long:
	t->ret = -E2BIG;
	return sizeof(t->line) - 1;
}

static void tree_print_line(struct tree *t, size_t p)
{
	t->line[p] = 0;
	fprintf(t->f, "%s\n", t->line);
	for (size_t i = 0; i < p; i++)
		t->line[i] = (t->line[i] == '+' || t->line[i] == '|') ?
			     '|' : ' ';
}

static void tree_bus(struct tree *t, int b, size_t p);

static size_t tree_annotate(struct tree *t, const struct topo_node *n,
			    size_t p)
{
	if (t->flags & TOPO_TREE_VERBOSE)
		p = tree_put(t, p, "  %s", n->kind == TOPO_ENDPOINT ?
			     n->model_name : kind_names[n->kind]);
	if (!(t->flags & TOPO_TREE_IDS))
		return p;
	p = tree_put(t, p, "  [group %d", n->group);
	if (n->dev_set >= 0)
		p = tree_put(t, p, ", dev_set %d", n->dev_set);
	return tree_put(t, p, ", %s]", driver_names[n->driver]);
}

static void tree_dev(struct tree *t, const struct topo_node *n, size_t p)
{
	const struct topo_bus *sec;

	p = tree_put(t, p, "%02x.%x", PCI_SLOT(n->devfn), PCI_FUNC(n->devfn));
	if (n->secondary < 0) {
		tree_print_line(t, tree_annotate(t, n, p));
		return;
	}
	sec = &t->m->buses[n->secondary];
	if (sec->number == sec->subordinate)
		p = tree_put(t, p, "-[%02x]-", sec->number);
	else
		p = tree_put(t, p, "-[%02x-%02x]-", sec->number,
			     sec->subordinate);
	/* The bridge's own stem before its bus, as lspci draws it. */
	tree_bus(t, n->secondary, tree_put(t, p, "-"));
}

static void tree_bus(struct tree *t, int b, size_t p)
{
	const struct topo_bus *bus = &t->m->buses[b];

	if (!bus->nr_devs) {
		tree_print_line(t, p);
		return;
	}
	if (bus->nr_devs == 1) {
		p = tree_put(t, p, "--");
		tree_dev(t, &t->m->nodes[bus->devs[0]], p);
		return;
	}
	for (size_t i = 0; i < bus->nr_devs; i++) {
		size_t q = tree_put(t, p, "%s",
				    i + 1 < bus->nr_devs ? "+-" : "\\-");

		tree_dev(t, &t->m->nodes[bus->devs[i]], q);
	}
}

int topo_print_tree(const struct topo_machine *m, FILE *f, unsigned int flags)
{
	struct tree *t;
	unsigned int seen = 0;
	bool many = m->nr_root_buses > 1;
	size_t p0;
	int ret;

	if (!m->finalized)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->m = m;
	t->f = f;
	t->flags = flags;
	/* Several root buses hang off one "host" stem, as lspci draws it. */
	p0 = tree_put(t, 0, "-");
	for (size_t r = 0; r < m->nr_buses; r++) {
		const struct topo_bus *root = &m->buses[r];
		const char *branch = "";
		size_t p;

		if (root->self >= 0)
			continue;
		if (many)
			branch = ++seen < m->nr_root_buses ? "+-" : "\\-";
		p = tree_put(t, p0, "%s[%04x:%02x]-", branch, root->domain,
			     root->number);
		tree_bus(t, r, p);
	}
	ret = t->ret;
	free(t);
	if (!ret && ferror(f))
		ret = -EIO;
	return ret;
}
