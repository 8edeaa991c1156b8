/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The emulated machine: PCI domains, buses, bridges and functions, and
 * what the Linux kernel would derive from them (IOMMU groups, vfio-pci
 * reset domains, reset methods).
 *
 * A machine is built once (from JSON by machine.c, or through the builder
 * below), finalized, and then only read; the one mutable fact afterwards
 * is a function's driver binding. Every derived number is computed by the
 * kernel's rules at finalize time, never declared.
 *
 * Vocabulary:
 *   node     one PCI function (endpoint, bridge or host bridge function);
 *   bus      a PCI bus: a root bus, or the secondary bus of a bridge;
 *   seq      a node's position in enumeration order: the order in which
 *            Linux registers PCI devices on boot (each bus's functions by
 *            devfn, then each bridge's secondary bus, depth first);
 *   group    IOMMU group id, 0.., numbered in enumeration order as the
 *            kernel's IDA hands them out on a typical boot;
 *   dev_set  vfio-pci reset domain id, 0.., per endpoint.
 *
 * Error convention: negative errno; builder and loader functions also
 * write a one-line reason ("<where>: <what>") into a caller-provided
 * buffer. Lookups return NULL when nothing matches.
 */
#ifndef UVFIO_PCI_TOPOLOGY_H
#define UVFIO_PCI_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json_object;
struct pci_model;

/* Limits on everything a machine description controls. */
#define TOPO_MAX_FUNCTIONS	1024
#define TOPO_MAX_ROOT_BUSES	16
#define TOPO_MAX_DEPTH		16	/* bridges between a function and its root bus */
#define TOPO_MODEL_NAME_MAX	32
#define TOPO_NAME_MAX		64
#define TOPO_MAX_FILE_SIZE	(1 << 20)
#define TOPO_ERR_MAX		512	/* a comfortable error buffer size */

/* ACS capability / control bits (PCIe r6.0 7.7.8), as in pci_regs.h. */
#define TOPO_ACS_SV	0x0001	/* Source Validation */
#define TOPO_ACS_TB	0x0002	/* Translation Blocking */
#define TOPO_ACS_RR	0x0004	/* P2P Request Redirect */
#define TOPO_ACS_CR	0x0008	/* P2P Completion Redirect */
#define TOPO_ACS_UF	0x0010	/* Upstream Forwarding */
#define TOPO_ACS_EC	0x0020	/* P2P Egress Control */
#define TOPO_ACS_DT	0x0040	/* Direct Translated P2P */
#define TOPO_ACS_ALL	0x007f

/* PCI Express Capability device/port types (pci_regs.h PCI_EXP_TYPE_*). */
#define TOPO_EXP_TYPE_NONE		(-1)	/* conventional PCI function */
#define TOPO_EXP_TYPE_ENDPOINT		0x0
#define TOPO_EXP_TYPE_ROOT_PORT		0x4
#define TOPO_EXP_TYPE_UPSTREAM		0x5
#define TOPO_EXP_TYPE_DOWNSTREAM	0x6
#define TOPO_EXP_TYPE_PCI_BRIDGE	0x7	/* PCIe-to-PCI/PCI-X bridge */
#define TOPO_EXP_TYPE_PCIE_BRIDGE	0x8	/* PCI/PCI-X-to-PCIe bridge */
#define TOPO_EXP_TYPE_RC_END		0x9	/* Root Complex integrated endpoint */

enum topo_kind {
	TOPO_ENDPOINT = 0,	/* a device model's function */
	TOPO_HOST_BRIDGE,	/* host bridge function on a root bus (00:00.0) */
	TOPO_ROOT_PORT,		/* PCIe root port */
	TOPO_UPSTREAM_PORT,	/* PCIe switch upstream port */
	TOPO_DOWNSTREAM_PORT,	/* PCIe switch downstream port */
	TOPO_PCI_BRIDGE,	/* conventional PCI-to-PCI bridge */
	TOPO_PCIE_PCI_BRIDGE,	/* PCIe-to-PCI bridge */
	TOPO_PCI_PCIE_BRIDGE,	/* PCI-to-PCIe (reverse) bridge */
	TOPO_NR_KINDS
};

enum topo_driver {
	TOPO_DRV_NONE = 0,	/* no driver bound */
	TOPO_DRV_VFIO_PCI,	/* bound to (our) vfio-pci */
	TOPO_DRV_HOST,		/* a "host kernel" driver owns it */
	TOPO_DRV_PCIEPORT,	/* the port service driver (PCIe ports only) */
	TOPO_NR_DRIVERS
};

/* Function reset methods, in the kernel's default reset_method order. */
#define TOPO_RESET_FLR		(1u << 0)	/* "flr": PCIe FLR */
#define TOPO_RESET_AF_FLR	(1u << 1)	/* "af_flr": Advanced Features FLR */
#define TOPO_RESET_PM		(1u << 2)	/* "pm": D3hot -> D0 */
#define TOPO_RESET_BUS		(1u << 3)	/* "bus": slot or secondary bus reset */

/* Tree printing options. */
#define TOPO_TREE_VERBOSE	(1u << 0)	/* kind and model names */
#define TOPO_TREE_IDS		(1u << 1)	/* group / dev_set / driver */

struct topo_bus {
	uint16_t domain;
	int number;		/* bus number; -1 until finalize */
	int explicit_number;	/* from the description, -1 = assign */
	int subordinate;	/* highest bus number below this one */
	int self;		/* bridge node index; -1 for a root bus */
	int parent;		/* parent bus index; -1 for a root bus */
	unsigned int depth;	/* bridges between this bus and its root bus */
	bool pcie;		/* root complex or PCIe link (not conventional) */
	bool link;		/* below a downstream-facing port: device 0 only */
	int *devs;		/* node indices by devfn; set by finalize */
	size_t nr_devs;
	char *src;		/* where it was declared, for messages */
};

struct topo_node {
	enum topo_kind kind;
	uint16_t domain;
	uint8_t bus_nr;		/* number of the bus it sits on */
	uint8_t devfn;
	char bdf[16];		/* "0000:00:02.0" */

	int bus;		/* index of the bus it sits on */
	int secondary;		/* bridges: index of the bus below; else -1 */
	unsigned int seq;	/* position in enumeration order */

	bool pcie;		/* has a PCI Express capability */
	int pcie_type;		/* TOPO_EXP_TYPE_*; _NONE if !pcie */
	bool multifunction;
	bool has_acs;		/* ACS extended capability present */
	uint16_t acs_cap;	/* TOPO_ACS_* capability bits */
	uint16_t acs_ctrl;	/* TOPO_ACS_* control bits as the kernel left them */
	int acs_quirk;		/* -1 none; 0/1: a device-specific quirk says */
	bool flr;		/* PCIe FLR advertised */
	bool af_flr;		/* conventional AF capability with FLR */
	bool pm_reset;		/* PM capability without No_Soft_Reset */
	bool no_bus_reset;	/* PCI_DEV_FLAGS_NO_BUS_RESET */
	bool hotplug;		/* ports: pciehp slot that can be reset */
	uint8_t dma_alias[32];	/* bitmap: extra requester devfns, same bus */
	bool no_iommu;		/* no IOMMU translates its DMA */

	char model_name[TOPO_MODEL_NAME_MAX];	/* endpoints; "" otherwise */
	const struct pci_model *model;	/* endpoints; NULL otherwise */
	struct json_object *props;	/* model properties (own ref) or NULL */
	enum topo_driver driver;

	int group;		/* IOMMU group id; -1: none (no IOMMU) */
	int dev_set;		/* endpoints: reset domain id; else -1 */
	char *src;		/* where it was declared, for messages */
	int mf_decl;		/* builder: "multifunction" as declared, -1 unsaid */
};

struct topo_machine {
	char name[TOPO_NAME_MAX];
	struct topo_node *nodes;	/* declaration order */
	size_t nr_nodes, cap_nodes;
	struct topo_bus *buses;		/* declaration order */
	size_t nr_buses, cap_buses;
	int *order;			/* node indices in enumeration order */
	unsigned int nr_root_buses;
	unsigned int nr_groups;
	unsigned int nr_dev_sets;
	bool no_iommu;			/* "iommu": false: the platform has none */
	bool noiommu_mode;		/* vfio's enable_unsafe_noiommu_mode */
	bool finalized;
};

/*
 * Builder. A description of one function; topo_func_desc_init() fills
 * the "not stated" defaults (-1) that finalize resolves from the model
 * and the place in the tree.
 */
struct topo_func_desc {
	enum topo_kind kind;
	uint8_t devfn;
	const char *model;		/* endpoints: device model name */
	struct json_object *props;	/* borrowed; the machine takes a ref */
	int pcie;			/* -1: model fact (endpoints) */
	int multifunction;		/* -1: derived from the slot */
	bool has_acs;
	uint16_t acs_cap;
	int acs_ctrl;			/* -1: what the kernel enables */
	int acs_quirk;			/* -1: none */
	int flr, af_flr, pm_reset;	/* -1: model fact */
	bool no_bus_reset;
	bool hotplug;
	int driver;			/* -1: default for the kind */
	const uint8_t *dma_alias;	/* 32-byte devfn bitmap or NULL */
	int secondary_bus;		/* bridges: -1 = firmware numbering */
	int iommu;			/* -1: as the machine; 0: not behind one */
};

void topo_func_desc_init(struct topo_func_desc *desc);
struct topo_machine *topo_machine_new(const char *name);
void topo_machine_free(struct topo_machine *m);
/* Returns the new bus index, or -errno. number -1: firmware numbering. */
int topo_add_root_bus(struct topo_machine *m, uint16_t domain, int number,
		      bool pcie, const char *src, char *err, size_t errlen);
/* Returns the new node index, or -errno. Bridges get a secondary bus. */
int topo_add_function(struct topo_machine *m, int bus,
		      const struct topo_func_desc *desc, const char *src,
		      char *err, size_t errlen);
/*
 * Numbers buses, checks the whole tree, derives groups and dev_sets.
 * A machine whose finalize failed can only be freed.
 */
int topo_machine_finalize(struct topo_machine *m, char *err, size_t errlen);

/* Loading (machine.c). Each returns 0 and a finalized machine, or -errno. */
int topo_machine_load_file(const char *path, struct topo_machine **ret_m,
			   char *err, size_t errlen);
int topo_machine_load_string(const char *json, struct topo_machine **ret_m,
			     char *err, size_t errlen);
int topo_machine_load_json(struct json_object *root,
			   struct topo_machine **ret_m, char *err,
			   size_t errlen);
/* The built-in machine: edu at 0000:00:02.0 and 0000:00:03.0. */
int topo_machine_default(struct topo_machine **ret_m, char *err,
			 size_t errlen);
const char *topo_machine_default_json(void);

/* Derivations (iommu_group.c, dev_set.c); finalize calls them. */
int topo_derive_groups(struct topo_machine *m);
int topo_derive_dev_sets(struct topo_machine *m);

/* Queries; valid only on a finalized machine. */
size_t topo_node_count(const struct topo_machine *m);
const struct topo_node *topo_node_at(const struct topo_machine *m, size_t seq);
const struct topo_node *topo_next_endpoint(const struct topo_machine *m,
					   const struct topo_node *prev);
#define topo_for_each_endpoint(m, n) \
	for ((n) = topo_next_endpoint((m), NULL); (n); \
	     (n) = topo_next_endpoint((m), (n)))
/* "0000:00:02.0" or "00:02.0" (domain 0). */
const struct topo_node *topo_find(const struct topo_machine *m,
				  const char *bdf);
const struct topo_node *topo_find_addr(const struct topo_machine *m,
				       uint16_t domain, uint8_t bus,
				       uint8_t devfn);
int topo_parse_bdf(const char *s, uint16_t *domain, uint8_t *bus,
		   uint8_t *devfn);
const struct topo_bus *topo_bus_of(const struct topo_machine *m,
				   const struct topo_node *n);
const struct topo_bus *topo_secondary_bus(const struct topo_machine *m,
					  const struct topo_node *n);
bool topo_node_is_bridge(const struct topo_node *n);
bool topo_on_root_bus(const struct topo_machine *m,
		      const struct topo_node *n);
/* The bridge above n, NULL on a root bus. */
const struct topo_node *topo_parent(const struct topo_machine *m,
				    const struct topo_node *n);
/*
 * Member lists: fill out[] (up to max entries, enumeration order) and
 * return the total count, which may exceed max.
 */
size_t topo_parent_chain(const struct topo_machine *m,
			 const struct topo_node *n,
			 const struct topo_node **out, size_t max);
unsigned int topo_group_count(const struct topo_machine *m);
/*
 * A group vfio made for a function no IOMMU covers (noiommu mode): such
 * functions get no group at all unless m->noiommu_mode, then one each,
 * numbered after every real group.
 */
bool topo_group_is_noiommu(const struct topo_machine *m, int group);
size_t topo_group_members(const struct topo_machine *m, int group,
			  const struct topo_node **out, size_t max);
unsigned int topo_dev_set_count(const struct topo_machine *m);
/* All endpoints keyed to the set; vfio only counts those bound to it. */
size_t topo_dev_set_members(const struct topo_machine *m, int dev_set,
			    const struct topo_node **out, size_t max);

/* Resets (dev_set.c). */
unsigned int topo_reset_methods(const struct topo_machine *m,
				const struct topo_node *n);
/* sysfs reset_method text, e.g. "flr pm bus"; returns length or -errno. */
int topo_reset_method_string(const struct topo_machine *m,
			     const struct topo_node *n, char *buf, size_t len);
/*
 * Functions a hot reset issued for n touches (VFIO_DEVICE_PCI_HOT_RESET):
 * its slot if the slot can be reset, else its bus, with everything below.
 * Returns the total count, or -ENOTTY when neither can be reset (root bus).
 */
int topo_hot_reset_scope(const struct topo_machine *m,
			 const struct topo_node *n,
			 const struct topo_node **out, size_t max,
			 bool *ret_is_slot);

/* Driver binding: the one fact that changes after finalize. */
int topo_set_driver(struct topo_machine *m, const struct topo_node *n,
		    enum topo_driver drv);

/* Names. */
const char *topo_kind_name(enum topo_kind kind);
int topo_kind_from_name(const char *name);
const char *topo_driver_name(enum topo_driver drv);
int topo_driver_from_name(const char *name);
int topo_acs_flag_from_name(const char *name);
/* "SV,RR,CR,UF" (or "-" for none); returns length or -errno. */
int topo_acs_string(uint16_t flags, char *buf, size_t len);

/* lspci -t style tree; returns 0 or -errno (-EIO on write error). */
int topo_print_tree(const struct topo_machine *m, FILE *f,
		    unsigned int flags);

#endif /* UVFIO_PCI_TOPOLOGY_H */
