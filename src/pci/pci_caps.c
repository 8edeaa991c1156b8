// SPDX-License-Identifier: GPL-2.0-only
/*
 * Capability lists and the builders that device models call from
 * realize(): power management, PCI Express, AER and generic ones (MSI and
 * MSI-X live in pci_msi.c with the code that acts on them).
 *
 * Standard capabilities are carved upwards from 0x40 and extended ones
 * upwards from 0x100, dword aligned, each appended to the tail of its
 * list so that software walks them in the order realize() added them.
 * Nothing is ever removed: the layout is fixed once realize() returns.
 * The offsets of the capabilities the core acts on are cached in pci_dev
 * (pm_cap, pcie_cap, aer_cap, ...); each of those exists at most once.
 *
 * List walks are bounded, as the kernel's are: config space is the
 * device's own, but a model or a test may build a broken chain and a walk
 * must still end.
 *
 * What a function reset keeps (PCIe Base, FLR and conventional reset):
 * sticky and link state. Here that is Link Control/Status and Link
 * Control 2/Status 2, Device Control's Max_Payload_Size, and the whole
 * AER capability, whose status, mask and severity registers are sticky.
 */
#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "pci/pci_dev.h"
#include "pci/pci_internal.h"
#include "pci/pci_regs.h"

#define PCI_FIND_CAP_TTL	48
#define PCI_FIND_EXT_CAP_TTL	((PCI_CFG_SPACE_EXP_SIZE - PCI_CFG_SPACE_SIZE) / 8)

/* ---- list walking ---------------------------------------------------- */

static unsigned int cap_walk(struct pci_dev *pdev, int id)
{
	unsigned int pos, last = 0, ttl = PCI_FIND_CAP_TTL;

	if (!(cfg_get16(pdev->config, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	pos = pdev->config[PCI_CAPABILITY_LIST] & ~3u;
	while (pos >= PCI_STD_HEADER_SIZEOF && ttl--) {
		if (id >= 0 && pdev->config[pos + PCI_CAP_LIST_ID] == id)
			return pos;
		last = pos;
		pos = pdev->config[pos + PCI_CAP_LIST_NEXT] & ~3u;
	}
	/* id < 0 asks for the tail of the list */
	return id < 0 ? last : 0;
}

static unsigned int ext_cap_walk(struct pci_dev *pdev, int id)
{
	unsigned int pos = PCI_EXT_CAP_START, last = 0;
	unsigned int ttl = PCI_FIND_EXT_CAP_TTL;
	uint32_t hdr;

	if (pdev->config_size < PCI_CFG_SPACE_EXP_SIZE)
		return 0;
	while (pos >= PCI_EXT_CAP_START && ttl--) {
		hdr = cfg_get32(pdev->config, pos);
		if (!hdr)
			break;
		if (id >= 0 && PCI_EXT_CAP_ID(hdr) == (unsigned int)id)
			return pos;
		last = pos;
		pos = PCI_EXT_CAP_NEXT(hdr);
	}
	return id < 0 ? last : 0;
}

uint8_t pci_find_cap(struct pci_dev *pdev, uint8_t id)
{
	return pdev ? (uint8_t)cap_walk(pdev, id) : 0;
}

uint16_t pci_find_ext_cap(struct pci_dev *pdev, uint16_t id)
{
	return pdev ? (uint16_t)ext_cap_walk(pdev, id) : 0;
}

/* ---- generic builders ------------------------------------------------ */

int pci_add_cap(struct pci_dev *pdev, uint8_t id, unsigned int size)
{
	unsigned int off, tail;
	uint16_t sta;

	if (size < 2 || size > PCI_CFG_SPACE_SIZE - PCI_STD_HEADER_SIZEOF)
		return -EINVAL;
	off = ALIGN_UP((unsigned int)pdev->next_cap, 4u);
	if (off + size > PCI_CFG_SPACE_SIZE)
		return -ENOSPC;

	tail = cap_walk(pdev, -1);
	pdev->config[off + PCI_CAP_LIST_ID] = id;
	pdev->config[off + PCI_CAP_LIST_NEXT] = 0;
	if (tail) {
		pdev->config[tail + PCI_CAP_LIST_NEXT] = (uint8_t)off;
	} else {
		pdev->config[PCI_CAPABILITY_LIST] = (uint8_t)off;
		sta = cfg_get16(pdev->config, PCI_STATUS);
		cfg_set16(pdev->config, PCI_STATUS, sta | PCI_STATUS_CAP_LIST);
	}
	pdev->next_cap = (uint16_t)(off + size);
	return (int)off;
}

int pci_add_ext_cap(struct pci_dev *pdev, uint16_t id, uint8_t version,
		    unsigned int size)
{
	unsigned int off, tail;
	uint32_t hdr;

	if (pdev->config_size < PCI_CFG_SPACE_EXP_SIZE || version > 0xf ||
	    size < 4 || size > PCI_CFG_SPACE_EXP_SIZE - PCI_EXT_CAP_START)
		return -EINVAL;
	off = ALIGN_UP((unsigned int)pdev->next_ecap, 4u);
	if (off + size > PCI_CFG_SPACE_EXP_SIZE)
		return -ENOSPC;

	/* The list starts at 0x100 itself, so the first cap has no link. */
	tail = ext_cap_walk(pdev, -1);
	cfg_set32(pdev->config, off, PCI_EXT_CAP_HDR(id, version, 0));
	if (tail) {
		hdr = cfg_get32(pdev->config, tail);
		hdr = (hdr & 0x000fffff) | (uint32_t)off << 20;
		cfg_set32(pdev->config, tail, hdr);
	}
	pdev->next_ecap = (uint16_t)(off + size);
	return (int)off;
}

/* ---- power management ------------------------------------------------ */

int pci_add_cap_pm(struct pci_dev *pdev, bool no_soft_reset)
{
	int off;

	if (pdev->pm_cap)
		return -EEXIST;
	off = pci_add_cap(pdev, PCI_CAP_ID_PM, PCI_PM_SIZEOF);
	if (off < 0)
		return off;
	/* D0 and D3hot only; no PME. */
	cfg_set16(pdev->config, off + PCI_PM_PMC, PCI_PM_CAP_VER_1_2);
	cfg_set16(pdev->config, off + PCI_PM_CTRL,
		  no_soft_reset ? PCI_PM_CTRL_NO_SOFT_RESET : 0);
	cfg_set16(pdev->wmask, off + PCI_PM_CTRL, PCI_PM_CTRL_STATE_MASK);
	pdev->pm_cap = (uint8_t)off;
	return 0;
}

uint16_t pci_pm_state(struct pci_dev *pdev)
{
	if (!pdev->pm_cap)
		return PCI_D0;
	return cfg_get16(pdev->config, pdev->pm_cap + PCI_PM_CTRL) &
	       PCI_PM_CTRL_STATE_MASK;
}

/*
 * Returns true when the write took the function from D3hot to D0 without
 * NoSoftRst: the function then resets itself (PCI PM 1.2, 5.4.1).
 */
bool pci_pm_config_written(struct pci_dev *pdev, unsigned int off,
			   unsigned int size, uint16_t old_state)
{
	unsigned int reg = pdev->pm_cap + PCI_PM_CTRL;
	uint16_t ctrl, state;

	if (!pdev->pm_cap || !cfg_overlaps(off, size, reg, 2))
		return false;
	ctrl = cfg_get16(pdev->config, reg);
	state = ctrl & PCI_PM_CTRL_STATE_MASK;
	if (state == PCI_D1 || state == PCI_D2) {
		/* Unsupported states: the write completes, the state stays. */
		ctrl = (uint16_t)((ctrl & ~PCI_PM_CTRL_STATE_MASK) | old_state);
		cfg_set16(pdev->config, reg, ctrl);
		return false;
	}
	return old_state == PCI_D3HOT && state == PCI_D0 &&
	       !(ctrl & PCI_PM_CTRL_NO_SOFT_RESET);
}

/* ---- PCI Express ----------------------------------------------------- */

static bool pcie_type_valid(uint8_t type)
{
	switch (type) {
	case PCI_EXP_TYPE_ENDPOINT:
	case PCI_EXP_TYPE_LEG_END:
	case PCI_EXP_TYPE_ROOT_PORT:
	case PCI_EXP_TYPE_UPSTREAM:
	case PCI_EXP_TYPE_DOWNSTREAM:
	case PCI_EXP_TYPE_PCI_BRIDGE:
	case PCI_EXP_TYPE_PCIE_BRIDGE:
	case PCI_EXP_TYPE_RC_END:
	case PCI_EXP_TYPE_RC_EC:
		return true;
	default:
		return false;
	}
}

/* Root complex integrated functions have no link of their own. */
static bool pcie_has_link(uint8_t type)
{
	return type != PCI_EXP_TYPE_RC_END && type != PCI_EXP_TYPE_RC_EC;
}

static void pcie_init_link(struct pci_dev *pdev, unsigned int off)
{
	/* A x1 2.5 GT/s link, trained. */
	cfg_set32(pdev->config, off + PCI_EXP_LNKCAP,
		  PCI_EXP_LNKCAP_SLS_2_5GB | PCI_EXP_LNKCAP_MLW_X1);
	cfg_set16(pdev->wmask, off + PCI_EXP_LNKCTL,
		  PCI_EXP_LNKCTL_ASPMC | PCI_EXP_LNKCTL_CCC |
		  PCI_EXP_LNKCTL_ES);
	cfg_set16(pdev->config, off + PCI_EXP_LNKSTA,
		  PCI_EXP_LNKSTA_CLS_2_5GB | PCI_EXP_LNKSTA_NLW_X1);
	cfg_set32(pdev->config, off + PCI_EXP_LNKCAP2,
		  PCI_EXP_LNKCAP2_SLS_2_5GB);
	cfg_set16(pdev->config, off + PCI_EXP_LNKCTL2,
		  PCI_EXP_LNKCTL2_TLS_2_5GT);
}

int pci_add_cap_pcie(struct pci_dev *pdev, uint8_t port_type, bool flr)
{
	unsigned int uoff;
	int off;

	if (pdev->pcie_cap)
		return -EEXIST;
	if (!pcie_type_valid(port_type))
		return -EINVAL;
	off = pci_add_cap(pdev, PCI_CAP_ID_EXP, PCI_EXP_CAP_SIZEOF);
	if (off < 0)
		return off;
	uoff = (unsigned int)off;

	cfg_set16(pdev->config, uoff + PCI_EXP_FLAGS,
		  (uint16_t)(2 | port_type << 4));
	/* Max_Payload_Size Supported: 128 bytes (field value 0). */
	cfg_set32(pdev->config, uoff + PCI_EXP_DEVCAP,
		  PCI_EXP_DEVCAP_RBER | (flr ? PCI_EXP_DEVCAP_FLR : 0));
	/* Spec defaults: relaxed ordering and no-snoop on, MRRS 512. */
	cfg_set16(pdev->config, uoff + PCI_EXP_DEVCTL,
		  PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN |
		  PCI_EXP_DEVCTL_READRQ_512B);
	/* Initiate FLR is not in wmask: it acts, and always reads 0. */
	cfg_set16(pdev->wmask, uoff + PCI_EXP_DEVCTL,
		  PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_NFERE |
		  PCI_EXP_DEVCTL_FERE | PCI_EXP_DEVCTL_URRE |
		  PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_PAYLOAD |
		  PCI_EXP_DEVCTL_NOSNOOP_EN | PCI_EXP_DEVCTL_READRQ);
	cfg_set16(pdev->w1cmask, uoff + PCI_EXP_DEVSTA,
		  PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED |
		  PCI_EXP_DEVSTA_FED | PCI_EXP_DEVSTA_URD);
	if (pcie_has_link(port_type))
		pcie_init_link(pdev, uoff);

	/* PCIe hardwires the latency timer; config space grows to 4 KiB. */
	pdev->config[PCI_LATENCY_TIMER] = 0;
	pdev->wmask[PCI_LATENCY_TIMER] = 0;
	pdev->config_size = PCI_CFG_SPACE_EXP_SIZE;
	pdev->pcie_cap = (uint8_t)uoff;
	return 0;
}

static bool pcie_flr_capable(struct pci_dev *pdev)
{
	return pdev->pcie_cap &&
	       (cfg_get32(pdev->config, pdev->pcie_cap + PCI_EXP_DEVCAP) &
		PCI_EXP_DEVCAP_FLR);
}

/* Does this write set Initiate Function Level Reset? */
bool pci_pcie_flr_requested(struct pci_dev *pdev, unsigned int off,
			    unsigned int size, uint32_t val)
{
	/* Bit 15 of Device Control: bit 7 of its second byte. */
	unsigned int reg = pdev->pcie_cap + PCI_EXP_DEVCTL + 1;

	if (!pcie_flr_capable(pdev) || !cfg_overlaps(off, size, reg, 1))
		return false;
	return (val >> (8 * (reg - off))) & 0x80;
}

int pci_add_cap_aer(struct pci_dev *pdev)
{
	unsigned int uoff;
	int off;

	if (pdev->aer_cap)
		return -EEXIST;
	if (!pdev->pcie_cap)
		return -EINVAL;
	off = pci_add_ext_cap(pdev, PCI_EXT_CAP_ID_ERR, 2, PCI_ERR_SIZEOF);
	if (off < 0)
		return off;
	uoff = (unsigned int)off;

	cfg_set32(pdev->w1cmask, uoff + PCI_ERR_UNCOR_STATUS, PCI_ERR_UNC_IMPL);
	cfg_set32(pdev->wmask, uoff + PCI_ERR_UNCOR_MASK, PCI_ERR_UNC_IMPL);
	cfg_set32(pdev->wmask, uoff + PCI_ERR_UNCOR_SEVER, PCI_ERR_UNC_IMPL);
	cfg_set32(pdev->config, uoff + PCI_ERR_UNCOR_SEVER,
		  PCI_ERR_UNC_SEVER_DEF);
	cfg_set32(pdev->w1cmask, uoff + PCI_ERR_COR_STATUS, PCI_ERR_COR_IMPL);
	cfg_set32(pdev->wmask, uoff + PCI_ERR_COR_MASK, PCI_ERR_COR_IMPL);
	cfg_set32(pdev->config, uoff + PCI_ERR_COR_MASK,
		  PCI_ERR_COR_MASK_DEF);
	pdev->aer_cap = (uint16_t)uoff;
	return 0;
}

/* ---- reset and consistency ------------------------------------------- */

void pci_caps_keep_sticky(struct pci_dev *pdev, const uint8_t *before)
{
	unsigned int p = pdev->pcie_cap;
	uint16_t devctl, mps;

	if (p) {
		memcpy(pdev->config + p + PCI_EXP_LNKCTL,
		       before + p + PCI_EXP_LNKCTL, 4);
		memcpy(pdev->config + p + PCI_EXP_LNKCTL2,
		       before + p + PCI_EXP_LNKCTL2, 4);
		mps = cfg_get16(before, p + PCI_EXP_DEVCTL) &
		      PCI_EXP_DEVCTL_PAYLOAD;
		devctl = cfg_get16(pdev->config, p + PCI_EXP_DEVCTL);
		devctl = (uint16_t)((devctl & ~PCI_EXP_DEVCTL_PAYLOAD) | mps);
		cfg_set16(pdev->config, p + PCI_EXP_DEVCTL, devctl);
	}
	if (pdev->aer_cap)
		memcpy(pdev->config + pdev->aer_cap, before + pdev->aer_cap,
		       PCI_ERR_SIZEOF);
}

/* The model's static flags are promises to the vfio layer: hold it to them. */
int pci_caps_check_model(struct pci_dev *pdev)
{
	const struct pci_model *m = pdev->model;
	bool pm_reset = pdev->pm_cap &&
		!(cfg_get16(pdev->config, pdev->pm_cap + PCI_PM_CTRL) &
		  PCI_PM_CTRL_NO_SOFT_RESET);

	if (m->pcie != (pdev->pcie_cap != 0) ||
	    m->flr != pcie_flr_capable(pdev) || m->pm_reset != pm_reset) {
		pr_debug("%s: model %s: pcie/flr/pm_reset flags disagree with its capabilities",
			 pdev->bdf, m->name);
		return -EINVAL;
	}
	return 0;
}
