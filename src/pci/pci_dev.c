// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PCI function core: lifetime, config space, BARs, INTx, DMA, reset.
 *
 * config[] is what the function answers to config reads. wmask says which
 * bits software may change and w1cmask which bits a written 1 clears;
 * every write goes byte by byte through those two masks, so read-only
 * bits, BAR size probing (a BAR's low address bits are simply absent from
 * wmask, so all-ones reads back as the size mask) and write-1-to-clear
 * status bits need no code of their own. Side effects (INTx, MSI unmask,
 * power state, FLR) run after the masked write, from the new register
 * values, for whichever registers the access touched.
 *
 * Invariants:
 *  - config_size is 256 or 4096 and no access outside it reaches config[]:
 *    bad reads answer all-ones, bad writes are dropped. Unaligned accesses
 *    inside the range behave as the equivalent byte accesses.
 *  - config_default is the power-on image, taken once realize() returned.
 *  - intx_level is the level the platform was last told; only
 *    pci_intx_update() changes it.
 *
 * pci_dev_reset() (FLR, PM soft reset, hot reset) restores:
 *  - config space to config_default, except what PCIe keeps across a
 *    function reset (pci_caps.c: link registers, Max_Payload_Size, AER's
 *    sticky registers); so MSI and MSI-X come back disabled, the command
 *    register cleared (no bus mastering), the power state D0;
 *  - the MSI-X table to all vectors masked and the PBA to clear;
 *  - INTx deasserted, then the model's own reset op.
 * BAR memory of PCI_BAR_RAM kind is left alone, as device RAM is.
 *
 * Everything here runs under uvfio_big_lock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
#include "pci/pci_dev.h"
#include "pci/pci_internal.h"
#include "pci/pci_regs.h"

#define PCI_ROM_MIN_SIZE	2048
#define PCI_ROM_MAX_SIZE	(16u << 20)
#define PCI_IO_BAR_MAX_SIZE	256

/* What a read of size bytes answers when nothing claims it. */
static uint64_t all_ones(unsigned int size)
{
	switch (size) {
	case 1:
		return 0xff;
	case 2:
		return 0xffff;
	case 4:
		return 0xffffffff;
	default:
		return ~0ULL;
	}
}

/* ---- lifetime -------------------------------------------------------- */

static void config_init_header(struct pci_dev *pdev)
{
	cfg_set16(pdev->wmask, PCI_COMMAND,
		  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
		  PCI_COMMAND_PARITY | PCI_COMMAND_SERR |
		  PCI_COMMAND_INTX_DISABLE);
	cfg_set16(pdev->w1cmask, PCI_STATUS, PCI_STATUS_W1C);
	pdev->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	pdev->wmask[PCI_LATENCY_TIMER] = 0xff;
	pdev->wmask[PCI_INTERRUPT_LINE] = 0xff;
	pdev->next_cap = PCI_STD_HEADER_SIZEOF;
	pdev->next_ecap = PCI_EXT_CAP_START;
}

static void pci_dev_free_resources(struct pci_dev *pdev)
{
	int i;

	for (i = 0; i < PCI_NUM_BARS; i++) {
		struct pci_bar *b = &pdev->bars[i];

		if (b->ram)
			munmap(b->ram, b->size);
		if (b->ram_fd >= 0)
			close(b->ram_fd);
		b->ram = NULL;
		b->ram_fd = -1;
	}
	free(pdev->rom);
	pdev->rom = NULL;
	pci_msix_free(pdev);
}

int pci_dev_create(const struct pci_model *model, uint16_t domain,
		   uint8_t bus, uint8_t devfn, struct json_object *props,
		   const struct pci_host_ops *host, void *host_data,
		   struct pci_dev **ret_pdev)
{
	struct pci_dev *pdev;
	int i, ret;

	if (!model || !model->ops || !model->ops->realize || !ret_pdev)
		return -EINVAL;

	pdev = uvfio_zalloc(sizeof(*pdev));
	if (!pdev)
		return -ENOMEM;
	if (model->priv_size) {
		pdev->priv = uvfio_zalloc(model->priv_size);
		if (!pdev->priv) {
			ret = -ENOMEM;
			goto err_free_pdev;
		}
	}

	pdev->model = model;
	pdev->host = host;
	pdev->host_data = host_data;
	pdev->domain = domain;
	pdev->bus = bus;
	pdev->devfn = devfn;
	snprintf(pdev->bdf, sizeof(pdev->bdf), "%04x:%02x:%02x.%x",
		 domain, bus, devfn >> 3, devfn & 7);
	pdev->config_size = PCI_CFG_SPACE_SIZE;
	pdev->msix_table_bar = -1;
	pdev->msix_pba_bar = -1;
	for (i = 0; i < PCI_NUM_BARS; i++)
		pdev->bars[i].ram_fd = -1;
	config_init_header(pdev);
	pci_set_ids(pdev, model->vendor, model->device, 0, 0, 0);

	ret = model->ops->realize(pdev, props);
	if (ret < 0)
		goto err_free_resources;
	ret = pci_caps_check_model(pdev);
	if (ret < 0)
		goto err_teardown;

	pci_msix_reset(pdev);
	memcpy(pdev->config_default, pdev->config, sizeof(pdev->config));
	*ret_pdev = pdev;
	return 0;

err_teardown:
	if (model->ops->teardown)
		model->ops->teardown(pdev);
err_free_resources:
	pci_dev_free_resources(pdev);
	free(pdev->priv);
err_free_pdev:
	free(pdev);
	return ret;
}

void pci_dev_destroy(struct pci_dev *pdev)
{
	if (!pdev)
		return;
	if (pdev->model->ops->teardown)
		pdev->model->ops->teardown(pdev);
	pci_dev_free_resources(pdev);
	free(pdev->priv);
	free(pdev);
}

/* ---- header builders ------------------------------------------------- */

void pci_set_ids(struct pci_dev *pdev, uint16_t vendor, uint16_t device,
		 uint16_t subsys_vendor, uint16_t subsys, uint32_t class_rev)
{
	cfg_set16(pdev->config, PCI_VENDOR_ID, vendor);
	cfg_set16(pdev->config, PCI_DEVICE_ID, device);
	cfg_set32(pdev->config, PCI_CLASS_REVISION, class_rev);
	cfg_set16(pdev->config, PCI_SUBSYSTEM_VENDOR_ID, subsys_vendor);
	cfg_set16(pdev->config, PCI_SUBSYSTEM_ID, subsys);
}

int pci_set_interrupt_pin(struct pci_dev *pdev, uint8_t pin)
{
	if (pin > 4)
		return -EINVAL;
	pdev->config[PCI_INTERRUPT_PIN] = pin;
	return 0;
}

static bool bar_in_use(struct pci_dev *pdev, int bar)
{
	if (pdev->bars[bar].kind != PCI_BAR_NONE)
		return true;
	/* the upper half of a 64-bit BAR below */
	return bar > 0 && pdev->bars[bar - 1].kind != PCI_BAR_NONE &&
	       pdev->bars[bar - 1].is_64bit;
}

static int bar_ram_alloc(struct pci_bar *b, uint64_t size)
{
	void *p;
	int fd, ret;

	fd = memfd_create("uvfio-bar", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0) {
		ret = -errno;
		goto err_close;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		goto err_close;
	}
	b->ram = p;
	b->ram_fd = fd;
	return 0;

err_close:
	close(fd);
	return ret;
}

static int bar_check(struct pci_dev *pdev, int bar, enum pci_bar_kind kind,
		     uint64_t size, bool is_64bit, bool prefetchable)
{
	if (bar < 0 || bar >= PCI_NUM_BARS)
		return -EINVAL;
	if (!size || (size & (size - 1)))
		return -EINVAL;
	switch (kind) {
	case PCI_BAR_IO:
		if (is_64bit || prefetchable || size < 4 ||
		    size > PCI_IO_BAR_MAX_SIZE)
			return -EINVAL;
		break;
	case PCI_BAR_MMIO:
	case PCI_BAR_RAM:
		if (size < 16 || (!is_64bit && size > (1ULL << 31)) ||
		    (is_64bit && size > (1ULL << 62)))
			return -EINVAL;
		if (is_64bit && bar == PCI_NUM_BARS - 1)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (bar_in_use(pdev, bar) || (is_64bit && bar_in_use(pdev, bar + 1)))
		return -EBUSY;
	return 0;
}

int pci_register_bar(struct pci_dev *pdev, int bar, enum pci_bar_kind kind,
		     uint64_t size, bool is_64bit, bool prefetchable)
{
	unsigned int reg = PCI_BASE_ADDRESS_0 + 4 * (unsigned int)bar;
	struct pci_bar *b;
	uint64_t mask;
	uint32_t flags;
	uint16_t cmd_wmask;
	int ret;

	ret = bar_check(pdev, bar, kind, size, is_64bit, prefetchable);
	if (ret < 0)
		return ret;
	b = &pdev->bars[bar];
	if (kind == PCI_BAR_RAM) {
		ret = bar_ram_alloc(b, size);
		if (ret < 0)
			return ret;
	}
	b->kind = kind;
	b->size = size;
	b->is_64bit = is_64bit;
	b->prefetchable = prefetchable;

	cmd_wmask = cfg_get16(pdev->wmask, PCI_COMMAND);
	if (kind == PCI_BAR_IO) {
		flags = PCI_BASE_ADDRESS_SPACE_IO;
		mask = ~(size - 1) & PCI_BASE_ADDRESS_IO_MASK;
		cmd_wmask |= PCI_COMMAND_IO;
	} else {
		flags = (is_64bit ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) |
			(prefetchable ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);
		mask = ~(size - 1) & PCI_BASE_ADDRESS_MEM_MASK;
	}
	cfg_set16(pdev->wmask, PCI_COMMAND, cmd_wmask);
	cfg_set32(pdev->config, reg, flags);
	cfg_set32(pdev->wmask, reg, (uint32_t)mask);
	if (is_64bit)
		cfg_set32(pdev->wmask, reg + 4, (uint32_t)(mask >> 32));
	return 0;
}

int pci_register_rom(struct pci_dev *pdev, const void *data, size_t len)
{
	uint32_t size = PCI_ROM_MIN_SIZE;

	if (pdev->rom)
		return -EEXIST;
	if (!len || len > PCI_ROM_MAX_SIZE)
		return -EINVAL;
	while (size < len)
		size <<= 1;
	pdev->rom = uvfio_zalloc(size);
	if (!pdev->rom)
		return -ENOMEM;
	if (data)
		memcpy(pdev->rom, data, len);
	pdev->rom_size = size;
	cfg_set32(pdev->wmask, PCI_ROM_ADDRESS,
		  (~(size - 1) & PCI_ROM_ADDRESS_MASK) |
		  PCI_ROM_ADDRESS_ENABLE);
	return 0;
}

/* ---- config space ---------------------------------------------------- */

static bool cfg_access_ok(struct pci_dev *pdev, unsigned int off,
			  unsigned int size)
{
	if (size != 1 && size != 2 && size != 4)
		return false;
	return off < pdev->config_size && size <= pdev->config_size - off;
}

uint32_t pci_config_read(struct pci_dev *pdev, unsigned int off,
			 unsigned int size)
{
	uint32_t val = 0;
	unsigned int i;

	if (!pdev || !cfg_access_ok(pdev, off, size))
		return (uint32_t)all_ones(size);
	for (i = 0; i < size; i++)
		val |= (uint32_t)pdev->config[off + i] << (8 * i);
	return val;
}

static void cfg_apply(struct pci_dev *pdev, unsigned int off,
		      unsigned int size, uint32_t val)
{
	unsigned int i;

	for (i = 0; i < size; i++) {
		unsigned int a = off + i;
		uint8_t b = (uint8_t)(val >> (8 * i));
		uint8_t v = pdev->config[a];

		v = (uint8_t)((v & ~pdev->wmask[a]) | (b & pdev->wmask[a]));
		v &= (uint8_t)~(b & pdev->w1cmask[a]);
		pdev->config[a] = v;
	}
}

void pci_config_write(struct pci_dev *pdev, unsigned int off,
		      unsigned int size, uint32_t val)
{
	uint16_t old_pm;
	bool flr;

	if (!pdev || !cfg_access_ok(pdev, off, size))
		return;
	old_pm = pci_pm_state(pdev);
	flr = pci_pcie_flr_requested(pdev, off, size, val);
	cfg_apply(pdev, off, size, val);

	if (cfg_overlaps(off, size, PCI_COMMAND, 2))
		pci_intx_update(pdev);
	pci_msi_config_written(pdev, off, size);

	/* The model learns of a reset through its reset op, not this write. */
	if (pci_pm_config_written(pdev, off, size, old_pm) || flr) {
		pci_dev_reset(pdev);
		return;
	}
	if (pdev->model->ops->config_write)
		pdev->model->ops->config_write(pdev, off, size, val);
}

bool pci_bus_master_enabled(struct pci_dev *pdev)
{
	return cfg_get16(pdev->config, PCI_COMMAND) & PCI_COMMAND_MASTER;
}

/* ---- reset ----------------------------------------------------------- */

void pci_dev_reset(struct pci_dev *pdev)
{
	uint8_t before[PCI_CFG_SPACE_EXP_SIZE];

	if (!pdev)
		return;
	memcpy(before, pdev->config, pdev->config_size);
	memcpy(pdev->config, pdev->config_default, pdev->config_size);
	pci_caps_keep_sticky(pdev, before);
	pci_msix_reset(pdev);
	pci_intx_update(pdev);
	pdev->stats.resets++;
	if (pdev->model->ops->reset)
		pdev->model->ops->reset(pdev);
}

/*
 * A reset as the host kernel's pci_reset_function() does it: the config
 * space (command, BARs, MSI/MSI-X control, PCIe control registers) and the
 * MSI-X table are saved first and put back afterwards, so only the model's
 * own state is new. The power state comes back as D0.
 */
int pci_dev_reset_function(struct pci_dev *pdev)
{
	uint8_t *saved, *table = NULL;
	size_t tlen;

	if (!pdev)
		return -EINVAL;
	saved = malloc(pdev->config_size);
	tlen = (size_t)pdev->msix_nvec * PCI_MSIX_ENTRY_SIZE;
	if (pdev->msix_table)
		table = malloc(tlen);
	if (!saved || (pdev->msix_table && !table)) {
		free(saved);
		free(table);
		return -ENOMEM;
	}
	memcpy(saved, pdev->config, pdev->config_size);
	if (table)
		memcpy(table, pdev->msix_table, tlen);
	pci_dev_reset(pdev);
	memcpy(pdev->config, saved, pdev->config_size);
	if (pdev->pm_cap)
		cfg_set16(pdev->config, pdev->pm_cap + PCI_PM_CTRL,
			  cfg_get16(pdev->config, pdev->pm_cap + PCI_PM_CTRL) &
			  ~PCI_PM_CTRL_STATE_MASK);
	if (table)
		memcpy(pdev->msix_table, table, tlen);
	pci_intx_update(pdev);
	free(saved);
	free(table);
	return 0;
}

/*
 * The host kernel's pci_set_power_state(): D0 and D3hot only (D1/D2 are
 * not advertised: -EIO, nothing changes). Leaving D3hot without
 * NoSoftRst resets the function, and the kernel then restores the state
 * it saved, so that is what happens here too.
 */
int pci_dev_set_power_state(struct pci_dev *pdev, unsigned int state)
{
	unsigned int reg;
	uint16_t ctrl, cur;

	if (!pdev)
		return -EINVAL;
	if (!pdev->pm_cap)
		return state == PCI_D0 ? 0 : -EIO;
	if (state != PCI_D0 && state != PCI_D3HOT)
		return -EIO;
	reg = pdev->pm_cap + PCI_PM_CTRL;
	ctrl = cfg_get16(pdev->config, reg);
	cur = ctrl & PCI_PM_CTRL_STATE_MASK;
	if (cur == state)
		return 0;
	if (cur == PCI_D3HOT && !(ctrl & PCI_PM_CTRL_NO_SOFT_RESET))
		return pci_dev_reset_function(pdev);
	cfg_set16(pdev->config, reg,
		  (uint16_t)((ctrl & ~PCI_PM_CTRL_STATE_MASK) | state));
	return 0;
}

/* ---- INTx ------------------------------------------------------------ */

void pci_intx_update(struct pci_dev *pdev)
{
	uint16_t cmd = cfg_get16(pdev->config, PCI_COMMAND);
	uint16_t sta = cfg_get16(pdev->config, PCI_STATUS);
	bool level;

	/* A function using MSI or MSI-X must not drive its pin (PCI 6.8). */
	level = (sta & PCI_STATUS_INTERRUPT) &&
		!(cmd & PCI_COMMAND_INTX_DISABLE) &&
		pdev->config[PCI_INTERRUPT_PIN] &&
		!pci_msi_enabled(pdev) && !pci_msix_enabled(pdev);
	if (level == pdev->intx_level)
		return;
	pdev->intx_level = level;
	if (level)
		pdev->stats.intx_asserts++;
	if (pdev->host && pdev->host->intx)
		pdev->host->intx(pdev, level);
}

void pci_set_irq(struct pci_dev *pdev, bool level)
{
	uint16_t sta;

	if (!pdev || !pdev->config[PCI_INTERRUPT_PIN])
		return;
	sta = cfg_get16(pdev->config, PCI_STATUS);
	if (level)
		sta |= PCI_STATUS_INTERRUPT;
	else
		sta &= (uint16_t)~PCI_STATUS_INTERRUPT;
	cfg_set16(pdev->config, PCI_STATUS, sta);
	pci_intx_update(pdev);
}

/* ---- DMA ------------------------------------------------------------- */

static int pci_dma_rw(struct pci_dev *pdev, uint64_t iova, void *buf,
		      size_t len, bool is_write)
{
	uint64_t last;
	int ret;

	if (!pdev || (!buf && len))
		return -EINVAL;
	if (!len)
		return 0;
	if (!pci_bus_master_enabled(pdev)) {
		pdev->stats.dma_blocked++;
		return -EIO;
	}
	if (__builtin_add_overflow(iova, (uint64_t)len - 1, &last) ||
	    !pdev->host || !pdev->host->dma_rw) {
		pdev->stats.dma_faults++;
		return -EFAULT;
	}
	ret = pdev->host->dma_rw(pdev, iova, buf, len, is_write);
	if (ret < 0) {
		pdev->stats.dma_faults++;
		return ret;
	}
	pdev->stats.dma_ok++;
	return 0;
}

int pci_dma_read(struct pci_dev *pdev, uint64_t iova, void *buf, size_t len)
{
	return pci_dma_rw(pdev, iova, buf, len, false);
}

int pci_dma_write(struct pci_dev *pdev, uint64_t iova, const void *buf,
		  size_t len)
{
	/* dma_rw never writes to buf when is_write: the cast is safe. */
	return pci_dma_rw(pdev, iova, (void *)buf, len, true);
}

int pci_dma_copy(struct pci_dev *pdev, uint64_t dst, uint64_t src, size_t len,
		 bool *ret_write_fault)
{
	uint64_t last;
	int ret;

	*ret_write_fault = false;
	if (!pdev)
		return -EINVAL;
	if (!len)
		return 0;
	if (!pdev->host || !pdev->host->dma_copy)
		return -EOPNOTSUPP;
	if (!pci_bus_master_enabled(pdev)) {
		pdev->stats.dma_blocked++;
		return -EIO;
	}
	/* The refusals pci_dma_read + pci_dma_write would give, in order. */
	if (__builtin_add_overflow(src, (uint64_t)len - 1, &last)) {
		pdev->stats.dma_faults++;
		return -EFAULT;
	}
	if (__builtin_add_overflow(dst, (uint64_t)len - 1, &last)) {
		*ret_write_fault = true;
		ret = -EFAULT;
	} else {
		ret = pdev->host->dma_copy(pdev, dst, src, len,
					   ret_write_fault);
	}
	if (ret == -EOPNOTSUPP)
		return ret;
	if (ret < 0) {
		pdev->stats.dma_ok += *ret_write_fault;	/* the read worked */
		pdev->stats.dma_faults++;
		return ret;
	}
	pdev->stats.dma_ok += 2;
	return 0;
}

/* ---- BAR access ------------------------------------------------------ */

static bool bar_access_ok(struct pci_dev *pdev, int bar, uint64_t off,
			  unsigned int size)
{
	uint64_t bar_size;

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return false;
	if (bar == PCI_ROM_SLOT) {
		bar_size = pdev->rom ? pdev->rom_size : 0;
	} else {
		if (bar < 0 || bar >= PCI_NUM_BARS ||
		    pdev->bars[bar].kind == PCI_BAR_NONE)
			return false;
		if (pdev->bars[bar].kind == PCI_BAR_IO && size > 4)
			return false;
		bar_size = pdev->bars[bar].size;
	}
	return off < bar_size && size <= bar_size - off;
}

static uint64_t mem_read_le(const uint8_t *p, unsigned int size)
{
	uint64_t val = 0;
	unsigned int i;

	for (i = 0; i < size; i++)
		val |= (uint64_t)p[i] << (8 * i);
	return val;
}

static void mem_write_le(uint8_t *p, unsigned int size, uint64_t val)
{
	unsigned int i;

	for (i = 0; i < size; i++)
		p[i] = (uint8_t)(val >> (8 * i));
}

uint64_t pci_bar_read(struct pci_dev *pdev, int bar, uint64_t off,
		      unsigned int size)
{
	const struct pci_dev_ops *ops;
	uint64_t val;

	if (!pdev || !bar_access_ok(pdev, bar, off, size))
		return all_ones(size);
	if (bar == PCI_ROM_SLOT)
		return mem_read_le(pdev->rom + off, size);
	if (pci_msix_bar_read(pdev, bar, off, size, &val))
		return val;
	if (pdev->bars[bar].kind == PCI_BAR_RAM)
		return mem_read_le((uint8_t *)pdev->bars[bar].ram + off, size);
	ops = pdev->model->ops;
	if (!ops->bar_read)
		return all_ones(size);
	return ops->bar_read(pdev, bar, off, size) & all_ones(size);
}

void pci_bar_write(struct pci_dev *pdev, int bar, uint64_t off,
		   unsigned int size, uint64_t val)
{
	const struct pci_dev_ops *ops;

	if (!pdev || !bar_access_ok(pdev, bar, off, size) ||
	    bar == PCI_ROM_SLOT)
		return;
	val &= all_ones(size);
	if (pci_msix_bar_write(pdev, bar, off, size, val))
		return;
	if (pdev->bars[bar].kind == PCI_BAR_RAM) {
		mem_write_le((uint8_t *)pdev->bars[bar].ram + off, size, val);
		return;
	}
	ops = pdev->model->ops;
	if (ops->bar_write)
		ops->bar_write(pdev, bar, off, size, val);
}

bool pci_bar_decode_enabled(struct pci_dev *pdev, int bar)
{
	uint16_t cmd;

	if (!pdev || pci_pm_state(pdev) != PCI_D0)
		return false;
	cmd = cfg_get16(pdev->config, PCI_COMMAND);
	if (bar == PCI_ROM_SLOT)
		return pdev->rom && (cmd & PCI_COMMAND_MEMORY);
	if (bar < 0 || bar >= PCI_NUM_BARS)
		return false;
	switch (pdev->bars[bar].kind) {
	case PCI_BAR_IO:
		return cmd & PCI_COMMAND_IO;
	case PCI_BAR_MMIO:
	case PCI_BAR_RAM:
		return cmd & PCI_COMMAND_MEMORY;
	default:
		return false;
	}
}
