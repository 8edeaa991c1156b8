/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio-pci's per-device state and the contracts between its files:
 *   vfio_pci_core.c    device ioctls, region dispatch, open/close, reset
 *   vfio_pci_config.c  what user space sees of config space (virtualised)
 *   vfio_pci_intrs.c   SET_IRQS: INTx, MSI, MSI-X, ERR, REQ -> eventfds
 *   vfio_pci_rdwr.c    BAR and ROM access through read/write and mmap
 *   vfio_pci_reset.c   hot reset of a slot or bus (dev_set wide)
 */
#ifndef UVFIO_VFIO_PCI_PRIV_H
#define UVFIO_VFIO_PCI_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "pci/pci_dev.h"
#include "uvfio/uapi/vfio.h"
#include "vfio/vfio.h"

#define VFIO_PCI_OFFSET_SHIFT	40
#define VFIO_PCI_OFFSET_TO_INDEX(off)	((off) >> VFIO_PCI_OFFSET_SHIFT)
#define VFIO_PCI_INDEX_TO_OFFSET(idx)	((uint64_t)(idx) << VFIO_PCI_OFFSET_SHIFT)
#define VFIO_PCI_OFFSET_MASK	((1ULL << VFIO_PCI_OFFSET_SHIFT) - 1)

#define VFIO_PCI_MAX_VECTORS	2048

enum vfio_pci_irq_type {
	VFIO_PCI_IRQ_NONE = -1,
	VFIO_PCI_IRQ_INTX = VFIO_PCI_INTX_IRQ_INDEX,
	VFIO_PCI_IRQ_MSI = VFIO_PCI_MSI_IRQ_INDEX,
	VFIO_PCI_IRQ_MSIX = VFIO_PCI_MSIX_IRQ_INDEX,
};

struct vfio_pci_irq_ctx {
	int trigger;		/* eventfd, -1 if none */
};

/* VFIO_DEVICE_IOEVENTFD: a write of data the daemon does on a signal. */
struct vfio_pci_ioeventfd {
	struct vfio_pci_core_device *vpci;
	int fd;			/* daemon's copy of the eventfd, watched */
	unsigned int bar, count;
	uint64_t pos, data;
	struct vfio_pci_ioeventfd *next;
};

#define VFIO_PCI_IOEVENTFD_MAX	1000

struct vfio_pci_core_device {
	struct vfio_device vdev;
	struct pci_dev *pdev;

	/* Config space as user space sees it; virt marks emulated bits. */
	uint8_t vconfig[PCI_CFG_SPACE_EXP_SIZE];
	uint8_t virt[PCI_CFG_SPACE_EXP_SIZE];
	uint8_t write_ok[PCI_CFG_SPACE_EXP_SIZE];
	uint32_t bar_size[PCI_NUM_BARS + 1];	/* + ROM */

	int irq_type;			/* enum vfio_pci_irq_type */
	unsigned int msi_qmax;		/* log2 of the MSI vectors allocated */
	unsigned int num_ctx;
	struct vfio_pci_irq_ctx *ctx;	/* per vector */
	bool intx_masked;		/* by user or automask */
	bool virq_disabled;		/* INTx Disable set in vconfig */
	int intx_unmask_fd;		/* eventfd that unmasks INTx */
	int err_trigger, req_trigger;

	bool reset_works;
	unsigned long irqs_signalled;

	/* Low power (VFIO_DEVICE_FEATURE_LOW_POWER_*): mmaps fault. */
	bool pm_runtime_engaged;
	int pm_wake_fd;			/* signalled on wake-up, or -1 */

	struct vfio_pci_ioeventfd *ioeventfds;
	unsigned int ioeventfds_nr;
};

static inline struct vfio_pci_core_device *to_vpci(struct vfio_device *vdev)
{
	return vdev->pci;
}

/* config */
void vfio_config_init(struct vfio_pci_core_device *vpci);
ssize_t vfio_pci_config_rw(struct vfio_pci_core_device *vpci,
			   struct uvfio_call *call, uint64_t ubuf,
			   size_t count, uint64_t pos, bool is_write);

/* interrupts */
/* The daemon's own copy of a caller's eventfd (-EBADF, -EINVAL). */
int vfio_pci_eventfd_get(struct uvfio_call *call, int32_t fd);
void vfio_pci_eventfd_signal(int fd);
long vfio_pci_ioctl_set_irqs(struct vfio_pci_core_device *vpci,
			     struct uvfio_call *call, uint64_t arg);
unsigned int vfio_pci_irq_count(struct vfio_pci_core_device *vpci,
				unsigned int index);
void vfio_pci_irqs_disable_all(struct vfio_pci_core_device *vpci);
void vfio_pci_intx_mask(struct vfio_pci_core_device *vpci);
void vfio_pci_intx_unmask(struct vfio_pci_core_device *vpci);
void vfio_pci_host_msi(struct pci_dev *pdev, unsigned int vector);
void vfio_pci_host_intx(struct pci_dev *pdev, bool level);
void vfio_pci_poll_unmask(struct vfio_pci_core_device *vpci);
void vfio_pci_request(struct vfio_pci_core_device *vpci);
void vfio_pci_error_detected(struct vfio_pci_core_device *vpci);

void vfio_pci_set_reset_works(struct vfio_device *vdev, bool works);
/* pci_try_reset_function(): reset, device config restored, vconfig kept. */
int vfio_pci_reset_function(struct vfio_pci_core_device *vpci);
/* Memory decoding on in the user's command register, device in D0. */
bool vfio_pci_memory_enabled(struct vfio_pci_core_device *vpci);

/* low power: any access through the device fd wakes it (runtime PM) */
void vfio_pci_runtime_get(struct vfio_pci_core_device *vpci);
void vfio_pci_runtime_pm_exit(struct vfio_pci_core_device *vpci);

/* ioeventfds */
long vfio_pci_ioctl_ioeventfd(struct vfio_pci_core_device *vpci,
			      struct uvfio_call *call, uint64_t arg);
void vfio_pci_ioeventfds_release(struct vfio_pci_core_device *vpci);

/* hot reset (vfio_pci_reset.c) */
long vfio_pci_ioctl_get_pci_hot_reset_info(struct vfio_pci_core_device *vpci,
					   struct uvfio_call *call,
					   uint64_t arg);
long vfio_pci_ioctl_pci_hot_reset(struct vfio_pci_core_device *vpci,
				  struct uvfio_call *call, uint64_t arg);
struct topo_node;
/* Functions a hot reset touches (count, caller frees), or -ENODEV. */
int vfio_pci_hot_reset_scope(struct vfio_pci_core_device *vpci,
			     const struct topo_node ***ret_nodes,
			     bool *ret_is_slot);
/* The VFIO device of a function, NULL unless bound to vfio-pci. */
struct vfio_device *vfio_pci_node_vdev(const struct topo_node *n);
/* Every function the hot reset touches is a device of vpci's dev_set. */
bool vfio_pci_dev_set_resettable(struct vfio_pci_core_device *vpci);
/* Does the caller own vdev (data: the proof it gave)? */
typedef bool (*vfio_pci_owned_fn)(struct vfio_device *vdev, const void *data);
/* Hot reset of the dev_set: EINVAL unless owned() holds for every device. */
int vfio_pci_dev_set_hot_reset(struct vfio_pci_core_device *vpci,
			       vfio_pci_owned_fn owned, const void *data);

/* BARs and ROM */
ssize_t vfio_pci_bar_rw(struct vfio_pci_core_device *vpci,
			struct uvfio_call *call, unsigned int index,
			uint64_t ubuf, size_t count, uint64_t pos,
			bool is_write);

#endif
