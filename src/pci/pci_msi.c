// SPDX-License-Identifier: GPL-2.0-only
/*
 * Message signalled interrupts: MSI in config space, MSI-X in a BAR.
 *
 * MSI keeps all of its state in config space, its mask and pending bits
 * included (pending is read-only to software: only this file sets and
 * clears it). MSI-X keeps its table and PBA in msix_table/msix_pba, and
 * the core claims their ranges of the BAR before the model sees an access;
 * a byte of an access that falls outside both reads as 0 and is not
 * written, so a straddling access cannot reach model registers.
 *
 * A vector that fires while masked (MSI per-vector mask, MSI-X vector or
 * function mask) sets its pending bit. Whenever a write may have unmasked
 * something (mask register, vector control, function mask, enable), every
 * vector that is pending and no longer masked is sent and its bit cleared,
 * so "fire then unmask" delivers exactly one message.
 *
 * Sending is a memory write by the function: with Bus Master Enable clear
 * there is no message, and it is lost rather than made pending, as on
 * hardware. Which of the two mechanisms is used is the function's own
 * choice: MSI-X if enabled, else MSI, else nothing (models fall back to
 * INTx themselves; pci_intx_update() keeps the pin quiet meanwhile).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "pci/pci_dev.h"
#include "pci/pci_internal.h"
#include "pci/pci_regs.h"

#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))

/* ---- MSI ------------------------------------------------------------- */

static uint16_t msi_flags(struct pci_dev *pdev)
{
	return cfg_get16(pdev->config, pdev->msi_cap + PCI_MSI_FLAGS);
}

static bool msi_has_mask(struct pci_dev *pdev)
{
	return msi_flags(pdev) & PCI_MSI_FLAGS_MASKBIT;
}

static unsigned int msi_mask_reg(struct pci_dev *pdev)
{
	return pdev->msi_cap + ((msi_flags(pdev) & PCI_MSI_FLAGS_64BIT) ?
				PCI_MSI_MASK_64 : PCI_MSI_MASK_32);
}

static unsigned int msi_pending_reg(struct pci_dev *pdev)
{
	return msi_mask_reg(pdev) + 4;
}

/* Vectors software granted: Multiple Message Enable, capped by Capable. */
static unsigned int msi_nvec_enabled(struct pci_dev *pdev)
{
	uint16_t flags = msi_flags(pdev);
	unsigned int en = (flags & PCI_MSI_FLAGS_QSIZE) >> 4;
	unsigned int cap = (flags & PCI_MSI_FLAGS_QMASK) >> 1;

	return 1u << (en < cap ? en : cap);
}

bool pci_msi_enabled(struct pci_dev *pdev)
{
	return pdev && pdev->msi_cap &&
	       (msi_flags(pdev) & PCI_MSI_FLAGS_ENABLE);
}

int pci_add_cap_msi(struct pci_dev *pdev, unsigned int nvec, bool is_64bit,
		    bool per_vector_mask)
{
	unsigned int size, log2n = 0, uoff;
	uint16_t flags;
	int off;

	if (pdev->msi_cap)
		return -EEXIST;
	if (!nvec || nvec > PCI_MSI_MAX_VECTORS || (nvec & (nvec - 1)))
		return -EINVAL;
	while ((1u << log2n) < nvec)
		log2n++;

	size = is_64bit ? PCI_MSI_DATA_64 + 2 : PCI_MSI_DATA_32 + 2;
	if (per_vector_mask)
		size = (is_64bit ? PCI_MSI_PENDING_64 : PCI_MSI_PENDING_32) + 4;
	off = pci_add_cap(pdev, PCI_CAP_ID_MSI, size);
	if (off < 0)
		return off;
	uoff = (unsigned int)off;

	flags = (uint16_t)(log2n << 1);
	if (is_64bit)
		flags |= PCI_MSI_FLAGS_64BIT;
	if (per_vector_mask)
		flags |= PCI_MSI_FLAGS_MASKBIT;
	cfg_set16(pdev->config, uoff + PCI_MSI_FLAGS, flags);
	cfg_set16(pdev->wmask, uoff + PCI_MSI_FLAGS,
		  PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
	/* The address is dword aligned: its two low bits are hardwired. */
	cfg_set32(pdev->wmask, uoff + PCI_MSI_ADDRESS_LO, 0xfffffffc);
	if (is_64bit)
		cfg_set32(pdev->wmask, uoff + PCI_MSI_ADDRESS_HI, 0xffffffff);
	cfg_set16(pdev->wmask,
		  uoff + (is_64bit ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32),
		  0xffff);
	pdev->msi_cap = (uint8_t)uoff;
	if (per_vector_mask)
		cfg_set32(pdev->wmask, msi_mask_reg(pdev),
			  nvec == 32 ? 0xffffffff : (1u << nvec) - 1);
	return 0;
}

static void msg_send(struct pci_dev *pdev, unsigned int vector)
{
	if (!pci_bus_master_enabled(pdev) || !pdev->host || !pdev->host->msi) {
		pdev->stats.msi_dropped++;
		return;
	}
	pdev->stats.msi_sent++;
	pdev->host->msi(pdev, vector);
}

static void msi_notify(struct pci_dev *pdev, unsigned int vector)
{
	unsigned int reg;

	if (vector >= msi_nvec_enabled(pdev)) {
		pdev->stats.msi_dropped++;
		return;
	}
	if (msi_has_mask(pdev) &&
	    (cfg_get32(pdev->config, msi_mask_reg(pdev)) & (1u << vector))) {
		reg = msi_pending_reg(pdev);
		cfg_set32(pdev->config, reg,
			  cfg_get32(pdev->config, reg) | 1u << vector);
		pdev->stats.msi_held++;
		return;
	}
	msg_send(pdev, vector);
}

static void msi_flush_pending(struct pci_dev *pdev)
{
	unsigned int n, v, reg;
	uint32_t pending, ready;

	if (!pci_msi_enabled(pdev) || !msi_has_mask(pdev))
		return;
	n = msi_nvec_enabled(pdev);
	reg = msi_pending_reg(pdev);
	pending = cfg_get32(pdev->config, reg);
	ready = pending & ~cfg_get32(pdev->config, msi_mask_reg(pdev));
	if (n < 32)
		ready &= (1u << n) - 1;
	if (!ready)
		return;
	/* Clear first: the platform's callback may fire the vector again. */
	cfg_set32(pdev->config, reg, pending & ~ready);
	for (v = 0; v < n; v++)
		if (ready & (1u << v))
			msg_send(pdev, v);
}

/* ---- MSI-X ----------------------------------------------------------- */

static uint16_t msix_flags(struct pci_dev *pdev)
{
	return cfg_get16(pdev->config, pdev->msix_cap + PCI_MSIX_FLAGS);
}

bool pci_msix_enabled(struct pci_dev *pdev)
{
	return pdev && pdev->msix_cap &&
	       (msix_flags(pdev) & PCI_MSIX_FLAGS_ENABLE);
}

static bool msix_vector_masked(struct pci_dev *pdev, unsigned int v)
{
	return cfg_get32(pdev->msix_table, v * PCI_MSIX_ENTRY_SIZE +
			 PCI_MSIX_ENTRY_VECTOR_CTRL) &
	       PCI_MSIX_ENTRY_CTRL_MASKBIT;
}

static void msix_notify(struct pci_dev *pdev, unsigned int vector)
{
	if (vector >= pdev->msix_nvec) {
		pdev->stats.msi_dropped++;
		return;
	}
	if ((msix_flags(pdev) & PCI_MSIX_FLAGS_MASKALL) ||
	    msix_vector_masked(pdev, vector)) {
		pdev->msix_pba[vector / 64] |= 1ULL << (vector % 64);
		pdev->stats.msi_held++;
		return;
	}
	msg_send(pdev, vector);
}

static void msix_flush_pending(struct pci_dev *pdev)
{
	unsigned int v;
	uint64_t bit;

	if (!pci_msix_enabled(pdev) ||
	    (msix_flags(pdev) & PCI_MSIX_FLAGS_MASKALL))
		return;
	for (v = 0; v < pdev->msix_nvec; v++) {
		if (!pdev->msix_pba[v / 64]) {
			v |= 63;	/* skip an empty word */
			continue;
		}
		bit = 1ULL << (v % 64);
		if (!(pdev->msix_pba[v / 64] & bit) ||
		    msix_vector_masked(pdev, v))
			continue;
		pdev->msix_pba[v / 64] &= ~bit;
		msg_send(pdev, v);
	}
}

static bool msix_region_ok(struct pci_dev *pdev, int bar, uint32_t off,
			   uint64_t len)
{
	const struct pci_bar *b;

	if (bar < 0 || bar >= PCI_NUM_BARS || (off & PCI_MSIX_BIR_MASK))
		return false;
	b = &pdev->bars[bar];
	/* The core must see every access: a directly mapped BAR won't do. */
	if (b->kind != PCI_BAR_MMIO)
		return false;
	return off < b->size && len <= b->size - off;
}

int pci_add_cap_msix(struct pci_dev *pdev, unsigned int nvec, int table_bar,
		     uint32_t table_off, int pba_bar, uint32_t pba_off)
{
	uint64_t table_len, pba_len;
	unsigned int uoff;
	int off;

	if (pdev->msix_cap)
		return -EEXIST;
	if (!nvec || nvec > PCI_MSIX_MAX_VECTORS)
		return -EINVAL;
	table_len = (uint64_t)nvec * PCI_MSIX_ENTRY_SIZE;
	pba_len = DIV_ROUND_UP(nvec, 64) * 8;
	if (!msix_region_ok(pdev, table_bar, table_off, table_len) ||
	    !msix_region_ok(pdev, pba_bar, pba_off, pba_len))
		return -EINVAL;
	if (table_bar == pba_bar && table_off < pba_off + pba_len &&
	    pba_off < table_off + table_len)
		return -EINVAL;

	pdev->msix_table = uvfio_calloc(nvec, PCI_MSIX_ENTRY_SIZE);
	pdev->msix_pba = uvfio_calloc(DIV_ROUND_UP(nvec, 64), sizeof(uint64_t));
	if (!pdev->msix_table || !pdev->msix_pba) {
		off = -ENOMEM;
		goto err_free;
	}
	off = pci_add_cap(pdev, PCI_CAP_ID_MSIX, PCI_MSIX_SIZEOF);
	if (off < 0)
		goto err_free;
	uoff = (unsigned int)off;

	cfg_set16(pdev->config, uoff + PCI_MSIX_FLAGS, (uint16_t)(nvec - 1));
	cfg_set16(pdev->wmask, uoff + PCI_MSIX_FLAGS,
		  PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	cfg_set32(pdev->config, uoff + PCI_MSIX_TABLE,
		  table_off | (uint32_t)table_bar);
	cfg_set32(pdev->config, uoff + PCI_MSIX_PBA,
		  pba_off | (uint32_t)pba_bar);
	pdev->msix_cap = (uint8_t)uoff;
	pdev->msix_nvec = nvec;
	pdev->msix_table_bar = table_bar;
	pdev->msix_table_off = table_off;
	pdev->msix_pba_bar = pba_bar;
	pdev->msix_pba_off = pba_off;
	pci_msix_reset(pdev);
	return 0;

err_free:
	pci_msix_free(pdev);
	return off;
}

void pci_msix_reset(struct pci_dev *pdev)
{
	unsigned int v;

	if (!pdev->msix_table)
		return;
	/* Power-on state: every vector masked, nothing pending. */
	memset(pdev->msix_table, 0,
	       (size_t)pdev->msix_nvec * PCI_MSIX_ENTRY_SIZE);
	for (v = 0; v < pdev->msix_nvec; v++)
		cfg_set32(pdev->msix_table, v * PCI_MSIX_ENTRY_SIZE +
			  PCI_MSIX_ENTRY_VECTOR_CTRL,
			  PCI_MSIX_ENTRY_CTRL_MASKBIT);
	memset(pdev->msix_pba, 0,
	       DIV_ROUND_UP(pdev->msix_nvec, 64) * sizeof(uint64_t));
}

void pci_msix_free(struct pci_dev *pdev)
{
	free(pdev->msix_table);
	free(pdev->msix_pba);
	pdev->msix_table = NULL;
	pdev->msix_pba = NULL;
}

/* Index of BAR byte addr in the table (or PBA), or -1 if outside it. */
static int64_t msix_table_index(struct pci_dev *pdev, int bar, uint64_t addr)
{
	uint64_t len = (uint64_t)pdev->msix_nvec * PCI_MSIX_ENTRY_SIZE;

	if (bar != pdev->msix_table_bar || addr < pdev->msix_table_off ||
	    addr - pdev->msix_table_off >= len)
		return -1;
	return (int64_t)(addr - pdev->msix_table_off);
}

static int64_t msix_pba_index(struct pci_dev *pdev, int bar, uint64_t addr)
{
	uint64_t len = DIV_ROUND_UP(pdev->msix_nvec, 64) * 8;

	if (bar != pdev->msix_pba_bar || addr < pdev->msix_pba_off ||
	    addr - pdev->msix_pba_off >= len)
		return -1;
	return (int64_t)(addr - pdev->msix_pba_off);
}

bool pci_msix_bar_read(struct pci_dev *pdev, int bar, uint64_t off,
		       unsigned int size, uint64_t *ret_val)
{
	uint64_t val = 0;
	unsigned int i;
	bool hit = false;
	int64_t idx;
	uint8_t b;

	if (!pdev->msix_cap)
		return false;
	for (i = 0; i < size; i++) {
		b = 0;
		idx = msix_table_index(pdev, bar, off + i);
		if (idx >= 0) {
			b = pdev->msix_table[idx];
			hit = true;
		} else if ((idx = msix_pba_index(pdev, bar, off + i)) >= 0) {
			b = (uint8_t)(pdev->msix_pba[idx / 8] >> (8 * (idx % 8)));
			hit = true;
		}
		val |= (uint64_t)b << (8 * i);
	}
	if (hit)
		*ret_val = val;
	return hit;
}

bool pci_msix_bar_write(struct pci_dev *pdev, int bar, uint64_t off,
			unsigned int size, uint64_t val)
{
	unsigned int i, field;
	bool hit = false;
	int64_t idx;
	uint8_t b;

	if (!pdev->msix_cap)
		return false;
	for (i = 0; i < size; i++) {
		b = (uint8_t)(val >> (8 * i));
		idx = msix_table_index(pdev, bar, off + i);
		if (idx >= 0) {
			/* Vector Control: only the mask bit is implemented. */
			field = (unsigned int)(idx % PCI_MSIX_ENTRY_SIZE);
			if (field == PCI_MSIX_ENTRY_VECTOR_CTRL)
				b &= PCI_MSIX_ENTRY_CTRL_MASKBIT;
			else if (field > PCI_MSIX_ENTRY_VECTOR_CTRL)
				b = 0;
			pdev->msix_table[idx] = b;
			hit = true;
		} else if (msix_pba_index(pdev, bar, off + i) >= 0) {
			hit = true;	/* the PBA is read-only */
		}
	}
	if (hit)
		msix_flush_pending(pdev);
	return hit;
}

/* ---- shared ---------------------------------------------------------- */

void pci_msi_config_written(struct pci_dev *pdev, unsigned int off,
			    unsigned int size)
{
	if (pdev->msi_cap) {
		if (cfg_overlaps(off, size, pdev->msi_cap + PCI_MSI_FLAGS, 2))
			pci_intx_update(pdev);
		if (cfg_overlaps(off, size, pdev->msi_cap + PCI_MSI_FLAGS, 2) ||
		    (msi_has_mask(pdev) &&
		     cfg_overlaps(off, size, msi_mask_reg(pdev), 4)))
			msi_flush_pending(pdev);
	}
	if (pdev->msix_cap &&
	    cfg_overlaps(off, size, pdev->msix_cap + PCI_MSIX_FLAGS, 2)) {
		pci_intx_update(pdev);
		msix_flush_pending(pdev);
	}
}

void pci_msi_notify(struct pci_dev *pdev, unsigned int vector)
{
	if (!pdev)
		return;
	if (pci_msix_enabled(pdev))
		msix_notify(pdev, vector);
	else if (pci_msi_enabled(pdev))
		msi_notify(pdev, vector);
	else
		pdev->stats.msi_dropped++;
}
