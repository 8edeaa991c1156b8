/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The emulated PCI function: the "hardware" that device models build on.
 *
 * A pci_dev owns the device's own config space (what the silicon would
 * answer), its BARs and its interrupt pins/messages. It knows nothing of
 * VFIO: vfio-pci's virtualisation of config space lives in src/vfio/ and
 * talks to this layer only through the functions below, the way the host
 * kernel talks to a real device.
 *
 * The platform (IOMMU + interrupt routing) is attached through
 * pci_host_ops: device models never touch memory or eventfds directly.
 *
 * Locking: the whole daemon runs under uvfio_big_lock (src/core/daemon.h);
 * every function here expects it held. Device models that run engines on
 * their own threads take it around every call into this layer.
 */
#ifndef UVFIO_PCI_DEV_H
#define UVFIO_PCI_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCI_CFG_SPACE_SIZE	256
#define PCI_CFG_SPACE_EXP_SIZE	4096
#define PCI_NUM_BARS		6
#define PCI_ROM_SLOT		6

struct pci_dev;
struct json_object;

/* How a BAR is backed: trapped registers, or RAM-like shared memory. */
enum pci_bar_kind {
	PCI_BAR_NONE = 0,
	PCI_BAR_MMIO,		/* every access goes to ops->bar_read/write */
	PCI_BAR_RAM,		/* plain memory, mappable directly */
	PCI_BAR_IO,		/* I/O port space, trapped */
};

struct pci_bar {
	enum pci_bar_kind kind;
	uint64_t size;		/* power of two, 0 = absent */
	bool is_64bit;
	bool prefetchable;
	void *ram;		/* PCI_BAR_RAM: backing (memfd mapping) */
	int ram_fd;		/* PCI_BAR_RAM: memfd, -1 otherwise */
};

/* Implemented by the platform the device sits on (IOMMU, irq routing). */
struct pci_host_ops {
	/* DMA at a bus address; returns 0 or -EFAULT (IOMMU fault). */
	int (*dma_rw)(struct pci_dev *pdev, uint64_t iova, void *buf,
		      size_t len, bool is_write);
	/*
	 * Optional: copy len bytes from bus address src to dst without a
	 * bounce through the model; 0, -EFAULT (*ret_write_fault: the
	 * destination was refused), or -EOPNOTSUPP (use dma_rw).
	 */
	int (*dma_copy)(struct pci_dev *pdev, uint64_t dst, uint64_t src,
			size_t len, bool *ret_write_fault);
	/* An MSI or MSI-X message for vector was sent. */
	void (*msi)(struct pci_dev *pdev, unsigned int vector);
	/* The INTx line changed level. */
	void (*intx)(struct pci_dev *pdev, bool level);
};

/* A device model: what makes a pci_dev an edu, an ioat, ... */
struct pci_dev_ops {
	/* Fill config space, BARs and capabilities; props may be NULL. */
	int (*realize)(struct pci_dev *pdev, struct json_object *props);
	uint64_t (*bar_read)(struct pci_dev *pdev, int bar, uint64_t off,
			     unsigned int size);
	void (*bar_write)(struct pci_dev *pdev, int bar, uint64_t off,
			  unsigned int size, uint64_t val);
	/*
	 * Optional: observe a config write after the core applied it (not
	 * called for a write that reset the function: reset() runs instead).
	 */
	void (*config_write)(struct pci_dev *pdev, unsigned int off,
			     unsigned int size, uint32_t val);
	/* Function-level reset of the model's own state. */
	void (*reset)(struct pci_dev *pdev);
	void (*teardown)(struct pci_dev *pdev);
	/* Optional: add the model's own counters to obj (uvfio stats). */
	int (*stats)(struct pci_dev *pdev, struct json_object *obj);
};

/*
 * Static facts about a model, known before any instance exists. realize()
 * must build the capabilities these flags promise (pci_dev_create checks):
 * pcie <=> a PCIe cap, flr <=> its FLR bit, pm_reset <=> a PM cap without
 * NoSoftRst.
 */
struct pci_model {
	const char *name;		/* "edu" */
	const char *description;
	const struct pci_dev_ops *ops;
	uint16_t vendor, device;
	bool pcie;			/* has a PCI Express capability */
	bool flr;			/* advertises FLR */
	bool pm_reset;			/* PM cap without NoSoftRst */
	size_t priv_size;		/* bytes of model state in pdev->priv */
};

const struct pci_model *pci_model_find(const char *name);
/* NULL-terminated list of every built-in model. */
const struct pci_model *const *pci_model_list(void);

/* What the function did, for uvfio stats and tests; never reset. */
struct pci_dev_stats {
	uint64_t dma_ok;	/* DMA requests the platform completed */
	uint64_t dma_faults;	/* refused by the platform (IOMMU fault) */
	uint64_t dma_blocked;	/* never issued: Bus Master Enable clear */
	uint64_t msi_sent;	/* MSI/MSI-X messages sent to the platform */
	uint64_t msi_held;	/* held back by a mask: pending bit set */
	uint64_t msi_dropped;	/* not sent: disabled, bad vector, no BME */
	uint64_t intx_asserts;	/* INTx line rising edges */
	uint64_t resets;	/* pci_dev_reset() calls, FLR and PM included */
};

struct pci_dev {
	const struct pci_model *model;
	const struct pci_host_ops *host;
	void *host_data;		/* owned by the platform (vfio layer) */
	void *priv;			/* model state, model->priv_size bytes */

	uint16_t domain;
	uint8_t bus, devfn;
	char bdf[16];			/* "0000:00:02.0" */

	uint8_t config[PCI_CFG_SPACE_EXP_SIZE];
	uint8_t wmask[PCI_CFG_SPACE_EXP_SIZE];	/* bits software may write */
	uint8_t w1cmask[PCI_CFG_SPACE_EXP_SIZE];	/* write-1-to-clear bits */
	size_t config_size;		/* 256 or 4096 */

	struct pci_bar bars[PCI_NUM_BARS];
	uint64_t rom_size;
	uint8_t *rom;

	/* Capability offsets found at realize time, 0 if absent. */
	uint8_t msi_cap, msix_cap, pm_cap, pcie_cap;
	uint16_t aer_cap;

	/* MSI-X emulation state (table and PBA live in a BAR). */
	unsigned int msix_nvec;
	int msix_table_bar, msix_pba_bar;
	uint32_t msix_table_off, msix_pba_off;
	uint8_t *msix_table;		/* msix_nvec * 16 bytes */
	uint64_t *msix_pba;		/* pending bits */

	bool intx_level;		/* line level the platform last saw */

	struct pci_dev_stats stats;

	/* Core-private: capability allocators and the power-on image. */
	uint16_t next_cap, next_ecap;
	uint8_t config_default[PCI_CFG_SPACE_EXP_SIZE];
};

/* Lifetime. */
int pci_dev_create(const struct pci_model *model, uint16_t domain,
		   uint8_t bus, uint8_t devfn, struct json_object *props,
		   const struct pci_host_ops *host, void *host_data,
		   struct pci_dev **ret_pdev);
void pci_dev_destroy(struct pci_dev *pdev);

/* Config space as the hardware answers it (no VFIO virtualisation). */
uint32_t pci_config_read(struct pci_dev *pdev, unsigned int off,
			 unsigned int size);
void pci_config_write(struct pci_dev *pdev, unsigned int off,
		      unsigned int size, uint32_t val);

/*
 * BAR access, dispatching MSI-X table/PBA to the core. bar may be
 * PCI_ROM_SLOT (read-only). Bad bar/offset/size: reads give all-ones,
 * writes are dropped. These do not check decode enables: a disabled BAR
 * is never routed to the function, so the caller (vfio) refuses first, as
 * vfio-pci does with -EIO; pci_bar_decode_enabled() answers.
 */
uint64_t pci_bar_read(struct pci_dev *pdev, int bar, uint64_t off,
		      unsigned int size);
void pci_bar_write(struct pci_dev *pdev, int bar, uint64_t off,
		   unsigned int size, uint64_t val);
/* Memory/IO Space Enable for this BAR's kind set, and the function in D0. */
bool pci_bar_decode_enabled(struct pci_dev *pdev, int bar);

/* Resets: what each restores is documented in pci_dev.c. */
void pci_dev_reset(struct pci_dev *pdev);	/* FLR / hot reset */
/* pci_reset_function(): save config + MSI-X table, reset, restore. */
int pci_dev_reset_function(struct pci_dev *pdev);
/* pci_set_power_state(): PCI_D0 or PCI_D3HOT; -EIO for D1/D2. */
int pci_dev_set_power_state(struct pci_dev *pdev, unsigned int state);

/* Builders for realize(): 0 or -errno; offsets land in pdev->*_cap. */
void pci_set_ids(struct pci_dev *pdev, uint16_t vendor, uint16_t device,
		 uint16_t subsys_vendor, uint16_t subsys, uint32_t class_rev);
int pci_register_bar(struct pci_dev *pdev, int bar, enum pci_bar_kind kind,
		     uint64_t size, bool is_64bit, bool prefetchable);
int pci_set_interrupt_pin(struct pci_dev *pdev, uint8_t pin);	/* 1 = INTA */
int pci_add_cap_pm(struct pci_dev *pdev, bool no_soft_reset);
int pci_add_cap_msi(struct pci_dev *pdev, unsigned int nvec, bool is_64bit,
		    bool per_vector_mask);
int pci_add_cap_msix(struct pci_dev *pdev, unsigned int nvec, int table_bar,
		     uint32_t table_off, int pba_bar, uint32_t pba_off);
int pci_add_cap_pcie(struct pci_dev *pdev, uint8_t port_type, bool flr);
int pci_add_cap_aer(struct pci_dev *pdev);	/* needs the PCIe cap first */
/* Expansion ROM; size rounds up to a power of two >= 2 KiB. */
int pci_register_rom(struct pci_dev *pdev, const void *data, size_t len);
/*
 * Generic capability space: returns the offset of size zeroed bytes
 * linked into the standard (0x40-0xff) or extended (0x100-0xfff, PCIe
 * only) list, or -errno. The caller fills the body and its wmask.
 */
int pci_add_cap(struct pci_dev *pdev, uint8_t id, unsigned int size);
int pci_add_ext_cap(struct pci_dev *pdev, uint16_t id, uint8_t version,
		    unsigned int size);
/* Walk the lists as software would; 0 if absent. */
uint8_t pci_find_cap(struct pci_dev *pdev, uint8_t id);
uint16_t pci_find_ext_cap(struct pci_dev *pdev, uint16_t id);

/*
 * Used by device models. DMA returns 0, -EIO when Bus Master Enable is
 * clear (the request is never issued), or the platform's error (-EFAULT:
 * IOMMU fault; also when there is no platform). Nothing is retried.
 */
int pci_dma_read(struct pci_dev *pdev, uint64_t iova, void *buf, size_t len);
int pci_dma_write(struct pci_dev *pdev, uint64_t iova, const void *buf,
		  size_t len);
/*
 * A memory-to-memory copy by the device (a DMA engine's memcpy), counted
 * as one read and one write. The source is read before anything is
 * written: a read fault writes nothing, a write fault leaves the bytes
 * before it written. 0; -EIO (Bus Master Enable clear), -EFAULT with
 * *ret_write_fault telling which side failed; -EOPNOTSUPP when the
 * platform cannot copy directly (then nothing was counted: use
 * pci_dma_read + pci_dma_write).
 */
int pci_dma_copy(struct pci_dev *pdev, uint64_t dst, uint64_t src, size_t len,
		 bool *ret_write_fault);
/*
 * INTx: level is the function's interrupt condition (the Interrupt Status
 * bit); the pin is asserted only while INTx Disable is clear and neither
 * MSI nor MSI-X is enabled.
 */
void pci_set_irq(struct pci_dev *pdev, bool level);
/*
 * Send vector by MSI-X if enabled, else MSI, else drop it. Masked vectors
 * become pending and are sent on unmask; messages are memory writes, so
 * nothing is sent while Bus Master Enable is clear.
 */
void pci_msi_notify(struct pci_dev *pdev, unsigned int vector);
bool pci_msi_enabled(struct pci_dev *pdev);
bool pci_msix_enabled(struct pci_dev *pdev);
bool pci_bus_master_enabled(struct pci_dev *pdev);

#endif /* UVFIO_PCI_DEV_H */
