// SPDX-License-Identifier: GPL-2.0-only
/*
 * edu: QEMU's educational PCI device (qemu docs/specs/edu.rst), 1234:11e8.
 *
 * A conventional PCI function with one 1 MiB MMIO BAR of 32-bit
 * registers (64-bit ones from 0x80), a 64-bit single-vector MSI
 * capability and INTx pin A. It computes factorials, raises interrupts on
 * request and copies between bus memory and a 4 KiB buffer that it
 * exposes at DMA-side address 0x40000. Facts and register layout follow
 * the spec and QEMU's model; the code is uvfio's own.
 *
 * Both engines finish inside the doorbell write that starts them, under
 * the big lock, so the "busy" bits (status 0x01, DMA command 0x01) are
 * already clear when the driver first polls them: a driver that waits for
 * them sees the same sequence as on QEMU, only faster. The factorial loop
 * stops as soon as the 32-bit product is 0 (it stays 0), which bounds it
 * to 34 rounds whatever the operand.
 *
 * The interrupt source is edu's choice, as in QEMU: MSI vector 0 when MSI
 * is enabled, otherwise INTx held high while the interrupt status
 * register is non-zero.
 *
 * DMA addresses go through dma_mask as in QEMU: bits above the mask are
 * dropped (clamped), not refused; the IOMMU then judges the clamped
 * address. The buffer side must lie inside [0x40000, 0x41000); QEMU only
 * logs a transfer outside it, uvfio refuses it, since the copy would leave
 * the buffer.
 *
 * DMA faults. The real edu has no error register, so a refused transfer
 * is reported where software cannot mistake it for success: the command's
 * run bit clears as usual (a polling driver does not hang), no completion
 * interrupt is raised, nothing is copied, and the device takes the next
 * command normally. The event is recorded in counters (dma_errors,
 * dma_range_errors, dma_clamped) with the last error's errno and bus
 * address, read through the model's stats op ("uvfio stats"), and logged
 * at debug level.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/log.h"
#include "pci/pci_dev.h"

#define EDU_VENDOR_ID		0x1234
#define EDU_DEVICE_ID		0x11e8
#define EDU_SUBSYS_VENDOR_ID	0x1af4	/* QEMU's default subsystem ids */
#define EDU_SUBSYS_ID		0x1100
#define EDU_CLASS_REV		0x00ff0010	/* class 0x00ff00, rev 0x10 */
#define EDU_BAR_SIZE		(1u << 20)

#define EDU_REG_ID		0x00
#define EDU_REG_LIVENESS	0x04
#define EDU_REG_FACT		0x08
#define EDU_REG_STATUS		0x20
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_RAISE	0x60
#define EDU_REG_IRQ_ACK		0x64
#define EDU_REG_WIDE_START	0x80	/* 8-byte accesses allowed from here */
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_CNT		0x90
#define EDU_REG_DMA_CMD		0x98

#define EDU_ID_VALUE		0x010000ed	/* version 1.0 */

#define EDU_STATUS_COMPUTING	0x01
#define EDU_STATUS_IRQFACT	0x80

#define EDU_IRQ_FACT		0x00000001
#define EDU_IRQ_DMA		0x00000100

#define EDU_DMA_RUN		0x1
#define EDU_DMA_TO_RAM		0x2	/* 0: RAM -> edu, 1: edu -> RAM */
#define EDU_DMA_IRQ		0x4

#define EDU_DMA_BUF_ADDR	0x40000
#define EDU_DMA_BUF_SIZE	4096
#define EDU_DMA_MASK_DEFAULT	((1ULL << 28) - 1)

struct edu_state {
	uint32_t liveness;	/* already inverted */
	uint32_t fact;
	uint32_t status;
	uint32_t irq_status;
	uint64_t dma_src, dma_dst, dma_cnt, dma_cmd;
	uint64_t dma_mask;	/* property: survives reset */
	uint8_t dma_buf[EDU_DMA_BUF_SIZE];

	/* Diagnostics, not device state: survive reset. */
	uint64_t dma_errors;		/* refused transfers, all causes */
	uint64_t dma_range_errors;	/* ... of which outside the buffer */
	uint64_t dma_clamped;		/* bus addresses cut by dma_mask */
	int last_dma_error;		/* -errno, 0 if none yet */
	uint64_t last_dma_error_addr;
};

static struct edu_state *edu_of(struct pci_dev *pdev)
{
	return pdev->priv;
}

/* ---- interrupts ------------------------------------------------------ */

static void edu_raise_irq(struct pci_dev *pdev, uint32_t bits)
{
	struct edu_state *edu = edu_of(pdev);

	edu->irq_status |= bits;
	if (!edu->irq_status)
		return;
	if (pci_msi_enabled(pdev))
		pci_msi_notify(pdev, 0);
	else
		pci_set_irq(pdev, true);
}

static void edu_ack_irq(struct pci_dev *pdev, uint32_t bits)
{
	struct edu_state *edu = edu_of(pdev);

	edu->irq_status &= ~bits;
	/*
	 * QEMU lowers INTx here only while MSI is off; lowering it always
	 * is invisible then (the core keeps the pin quiet under MSI) and
	 * avoids a stale assertion once MSI is turned off again.
	 */
	if (!edu->irq_status)
		pci_set_irq(pdev, false);
}

/* ---- factorial ------------------------------------------------------- */

static void edu_factorial(struct pci_dev *pdev, uint32_t n)
{
	struct edu_state *edu = edu_of(pdev);
	uint32_t acc = 1;

	while (n > 1 && acc)
		acc *= n--;
	edu->fact = acc;
	if (edu->status & EDU_STATUS_IRQFACT)
		edu_raise_irq(pdev, EDU_IRQ_FACT);
}

/* ---- DMA ------------------------------------------------------------- */

static bool edu_buf_range_ok(uint64_t addr, uint64_t len)
{
	uint64_t off;

	if (addr < EDU_DMA_BUF_ADDR)
		return false;
	off = addr - EDU_DMA_BUF_ADDR;
	return off <= EDU_DMA_BUF_SIZE && len <= EDU_DMA_BUF_SIZE - off;
}

static uint64_t edu_clamp(struct edu_state *edu, uint64_t addr)
{
	if (addr & ~edu->dma_mask) {
		edu->dma_clamped++;
		pr_debug("edu: DMA address 0x%llx clamped by dma_mask 0x%llx",
			 (unsigned long long)addr,
			 (unsigned long long)edu->dma_mask);
	}
	return addr & edu->dma_mask;
}

static int edu_dma_copy(struct pci_dev *pdev, bool to_ram, uint64_t bus,
			uint64_t local, uint64_t len)
{
	struct edu_state *edu = edu_of(pdev);
	uint8_t bounce[EDU_DMA_BUF_SIZE];
	uint8_t *buf;
	int ret;

	if (!edu_buf_range_ok(local, len)) {
		edu->dma_range_errors++;
		return -ERANGE;
	}
	buf = edu->dma_buf + (local - EDU_DMA_BUF_ADDR);
	bus = edu_clamp(edu, bus);
	if (to_ram)
		return pci_dma_write(pdev, bus, buf, len);
	/* Commit only a whole read: a fault must not leave half a copy. */
	ret = pci_dma_read(pdev, bus, bounce, len);
	if (ret < 0)
		return ret;
	memcpy(buf, bounce, len);
	return 0;
}

static void edu_dma_run(struct pci_dev *pdev)
{
	struct edu_state *edu = edu_of(pdev);
	bool to_ram = edu->dma_cmd & EDU_DMA_TO_RAM;
	uint64_t bus = to_ram ? edu->dma_dst : edu->dma_src;
	uint64_t local = to_ram ? edu->dma_src : edu->dma_dst;
	int ret;

	ret = edu_dma_copy(pdev, to_ram, bus, local, edu->dma_cnt);
	edu->dma_cmd &= ~(uint64_t)EDU_DMA_RUN;
	if (ret < 0) {
		edu->dma_errors++;
		edu->last_dma_error = ret;
		edu->last_dma_error_addr = bus;
		pr_debug("%s: edu: DMA %s 0x%llx len %llu refused: %s",
			 pdev->bdf, to_ram ? "to" : "from",
			 (unsigned long long)bus,
			 (unsigned long long)edu->dma_cnt, strerror(-ret));
		return;
	}
	if (edu->dma_cmd & EDU_DMA_IRQ)
		edu_raise_irq(pdev, EDU_IRQ_DMA);
}

/* ---- MMIO ------------------------------------------------------------ */

static bool edu_access_ok(int bar, uint64_t off, unsigned int size)
{
	if (bar != 0)
		return false;
	if (off < EDU_REG_WIDE_START)
		return size == 4;
	return size == 4 || size == 8;
}

static uint64_t edu_bar_read(struct pci_dev *pdev, int bar, uint64_t off,
			     unsigned int size)
{
	struct edu_state *edu = edu_of(pdev);

	if (!edu_access_ok(bar, off, size))
		return ~0ULL;
	switch (off) {
	case EDU_REG_ID:
		return EDU_ID_VALUE;
	case EDU_REG_LIVENESS:
		return edu->liveness;
	case EDU_REG_FACT:
		return edu->fact;
	case EDU_REG_STATUS:
		return edu->status;
	case EDU_REG_IRQ_STATUS:
		return edu->irq_status;
	case EDU_REG_DMA_SRC:
		return edu->dma_src;
	case EDU_REG_DMA_DST:
		return edu->dma_dst;
	case EDU_REG_DMA_CNT:
		return edu->dma_cnt;
	case EDU_REG_DMA_CMD:
		return edu->dma_cmd;
	default:
		return ~0ULL;
	}
}

static void edu_bar_write(struct pci_dev *pdev, int bar, uint64_t off,
			  unsigned int size, uint64_t val)
{
	struct edu_state *edu = edu_of(pdev);

	if (!edu_access_ok(bar, off, size))
		return;
	/*
	 * The DMA registers ignore writes while a transfer runs; a transfer
	 * never outlives the write that starts it here, so none is needed.
	 */
	switch (off) {
	case EDU_REG_LIVENESS:
		edu->liveness = ~(uint32_t)val;
		break;
	case EDU_REG_FACT:
		edu_factorial(pdev, (uint32_t)val);
		break;
	case EDU_REG_STATUS:
		/* Only the interrupt-enable bit is writable. */
		if (val & EDU_STATUS_IRQFACT)
			edu->status |= EDU_STATUS_IRQFACT;
		else
			edu->status &= ~(uint32_t)EDU_STATUS_IRQFACT;
		break;
	case EDU_REG_IRQ_RAISE:
		edu_raise_irq(pdev, (uint32_t)val);
		break;
	case EDU_REG_IRQ_ACK:
		edu_ack_irq(pdev, (uint32_t)val);
		break;
	case EDU_REG_DMA_SRC:
		edu->dma_src = val;
		break;
	case EDU_REG_DMA_DST:
		edu->dma_dst = val;
		break;
	case EDU_REG_DMA_CNT:
		edu->dma_cnt = val;
		break;
	case EDU_REG_DMA_CMD:
		/* A command without the run bit is not even stored. */
		if (!(val & EDU_DMA_RUN))
			break;
		edu->dma_cmd = val;
		edu_dma_run(pdev);
		break;
	default:
		break;
	}
}

/* ---- lifetime -------------------------------------------------------- */

static int edu_parse_props(struct edu_state *edu, struct json_object *props)
{
	struct json_object *v;
	const char *s;
	char *end;

	if (!props || !json_object_object_get_ex(props, "dma_mask", &v))
		return 0;
	switch (json_object_get_type(v)) {
	case json_type_int:
		edu->dma_mask = json_object_get_uint64(v);
		return 0;
	case json_type_string:
		/* strings let a machine file write masks in hex */
		s = json_object_get_string(v);
		errno = 0;
		edu->dma_mask = strtoull(s, &end, 0);
		if (errno || end == s || *end)
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

static int edu_realize(struct pci_dev *pdev, struct json_object *props)
{
	struct edu_state *edu = edu_of(pdev);
	int ret;

	edu->dma_mask = EDU_DMA_MASK_DEFAULT;
	ret = edu_parse_props(edu, props);
	if (ret < 0)
		return ret;

	pci_set_ids(pdev, EDU_VENDOR_ID, EDU_DEVICE_ID, EDU_SUBSYS_VENDOR_ID,
		    EDU_SUBSYS_ID, EDU_CLASS_REV);
	ret = pci_register_bar(pdev, 0, PCI_BAR_MMIO, EDU_BAR_SIZE, false,
			       false);
	if (ret < 0)
		return ret;
	ret = pci_set_interrupt_pin(pdev, 1);
	if (ret < 0)
		return ret;
	return pci_add_cap_msi(pdev, 1, true, false);
}

static void edu_reset(struct pci_dev *pdev)
{
	struct edu_state *edu = edu_of(pdev);

	/* Registers and buffer to power-on zero; dma_mask and counters stay. */
	edu->liveness = 0;
	edu->fact = 0;
	edu->status = 0;
	edu->irq_status = 0;
	edu->dma_src = 0;
	edu->dma_dst = 0;
	edu->dma_cnt = 0;
	edu->dma_cmd = 0;
	memset(edu->dma_buf, 0, sizeof(edu->dma_buf));
	pci_set_irq(pdev, false);
}

static int edu_stats(struct pci_dev *pdev, struct json_object *obj)
{
	struct edu_state *edu = edu_of(pdev);
	const struct {
		const char *key;
		uint64_t val;
	} counters[] = {
		{ "dma_errors", edu->dma_errors },
		{ "dma_range_errors", edu->dma_range_errors },
		{ "dma_clamped", edu->dma_clamped },
		{ "last_dma_error_addr", edu->last_dma_error_addr },
	};
	struct json_object *v;
	size_t i;

	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		v = json_object_new_uint64(counters[i].val);
		if (!v || json_object_object_add(obj, counters[i].key, v))
			goto err_put;
	}
	v = json_object_new_int(edu->last_dma_error);
	if (!v || json_object_object_add(obj, "last_dma_error", v))
		goto err_put;
	return 0;

err_put:
	json_object_put(v);
	return -ENOMEM;
}

static const struct pci_dev_ops edu_ops = {
	.realize = edu_realize,
	.bar_read = edu_bar_read,
	.bar_write = edu_bar_write,
	.reset = edu_reset,
	.stats = edu_stats,
};

const struct pci_model edu_model = {
	.name = "edu",
	.description = "QEMU educational device: factorial, IRQs, 4 KiB DMA",
	.ops = &edu_ops,
	.vendor = EDU_VENDOR_ID,
	.device = EDU_DEVICE_ID,
	.pcie = false,
	.flr = false,
	.pm_reset = false,
	.priv_size = sizeof(struct edu_state),
};
