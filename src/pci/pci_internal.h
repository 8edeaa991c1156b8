/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared between the files of the PCI function core (pci_dev.c,
 * pci_caps.c, pci_msi.c) and nothing else: device models and the vfio
 * layer use pci_dev.h only.
 *
 * Config space is little-endian as on the wire; these accessors are the
 * core's raw view (no masks, no side effects) and trust their offsets,
 * which are always the core's own.
 */
#ifndef UVFIO_PCI_INTERNAL_H
#define UVFIO_PCI_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "pci/pci_dev.h"

static inline uint8_t cfg_get8(const uint8_t *c, unsigned int off)
{
	return c[off];
}

static inline uint16_t cfg_get16(const uint8_t *c, unsigned int off)
{
	return (uint16_t)(c[off] | c[off + 1] << 8);
}

static inline uint32_t cfg_get32(const uint8_t *c, unsigned int off)
{
	return (uint32_t)c[off] | (uint32_t)c[off + 1] << 8 |
	       (uint32_t)c[off + 2] << 16 | (uint32_t)c[off + 3] << 24;
}

static inline void cfg_set8(uint8_t *c, unsigned int off, uint8_t v)
{
	c[off] = v;
}

static inline void cfg_set16(uint8_t *c, unsigned int off, uint16_t v)
{
	c[off] = (uint8_t)v;
	c[off + 1] = (uint8_t)(v >> 8);
}

static inline void cfg_set32(uint8_t *c, unsigned int off, uint32_t v)
{
	c[off] = (uint8_t)v;
	c[off + 1] = (uint8_t)(v >> 8);
	c[off + 2] = (uint8_t)(v >> 16);
	c[off + 3] = (uint8_t)(v >> 24);
}

/* Does the access [off, off + size) touch the register [reg, reg + len)? */
static inline bool cfg_overlaps(unsigned int off, unsigned int size,
				unsigned int reg, unsigned int len)
{
	return off < reg + len && reg < off + size;
}

/* pci_dev.c */
void pci_intx_update(struct pci_dev *pdev);

/* pci_caps.c */
uint16_t pci_pm_state(struct pci_dev *pdev);
bool pci_pm_config_written(struct pci_dev *pdev, unsigned int off,
			   unsigned int size, uint16_t old_state);
bool pci_pcie_flr_requested(struct pci_dev *pdev, unsigned int off,
			    unsigned int size, uint32_t val);
void pci_caps_keep_sticky(struct pci_dev *pdev, const uint8_t *before);
int pci_caps_check_model(struct pci_dev *pdev);

/* pci_msi.c */
void pci_msi_config_written(struct pci_dev *pdev, unsigned int off,
			    unsigned int size);
bool pci_msix_bar_read(struct pci_dev *pdev, int bar, uint64_t off,
		       unsigned int size, uint64_t *ret_val);
bool pci_msix_bar_write(struct pci_dev *pdev, int bar, uint64_t off,
			unsigned int size, uint64_t val);
void pci_msix_reset(struct pci_dev *pdev);
void pci_msix_free(struct pci_dev *pdev);

#endif /* UVFIO_PCI_INTERNAL_H */
