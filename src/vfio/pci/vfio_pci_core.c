// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: a device fd for an emulated PCI function.
 *
 * Regions sit at fixed offsets: region index << 40 (BARs 0-5, ROM 6,
 * config 7, VGA 8), as vfio-pci lays them out. Each device ioctl follows
 * the same argsz rules: the minimum size is the end of the last mandatory
 * field, shorter is EINVAL, unknown indexes are EINVAL, and the answer is
 * copied back over the caller's struct.
 *
 * Open enables the device for the user (fresh virtual config space, no
 * interrupts); the last close disables interrupts and resets the device
 * when a reset method exists, so the next user gets a clean device.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"
#include "core/log.h"
#include "core/util.h"
#include "pci/pci_regs.h"
#include "vfio/pci/vfio_pci_priv.h"

static int vfio_pci_open_device(struct vfio_device *vdev)
{
	struct vfio_pci_core_device *vpci = to_vpci(vdev);
	struct pci_dev *pdev = vpci->pdev;
	uint16_t cmd = pci_config_read(pdev, PCI_COMMAND, 2);
	int i;

	/* Enabling the device turns on decoding of the BARs it has. */
	for (i = 0; i < PCI_NUM_BARS; i++) {
		if (!pdev->bars[i].size)
			continue;
		cmd |= pdev->bars[i].kind == PCI_BAR_IO ? PCI_COMMAND_IO :
							 PCI_COMMAND_MEMORY;
	}
	pci_config_write(pdev, PCI_COMMAND, 2, cmd);
	vfio_config_init(vpci);
	vpci->irq_type = VFIO_PCI_IRQ_NONE;
	vpci->intx_masked = false;
	vpci->virq_disabled = false;
	return 0;
}

static void vfio_pci_close_device(struct vfio_device *vdev)
{
	struct vfio_pci_core_device *vpci = to_vpci(vdev);

	vfio_pci_runtime_pm_exit(vpci);
	vfio_pci_ioeventfds_release(vpci);
	vfio_pci_irqs_disable_all(vpci);
	if (vpci->reset_works)
		pci_dev_reset(vpci->pdev);
	/* Leave bus mastering off for the next owner, as vfio-pci does. */
	pci_config_write(vpci->pdev, PCI_COMMAND, 2,
			 pci_config_read(vpci->pdev, PCI_COMMAND, 2) &
			 ~(PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY | PCI_COMMAND_IO));
}

static long vfio_pci_ioctl_get_info(struct vfio_pci_core_device *vpci,
				    struct uvfio_call *call, uint64_t arg)
{
	struct vfio_device_info info;
	size_t minsz = offsetof(struct vfio_device_info, num_irqs) +
		       sizeof(info.num_irqs);
	int rc;

	rc = vfio_copy_argsz(call, &info, minsz, arg, NULL);
	if (rc)
		return rc;
	info.flags = VFIO_DEVICE_FLAGS_PCI;
	if (vpci->reset_works)
		info.flags |= VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = VFIO_PCI_NUM_IRQS;
	return copy_to_user(call, arg, &info, minsz) ? -EFAULT : 0;
}

/*
 * The BAR holding the MSI-X table may be mmapped whole (the platform
 * remaps interrupts): say so with the MSIX_MAPPABLE capability, in the
 * chain after the fixed struct. Too small an argsz gets the size needed
 * and no chain, as vfio_info_add_capability's users answer.
 */
static int region_info_msix_cap(struct uvfio_call *call,
				struct vfio_region_info *info, uint64_t arg)
{
	struct vfio_region_info_cap_msix_mappable { /* header only */
		struct vfio_info_cap_header header;
	} cap = { .header = { .id = VFIO_REGION_INFO_CAP_MSIX_MAPPABLE,
			      .version = 1, .next = 0 } };

	info->flags |= VFIO_REGION_INFO_FLAG_CAPS;
	if (info->argsz < sizeof(*info) + sizeof(cap)) {
		info->argsz = sizeof(*info) + sizeof(cap);
		info->cap_offset = 0;
		return 0;
	}
	if (copy_to_user(call, arg + sizeof(*info), &cap, sizeof(cap)))
		return -EFAULT;
	info->cap_offset = sizeof(*info);
	return 0;
}

static long vfio_pci_ioctl_get_region_info(struct vfio_pci_core_device *vpci,
					   struct uvfio_call *call,
					   uint64_t arg)
{
	struct pci_dev *pdev = vpci->pdev;
	struct vfio_region_info info;
	size_t minsz = offsetof(struct vfio_region_info, offset) +
		       sizeof(info.offset);
	int rc;

	rc = vfio_copy_argsz(call, &info, minsz, arg, NULL);
	if (rc)
		return rc;
	switch (info.index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info.size = pdev->config_size;
		info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_BAR0_REGION_INDEX ... VFIO_PCI_BAR5_REGION_INDEX:
		info.size = pdev->bars[info.index].size;
		if (!info.size) {
			info.flags = 0;
			break;
		}
		info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		if (pdev->bars[info.index].kind != PCI_BAR_IO &&
		    info.size >= 4096)
			info.flags |= VFIO_REGION_INFO_FLAG_MMAP;
		break;
	case VFIO_PCI_ROM_REGION_INDEX:
		info.size = pdev->rom_size;
		info.flags = info.size ? VFIO_REGION_INFO_FLAG_READ : 0;
		break;
	case VFIO_PCI_VGA_REGION_INDEX:
		/* Only VGA-class devices have the legacy VGA region. */
		return -EINVAL;
	default:
		return -EINVAL;
	}
	info.offset = VFIO_PCI_INDEX_TO_OFFSET(info.index);
	info.cap_offset = 0;
	if (info.flags & VFIO_REGION_INFO_FLAG_MMAP &&
	    (int)info.index == pdev->msix_table_bar) {
		rc = region_info_msix_cap(call, &info, arg);
		if (rc)
			return rc;
	}
	return copy_to_user(call, arg, &info, minsz) ? -EFAULT : 0;
}

static long vfio_pci_ioctl_get_irq_info(struct vfio_pci_core_device *vpci,
					struct uvfio_call *call, uint64_t arg)
{
	struct vfio_irq_info info;
	size_t minsz = offsetof(struct vfio_irq_info, count) + sizeof(info.count);
	int rc;

	rc = vfio_copy_argsz(call, &info, minsz, arg, NULL);
	if (rc)
		return rc;
	if (info.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	if (info.index == VFIO_PCI_ERR_IRQ_INDEX && !vpci->pdev->pcie_cap)
		return -EINVAL;
	info.flags = VFIO_IRQ_INFO_EVENTFD;
	info.count = vfio_pci_irq_count(vpci, info.index);
	if (info.index == VFIO_PCI_INTX_IRQ_INDEX)
		info.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else if (info.index != VFIO_PCI_MSIX_IRQ_INDEX)
		info.flags |= VFIO_IRQ_INFO_NORESIZE;
	return copy_to_user(call, arg, &info, minsz) ? -EFAULT : 0;
}

int vfio_pci_reset_function(struct vfio_pci_core_device *vpci)
{
	/*
	 * As pci_try_reset_function(): the host saves and restores the
	 * function's config space (command, BARs, MSI/MSI-X state) around
	 * the reset, interrupts stay wired, and the user's vconfig is kept.
	 */
	return pci_dev_reset_function(vpci->pdev);
}

static long vfio_pci_ioctl_reset(struct vfio_pci_core_device *vpci)
{
	if (!vpci->reset_works)
		return -EINVAL;
	pci_dev_set_power_state(vpci->pdev, PCI_D0);
	return vfio_pci_reset_function(vpci);
}

static long vfio_pci_ioctl(struct vfio_device *vdev, struct uvfio_call *call,
			   unsigned long cmd, uint64_t arg)
{
	struct vfio_pci_core_device *vpci = to_vpci(vdev);

	vfio_pci_runtime_get(vpci);
	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return vfio_pci_ioctl_get_info(vpci, call, arg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return vfio_pci_ioctl_get_region_info(vpci, call, arg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return vfio_pci_ioctl_get_irq_info(vpci, call, arg);
	case VFIO_DEVICE_SET_IRQS:
		return vfio_pci_ioctl_set_irqs(vpci, call, arg);
	case VFIO_DEVICE_RESET:
		return vfio_pci_ioctl_reset(vpci);
	case VFIO_DEVICE_IOEVENTFD:
		return vfio_pci_ioctl_ioeventfd(vpci, call, arg);
	case VFIO_DEVICE_GET_PCI_HOT_RESET_INFO:
		return vfio_pci_ioctl_get_pci_hot_reset_info(vpci, call, arg);
	case VFIO_DEVICE_PCI_HOT_RESET:
		return vfio_pci_ioctl_pci_hot_reset(vpci, call, arg);
	default:
		return -ENOTTY;
	}
}

static ssize_t vfio_pci_rw(struct vfio_device *vdev, struct uvfio_call *call,
			   uint64_t ubuf, size_t count, uint64_t *ppos,
			   bool is_write)
{
	struct vfio_pci_core_device *vpci = to_vpci(vdev);
	unsigned int index = VFIO_PCI_OFFSET_TO_INDEX(*ppos);
	uint64_t pos = *ppos & VFIO_PCI_OFFSET_MASK;
	ssize_t n;

	vfio_pci_runtime_get(vpci);
	if (index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		n = vfio_pci_config_rw(vpci, call, ubuf, count, pos, is_write);
		break;
	case VFIO_PCI_ROM_REGION_INDEX:
		if (is_write)
			return -EINVAL;
		n = vfio_pci_bar_rw(vpci, call, index, ubuf, count, pos, false);
		break;
	case VFIO_PCI_BAR0_REGION_INDEX ... VFIO_PCI_BAR5_REGION_INDEX:
		n = vfio_pci_bar_rw(vpci, call, index, ubuf, count, pos, is_write);
		break;
	default:
		return -EINVAL;
	}
	if (n > 0)
		*ppos += n;
	return n;
}

static ssize_t vfio_pci_read(struct vfio_device *vdev, struct uvfio_call *call,
			     uint64_t ubuf, size_t count, uint64_t *ppos)
{
	return vfio_pci_rw(vdev, call, ubuf, count, ppos, false);
}

static ssize_t vfio_pci_write(struct vfio_device *vdev, struct uvfio_call *call,
			      uint64_t ubuf, size_t count, uint64_t *ppos)
{
	return vfio_pci_rw(vdev, call, ubuf, count, ppos, true);
}

static int vfio_pci_mmap(struct vfio_device *vdev, struct uvfio_call *call,
			 uint64_t off, uint64_t len, int prot,
			 struct uvfio_mmap_info *info)
{
	struct pci_dev *pdev = vdev->pdev;
	unsigned int index = VFIO_PCI_OFFSET_TO_INDEX(off);
	uint64_t pos = off & VFIO_PCI_OFFSET_MASK;
	struct pci_bar *bar;
	uint64_t end;

	if (index > VFIO_PCI_BAR5_REGION_INDEX)
		return -EINVAL;
	bar = &pdev->bars[index];
	if (!bar->size || bar->kind == PCI_BAR_IO || bar->size < 4096)
		return -EINVAL;
	if (!IS_ALIGNED(pos, 4096) || __builtin_add_overflow(pos, len, &end) ||
	    end > bar->size || !len)
		return -EINVAL;
	if (bar->kind == PCI_BAR_RAM && bar->ram_fd >= 0) {
		int fd = dup(bar->ram_fd);

		if (fd < 0)
			return -errno;
		info->kind = UVFIO_MAP_FD;
		info->fd_offset = pos;
		return uvfio_call_add_fd(call, fd, UVFIO_FD_RET, 0);
	}
	info->kind = UVFIO_MAP_TRAP;
	return 0;
}

/*
 * One trapped access to an mmapped BAR. A 64-byte access (MOVDIR64B) must
 * be 64-byte aligned and reaches the function as eight 8-byte accesses in
 * address order.
 */
static int vfio_pci_mmio(struct vfio_device *vdev, uint64_t off,
			 unsigned int size, bool is_write, void *data)
{
	struct pci_dev *pdev = vdev->pdev;
	unsigned int index = VFIO_PCI_OFFSET_TO_INDEX(off), i, step;
	uint64_t pos = off & VFIO_PCI_OFFSET_MASK;
	uint64_t val = 0;

	if (index > VFIO_PCI_BAR5_REGION_INDEX || !pdev->bars[index].size)
		return -EINVAL;
	if ((size != 1 && size != 2 && size != 4 && size != 8 && size != 64) ||
	    (size == 64 && (pos & 63)) ||
	    pos + size > pdev->bars[index].size || pos + size < pos)
		return -EINVAL;
	/* vfio_pci_mmap_fault(): SIGBUS in low power or with decode off. */
	if (vdev->pci->pm_runtime_engaged ||
	    !vfio_pci_memory_enabled(vdev->pci))
		return -EFAULT;
	step = size == 64 ? 8 : size;
	for (i = 0; i < size; i += step) {
		if (is_write) {
			memcpy(&val, (uint8_t *)data + i, step);
			pci_bar_write(pdev, (int)index, pos + i, step, val);
		} else {
			val = pci_bar_read(pdev, (int)index, pos + i, step);
			memcpy((uint8_t *)data + i, &val, step);
		}
	}
	return 0;
}

/* ---- low power (runtime PM) ----------------------------------------- */

/*
 * vfio-pci resumes the device around every access through the device fd
 * (vfio_device_pm_runtime_get): with a wake-up eventfd that access
 * signals it and ends low power; without one the device only wakes for
 * the access. mmaps fault (SIGBUS) for as long as low power lasts. The
 * emulated function itself is left in D0 (docs/deviations.md).
 */
void vfio_pci_runtime_pm_exit(struct vfio_pci_core_device *vpci)
{
	vpci->pm_runtime_engaged = false;
	if (vpci->pm_wake_fd >= 0)
		close(vpci->pm_wake_fd);
	vpci->pm_wake_fd = -1;
}

void vfio_pci_runtime_get(struct vfio_pci_core_device *vpci)
{
	if (vpci->pm_runtime_engaged && vpci->pm_wake_fd >= 0) {
		vfio_pci_eventfd_signal(vpci->pm_wake_fd);
		vfio_pci_runtime_pm_exit(vpci);
	}
}

/* vfio_check_feature(): 1 to do it, 0 for a good probe, or -EINVAL. */
static int feature_check(uint32_t flags, size_t argsz, uint32_t ops,
			 size_t minsz)
{
	if ((flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET)) & ~ops)
		return -EINVAL;
	if (flags & VFIO_DEVICE_FEATURE_PROBE)
		return 0;
	if (!(flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET)))
		return -EINVAL;
	if (argsz < minsz)
		return -EINVAL;
	return 1;
}

static int pm_entry(struct vfio_pci_core_device *vpci, int wake_fd)
{
	if (vpci->pm_runtime_engaged)
		return -EINVAL;
	vpci->pm_runtime_engaged = true;
	vpci->pm_wake_fd = wake_fd;
	return 0;
}

static int feature_pm_entry_wakeup(struct vfio_pci_core_device *vpci,
				   struct uvfio_call *call, uint32_t flags,
				   uint64_t arg, size_t argsz)
{
	struct vfio_device_low_power_entry_with_wakeup entry;
	int rc, fd;

	rc = feature_check(flags, argsz, VFIO_DEVICE_FEATURE_SET, sizeof(entry));
	if (rc != 1)
		return rc;
	if (copy_from_user(call, &entry, arg, sizeof(entry)))
		return -EFAULT;
	if (entry.wakeup_eventfd < 0)
		return -EINVAL;
	fd = vfio_pci_eventfd_get(call, entry.wakeup_eventfd);
	if (fd < 0)
		return fd;
	rc = pm_entry(vpci, fd);
	if (rc)
		close(fd);
	return rc;
}

static int vfio_pci_device_feature(struct vfio_device *vdev,
				   struct uvfio_call *call, uint32_t flags,
				   uint64_t arg, size_t argsz)
{
	struct vfio_pci_core_device *vpci = to_vpci(vdev);
	int rc;

	/* The ioctl itself is an access: it wakes the device first. */
	vfio_pci_runtime_get(vpci);
	switch (flags & VFIO_DEVICE_FEATURE_MASK) {
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY:
		rc = feature_check(flags, argsz, VFIO_DEVICE_FEATURE_SET, 0);
		return rc != 1 ? rc : pm_entry(vpci, -1);
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP:
		return feature_pm_entry_wakeup(vpci, call, flags, arg, argsz);
	case VFIO_DEVICE_FEATURE_LOW_POWER_EXIT:
		rc = feature_check(flags, argsz, VFIO_DEVICE_FEATURE_SET, 0);
		if (rc == 1)
			vfio_pci_runtime_pm_exit(vpci);
		return rc < 0 ? rc : 0;
	default:
		/* BUS_MASTER is vfio-cdx's; vfio-pci answers ENOTTY too. */
		return -ENOTTY;
	}
}

static const struct vfio_device_ops vfio_pci_ops = {
	.name = "vfio-pci",
	.open_device = vfio_pci_open_device,
	.close_device = vfio_pci_close_device,
	.read = vfio_pci_read,
	.write = vfio_pci_write,
	.ioctl = vfio_pci_ioctl,
	.mmap = vfio_pci_mmap,
	.mmio = vfio_pci_mmio,
	.device_feature = vfio_pci_device_feature,
};

int vfio_pci_probe(struct pci_dev *pdev, unsigned int index,
		   unsigned int group_id, struct vfio_device **ret)
{
	struct vfio_pci_core_device *vpci;
	int rc;

	vpci = uvfio_zalloc(sizeof(*vpci));
	if (!vpci)
		return -ENOMEM;
	vpci->pdev = pdev;
	vpci->irq_type = VFIO_PCI_IRQ_NONE;
	vpci->intx_unmask_fd = vpci->err_trigger = vpci->req_trigger = -1;
	vpci->pm_wake_fd = -1;
	vpci->vdev.ops = &vfio_pci_ops;
	vpci->vdev.pdev = pdev;
	vpci->vdev.pci = vpci;
	vpci->vdev.index = index;
	vpci->vdev.group_id = group_id;
	pdev->host_data = &vpci->vdev;
	rc = vfio_register_device(&vpci->vdev);
	if (rc) {
		pdev->host_data = NULL;
		free(vpci);
		return rc;
	}
	*ret = &vpci->vdev;
	return 0;
}

/* The platform knows which reset methods reach the function. */
void vfio_pci_set_reset_works(struct vfio_device *vdev, bool works)
{
	vdev->pci->reset_works = works;
}

void vfio_pci_remove(struct vfio_device *vdev)
{
	struct vfio_pci_core_device *vpci = to_vpci(vdev);

	vfio_pci_runtime_pm_exit(vpci);
	vfio_pci_ioeventfds_release(vpci);
	vfio_pci_irqs_disable_all(vpci);
	vfio_unregister_device(vdev);
	vdev->pdev->host_data = NULL;
	free(vpci->ctx);
	free(vpci);
}
