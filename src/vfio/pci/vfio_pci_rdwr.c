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
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/daemon.h"
#include "core/file.h"
#include "core/util.h"
#include "pci/pci_regs.h"
#include "vfio/pci/vfio_pci_priv.h"

bool vfio_pci_memory_enabled(struct vfio_pci_core_device *vpci)
{
	struct pci_dev *pdev = vpci->pdev;
	uint16_t cmd, pm = 0;

	memcpy(&cmd, vpci->vconfig + PCI_COMMAND, sizeof(cmd));
	if (pdev->pm_cap)
		pm = (uint16_t)pci_config_read(pdev, pdev->pm_cap + PCI_PM_CTRL, 2);
	return (cmd & PCI_COMMAND_MEMORY) &&
	       (pm & PCI_PM_CTRL_STATE_MASK) < PCI_D3HOT;
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
	if (bar->kind != PCI_BAR_IO && !vfio_pci_memory_enabled(vpci))
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

/*
 * VFIO_DEVICE_IOEVENTFD: when the eventfd is signalled, the daemon writes
 * data to the BAR, as vfio-pci's virqfd thread does; a write to a memory
 * BAR is skipped while memory decoding is off. Entries are keyed by
 * (bar, offset, data, size); fd -1 removes the matching one. They are
 * released when the device is closed.
 */
static void ioeventfd_fire(void *data)
{
	struct vfio_pci_ioeventfd *ie = data;
	struct vfio_pci_core_device *vpci = ie->vpci;

	if (vpci->pdev->bars[ie->bar].kind != PCI_BAR_IO &&
	    !vfio_pci_memory_enabled(vpci))
		return;
	pci_bar_write(vpci->pdev, (int)ie->bar, ie->pos, ie->count, ie->data);
}

static void ioeventfd_free(struct vfio_pci_ioeventfd *ie)
{
	uvfio_unwatch_fd(ie->fd);
	close(ie->fd);
	free(ie);
}

static int ioeventfd_add(struct vfio_pci_core_device *vpci,
			 struct uvfio_call *call, unsigned int bar,
			 uint64_t pos, uint64_t data, unsigned int count,
			 int32_t fd)
{
	struct vfio_pci_ioeventfd *ie;
	int dfd, rc;

	if (vpci->ioeventfds_nr >= VFIO_PCI_IOEVENTFD_MAX)
		return -ENOSPC;
	dfd = vfio_pci_eventfd_get(call, fd);
	if (dfd < 0)
		return dfd;
	ie = uvfio_zalloc(sizeof(*ie));
	if (!ie) {
		close(dfd);
		return -ENOMEM;
	}
	*ie = (struct vfio_pci_ioeventfd){ .vpci = vpci, .fd = dfd, .bar = bar,
					   .count = count, .pos = pos,
					   .data = data };
	rc = uvfio_watch_fd(dfd, ioeventfd_fire, ie);
	if (rc) {
		close(dfd);
		free(ie);
		return rc;
	}
	ie->next = vpci->ioeventfds;
	vpci->ioeventfds = ie;
	vpci->ioeventfds_nr++;
	return 0;
}

static int ioeventfd_set(struct vfio_pci_core_device *vpci,
			 struct uvfio_call *call, uint64_t offset,
			 uint64_t data, unsigned int count, int32_t fd)
{
	struct pci_dev *pdev = vpci->pdev;
	unsigned int bar = (unsigned int)VFIO_PCI_OFFSET_TO_INDEX(offset);
	uint64_t pos = offset & VFIO_PCI_OFFSET_MASK, x_start, x_end;
	struct vfio_pci_ioeventfd **pp, *ie;

	if (bar > VFIO_PCI_BAR5_REGION_INDEX)
		return -EINVAL;
	if (pos + count > pdev->bars[bar].size)
		return -EINVAL;
	/* No working around the MSI-X table. */
	msix_hole(vpci, bar, &x_start, &x_end);
	if (x_end && !(pos + count <= x_start || pos >= x_end))
		return -EINVAL;
	if (!pdev->bars[bar].size)
		return -EINVAL;	/* vfio-pci cannot map an absent BAR */
	for (pp = &vpci->ioeventfds; (ie = *pp); pp = &ie->next) {
		if (ie->pos != pos || ie->bar != bar || ie->data != data ||
		    ie->count != count)
			continue;
		if (fd != -1)
			return -EEXIST;
		*pp = ie->next;
		vpci->ioeventfds_nr--;
		ioeventfd_free(ie);
		return 0;
	}
	if (fd < 0)
		return -ENODEV;
	return ioeventfd_add(vpci, call, bar, pos, data, count, fd);
}

long vfio_pci_ioctl_ioeventfd(struct vfio_pci_core_device *vpci,
			      struct uvfio_call *call, uint64_t arg)
{
	struct vfio_device_ioeventfd ie;
	size_t minsz = offsetof(struct vfio_device_ioeventfd, fd) + sizeof(ie.fd);
	unsigned int count;

	if (copy_from_user(call, &ie, arg, minsz))
		return -EFAULT;
	if (ie.argsz < minsz)
		return -EINVAL;
	if (ie.flags & ~VFIO_DEVICE_IOEVENTFD_SIZE_MASK)
		return -EINVAL;
	count = ie.flags & VFIO_DEVICE_IOEVENTFD_SIZE_MASK;
	if (__builtin_popcount(count) != 1 || ie.fd < -1)
		return -EINVAL;
	return ioeventfd_set(vpci, call, ie.offset, ie.data, count, ie.fd);
}

void vfio_pci_ioeventfds_release(struct vfio_pci_core_device *vpci)
{
	struct vfio_pci_ioeventfd *ie;

	while ((ie = vpci->ioeventfds)) {
		vpci->ioeventfds = ie->next;
		ioeventfd_free(ie);
	}
	vpci->ioeventfds_nr = 0;
}
