// SPDX-License-Identifier: GPL-2.0-only
/*
 * What user space sees of a device's config space.
 *
 * Every byte has two masks: "virt" bits are emulated here and never reach
 * the device (the BARs, ROM BAR, interrupt line, the IO/memory-enable and
 * INTx-disable command bits, the MSI and MSI-X controls, which user space
 * drives through SET_IRQS instead); "write_ok" bits may be changed by the
 * user at all. Reads merge the emulated bits with the live device; writes
 * of non-emulated writable bits go through to the device. Everything else
 * reads as the device has it and ignores writes, as vfio-pci does.
 *
 * Accesses are split into naturally aligned pieces of 4, 2 or 1 bytes,
 * the way vfio-pci walks a read or write, so side effects happen at the
 * widths a driver expects.
 */
#include <errno.h>
#include <string.h>

#include "core/file.h"
#include "core/util.h"
#include "pci/pci_regs.h"
#include "vfio/pci/vfio_pci_priv.h"

static void set_mask(uint8_t *m, unsigned int off, unsigned int len,
		     uint32_t bits)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		m[off + i] = (bits >> (8 * i)) & 0xff;
}

static void bar_init(struct vfio_pci_core_device *vpci)
{
	struct pci_dev *pdev = vpci->pdev;
	int i;

	memset(vpci->virt + PCI_BASE_ADDRESS_0, 0xff, 24);
	memset(vpci->write_ok + PCI_BASE_ADDRESS_0, 0xff, 24);
	for (i = 0; i < PCI_NUM_BARS; i++)
		vpci->bar_size[i] = 0;
	for (i = 0; i < PCI_NUM_BARS; i++) {
		struct pci_bar *bar = &pdev->bars[i];

		if (!bar->size)
			continue;
		vpci->bar_size[i] = bar->size;
		if (bar->is_64bit)
			i++;
	}
	set_mask(vpci->virt, PCI_ROM_ADDRESS, 4, 0xffffffff);
	set_mask(vpci->write_ok, PCI_ROM_ADDRESS, 4, 0xffffffff);
}

static void caps_init(struct vfio_pci_core_device *vpci)
{
	struct pci_dev *pdev = vpci->pdev;

	if (pdev->msi_cap) {
		/* The whole MSI capability past its header is emulated. */
		unsigned int off = pdev->msi_cap + PCI_MSI_FLAGS;

		memset(vpci->virt + off, 0xff, 22);
		set_mask(vpci->write_ok, off, 2,
			 PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
		memset(vpci->write_ok + off + 2, 0xff, 20);
	}
	if (pdev->msix_cap) {
		unsigned int off = pdev->msix_cap + PCI_MSIX_FLAGS;

		set_mask(vpci->virt, off, 2, PCI_MSIX_FLAGS_ENABLE |
			 PCI_MSIX_FLAGS_MASKALL);
		set_mask(vpci->write_ok, off, 2, PCI_MSIX_FLAGS_ENABLE |
			 PCI_MSIX_FLAGS_MASKALL);
	}
	if (pdev->pm_cap)
		set_mask(vpci->write_ok, pdev->pm_cap + PCI_PM_CTRL, 2,
			 PCI_PM_CTRL_STATE_MASK | PCI_PM_CTRL_PME_ENABLE |
			 PCI_PM_CTRL_PME_STATUS);
	if (pdev->pcie_cap)
		set_mask(vpci->write_ok, pdev->pcie_cap + PCI_EXP_DEVCTL, 2,
			 0xffff);
}

void vfio_config_init(struct vfio_pci_core_device *vpci)
{
	struct pci_dev *pdev = vpci->pdev;
	unsigned int i;

	memset(vpci->virt, 0, sizeof(vpci->virt));
	memset(vpci->write_ok, 0, sizeof(vpci->write_ok));
	for (i = 0; i < pdev->config_size; i++)
		vpci->vconfig[i] = pci_config_read(pdev, i, 1);

	set_mask(vpci->virt, PCI_COMMAND, 2, PCI_COMMAND_IO |
		 PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE);
	set_mask(vpci->write_ok, PCI_COMMAND, 2, 0xffff);
	set_mask(vpci->write_ok, PCI_STATUS, 2, PCI_STATUS_W1C);
	vpci->write_ok[PCI_CACHE_LINE_SIZE] = 0xff;
	vpci->write_ok[PCI_LATENCY_TIMER] = 0xff;
	vpci->virt[PCI_INTERRUPT_LINE] = 0xff;
	vpci->write_ok[PCI_INTERRUPT_LINE] = 0xff;
	bar_init(vpci);
	caps_init(vpci);
}

/* Apply each BAR's size and type bits to what the user wrote. */
static void bar_fixup(struct vfio_pci_core_device *vpci)
{
	struct pci_dev *pdev = vpci->pdev;
	uint32_t v, mask;
	int i;

	for (i = 0; i < PCI_NUM_BARS; i++) {
		struct pci_bar *bar = &pdev->bars[i];
		unsigned int off = PCI_BASE_ADDRESS_0 + 4 * i;
		uint32_t hw_flags = pci_config_read(pdev, off, 4) & 0xf;

		memcpy(&v, vpci->vconfig + off, 4);
		if (!bar->size) {
			v = 0;
		} else if (bar->kind == PCI_BAR_IO) {
			mask = ~(uint32_t)(bar->size - 1);
			v = (v & mask & ~3u) | (hw_flags & 3);
		} else {
			mask = ~(uint32_t)(bar->size - 1);
			v = (v & mask & ~0xfu) | hw_flags;
		}
		memcpy(vpci->vconfig + off, &v, 4);
		if (bar->size && bar->is_64bit && i < PCI_NUM_BARS - 1) {
			uint64_t hi_mask = ~((bar->size - 1) >> 32);

			off += 4;
			memcpy(&v, vpci->vconfig + off, 4);
			v &= (uint32_t)hi_mask;
			memcpy(vpci->vconfig + off, &v, 4);
			i++;
		}
	}
	memcpy(&v, vpci->vconfig + PCI_ROM_ADDRESS, 4);
	if (!pdev->rom_size)
		v = 0;
	else
		v &= ~(uint32_t)(pdev->rom_size - 1) | PCI_ROM_ADDRESS_ENABLE;
	memcpy(vpci->vconfig + PCI_ROM_ADDRESS, &v, 4);
}

static uint32_t config_read_piece(struct vfio_pci_core_device *vpci,
				  unsigned int pos, unsigned int size)
{
	uint32_t hw = pci_config_read(vpci->pdev, pos, size);
	uint32_t virt = 0, v = 0;

	memcpy(&virt, vpci->virt + pos, size);
	memcpy(&v, vpci->vconfig + pos, size);
	return (v & virt) | (hw & ~virt);
}

static void command_written(struct vfio_pci_core_device *vpci)
{
	bool disable = vpci->vconfig[PCI_COMMAND + 1] &
		       (PCI_COMMAND_INTX_DISABLE >> 8);

	if (disable && !vpci->virq_disabled) {
		vpci->virq_disabled = true;
		vfio_pci_intx_mask(vpci);
	} else if (!disable && vpci->virq_disabled) {
		vpci->virq_disabled = false;
		vfio_pci_intx_unmask(vpci);
	}
}

static void config_write_piece(struct vfio_pci_core_device *vpci,
			       unsigned int pos, unsigned int size,
			       uint32_t val)
{
	struct pci_dev *pdev = vpci->pdev;
	uint32_t virt = 0, ok = 0, w1c = 0, v = 0;
	uint32_t direct;

	memcpy(&virt, vpci->virt + pos, size);
	memcpy(&ok, vpci->write_ok + pos, size);
	memcpy(&w1c, pdev->w1cmask + pos, size);
	memcpy(&v, vpci->vconfig + pos, size);

	v = (v & ~(ok & virt)) | (val & ok & virt);
	memcpy(vpci->vconfig + pos, &v, size);

	direct = ok & ~virt;
	if (direct) {
		uint32_t hw = pci_config_read(pdev, pos, size);

		/* Never clear a W1C bit the user did not write. */
		hw = (hw & ~direct & ~w1c) | (val & direct);
		pci_config_write(pdev, pos, size, hw);
	}
	if (pos <= PCI_COMMAND + 1 && pos + size > PCI_COMMAND)
		command_written(vpci);
	if (pos < PCI_ROM_ADDRESS + 4 && pos + size > PCI_BASE_ADDRESS_0)
		bar_fixup(vpci);
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
		unsigned int size;
		uint32_t val = 0;
		uint64_t p = pos + done;

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
	return done;
}
