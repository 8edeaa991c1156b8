// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO_DEVICE_SET_IRQS for vfio-pci: device interrupts become writes of 1
 * to the user's eventfds.
 *
 * One interrupt type is active at a time (INTx, MSI or MSI-X); switching
 * needs the active one disabled first (count 0 with DATA_NONE), as in
 * vfio-pci. INTx is level-triggered and automasked: the first assertion
 * signals the trigger and masks; unmasking while the line is still
 * asserted signals again. MSI and MSI-X signal one eventfd per vector.
 * The daemon keeps its own reference to each eventfd, so the program may
 * close its copy while the interrupt stays wired.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/daemon.h"
#include "core/file.h"
#include "core/log.h"
#include "core/util.h"
#include "pci/pci_regs.h"
#include "vfio/pci/vfio_pci_priv.h"

void vfio_pci_eventfd_signal(int fd)
{
	uint64_t one = 1;

	if (fd >= 0 && write(fd, &one, sizeof(one)) != sizeof(one))
		pr_debug("eventfd %d: %m", fd);
}

static void fd_release(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static bool is_eventfd(int fd)
{
	char path[64], target[32];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return !strcmp(target, "anon_inode:[eventfd]");
}

/*
 * The daemon's own copy of the caller's eventfd, as eventfd_ctx_fdget():
 * -EBADF for a number that is not an open fd, -EINVAL for another kind.
 */
int vfio_pci_eventfd_get(struct uvfio_call *call, int32_t fd)
{
	int dfd = uvfio_call_fd(call, fd);

	if (dfd < 0)
		return -EBADF;
	if (!is_eventfd(dfd))
		return -EINVAL;
	dfd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	return dfd < 0 ? -errno : dfd;
}

unsigned int vfio_pci_irq_count(struct vfio_pci_core_device *vpci,
				unsigned int index)
{
	struct pci_dev *pdev = vpci->pdev;
	uint16_t flags;

	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		return pci_config_read(pdev, PCI_INTERRUPT_PIN, 1) ? 1 : 0;
	case VFIO_PCI_MSI_IRQ_INDEX:
		if (!pdev->msi_cap)
			return 0;
		flags = pci_config_read(pdev, pdev->msi_cap + PCI_MSI_FLAGS, 2);
		return 1u << ((flags & PCI_MSI_FLAGS_QMASK) >> 1);
	case VFIO_PCI_MSIX_IRQ_INDEX:
		if (!pdev->msix_cap)
			return 0;
		flags = pci_config_read(pdev, pdev->msix_cap + PCI_MSIX_FLAGS, 2);
		return (flags & PCI_MSIX_FLAGS_QSIZE) + 1;
	case VFIO_PCI_ERR_IRQ_INDEX:
		return pdev->pcie_cap ? 1 : 0;
	case VFIO_PCI_REQ_IRQ_INDEX:
		return 1;
	default:
		return 0;
	}
}

/* INTx */

/* The interrupt fired: it masks itself until the user unmasks it. */
static void intx_signal(struct vfio_pci_core_device *vpci)
{
	if (vpci->irq_type != VFIO_PCI_IRQ_INTX || !vpci->num_ctx)
		return;
	vpci->intx_masked = true;
	vpci->irqs_signalled++;
	vfio_pci_eventfd_signal(vpci->ctx[0].trigger);
}

/* Loopback (DATA_NONE/BOOL trigger): signal only, no automask. */
static void intx_loopback(struct vfio_pci_core_device *vpci)
{
	if (vpci->irq_type != VFIO_PCI_IRQ_INTX || vpci->virq_disabled ||
	    !vpci->num_ctx)
		return;
	vfio_pci_eventfd_signal(vpci->ctx[0].trigger);
}

void vfio_pci_host_intx(struct pci_dev *pdev, bool level)
{
	struct vfio_device *vdev = vfio_device_from_pdev(pdev);
	struct vfio_pci_core_device *vpci = vdev ? to_vpci(vdev) : NULL;

	if (!vpci || !level || vpci->irq_type != VFIO_PCI_IRQ_INTX)
		return;
	if (!vpci->intx_masked && !vpci->virq_disabled)
		intx_signal(vpci);
}

void vfio_pci_intx_mask(struct vfio_pci_core_device *vpci)
{
	if (vpci->irq_type == VFIO_PCI_IRQ_INTX)
		vpci->intx_masked = true;
}

void vfio_pci_intx_unmask(struct vfio_pci_core_device *vpci)
{
	if (vpci->irq_type != VFIO_PCI_IRQ_INTX || vpci->virq_disabled)
		return;
	vpci->intx_masked = false;
	/* Still asserted: deliver again, which masks again. */
	if (vpci->pdev->intx_level)
		intx_signal(vpci);
}

static void intx_unmask_cb(void *data)
{
	vfio_pci_intx_unmask(data);
}

static void intx_unmask_fd_clear(struct vfio_pci_core_device *vpci)
{
	if (vpci->intx_unmask_fd < 0)
		return;
	uvfio_unwatch_fd(vpci->intx_unmask_fd);
	fd_release(&vpci->intx_unmask_fd);
}

static int ctx_alloc(struct vfio_pci_core_device *vpci, unsigned int n)
{
	unsigned int i;

	vpci->ctx = uvfio_calloc(n, sizeof(*vpci->ctx));
	if (!vpci->ctx)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		vpci->ctx[i].trigger = -1;
	vpci->num_ctx = n;
	return 0;
}

static void ctx_free(struct vfio_pci_core_device *vpci)
{
	unsigned int i;

	for (i = 0; i < vpci->num_ctx; i++)
		fd_release(&vpci->ctx[i].trigger);
	free(vpci->ctx);
	vpci->ctx = NULL;
	vpci->num_ctx = 0;
}

static void intx_disable(struct vfio_pci_core_device *vpci)
{
	intx_unmask_fd_clear(vpci);
	ctx_free(vpci);
	vpci->irq_type = VFIO_PCI_IRQ_NONE;
	vpci->intx_masked = false;
}

static int intx_enable(struct vfio_pci_core_device *vpci)
{
	int rc;

	if (vpci->irq_type != VFIO_PCI_IRQ_NONE)
		return -EINVAL;
	if (!vfio_pci_irq_count(vpci, VFIO_PCI_INTX_IRQ_INDEX))
		return -ENODEV;
	rc = ctx_alloc(vpci, 1);
	if (rc)
		return rc;
	vpci->irq_type = VFIO_PCI_IRQ_INTX;
	/* INTx Disable set in the user's view starts masked. */
	vpci->intx_masked = vpci->virq_disabled;
	return 0;
}

static int intx_set_signal(struct vfio_pci_core_device *vpci,
			   struct uvfio_call *call, int32_t fd)
{
	int dfd = -1;

	if (fd >= 0) {
		dfd = vfio_pci_eventfd_get(call, fd);
		if (dfd < 0)
			return dfd;
	}
	fd_release(&vpci->ctx[0].trigger);
	vpci->ctx[0].trigger = dfd;
	return 0;
}

static int set_intx_trigger(struct vfio_pci_core_device *vpci,
			    struct uvfio_call *call, unsigned int start,
			    unsigned int count, uint32_t flags, void *data)
{
	bool is_intx = vpci->irq_type == VFIO_PCI_IRQ_INTX;
	int rc;

	if (is_intx && !count && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		intx_disable(vpci);
		return 0;
	}
	if (!(is_intx || vpci->irq_type == VFIO_PCI_IRQ_NONE) || start || count != 1)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		int32_t fd;

		memcpy(&fd, data, sizeof(fd));
		if (is_intx)
			return intx_set_signal(vpci, call, fd);
		rc = intx_enable(vpci);
		if (rc)
			return rc;
		rc = intx_set_signal(vpci, call, fd);
		if (rc)
			intx_disable(vpci);
		return rc;
	}
	if (!is_intx)
		return -EINVAL;
	if ((flags & VFIO_IRQ_SET_DATA_NONE) ||
	    ((flags & VFIO_IRQ_SET_DATA_BOOL) && *(uint8_t *)data))
		intx_loopback(vpci);
	return 0;
}

static int set_intx_mask(struct vfio_pci_core_device *vpci,
			 struct uvfio_call *call, unsigned int start,
			 unsigned int count, uint32_t flags, void *data)
{
	if (vpci->irq_type != VFIO_PCI_IRQ_INTX || start || count != 1)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD)
		return -ENOTTY;	/* as vfio-pci: not implemented there either */
	if ((flags & VFIO_IRQ_SET_DATA_NONE) || *(uint8_t *)data)
		vfio_pci_intx_mask(vpci);
	return 0;
}

static int set_intx_unmask(struct vfio_pci_core_device *vpci,
			   struct uvfio_call *call, unsigned int start,
			   unsigned int count, uint32_t flags, void *data)
{
	int32_t fd;
	int dfd, rc;

	if (vpci->irq_type != VFIO_PCI_IRQ_INTX || start || count != 1)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		vfio_pci_intx_unmask(vpci);
	} else if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (*(uint8_t *)data)
			vfio_pci_intx_unmask(vpci);
	} else {
		memcpy(&fd, data, sizeof(fd));
		if (fd < 0) {
			intx_unmask_fd_clear(vpci);
			return 0;
		}
		/* As vfio_virqfd_enable(): one unmask eventfd at a time. */
		if (vpci->intx_unmask_fd >= 0)
			return -EBUSY;
		dfd = vfio_pci_eventfd_get(call, fd);
		if (dfd < 0)
			return dfd;
		rc = uvfio_watch_fd(dfd, intx_unmask_cb, vpci);
		if (rc) {
			close(dfd);
			return rc;
		}
		vpci->intx_unmask_fd = dfd;
	}
	return 0;
}

/* MSI and MSI-X */

static void msi_hw_enable(struct vfio_pci_core_device *vpci, bool msix,
			  unsigned int nvec, bool on)
{
	struct pci_dev *pdev = vpci->pdev;
	uint16_t flags;

	if (msix) {
		flags = pci_config_read(pdev, pdev->msix_cap + PCI_MSIX_FLAGS, 2);
		flags = on ? (flags | PCI_MSIX_FLAGS_ENABLE) & ~PCI_MSIX_FLAGS_MASKALL
			   : flags & ~PCI_MSIX_FLAGS_ENABLE;
		pci_config_write(pdev, pdev->msix_cap + PCI_MSIX_FLAGS, 2, flags);
		return;
	}
	flags = pci_config_read(pdev, pdev->msi_cap + PCI_MSI_FLAGS, 2);
	flags &= ~(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
	if (on) {
		unsigned int qsize = 0;

		while ((1u << qsize) < nvec)
			qsize++;
		flags |= PCI_MSI_FLAGS_ENABLE | (qsize << 4);
	}
	pci_config_write(pdev, pdev->msi_cap + PCI_MSI_FLAGS, 2, flags);
}

static void msi_vector_mask(struct vfio_pci_core_device *vpci, unsigned int v,
			    bool masked);

static void msi_disable(struct vfio_pci_core_device *vpci)
{
	unsigned int v;

	for (v = 0; v < vpci->num_ctx; v++)
		if (vpci->ctx[v].trigger >= 0)
			msi_vector_mask(vpci, v, true);
	msi_hw_enable(vpci, vpci->irq_type == VFIO_PCI_IRQ_MSIX, 0, false);
	ctx_free(vpci);
	vpci->irq_type = VFIO_PCI_IRQ_NONE;
}

static int msi_enable(struct vfio_pci_core_device *vpci, unsigned int nvec,
		      bool msix)
{
	unsigned int max = vfio_pci_irq_count(vpci, msix ? VFIO_PCI_MSIX_IRQ_INDEX :
							   VFIO_PCI_MSI_IRQ_INDEX);
	int rc;

	if (vpci->irq_type != VFIO_PCI_IRQ_NONE)
		return -EINVAL;
	if (!nvec || nvec > max)
		return -ENOSPC;
	rc = ctx_alloc(vpci, msix ? max : nvec);
	if (rc)
		return rc;
	vpci->irq_type = msix ? VFIO_PCI_IRQ_MSIX : VFIO_PCI_IRQ_MSI;
	if (!msix) {
		/* What the virtual Multiple Message Capable now reports. */
		vpci->msi_qmax = 0;
		while ((1u << vpci->msi_qmax) < nvec)
			vpci->msi_qmax++;
	}
	msi_hw_enable(vpci, msix, nvec, true);
	return 0;
}

/*
 * The host's side of a vector: request_irq() unmasks it, free_irq()
 * masks it again. A message the function sends to a masked vector is held
 * in the pending bits and delivered when a trigger is assigned.
 */
static void msi_vector_mask(struct vfio_pci_core_device *vpci, unsigned int v,
			    bool masked)
{
	struct pci_dev *pdev = vpci->pdev;
	unsigned int reg;
	uint32_t bits;
	uint16_t flags;

	if (vpci->irq_type == VFIO_PCI_IRQ_MSIX) {
		pci_bar_write(pdev, pdev->msix_table_bar,
			      pdev->msix_table_off + v * PCI_MSIX_ENTRY_SIZE +
			      PCI_MSIX_ENTRY_VECTOR_CTRL, 4,
			      masked ? PCI_MSIX_ENTRY_CTRL_MASKBIT : 0);
		return;
	}
	flags = (uint16_t)pci_config_read(pdev, pdev->msi_cap + PCI_MSI_FLAGS, 2);
	if (!(flags & PCI_MSI_FLAGS_MASKBIT))
		return;
	reg = pdev->msi_cap + ((flags & PCI_MSI_FLAGS_64BIT) ? PCI_MSI_MASK_64 :
			       PCI_MSI_MASK_32);
	bits = pci_config_read(pdev, reg, 4);
	bits = masked ? bits | 1u << v : bits & ~(1u << v);
	pci_config_write(pdev, reg, 4, bits);
}

/* As vfio_msi_set_vector_signal(): release, then maybe assign. */
static int msi_set_vector(struct vfio_pci_core_device *vpci,
			  struct uvfio_call *call, unsigned int v, int32_t fd)
{
	int dfd;

	if (v < vpci->num_ctx && vpci->ctx[v].trigger >= 0) {
		msi_vector_mask(vpci, v, true);
		fd_release(&vpci->ctx[v].trigger);
	}
	if (fd < 0)
		return 0;
	if (v >= vpci->num_ctx)
		return -EINVAL;	/* no such vector allocated */
	dfd = vfio_pci_eventfd_get(call, fd);
	if (dfd < 0)
		return dfd;
	vpci->ctx[v].trigger = dfd;
	msi_vector_mask(vpci, v, false);
	return 0;
}

/* A failure de-assigns the vectors this call touched, as vfio-pci. */
static int msi_set_block(struct vfio_pci_core_device *vpci,
			 struct uvfio_call *call, unsigned int start,
			 unsigned int count, const int32_t *fds)
{
	unsigned int i, j;
	int rc = 0;

	for (i = 0, j = start; i < count && !rc; i++, j++)
		rc = msi_set_vector(vpci, call, j, fds ? fds[i] : -1);
	if (rc)
		for (i = start; i < j; i++)
			msi_set_vector(vpci, call, i, -1);
	return rc;
}

static int set_msi_trigger(struct vfio_pci_core_device *vpci,
			   struct uvfio_call *call, unsigned int index,
			   unsigned int start, unsigned int count,
			   uint32_t flags, void *data)
{
	bool msix = index == VFIO_PCI_MSIX_IRQ_INDEX;
	int type = msix ? VFIO_PCI_IRQ_MSIX : VFIO_PCI_IRQ_MSI;
	unsigned int i;
	int rc;

	if (vpci->irq_type == type && !count && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		msi_disable(vpci);
		return 0;
	}
	if (!(vpci->irq_type == type || vpci->irq_type == VFIO_PCI_IRQ_NONE))
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		if (vpci->irq_type == type)
			return msi_set_block(vpci, call, start, count, data);
		rc = msi_enable(vpci, start + count, msix);
		if (rc)
			return rc;
		rc = msi_set_block(vpci, call, start, count, data);
		if (rc)
			msi_disable(vpci);
		return rc;
	}
	if (vpci->irq_type != type)
		return -EINVAL;
	for (i = start; i < start + count && i < vpci->num_ctx; i++) {
		if ((flags & VFIO_IRQ_SET_DATA_NONE) ||
		    ((uint8_t *)data)[i - start])
			vfio_pci_eventfd_signal(vpci->ctx[i].trigger);
	}
	return 0;
}

void vfio_pci_host_msi(struct pci_dev *pdev, unsigned int vector)
{
	struct vfio_device *vdev = vfio_device_from_pdev(pdev);
	struct vfio_pci_core_device *vpci = vdev ? to_vpci(vdev) : NULL;

	if (!vpci || (vpci->irq_type != VFIO_PCI_IRQ_MSI &&
		      vpci->irq_type != VFIO_PCI_IRQ_MSIX))
		return;
	if (vector >= vpci->num_ctx)
		return;
	vpci->irqs_signalled++;
	vfio_pci_eventfd_signal(vpci->ctx[vector].trigger);
}

/*
 * ERR and REQ: one eventfd each, as vfio_pci_set_ctx_trigger_single():
 * DATA_NONE signals (count 1) or releases (count 0) an assigned eventfd
 * and is EINVAL without one; BOOL and EVENTFD need count 1; fd -1
 * releases, other negative fds are ignored.
 */
static int set_single_trigger(int *slot, struct uvfio_call *call,
			      unsigned int start, unsigned int count,
			      uint32_t flags, void *data)
{
	int32_t fd;
	int dfd;

	if (start || count > 1)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		if (*slot < 0)
			return -EINVAL;
		if (count)
			vfio_pci_eventfd_signal(*slot);
		else
			fd_release(slot);
		return 0;
	}
	if (!count)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (*(uint8_t *)data)
			vfio_pci_eventfd_signal(*slot);
		return 0;
	}
	memcpy(&fd, data, sizeof(fd));
	if (fd == -1) {
		fd_release(slot);
		return 0;
	}
	if (fd < 0)
		return 0;
	dfd = vfio_pci_eventfd_get(call, fd);
	if (dfd < 0)
		return dfd;
	fd_release(slot);
	*slot = dfd;
	return 0;
}

/* The core asks the user to release the device (REQ). */
void vfio_pci_request(struct vfio_pci_core_device *vpci)
{
	vfio_pci_eventfd_signal(vpci->req_trigger);
}

/* An uncorrectable error was detected (ERR). */
void vfio_pci_error_detected(struct vfio_pci_core_device *vpci)
{
	vfio_pci_eventfd_signal(vpci->err_trigger);
}

static int set_irqs_dispatch(struct vfio_pci_core_device *vpci,
			     struct uvfio_call *call, struct vfio_irq_set *hdr,
			     void *data)
{
	uint32_t action = hdr->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	unsigned int s = hdr->start, c = hdr->count;
	uint32_t f = hdr->flags;

	switch (hdr->index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_MASK)
			return set_intx_mask(vpci, call, s, c, f, data);
		if (action == VFIO_IRQ_SET_ACTION_UNMASK)
			return set_intx_unmask(vpci, call, s, c, f, data);
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return set_intx_trigger(vpci, call, s, c, f, data);
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
	case VFIO_PCI_MSIX_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return set_msi_trigger(vpci, call, hdr->index, s, c, f, data);
		break;
	case VFIO_PCI_ERR_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER && vpci->pdev->pcie_cap)
			return set_single_trigger(&vpci->err_trigger, call, s, c, f, data);
		break;
	case VFIO_PCI_REQ_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return set_single_trigger(&vpci->req_trigger, call, s, c, f, data);
		break;
	}
	return -ENOTTY;
}

/* The checks every VFIO bus driver applies to a vfio_irq_set header. */
static int set_irqs_validate(struct vfio_irq_set *hdr, unsigned int num_irqs,
			     size_t *data_size)
{
	size_t minsz = offsetof(struct vfio_irq_set, count) + sizeof(hdr->count);
	size_t size;

	if (hdr->argsz < minsz || hdr->index >= VFIO_PCI_NUM_IRQS ||
	    hdr->count >= UINT32_MAX - hdr->start ||
	    (hdr->flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK |
			    VFIO_IRQ_SET_ACTION_TYPE_MASK)))
		return -EINVAL;
	*data_size = 0;
	if (hdr->start >= num_irqs || hdr->start + hdr->count > num_irqs)
		return -EINVAL;
	switch (hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE:
		size = 0;
		break;
	case VFIO_IRQ_SET_DATA_BOOL:
		size = sizeof(uint8_t);
		break;
	case VFIO_IRQ_SET_DATA_EVENTFD:
		size = sizeof(int32_t);
		break;
	default:
		return -EINVAL;
	}
	if (size) {
		if (hdr->argsz - minsz < (size_t)hdr->count * size)
			return -EINVAL;
		*data_size = (size_t)hdr->count * size;
	}
	return 0;
}

long vfio_pci_ioctl_set_irqs(struct vfio_pci_core_device *vpci,
			     struct uvfio_call *call, uint64_t arg)
{
	struct vfio_irq_set hdr;
	size_t minsz = offsetof(struct vfio_irq_set, count) + sizeof(hdr.count);
	size_t data_size;
	void *data = NULL;
	int rc;

	if (copy_from_user(call, &hdr, arg, minsz))
		return -EFAULT;
	rc = set_irqs_validate(&hdr, vfio_pci_irq_count(vpci, hdr.index < VFIO_PCI_NUM_IRQS ?
							     hdr.index : 0),
			       &data_size);
	if (rc)
		return rc;
	if (data_size) {
		data = malloc(data_size);
		if (!data)
			return -ENOMEM;
		if (copy_from_user(call, data, arg + minsz, data_size)) {
			free(data);
			return -EFAULT;
		}
	}
	rc = set_irqs_dispatch(vpci, call, &hdr, data);
	free(data);
	return rc;
}

void vfio_pci_irqs_disable_all(struct vfio_pci_core_device *vpci)
{
	if (vpci->irq_type == VFIO_PCI_IRQ_INTX)
		intx_disable(vpci);
	else if (vpci->irq_type != VFIO_PCI_IRQ_NONE)
		msi_disable(vpci);
	fd_release(&vpci->err_trigger);
	fd_release(&vpci->req_trigger);
}
