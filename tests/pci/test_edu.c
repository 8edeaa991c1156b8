// SPDX-License-Identifier: GPL-2.0-only
/*
 * The edu model against qemu docs/specs/edu.rst, driven the way a driver
 * drives it (config space and BAR0 accesses only) on a fake platform
 * whose IOMMU maps FAKE_MEM_BASE..+FAKE_MEM_SIZE and faults the rest.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pci/pci_dev.h"
#include "pci/pci_regs.h"

#include "fake_host.h"
#include "harness.h"

#define R_ID		0x00
#define R_LIVE		0x04
#define R_FACT		0x08
#define R_STATUS	0x20
#define R_IRQ_STATUS	0x24
#define R_IRQ_RAISE	0x60
#define R_IRQ_ACK	0x64
#define R_DMA_SRC	0x80
#define R_DMA_DST	0x88
#define R_DMA_CNT	0x90
#define R_DMA_CMD	0x98

#define BUF		0x40000ULL
#define CMD_RUN		1
#define CMD_TO_RAM	2
#define CMD_IRQ		4

static struct fake_host host;

static struct pci_dev *make_props(struct json_object *props)
{
	const struct pci_model *m = pci_model_find("edu");
	struct pci_dev *pdev = NULL;
	int ret;

	memset(&host, 0, sizeof(host));
	if (!m)
		abort();
	ret = pci_dev_create(m, 0, 0, 0x20, props, &fake_host_ops, &host,
			     &pdev);
	CHECK_EQ(ret, 0);
	if (ret)
		abort();
	return pdev;
}

static struct pci_dev *make(void)
{
	struct pci_dev *p = make_props(NULL);

	/* what a driver's probe does: decode on, bus mastering on */
	pci_config_write(p, PCI_COMMAND, 2,
			 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	return p;
}

static uint32_t r32(struct pci_dev *p, uint64_t off)
{
	return (uint32_t)pci_bar_read(p, 0, off, 4);
}

static void w32(struct pci_dev *p, uint64_t off, uint32_t val)
{
	pci_bar_write(p, 0, off, 4, val);
}

static void w64(struct pci_dev *p, uint64_t off, uint64_t val)
{
	pci_bar_write(p, 0, off, 8, val);
}

static int64_t stat(struct pci_dev *p, const char *key)
{
	struct json_object *obj = json_object_new_object(), *v;
	int64_t val = -1;

	CHECK(p->model->ops->stats != NULL);
	CHECK_EQ(p->model->ops->stats(p, obj), 0);
	if (json_object_object_get_ex(obj, key, &v))
		val = json_object_get_int64(v);
	else
		CHECK(!"missing stats key");
	json_object_put(obj);
	return val;
}

static void dma(struct pci_dev *p, uint64_t src, uint64_t dst, uint64_t cnt,
		uint32_t cmd)
{
	w64(p, R_DMA_SRC, src);
	w64(p, R_DMA_DST, dst);
	w64(p, R_DMA_CNT, cnt);
	w32(p, R_DMA_CMD, cmd);
}

static void fill_pattern(void)
{
	unsigned int i;

	for (i = 0; i < FAKE_MEM_SIZE; i++)
		host.mem[i] = (uint8_t)(i * 7 + 3);
}

/* ---- identity -------------------------------------------------------- */

static void test_registry(void)
{
	const struct pci_model *const *list = pci_model_list();
	const struct pci_model *m = pci_model_find("edu");
	unsigned int n;

	CHECK(m != NULL);
	CHECK(pci_model_find("nope") == NULL);
	CHECK(pci_model_find("EDU") == NULL);
	CHECK(pci_model_find(NULL) == NULL);
	for (n = 0; list[n]; n++)
		CHECK(pci_model_find(list[n]->name) == list[n]);
	CHECK(n >= 1);
	CHECK_EQ(m->vendor, 0x1234);
	CHECK_EQ(m->device, 0x11e8);
	CHECK(!m->pcie && !m->flr && !m->pm_reset);
}

static void test_config(void)
{
	struct pci_dev *p = make_props(NULL);
	unsigned int msi;

	CHECK_EQ(pci_config_read(p, PCI_VENDOR_ID, 4), 0x11e81234);
	CHECK_EQ(pci_config_read(p, PCI_CLASS_REVISION, 4) >> 8, 0x00ff00);
	CHECK_EQ(pci_config_read(p, PCI_REVISION_ID, 1), 0x10);
	CHECK_EQ(pci_config_read(p, PCI_SUBSYSTEM_VENDOR_ID, 4), 0x11001af4);
	CHECK_EQ(pci_config_read(p, PCI_INTERRUPT_PIN, 1), 1);
	CHECK_EQ(p->config_size, PCI_CFG_SPACE_SIZE);
	CHECK_EQ(pci_config_read(p, 0x100, 4), 0xffffffff);

	/* BAR0: 1 MiB, 32-bit, non-prefetchable memory; nothing else */
	pci_config_write(p, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	CHECK_EQ(pci_config_read(p, PCI_BASE_ADDRESS_0, 4), 0xfff00000);
	pci_config_write(p, PCI_BASE_ADDRESS_0 + 4, 4, 0xffffffff);
	CHECK_EQ(pci_config_read(p, PCI_BASE_ADDRESS_0 + 4, 4), 0);
	pci_config_write(p, PCI_ROM_ADDRESS, 4, 0xffffffff);
	CHECK_EQ(pci_config_read(p, PCI_ROM_ADDRESS, 4), 0);

	/* one capability: MSI, 64-bit, one vector, no masking */
	msi = pci_config_read(p, PCI_CAPABILITY_LIST, 1);
	CHECK(msi >= 0x40);
	CHECK_EQ(pci_config_read(p, msi, 1), PCI_CAP_ID_MSI);
	CHECK_EQ(pci_config_read(p, msi + 1, 1), 0);
	CHECK_EQ(pci_config_read(p, msi + PCI_MSI_FLAGS, 2),
		 PCI_MSI_FLAGS_64BIT);
	CHECK_EQ(pci_find_cap(p, PCI_CAP_ID_EXP), 0);
	CHECK_EQ(pci_find_cap(p, PCI_CAP_ID_PM), 0);
	pci_dev_destroy(p);
}

static void test_identification(void)
{
	struct pci_dev *p = make();

	CHECK_EQ(r32(p, R_ID), 0x010000ed);
	w32(p, R_ID, 0);
	CHECK_EQ(r32(p, R_ID), 0x010000ed);
	/* only 4-byte accesses below 0x80 */
	CHECK_EQ(pci_bar_read(p, 0, R_ID, 8), ~0ULL);
	CHECK_EQ(pci_bar_read(p, 0, R_ID, 2), 0xffff);
	CHECK_EQ(pci_bar_read(p, 0, R_ID, 1), 0xff);
	/* holes and the end of the BAR */
	CHECK_EQ(r32(p, 0x0c), 0xffffffff);
	CHECK_EQ(r32(p, 0x84), 0xffffffff);
	CHECK_EQ(r32(p, R_IRQ_RAISE), 0xffffffff);
	CHECK_EQ(r32(p, BUF), 0xffffffff);
	CHECK_EQ(r32(p, 0xffffc), 0xffffffff);
	CHECK_EQ(r32(p, 0x100000), 0xffffffff);
	CHECK_EQ(pci_bar_read(p, 1, 0, 4), 0xffffffff);
	pci_dev_destroy(p);
}

static void test_liveness(void)
{
	struct pci_dev *p = make();

	CHECK_EQ(r32(p, R_LIVE), 0);
	w32(p, R_LIVE, 0x12345678);
	CHECK_EQ(r32(p, R_LIVE), 0xedcba987);
	w32(p, R_LIVE, 0);
	CHECK_EQ(r32(p, R_LIVE), 0xffffffff);
	pci_bar_write(p, 0, R_LIVE, 2, 0x1111);		/* wrong size */
	pci_bar_write(p, 0, R_LIVE, 8, 0x1111);
	CHECK_EQ(r32(p, R_LIVE), 0xffffffff);
	pci_dev_destroy(p);
}

/* ---- factorial ------------------------------------------------------- */

static void test_factorial(void)
{
	struct pci_dev *p = make();

	w32(p, R_FACT, 5);
	CHECK_EQ(r32(p, R_STATUS) & 1, 0);	/* done by the next read */
	CHECK_EQ(r32(p, R_FACT), 120);
	w32(p, R_FACT, 0);
	CHECK_EQ(r32(p, R_FACT), 1);
	w32(p, R_FACT, 1);
	CHECK_EQ(r32(p, R_FACT), 1);
	w32(p, R_FACT, 12);
	CHECK_EQ(r32(p, R_FACT), 479001600);
	w32(p, R_FACT, 13);
	CHECK_EQ(r32(p, R_FACT), (uint32_t)6227020800ULL);
	w32(p, R_FACT, 20);
	CHECK_EQ(r32(p, R_FACT), (uint32_t)2432902008176640000ULL);
	w32(p, R_FACT, 33);
	CHECK_EQ(r32(p, R_FACT), 0x80000000);	/* 2^31 divides 33! */
	w32(p, R_FACT, 34);
	CHECK_EQ(r32(p, R_FACT), 0);
	w32(p, R_FACT, 0xffffffff);		/* must not take seconds */
	CHECK_EQ(r32(p, R_FACT), 0);
	/* no interrupt unless asked for */
	CHECK_EQ(r32(p, R_IRQ_STATUS), 0);
	CHECK(!host.intx);
	CHECK_EQ(host.msi_total, 0);
	pci_dev_destroy(p);
}

static void test_factorial_irq(void)
{
	struct pci_dev *p = make();

	w32(p, R_STATUS, 0x80);
	CHECK_EQ(r32(p, R_STATUS), 0x80);
	w32(p, R_FACT, 4);
	CHECK_EQ(r32(p, R_FACT), 24);
	CHECK_EQ(r32(p, R_IRQ_STATUS), 0x1);
	CHECK(host.intx);
	w32(p, R_IRQ_ACK, 0x1);
	CHECK_EQ(r32(p, R_IRQ_STATUS), 0);
	CHECK(!host.intx);
	pci_dev_destroy(p);
}

static void test_status_bits(void)
{
	struct pci_dev *p = make();

	CHECK_EQ(r32(p, R_STATUS), 0);
	w32(p, R_STATUS, 0xffffffff);		/* bit 0 is read-only */
	CHECK_EQ(r32(p, R_STATUS), 0x80);
	w32(p, R_STATUS, 0x01);
	CHECK_EQ(r32(p, R_STATUS), 0);
	pci_dev_destroy(p);
}

/* ---- interrupts ------------------------------------------------------ */

static void test_raise_ack(void)
{
	struct pci_dev *p = make();

	w32(p, R_IRQ_RAISE, 0x10);
	CHECK_EQ(r32(p, R_IRQ_STATUS), 0x10);
	CHECK(host.intx);
	CHECK(pci_config_read(p, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	w32(p, R_IRQ_RAISE, 0x20);
	CHECK_EQ(r32(p, R_IRQ_STATUS), 0x30);
	w32(p, R_IRQ_ACK, 0x10);
	CHECK_EQ(r32(p, R_IRQ_STATUS), 0x20);
	CHECK(host.intx);
	w32(p, R_IRQ_ACK, 0xffffffff);
	CHECK_EQ(r32(p, R_IRQ_STATUS), 0);
	CHECK(!host.intx);
	CHECK_EQ(host.intx_changes, 2);
	/* status is read-only */
	w32(p, R_IRQ_STATUS, 0x55);
	CHECK_EQ(r32(p, R_IRQ_STATUS), 0);
	/* raising nothing is not an interrupt */
	w32(p, R_IRQ_RAISE, 0);
	CHECK(!host.intx);

	/* INTx Disable: status still visible, pin quiet */
	pci_config_write(p, PCI_COMMAND, 2, PCI_COMMAND_MEMORY |
			 PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	w32(p, R_IRQ_RAISE, 0x1);
	CHECK(!host.intx);
	CHECK(pci_config_read(p, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	w32(p, R_IRQ_ACK, 0x1);
	CHECK_EQ(pci_config_read(p, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, 0);
	CHECK_EQ(host.msi_total, 0);
	pci_dev_destroy(p);
}

static void test_msi_delivery(void)
{
	struct pci_dev *p = make();
	unsigned int msi = p->msi_cap;

	pci_config_write(p, msi + PCI_MSI_ADDRESS_LO, 4, 0xfee00000);
	pci_config_write(p, msi + PCI_MSI_DATA_64, 2, 0x41);
	pci_config_write(p, msi + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
	CHECK(pci_msi_enabled(p));

	w32(p, R_IRQ_RAISE, 0x8);
	CHECK_EQ(host.msi_total, 1);
	CHECK_EQ(host.last_msi, 0);
	CHECK(!host.intx);
	/* each raise while status is non-zero is another message */
	w32(p, R_IRQ_RAISE, 0x8);
	CHECK_EQ(host.msi_total, 2);
	w32(p, R_IRQ_ACK, 0x8);
	CHECK_EQ(r32(p, R_IRQ_STATUS), 0);

	w32(p, R_STATUS, 0x80);
	w32(p, R_FACT, 3);
	CHECK_EQ(host.msi_total, 3);
	CHECK_EQ(r32(p, R_IRQ_STATUS), 1);
	w32(p, R_IRQ_ACK, 1);

	/* back to INTx once MSI is off */
	pci_config_write(p, msi + PCI_MSI_FLAGS, 2, 0);
	w32(p, R_IRQ_RAISE, 0x2);
	CHECK(host.intx);
	CHECK_EQ(host.msi_total, 3);
	w32(p, R_IRQ_ACK, 0x2);
	CHECK(!host.intx);
	pci_dev_destroy(p);
}

/* ---- DMA ------------------------------------------------------------- */

static void test_dma_roundtrip(void)
{
	struct pci_dev *p = make();
	uint8_t expect[100];

	fill_pattern();
	memcpy(expect, host.mem, sizeof(expect));

	/* RAM -> edu, no interrupt asked */
	dma(p, FAKE_MEM_BASE, BUF, 100, CMD_RUN);
	CHECK_EQ(r32(p, R_DMA_CMD) & CMD_RUN, 0);
	CHECK_EQ(r32(p, R_DMA_CMD), 0);
	CHECK_EQ(r32(p, R_IRQ_STATUS), 0);
	CHECK(!host.intx);

	/* edu -> RAM at +200, with interrupt 0x100 */
	memset(host.mem + 200, 0, 100);
	dma(p, BUF, FAKE_MEM_BASE + 200, 100, CMD_RUN | CMD_TO_RAM | CMD_IRQ);
	CHECK_EQ(r32(p, R_DMA_CMD), CMD_TO_RAM | CMD_IRQ);
	CHECK_EQ(memcmp(host.mem + 200, expect, sizeof(expect)), 0);
	CHECK_EQ(r32(p, R_IRQ_STATUS), 0x100);
	CHECK(host.intx);
	w32(p, R_IRQ_ACK, 0x100);
	CHECK(!host.intx);

	/* registers read back at both widths */
	CHECK_EQ(pci_bar_read(p, 0, R_DMA_DST, 8), FAKE_MEM_BASE + 200);
	CHECK_EQ(pci_bar_read(p, 0, R_DMA_DST, 4), FAKE_MEM_BASE + 200);
	CHECK_EQ(pci_bar_read(p, 0, R_DMA_CNT, 8), 100);
	w64(p, R_DMA_SRC, 0x123456789aULL);
	CHECK_EQ(pci_bar_read(p, 0, R_DMA_SRC, 8), 0x123456789aULL);
	CHECK_EQ(pci_bar_read(p, 0, R_DMA_SRC, 4), 0x3456789a);
	w32(p, R_DMA_SRC, 0x1000);		/* a 4-byte write: zero-extended */
	CHECK_EQ(pci_bar_read(p, 0, R_DMA_SRC, 8), 0x1000);

	/* the whole 4 KiB buffer at once, at the buffer's end offset */
	dma(p, FAKE_MEM_BASE + 0x1000, BUF, 4096, CMD_RUN);
	dma(p, BUF + 4095, FAKE_MEM_BASE + 0x3000, 1, CMD_RUN | CMD_TO_RAM);
	CHECK_EQ(host.mem[0x3000], host.mem[0x1000 + 4095]);
	CHECK_EQ(stat(p, "dma_errors"), 0);
	CHECK_EQ(p->stats.dma_ok, 4);

	/* a command without the run bit does nothing, not even store */
	w32(p, R_DMA_CMD, CMD_IRQ);
	CHECK_EQ(r32(p, R_DMA_CMD), CMD_TO_RAM);
	pci_dev_destroy(p);
}

static void test_dma_iommu_fault(void)
{
	struct pci_dev *p = make();
	uint8_t zero[64] = { 0 };

	fill_pattern();
	/* unmapped source: nothing copied, no interrupt, no crash */
	dma(p, 0x200000, BUF, 64, CMD_RUN | CMD_IRQ);
	CHECK_EQ(r32(p, R_DMA_CMD) & CMD_RUN, 0);
	CHECK_EQ(r32(p, R_IRQ_STATUS), 0);
	CHECK(!host.intx);
	CHECK_EQ(stat(p, "dma_errors"), 1);
	CHECK_EQ(stat(p, "last_dma_error"), -EFAULT);
	CHECK_EQ(stat(p, "last_dma_error_addr"), 0x200000);
	CHECK_EQ(p->stats.dma_faults, 1);

	/* unmapped destination */
	dma(p, BUF, 0x300000, 64, CMD_RUN | CMD_TO_RAM | CMD_IRQ);
	CHECK_EQ(r32(p, R_IRQ_STATUS), 0);
	CHECK_EQ(stat(p, "dma_errors"), 2);

	/* a partial mapping faults as a whole */
	dma(p, FAKE_MEM_BASE + FAKE_MEM_SIZE - 32, BUF, 64, CMD_RUN | CMD_IRQ);
	CHECK_EQ(r32(p, R_IRQ_STATUS), 0);
	CHECK_EQ(stat(p, "dma_errors"), 3);

	/* the buffer kept its power-on contents */
	memset(host.mem, 0xee, 64);
	dma(p, BUF, FAKE_MEM_BASE, 64, CMD_RUN | CMD_TO_RAM);
	CHECK_EQ(memcmp(host.mem, zero, 64), 0);

	/* and the device works again straight away */
	fill_pattern();
	dma(p, FAKE_MEM_BASE, BUF, 64, CMD_RUN | CMD_IRQ);
	CHECK_EQ(r32(p, R_IRQ_STATUS), 0x100);
	CHECK(host.intx);
	CHECK_EQ(stat(p, "dma_errors"), 3);

	/* an IOMMU that refuses everything */
	w32(p, R_IRQ_ACK, 0x100);
	host.fault_all = true;
	dma(p, FAKE_MEM_BASE, BUF, 64, CMD_RUN | CMD_IRQ);
	CHECK_EQ(r32(p, R_IRQ_STATUS), 0);
	CHECK_EQ(stat(p, "dma_errors"), 4);
	pci_dev_destroy(p);
}

static void test_dma_no_bus_master(void)
{
	struct pci_dev *p = make();

	pci_config_write(p, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	fill_pattern();
	dma(p, FAKE_MEM_BASE, BUF, 16, CMD_RUN | CMD_IRQ);
	CHECK_EQ(host.dma_calls, 0);
	CHECK_EQ(r32(p, R_IRQ_STATUS), 0);
	CHECK_EQ(stat(p, "last_dma_error"), -EIO);
	CHECK_EQ(p->stats.dma_blocked, 1);
	pci_dev_destroy(p);
}

static void test_dma_buffer_range(void)
{
	struct pci_dev *p = make();

	fill_pattern();
	dma(p, FAKE_MEM_BASE, BUF + 4000, 200, CMD_RUN | CMD_IRQ);
	dma(p, FAKE_MEM_BASE, BUF - 1, 16, CMD_RUN | CMD_IRQ);
	dma(p, FAKE_MEM_BASE, BUF + 4096, 1, CMD_RUN | CMD_IRQ);
	dma(p, BUF + 16, FAKE_MEM_BASE, ~0ULL - 8,
	    CMD_RUN | CMD_TO_RAM | CMD_IRQ);
	dma(p, FAKE_MEM_BASE, BUF, 4097, CMD_RUN | CMD_IRQ);
	CHECK_EQ(r32(p, R_IRQ_STATUS), 0);
	CHECK_EQ(host.dma_calls, 0);
	CHECK_EQ(stat(p, "dma_range_errors"), 5);
	CHECK_EQ(stat(p, "dma_errors"), 5);
	CHECK_EQ(stat(p, "last_dma_error"), -ERANGE);
	/* zero bytes at the very end is a (null) transfer, as in QEMU */
	dma(p, FAKE_MEM_BASE, BUF + 4096, 0, CMD_RUN | CMD_IRQ);
	CHECK_EQ(r32(p, R_IRQ_STATUS), 0x100);
	pci_dev_destroy(p);
}

static void test_dma_mask(void)
{
	struct json_object *props;
	struct pci_dev *p = make();
	uint8_t out[32];

	/* default 28 bits: the address is clamped, as QEMU's edu does */
	fill_pattern();
	dma(p, FAKE_MEM_BASE | (1ULL << 28), BUF, 32, CMD_RUN | CMD_IRQ);
	CHECK_EQ(stat(p, "dma_clamped"), 1);
	CHECK_EQ(stat(p, "dma_errors"), 0);
	CHECK_EQ(r32(p, R_IRQ_STATUS), 0x100);
	dma(p, BUF, FAKE_MEM_BASE + 0x8000, 32, CMD_RUN | CMD_TO_RAM);
	memcpy(out, host.mem + 0x8000, sizeof(out));
	CHECK_EQ(memcmp(out, host.mem, sizeof(out)), 0);
	pci_dev_destroy(p);

	/* a wider mask passes the address on: the IOMMU refuses it */
	props = json_tokener_parse("{\"dma_mask\": \"0xffffffffff\"}");
	p = make_props(props);
	json_object_put(props);
	pci_config_write(p, PCI_COMMAND, 2,
			 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	dma(p, FAKE_MEM_BASE | (1ULL << 28), BUF, 32, CMD_RUN | CMD_IRQ);
	CHECK_EQ(stat(p, "dma_clamped"), 0);
	CHECK_EQ(stat(p, "dma_errors"), 1);
	CHECK_EQ(stat(p, "last_dma_error_addr"), FAKE_MEM_BASE | (1ULL << 28));
	CHECK_EQ(r32(p, R_IRQ_STATUS), 0);
	pci_dev_destroy(p);

	/* a narrow mask given as a number */
	props = json_tokener_parse("{\"dma_mask\": 1048575}");
	p = make_props(props);
	json_object_put(props);
	pci_config_write(p, PCI_COMMAND, 2,
			 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	dma(p, FAKE_MEM_BASE, BUF, 32, CMD_RUN | CMD_IRQ);
	CHECK_EQ(stat(p, "dma_clamped"), 1);	/* 0x100000 -> 0 */
	CHECK_EQ(stat(p, "dma_errors"), 1);
	pci_dev_destroy(p);
}

static void test_bad_props(void)
{
	const char *bad[] = {
		"{\"dma_mask\": \"zz\"}",
		"{\"dma_mask\": \"0x10q\"}",
		"{\"dma_mask\": [1]}",
		"{\"dma_mask\": 1.5}",
	};
	struct json_object *props;
	struct pci_dev *p;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		props = json_tokener_parse(bad[i]);
		CHECK(props != NULL);
		p = NULL;
		CHECK_EQ(pci_dev_create(pci_model_find("edu"), 0, 0, 0, props,
					&fake_host_ops, &host, &p), -EINVAL);
		CHECK(p == NULL);
		json_object_put(props);
	}
	/* unknown keys are someone else's */
	props = json_tokener_parse("{\"slot\": 3}");
	p = make_props(props);
	json_object_put(props);
	pci_dev_destroy(p);
}

/* ---- reset ----------------------------------------------------------- */

static void test_reset(void)
{
	struct json_object *props;
	struct pci_dev *p;

	props = json_tokener_parse("{\"dma_mask\": \"0xfffff\"}");
	p = make_props(props);
	json_object_put(props);
	pci_config_write(p, PCI_COMMAND, 2,
			 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	fill_pattern();
	dma(p, FAKE_MEM_BASE, BUF, 16, CMD_RUN);	/* clamped: fault */
	w32(p, R_LIVE, 1);
	w32(p, R_FACT, 6);
	w32(p, R_STATUS, 0x80);
	w32(p, R_IRQ_RAISE, 0x4);
	CHECK(host.intx);

	pci_dev_reset(p);
	CHECK(!host.intx);
	CHECK_EQ(r32(p, R_LIVE), 0);
	CHECK_EQ(r32(p, R_FACT), 0);
	CHECK_EQ(r32(p, R_STATUS), 0);
	CHECK_EQ(r32(p, R_IRQ_STATUS), 0);
	CHECK_EQ(pci_bar_read(p, 0, R_DMA_SRC, 8), 0);
	CHECK_EQ(pci_config_read(p, PCI_COMMAND, 2), 0);
	/* diagnostics and the dma_mask property survive */
	CHECK_EQ(stat(p, "dma_errors"), 1);
	pci_config_write(p, PCI_COMMAND, 2,
			 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	dma(p, FAKE_MEM_BASE, BUF, 16, CMD_RUN);
	CHECK_EQ(stat(p, "dma_clamped"), 2);
	pci_dev_destroy(p);
}

int main(void)
{
	RUN(test_registry);
	RUN(test_config);
	RUN(test_identification);
	RUN(test_liveness);
	RUN(test_factorial);
	RUN(test_factorial_irq);
	RUN(test_status_bits);
	RUN(test_raise_ack);
	RUN(test_msi_delivery);
	RUN(test_dma_roundtrip);
	RUN(test_dma_iommu_fault);
	RUN(test_dma_no_bus_master);
	RUN(test_dma_buffer_range);
	RUN(test_dma_mask);
	RUN(test_bad_props);
	RUN(test_reset);
	return h_finish();
}
