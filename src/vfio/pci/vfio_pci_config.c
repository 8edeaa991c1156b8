// SPDX-License-Identifier: GPL-2.0-only
/*
 * What user space sees of a device's config space: vfio-pci's
 * virtualisation, rule for rule.
 *
 * Every byte carries two masks, built once per open from the capability
 * layout: "virt" bits live in vconfig (the user's private copy) and never
 * reach the device; "write_ok" bits may be changed by the user at all.
 * A read merges vconfig's virt bits with the live device; a write puts
 * writable virt bits in vconfig and writable non-virt bits through to
 * the device; bits in neither are dropped silently (writes never fail).
 * The masks follow vfio-pci's permission tables:
 *
 *  - header: vendor/device ids, BARs, ROM BAR, capability pointer,
 *    interrupt line/pin and Command's INTx Disable are virtual (the BARs
 *    answer the sizing protocol from vconfig: size mask and type bits);
 *    Command's other bits, cache line, latency timer and BIST go to the
 *    device; Status is read-only (no write-1-to-clear from user space).
 *  - every capability's id and next pointer are virtual; capabilities
 *    without a table (MSI-X included: SET_IRQS enables it) are read-only.
 *  - PM: PME support and PME bits virtual; the state field is trapped and
 *    changes the device's power state (D3hot->D0 resets and restores).
 *  - PCIe: Device Control writable except Phantom Functions; Initiate FLR,
 *    Max_Payload_Size and Max_Read_Request are virtual, an FLR request
 *    resets the function (if it advertises FLR) and reads back as 0, a
 *    new MRRS is also written to the device; Device Control 2 writable
 *    except ARI forwarding.
 *  - MSI: flags (low byte), address and data virtual; enable reaches the
 *    device only while SET_IRQS has MSI on; Multiple Message Capable
 *    shows the vectors SET_IRQS allocated; mask and pending go through.
 *  - AER: status, mask, severity and capability/control go through.
 *  - vendor-specific (and DVSEC) capabilities, and bytes outside every
 *    capability, are raw: read and written straight through.
 *
 * Accesses are split into naturally aligned pieces of 4, 2 or 1 bytes,
 * as vfio-pci walks them; side effects fire per piece, on the offsets
 * vfio-pci tests.
 */
#include <errno.h>
#include <string.h>

#include "core/file.h"
#include "core/util.h"
#include "pci/pci_regs.h"
#include "vfio/pci/vfio_pci_priv.h"

#define ALL_VIRT	0xffffffffu
#define NO_VIRT		0
#define ALL_WRITE	0xffffffffu
#define NO_WRITE	0

static void p_set(struct vfio_pci_core_device *vpci, unsigned int off,
		  unsigned int len, uint32_t virt, uint32_t write)
{
	unsigned int i;

	for (i = 0; i < len; i++) {
		vpci->virt[off + i] = (uint8_t)(virt >> (8 * i));
		vpci->write_ok[off + i] = (uint8_t)(write >> (8 * i));
	}
}

static void p_fill(struct vfio_pci_core_device *vpci, unsigned int off,
		   unsigned int len, uint8_t virt, uint8_t write)
{
	memset(vpci->virt + off, virt, len);
	memset(vpci->write_ok + off, write, len);
}

static uint16_t vget16(struct vfio_pci_core_device *vpci, unsigned int off)
{
	return (uint16_t)(vpci->vconfig[off] | vpci->vconfig[off + 1] << 8);
}

static void vset16(struct vfio_pci_core_device *vpci, unsigned int off,
		   uint16_t v)
{
	vpci->vconfig[off] = (uint8_t)v;
	vpci->vconfig[off + 1] = (uint8_t)(v >> 8);
}

/* ---- permission tables ----------------------------------------------- */

static void perm_basic(struct vfio_pci_core_device *vpci)
{
	p_fill(vpci, 0, PCI_STD_HEADER_SIZEOF, 0, 0);
	p_set(vpci, PCI_VENDOR_ID, 2, ALL_VIRT, NO_WRITE);
	p_set(vpci, PCI_DEVICE_ID, 2, ALL_VIRT, NO_WRITE);
	p_set(vpci, PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE, ALL_WRITE);
	p_set(vpci, PCI_STATUS, 2, PCI_STATUS_CAP_LIST, NO_WRITE);
	p_set(vpci, PCI_CACHE_LINE_SIZE, 1, NO_VIRT, ALL_WRITE);
	p_set(vpci, PCI_LATENCY_TIMER, 1, NO_VIRT, ALL_WRITE);
	p_set(vpci, PCI_BIST, 1, NO_VIRT, ALL_WRITE);
	p_fill(vpci, PCI_BASE_ADDRESS_0, 24, 0xff, 0xff);
	p_set(vpci, PCI_ROM_ADDRESS, 4, ALL_VIRT, ALL_WRITE);
	p_set(vpci, PCI_CAPABILITY_LIST, 1, ALL_VIRT, NO_WRITE);
	p_set(vpci, PCI_INTERRUPT_LINE, 1, ALL_VIRT, ALL_WRITE);
	p_set(vpci, PCI_INTERRUPT_PIN, 1, ALL_VIRT, NO_WRITE);
}

static void perm_pm(struct vfio_pci_core_device *vpci, unsigned int cap)
{
	p_set(vpci, cap + PCI_PM_PMC, 2, PCI_PM_CAP_PME_MASK, NO_WRITE);
	p_set(vpci, cap + PCI_PM_CTRL, 4,
	      PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS,
	      ~(uint32_t)(PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS |
			  PCI_PM_CTRL_STATE_MASK));
	/* The user cannot process PME: it never sees PME support. */
	vset16(vpci, cap + PCI_PM_PMC,
	       vget16(vpci, cap + PCI_PM_PMC) & ~PCI_PM_CAP_PME_MASK);
	vset16(vpci, cap + PCI_PM_CTRL, vget16(vpci, cap + PCI_PM_CTRL) &
	       ~(PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS));
}

static void perm_exp(struct vfio_pci_core_device *vpci, unsigned int cap)
{
	p_set(vpci, cap + PCI_EXP_DEVCTL, 2,
	      PCI_EXP_DEVCTL_BCR_FLR | PCI_EXP_DEVCTL_PAYLOAD |
	      PCI_EXP_DEVCTL_READRQ, (uint16_t)~PCI_EXP_DEVCTL_PHANTOM);
	p_set(vpci, cap + PCI_EXP_DEVCTL2, 2, NO_VIRT,
	      (uint16_t)~PCI_EXP_DEVCTL2_ARI);
}

static void perm_msi(struct vfio_pci_core_device *vpci, unsigned int cap)
{
	uint16_t flags = vget16(vpci, cap + PCI_MSI_FLAGS);
	bool is64 = flags & PCI_MSI_FLAGS_64BIT;

	p_set(vpci, cap + PCI_MSI_FLAGS, 1, ALL_VIRT, ALL_WRITE);
	p_set(vpci, cap + PCI_MSI_ADDRESS_LO, 4, ALL_VIRT, ALL_WRITE);
	if (is64) {
		p_set(vpci, cap + PCI_MSI_ADDRESS_HI, 4, ALL_VIRT, ALL_WRITE);
		p_set(vpci, cap + PCI_MSI_DATA_64, 2, ALL_VIRT, ALL_WRITE);
	} else {
		p_set(vpci, cap + PCI_MSI_DATA_32, 2, ALL_VIRT, ALL_WRITE);
	}
	if (flags & PCI_MSI_FLAGS_MASKBIT) {
		unsigned int m = is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32;

		p_set(vpci, cap + m, 8, NO_VIRT, ALL_WRITE);
	}
}

static void perm_std_cap(struct vfio_pci_core_device *vpci, unsigned int cap,
			 unsigned int len)
{
	uint8_t id = vpci->vconfig[cap + PCI_CAP_LIST_ID];

	/* Unknown or table-less: read-only; vendor-specific: raw. */
	p_fill(vpci, cap, len, 0, id == PCI_CAP_ID_VNDR ? 0xff : 0);
	switch (id) {
	case PCI_CAP_ID_PM:
		perm_pm(vpci, cap);
		break;
	case PCI_CAP_ID_EXP:
		perm_exp(vpci, cap);
		break;
	case PCI_CAP_ID_MSI:
		perm_msi(vpci, cap);
		break;
	}
	/* The list itself is always virtual: id and next pointer. */
	p_set(vpci, cap, 2, ALL_VIRT, NO_WRITE);
}

static void perm_aer(struct vfio_pci_core_device *vpci, unsigned int cap)
{
	static const unsigned int regs[] = {
		PCI_ERR_UNCOR_STATUS, PCI_ERR_UNCOR_MASK, PCI_ERR_UNCOR_SEVER,
		PCI_ERR_COR_STATUS, PCI_ERR_COR_MASK, PCI_ERR_CAP,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(regs); i++)
		p_set(vpci, cap + regs[i], 4, NO_VIRT, ALL_WRITE);
}

static void perm_ext_cap(struct vfio_pci_core_device *vpci, unsigned int cap,
			 unsigned int len, uint16_t id)
{
	bool raw = id == PCI_EXT_CAP_ID_VNDR || id == PCI_EXT_CAP_ID_DVSEC;

	p_fill(vpci, cap, len, 0, raw ? 0xff : 0);
	if (id == PCI_EXT_CAP_ID_ERR)
		perm_aer(vpci, cap);
	p_set(vpci, cap, 4, ALL_VIRT, NO_WRITE);
}

/*
 * A capability's length as vfio-pci computes it (fixed per id, or read
 * from the capability), never past the next capability; unknown ids
 * extend to the next one. Bytes after the last capability's length are
 * unassigned (raw), so a device's private registers there stay usable.
 */
static unsigned int std_cap_size(struct vfio_pci_core_device *vpci,
				 unsigned int pos)
{
	uint16_t flags = vget16(vpci, pos + 2);

	switch (vpci->vconfig[pos]) {
	case PCI_CAP_ID_PM:
		return PCI_PM_SIZEOF;
	case PCI_CAP_ID_MSI:
		return (flags & PCI_MSI_FLAGS_64BIT ? 14 : 10) +
		       (flags & PCI_MSI_FLAGS_MASKBIT ? 10 : 0);
	case PCI_CAP_ID_MSIX:
		return PCI_MSIX_SIZEOF;
	case PCI_CAP_ID_EXP:
		return PCI_EXP_CAP_SIZEOF;
	case PCI_CAP_ID_VNDR:
		return vpci->vconfig[pos + 2];
	default:
		return 0;
	}
}

static unsigned int ext_cap_size(struct pci_dev *pdev, unsigned int pos,
				 uint16_t id)
{
	switch (id) {
	case PCI_EXT_CAP_ID_ERR:
		return PCI_ERR_SIZEOF;
	case PCI_EXT_CAP_ID_VNDR:
	case PCI_EXT_CAP_ID_DVSEC:
		return pci_config_read(pdev, pos + 4, 4) >> 20;
	default:
		return 0;
	}
}

static unsigned int cap_len(const uint8_t *starts, unsigned int pos,
			    unsigned int end, unsigned int size)
{
	unsigned int n = pos + 1;

	while (n < end && !starts[n])
		n++;
	if (size >= 2 && pos + size < n)
		n = pos + ALIGN_UP(size, 4u);
	return n - pos;
}

static void perm_caps(struct vfio_pci_core_device *vpci)
{
	struct pci_dev *pdev = vpci->pdev;
	uint8_t starts[PCI_CFG_SPACE_EXP_SIZE] = { 0 };
	unsigned int pos, ttl;

	ttl = 48;
	pos = vpci->vconfig[PCI_CAPABILITY_LIST] & ~3u;
	if (!(vget16(vpci, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		pos = 0;
	for (; pos >= PCI_STD_HEADER_SIZEOF && ttl--;
	     pos = vpci->vconfig[pos + PCI_CAP_LIST_NEXT] & ~3u)
		starts[pos] = 1;
	ttl = (PCI_CFG_SPACE_EXP_SIZE - PCI_CFG_SPACE_SIZE) / 8;
	for (pos = PCI_EXT_CAP_START;
	     pdev->config_size > PCI_CFG_SPACE_SIZE && pos >= PCI_EXT_CAP_START &&
	     ttl--;) {
		uint32_t hdr = pci_config_read(pdev, pos, 4);

		if (!hdr || hdr == 0xffffffff)
			break;
		starts[pos] = 1;
		pos = PCI_EXT_CAP_NEXT(hdr);
	}
	for (pos = PCI_STD_HEADER_SIZEOF; pos < PCI_CFG_SPACE_SIZE; pos++)
		if (starts[pos])
			perm_std_cap(vpci, pos,
				     cap_len(starts, pos, PCI_CFG_SPACE_SIZE,
					     std_cap_size(vpci, pos)));
	for (pos = PCI_EXT_CAP_START; pos < pdev->config_size; pos++) {
		uint16_t id;

		if (!starts[pos])
			continue;
		id = (uint16_t)PCI_EXT_CAP_ID(pci_config_read(pdev, pos, 4));
		perm_ext_cap(vpci, pos,
			     cap_len(starts, pos, pdev->config_size,
				     ext_cap_size(pdev, pos, id)), id);
	}
}

void vfio_config_init(struct vfio_pci_core_device *vpci)
{
	struct pci_dev *pdev = vpci->pdev;
	unsigned int i;

	for (i = 0; i < pdev->config_size; i++)
		vpci->vconfig[i] = (uint8_t)pci_config_read(pdev, i, 1);
	/* Outside every capability: raw access, as vfio-pci grants. */
	p_fill(vpci, PCI_STD_HEADER_SIZEOF,
	       pdev->config_size - PCI_STD_HEADER_SIZEOF, 0, 0xff);
	perm_basic(vpci);
	perm_caps(vpci);
	vpci->virq_disabled = vget16(vpci, PCI_COMMAND) &
			      PCI_COMMAND_INTX_DISABLE;
	for (i = 0; i <= PCI_NUM_BARS; i++)
		vpci->bar_size[i] = 0;
	for (i = 0; i < PCI_NUM_BARS; i++)
		vpci->bar_size[i] = (uint32_t)pdev->bars[i].size;
	vpci->bar_size[PCI_NUM_BARS] = (uint32_t)pdev->rom_size;
}

/* ---- BARs ------------------------------------------------------------ */

static uint32_t vget32(struct vfio_pci_core_device *vpci, unsigned int off)
{
	uint32_t v;

	memcpy(&v, vpci->vconfig + off, 4);
	return v;
}

static void vset32(struct vfio_pci_core_device *vpci, unsigned int off,
		   uint32_t v)
{
	memcpy(vpci->vconfig + off, &v, 4);
}

/*
 * Make vconfig's BARs answer what the hardware would: the address bits
 * below the size read as 0 and the type bits are the BAR's own, so the
 * write-all-ones sizing protocol reads back the size mask.
 */
static void bar_fixup(struct vfio_pci_core_device *vpci)
{
	struct pci_dev *pdev = vpci->pdev;
	unsigned int off;
	uint64_t mask;
	uint32_t flags, v;
	int i;

	for (i = 0; i < PCI_NUM_BARS; i++) {
		struct pci_bar *bar = &pdev->bars[i];

		off = PCI_BASE_ADDRESS_0 + 4 * (unsigned int)i;
		if (!bar->size) {
			vset32(vpci, off, 0);
			continue;
		}
		mask = ~(bar->size - 1);
		flags = pci_config_read(pdev, off, 4) &
			(bar->kind == PCI_BAR_IO ? 0x3u : 0xfu);
		v = vget32(vpci, off) & (uint32_t)mask &
		    (bar->kind == PCI_BAR_IO ? ~0x3u : ~0xfu);
		vset32(vpci, off, v | flags);
		if (bar->is_64bit) {
			off += 4;
			vset32(vpci, off, vget32(vpci, off) &
			       (uint32_t)(mask >> 32));
			i++;
		}
	}
	v = vget32(vpci, PCI_ROM_ADDRESS);
	if (pdev->rom_size)
		v &= ~(uint32_t)(pdev->rom_size - 1) | PCI_ROM_ADDRESS_ENABLE;
	else
		v = 0;
	vset32(vpci, PCI_ROM_ADDRESS, v);
}

/* ---- side effects ---------------------------------------------------- */

static void command_written(struct vfio_pci_core_device *vpci,
			    unsigned int pos, uint32_t val)
{
	const uint16_t mem_io = PCI_COMMAND_MEMORY | PCI_COMMAND_IO;
	bool disable;

	/* vconfig remembers decode enables: BAR access checks them. */
	if (pos == PCI_COMMAND)
		vset16(vpci, PCI_COMMAND,
		       (uint16_t)((vget16(vpci, PCI_COMMAND) & ~mem_io) |
				  (val & mem_io)));
	disable = vget16(vpci, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE;
	if (disable && !vpci->virq_disabled) {
		vpci->virq_disabled = true;
		vfio_pci_intx_mask(vpci);
	} else if (!disable && vpci->virq_disabled) {
		vpci->virq_disabled = false;
		vfio_pci_intx_unmask(vpci);
	}
}

static void pm_written(struct vfio_pci_core_device *vpci, uint32_t val)
{
	/* D1 and D2 are refused by the device; the write still completes. */
	pci_dev_set_power_state(vpci->pdev, val & PCI_PM_CTRL_STATE_MASK);
}

static void exp_written(struct vfio_pci_core_device *vpci, uint16_t old_ctl)
{
	struct pci_dev *pdev = vpci->pdev;
	unsigned int reg = pdev->pcie_cap + PCI_EXP_DEVCTL;
	uint16_t ctl = vget16(vpci, reg);
	uint16_t hw;

	if (ctl & PCI_EXP_DEVCTL_BCR_FLR) {
		/* Initiate FLR always reads as 0. */
		vset16(vpci, reg, ctl & ~PCI_EXP_DEVCTL_BCR_FLR);
		if (pci_config_read(pdev, pdev->pcie_cap + PCI_EXP_DEVCAP, 4) &
		    PCI_EXP_DEVCAP_FLR)
			vfio_pci_reset_function(vpci);
	}
	if ((old_ctl ^ ctl) & PCI_EXP_DEVCTL_READRQ) {
		hw = (uint16_t)pci_config_read(pdev, reg, 2);
		hw = (hw & ~PCI_EXP_DEVCTL_READRQ) | (ctl & PCI_EXP_DEVCTL_READRQ);
		pci_config_write(pdev, reg, 2, hw);
	}
}

static void msi_written(struct vfio_pci_core_device *vpci)
{
	struct pci_dev *pdev = vpci->pdev;
	unsigned int reg = pdev->msi_cap + PCI_MSI_FLAGS;
	uint16_t flags = vget16(vpci, reg);
	unsigned int qmax = vpci->msi_qmax;

	/* MSI is enabled through SET_IRQS only. */
	if (vpci->irq_type != VFIO_PCI_IRQ_MSI)
		flags &= ~PCI_MSI_FLAGS_ENABLE;
	if ((unsigned int)((flags & PCI_MSI_FLAGS_QSIZE) >> 4) > qmax)
		flags = (uint16_t)((flags & ~PCI_MSI_FLAGS_QSIZE) | qmax << 4);
	vset16(vpci, reg, flags);
	pci_config_write(pdev, reg, 2, flags);
}

/* Offset of pos inside the capability at cap, or -1. */
static int cap_off(unsigned int cap, unsigned int pos, unsigned int len)
{
	if (!cap || pos < cap || pos >= cap + len)
		return -1;
	return (int)(pos - cap);
}

/* The offsets vfio-pci tests for its MSI flags hooks (note the >=). */
static bool msi_flags_touched(struct vfio_pci_core_device *vpci,
			      unsigned int pos, unsigned int size)
{
	int off = cap_off(vpci->pdev->msi_cap, pos, 24);

	return off >= 0 && off <= PCI_MSI_FLAGS && off + (int)size >= PCI_MSI_FLAGS;
}

/*
 * Multiple Message Capable shows what SET_IRQS allocated (vfio-pci's
 * msi_qmax: one vector until MSI was first enabled with more).
 */
static void msi_qmax_fixup(struct vfio_pci_core_device *vpci)
{
	unsigned int reg = vpci->pdev->msi_cap + PCI_MSI_FLAGS;
	uint16_t flags = vget16(vpci, reg) & ~PCI_MSI_FLAGS_QMASK;

	vset16(vpci, reg, (uint16_t)(flags | vpci->msi_qmax << 1));
}

/* ---- access ---------------------------------------------------------- */

static uint32_t config_read_piece(struct vfio_pci_core_device *vpci,
				  unsigned int pos, unsigned int size)
{
	uint32_t virt = 0, v = 0, hw;

	if (pos >= PCI_BASE_ADDRESS_0 && pos < PCI_ROM_ADDRESS + 4)
		bar_fixup(vpci);
	if (msi_flags_touched(vpci, pos, size))
		msi_qmax_fixup(vpci);
	memcpy(&virt, vpci->virt + pos, size);
	memcpy(&v, vpci->vconfig + pos, size);
	if (virt == (uint32_t)(~0ULL >> (64 - 8 * size)))
		return v;
	hw = pci_config_read(vpci->pdev, pos, size);
	return (v & virt) | (hw & ~virt);
}

static void default_write(struct vfio_pci_core_device *vpci, unsigned int pos,
			  unsigned int size, uint32_t val)
{
	uint32_t virt = 0, ok = 0, v = 0, hw;

	memcpy(&ok, vpci->write_ok + pos, size);
	if (!ok)
		return;
	memcpy(&virt, vpci->virt + pos, size);
	if (ok & virt) {
		memcpy(&v, vpci->vconfig + pos, size);
		v = (v & ~(ok & virt)) | (val & ok & virt);
		memcpy(vpci->vconfig + pos, &v, size);
	}
	if (ok & ~virt) {
		hw = pci_config_read(vpci->pdev, pos, size);
		hw = (hw & ~(ok & ~virt)) | (val & ok & ~virt);
		pci_config_write(vpci->pdev, pos, size, hw);
	}
}

static void config_write_piece(struct vfio_pci_core_device *vpci,
			       unsigned int pos, unsigned int size,
			       uint32_t val)
{
	struct pci_dev *pdev = vpci->pdev;
	uint16_t old_ctl = 0;
	int off;

	if (pdev->pcie_cap)
		old_ctl = vget16(vpci, pdev->pcie_cap + PCI_EXP_DEVCTL);
	default_write(vpci, pos, size, val);

	if (pos >= PCI_COMMAND && pos <= PCI_COMMAND + 1)
		command_written(vpci, pos, val);
	off = cap_off(pdev->pm_cap, pos, PCI_PM_SIZEOF);
	if (off == PCI_PM_CTRL)
		pm_written(vpci, val);
	off = cap_off(pdev->pcie_cap, pos, PCI_EXP_CAP_SIZEOF);
	if (off >= 0 && off <= PCI_EXP_DEVCTL + 1 &&
	    off + (int)size > PCI_EXP_DEVCTL)
		exp_written(vpci, old_ctl);
	if (msi_flags_touched(vpci, pos, size))
		msi_written(vpci);
}

ssize_t vfio_pci_config_rw(struct vfio_pci_core_device *vpci,
			   struct uvfio_call *call, uint64_t ubuf,
			   size_t count, uint64_t pos, bool is_write)
{
	size_t cfg_size = vpci->pdev->config_size;
	size_t done = 0;

	if (pos >= cfg_size || count > cfg_size - pos)
		return -EFAULT;
	while (done < count) {
		size_t left = count - done;
		unsigned int p = (unsigned int)(pos + done), size;
		uint32_t val = 0;

		if (left >= 4 && !(p & 3))
			size = 4;
		else if (left >= 2 && !(p & 1))
			size = 2;
		else
			size = 1;
		if (is_write) {
			if (copy_from_user(call, &val, ubuf + done, size))
				return -EFAULT;
			config_write_piece(vpci, p, size, val);
		} else {
			val = config_read_piece(vpci, p, size);
			if (copy_to_user(call, ubuf + done, &val, size))
				return -EFAULT;
		}
		done += size;
	}
	return (ssize_t)done;
}
