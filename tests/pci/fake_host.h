/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake platform for pci_dev tests: an "IOMMU" that maps one window of
 * bus addresses onto a plain buffer and faults everything else, and an
 * interrupt controller that only counts what it is told.
 */
#ifndef UVFIO_TEST_PCI_FAKE_HOST_H
#define UVFIO_TEST_PCI_FAKE_HOST_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pci/pci_dev.h"

#define FAKE_MEM_BASE	0x100000ULL
#define FAKE_MEM_SIZE	0x10000ULL
#define FAKE_MAX_VEC	64

struct fake_host {
	uint8_t mem[FAKE_MEM_SIZE];
	bool fault_all;			/* the IOMMU refuses everything */
	unsigned int dma_calls;
	unsigned int msi_total;
	unsigned int msi_count[FAKE_MAX_VEC];
	unsigned int last_msi;
	bool intx;
	unsigned int intx_changes;
};

static inline struct fake_host *fake_of(struct pci_dev *pdev)
{
	return pdev->host_data;
}

static inline int fake_dma_rw(struct pci_dev *pdev, uint64_t iova, void *buf,
			      size_t len, bool is_write)
{
	struct fake_host *h = fake_of(pdev);

	h->dma_calls++;
	if (h->fault_all || iova < FAKE_MEM_BASE ||
	    iova - FAKE_MEM_BASE > FAKE_MEM_SIZE ||
	    len > FAKE_MEM_SIZE - (iova - FAKE_MEM_BASE))
		return -EFAULT;
	if (is_write)
		memcpy(h->mem + (iova - FAKE_MEM_BASE), buf, len);
	else
		memcpy(buf, h->mem + (iova - FAKE_MEM_BASE), len);
	return 0;
}

static inline void fake_msi(struct pci_dev *pdev, unsigned int vector)
{
	struct fake_host *h = fake_of(pdev);

	h->msi_total++;
	h->last_msi = vector;
	if (vector < FAKE_MAX_VEC)
		h->msi_count[vector]++;
}

static inline void fake_intx(struct pci_dev *pdev, bool level)
{
	struct fake_host *h = fake_of(pdev);

	h->intx = level;
	h->intx_changes++;
}

static const struct pci_host_ops fake_host_ops = {
	.dma_rw = fake_dma_rw,
	.msi = fake_msi,
	.intx = fake_intx,
};

#endif /* UVFIO_TEST_PCI_FAKE_HOST_H */
