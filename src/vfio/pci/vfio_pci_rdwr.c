// SPDX-License-Identifier: GPL-2.0-only
/*
 * BAR and ROM access through read()/write() on the device fd.
 *
 * An access is split into naturally aligned pieces of 8, 4, 2 or 1 bytes
 * and each piece is one register access on the device, as vfio-pci does
 * with ioread/iowrite. Memory BARs answer only while memory decoding is
 * enabled in the user's command register (EIO otherwise). The MSI-X
 * table and PBA belong to the interrupt layer: reads there return all
 * ones and writes are dropped.
 */
#include <errno.h>
#include <string.h>

#include "core/file.h"
#include "core/util.h"
#include "pci/pci_regs.h"
#include "vfio/pci/vfio_pci_priv.h"

static bool memory_enabled(struct vfio_pci_core_device *vpci)
{
	uint16_t cmd;

	memcpy(&cmd, vpci->vconfig + PCI_COMMAND, sizeof(cmd));
	return cmd & PCI_COMMAND_MEMORY;
}

/* The MSI-X table range inside this BAR, [start, end), if any. */
static void msix_hole(struct vfio_pci_core_device *vpci, unsigned int index,
		      uint64_t *start, uint64_t *end)
{
	struct pci_dev *pdev = vpci->pdev;

	*start = *end = 0;
	if (!pdev->msix_cap || pdev->msix_table_bar != (int)index)
		return;
	*start = pdev->msix_table_off;
	*end = *start + ALIGN_UP((uint64_t)pdev->msix_nvec * PCI_MSIX_ENTRY_SIZE, 8);
}

static ssize_t rom_read(struct vfio_pci_core_device *vpci,
			struct uvfio_call *call, uint64_t ubuf, size_t count,
			uint64_t pos)
{
	struct pci_dev *pdev = vpci->pdev;

	if (!pdev->rom_size || !pdev->rom)
		return -EINVAL;
	if (pos >= pdev->rom_size)
		return -EINVAL;
	count = min_t(size_t, count, pdev->rom_size - pos);
	return copy_to_user(call, ubuf, pdev->rom + pos, count) ? -EFAULT : (ssize_t)count;
}

static ssize_t ram_rw(struct pci_bar *bar, struct uvfio_call *call,
		      uint64_t ubuf, size_t count, uint64_t pos, bool is_write)
{
	int rc;

	if (is_write)
		rc = copy_from_user(call, (uint8_t *)bar->ram + pos, ubuf, count);
	else
		rc = copy_to_user(call, ubuf, (uint8_t *)bar->ram + pos, count);
	return rc ? -EFAULT : (ssize_t)count;
}

ssize_t vfio_pci_bar_rw(struct vfio_pci_core_device *vpci,
			struct uvfio_call *call, unsigned int index,
			uint64_t ubuf, size_t count, uint64_t pos,
			bool is_write)
{
	struct pci_dev *pdev = vpci->pdev;
	struct pci_bar *bar;
	uint64_t x_start, x_end;
	size_t done = 0;

	if (index == VFIO_PCI_ROM_REGION_INDEX)
		return rom_read(vpci, call, ubuf, count, pos);
	bar = &pdev->bars[index];
	if (!bar->size || pos >= bar->size)
		return -EINVAL;
	count = min_t(size_t, count, bar->size - pos);
	if (bar->kind != PCI_BAR_IO && !memory_enabled(vpci))
		return -EIO;
	if (bar->kind == PCI_BAR_RAM && bar->ram)
		return ram_rw(bar, call, ubuf, count, pos, is_write);
	msix_hole(vpci, index, &x_start, &x_end);
	while (done < count) {
		uint64_t off = pos + done;
		size_t left = count - done;
		unsigned int size;
		uint64_t val = 0;

		if (off >= x_start && off < x_end) {
			size = min_t(size_t, left, x_end - off);
			if (!is_write) {
				uint8_t ones[64];
				size_t k;

				memset(ones, 0xff, sizeof(ones));
				for (k = 0; k < size; k += sizeof(ones))
					if (copy_to_user(call, ubuf + done + k, ones,
							 min_t(size_t, sizeof(ones), size - k)))
						return -EFAULT;
			}
			done += size;
			continue;
		}
		if (left >= 8 && !(off & 7))
			size = 8;
		else if (left >= 4 && !(off & 3))
			size = 4;
		else if (left >= 2 && !(off & 1))
			size = 2;
		else
			size = 1;
		if (is_write) {
			if (copy_from_user(call, &val, ubuf + done, size))
				return -EFAULT;
			pci_bar_write(pdev, index, off, size, val);
		} else {
			val = pci_bar_read(pdev, index, off, size);
			if (copy_to_user(call, ubuf + done, &val, size))
				return -EFAULT;
		}
		done += size;
	}
	return done;
}
