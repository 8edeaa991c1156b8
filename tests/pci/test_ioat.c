// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ioat (CBDMA 3.3) model driven as the Linux ioatdma driver and the
 * VFIO selftest ioat driver drive it: identification, channel reset,
 * descriptor chains with DMACOUNT doorbells, completion writeback, MSI-X
 * per channel, fill, and the error path (IOMMU refusal halts the channel
 * with a CHANERR bit; clear + reset recovers). The fake platform's IOMMU
 * maps FAKE_MEM_BASE..+FAKE_MEM_SIZE and faults the rest.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pci/pci_dev.h"
#include "pci/pci_regs.h"

#include "fake_host.h"
#include "harness.h"

#define CH		0x80	/* channel 0's registers */
#define R_CHANCTRL	(CH + 0x00)
#define R_CHANCMD	(CH + 0x04)
#define R_DMACOUNT	(CH + 0x06)
#define R_CHANSTS	(CH + 0x08)
#define R_CHAINADDR	(CH + 0x10)
#define R_CHANCMP	(CH + 0x18)
#define R_CDAR		(CH + 0x20)
#define R_CHANERR	(CH + 0x28)

#define ST_DONE		1
#define ST_SUSPENDED	2
#define ST_HALTED	3
#define ST_ARMED	4

#define CTL_INT_EN	0x01
#define CTL_COMPL	0x08
#define CTL_NULL	0x20
#define OP_FILL		(0x01u << 24)

/* Layout of the fake memory window. */
#define DESC_OFF	0x0000
#define CMP_OFF		0x0800
#define SRC_OFF		0x1000
#define DST_OFF		0x4000
#define BAD_IOVA	0x900000ULL

struct desc {
	uint32_t size, ctl;
	uint64_t src, dst, next, rsv[4];
};

static struct fake_host host;

static struct pci_dev *make(unsigned int nchan)
{
	const struct pci_model *m = pci_model_find("ioat");
	struct json_object *props = json_object_new_object();
	struct pci_dev *pdev = NULL;
	int ret;

	memset(&host, 0, sizeof(host));
	if (!m || !props)
		abort();
	json_object_object_add(props, "channels", json_object_new_int((int)nchan));
	ret = pci_dev_create(m, 0, 0, 0x20, props, &fake_host_ops, &host,
			     &pdev);
	json_object_put(props);
	CHECK_EQ(ret, 0);
	if (ret)
		abort();
	pci_config_write(pdev, PCI_COMMAND, 2,
			 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	return pdev;
}

static uint64_t rd(struct pci_dev *p, uint64_t off, unsigned int size)
{
	return pci_bar_read(p, 0, off, size);
}

static void wr(struct pci_dev *p, uint64_t off, unsigned int size,
	       uint64_t v)
{
	pci_bar_write(p, 0, off, size, v);
}

static void put_desc(unsigned int idx, uint32_t size, uint32_t ctl,
		     uint64_t src, uint64_t dst, uint64_t next)
{
	struct desc d = { .size = size, .ctl = ctl, .src = src, .dst = dst,
			  .next = next };

	memcpy(host.mem + DESC_OFF + idx * sizeof(d), &d, sizeof(d));
}

static uint64_t desc_iova(unsigned int idx)
{
	return FAKE_MEM_BASE + DESC_OFF + idx * 64;
}

static void chan_reset(struct pci_dev *p)
{
	wr(p, R_CHANERR, 4, rd(p, R_CHANERR, 4));
	wr(p, R_CHANCMD, 1, 0x20);
	CHECK_EQ(rd(p, R_CHANCMD, 1) & 0x20, 0);
	CHECK_EQ(rd(p, R_CHANSTS, 8) & 7, ST_HALTED);
}

static void test_identity(void)
{
	struct pci_dev *p = make(1);

	CHECK_EQ(pci_config_read(p, PCI_VENDOR_ID, 2), 0x8086);
	CHECK_EQ(pci_config_read(p, PCI_DEVICE_ID, 2), 0x2021);
	CHECK_EQ(rd(p, 0x08, 1), 0x33);		/* CBVER */
	CHECK_EQ(rd(p, 0x00, 1), 1);		/* CHANCNT */
	CHECK_EQ(rd(p, 0x01, 1), 20);		/* XFERCAP */
	CHECK(rd(p, 0x10, 4) & 0x40);		/* fill supported */
	CHECK(p->msix_cap && p->pcie_cap && p->pm_cap && p->aer_cap);
	CHECK_EQ(p->msix_nvec, 1);
	CHECK_EQ(rd(p, R_CHANSTS, 8) & 7, ST_HALTED);
	pci_dev_destroy(p);
}

static void test_copy_chain(void)
{
	struct pci_dev *p = make(1);
	uint64_t sts;
	unsigned int i;

	for (i = 0; i < 0x3000; i++)
		host.mem[SRC_OFF + i] = (uint8_t)(i * 7 + 3);
	chan_reset(p);
	/* a ring of three: two copies and a null with completion */
	put_desc(0, 0x1000, 0, FAKE_MEM_BASE + SRC_OFF,
		 FAKE_MEM_BASE + DST_OFF, desc_iova(1));
	put_desc(1, 0x2000, 0, FAKE_MEM_BASE + SRC_OFF + 0x1000,
		 FAKE_MEM_BASE + DST_OFF + 0x1000, desc_iova(2));
	put_desc(2, 1, CTL_NULL | CTL_COMPL, 0, 0, desc_iova(0));
	wr(p, R_CHAINADDR, 8, desc_iova(0));
	wr(p, R_CHANCMP, 8, FAKE_MEM_BASE + CMP_OFF);
	wr(p, R_DMACOUNT, 2, 3);
	sts = rd(p, R_CHANSTS, 8);
	CHECK_EQ(sts & 7, ST_DONE);
	CHECK_EQ(sts & ~0x3fULL, desc_iova(2));
	CHECK(!memcmp(host.mem + SRC_OFF, host.mem + DST_OFF, 0x3000));
	memcpy(&sts, host.mem + CMP_OFF, 8);
	CHECK_EQ(sts, desc_iova(2) | ST_DONE);
	CHECK_EQ(rd(p, R_CDAR, 8), desc_iova(0));
	/* the count is free-running: 3 more run the ring again */
	memset(host.mem + DST_OFF, 0, 0x3000);
	wr(p, R_DMACOUNT, 2, 6);
	CHECK(!memcmp(host.mem + SRC_OFF, host.mem + DST_OFF, 0x3000));
	/* 64-bit registers as two 32-bit halves */
	wr(p, R_CHAINADDR, 4, (uint32_t)desc_iova(1));
	wr(p, R_CHAINADDR + 4, 4, 0);
	CHECK_EQ(rd(p, R_CHAINADDR, 8), desc_iova(1));
	CHECK_EQ(rd(p, R_CHANSTS + 4, 4), 0);
	pci_dev_destroy(p);
}

static void test_fill_and_suspend(void)
{
	struct pci_dev *p = make(1);
	unsigned int i;
	bool ok = true;

	chan_reset(p);
	put_desc(0, 256, OP_FILL, 0x0807060504030201ULL,
		 FAKE_MEM_BASE + DST_OFF, desc_iova(0));
	wr(p, R_CHAINADDR, 8, desc_iova(0));
	wr(p, R_DMACOUNT, 2, 1);
	for (i = 0; i < 256; i++)
		ok &= host.mem[DST_OFF + i] == (uint8_t)(i % 8 + 1);
	CHECK(ok);
	wr(p, R_CHANCMD, 1, 0x04);	/* suspend */
	CHECK_EQ(rd(p, R_CHANSTS, 8) & 7, ST_SUSPENDED);
	/* the selftest driver restarts from CHAINADDR with count 1 again */
	memset(host.mem + DST_OFF, 0, 256);
	wr(p, R_CHAINADDR, 8, desc_iova(0));
	wr(p, R_DMACOUNT, 2, 1);
	CHECK_EQ(rd(p, R_CHANSTS, 8) & 7, ST_DONE);
	CHECK_EQ(host.mem[DST_OFF + 9], 2);
	pci_dev_destroy(p);
}

static void test_msix_per_channel(void)
{
	struct pci_dev *p = make(2);
	uint16_t flags;

	CHECK_EQ(rd(p, 0x00, 1), 2);
	flags = (uint16_t)pci_config_read(p, p->msix_cap + PCI_MSIX_FLAGS, 2);
	pci_config_write(p, p->msix_cap + PCI_MSIX_FLAGS, 2,
			 flags | PCI_MSIX_FLAGS_ENABLE);
	wr(p, 0x2000 + 16 + 12, 4, 0);	/* unmask vector 1 */
	wr(p, 0x03, 1, 0x08);		/* INTRCTRL: MSI-X vector control */
	put_desc(0, 64, CTL_INT_EN, FAKE_MEM_BASE + SRC_OFF,
		 FAKE_MEM_BASE + DST_OFF, desc_iova(0));
	wr(p, CH + 0x80 + 0x10, 8, desc_iova(0));	/* channel 1 */
	wr(p, CH + 0x80 + 0x00, 2, 0x0001);		/* arm */
	wr(p, CH + 0x80 + 0x06, 2, 1);
	CHECK_EQ(host.msi_count[1], 1);
	CHECK_EQ(host.msi_count[0], 0);
	/* the interrupt disarmed the channel: no second message */
	wr(p, CH + 0x80 + 0x06, 2, 2);
	CHECK_EQ(host.msi_count[1], 1);
	CHECK_EQ(rd(p, CH + 0x80, 2) & 1, 0);
	CHECK_EQ(rd(p, 0x04, 4), 2);	/* ATTNSTATUS, cleared by reading */
	CHECK_EQ(rd(p, 0x04, 4), 0);
	/* vector 0 stays masked: the message is held as pending */
	put_desc(1, 64, CTL_INT_EN, FAKE_MEM_BASE + SRC_OFF,
		 FAKE_MEM_BASE + DST_OFF, desc_iova(1));
	wr(p, R_CHAINADDR, 8, desc_iova(1));
	wr(p, R_CHANCTRL, 2, 1);
	wr(p, R_DMACOUNT, 2, 1);
	CHECK_EQ(host.msi_count[0], 0);
	CHECK_EQ(rd(p, 0x3000, 8) & 1, 1);
	wr(p, 0x2000 + 12, 4, 0);
	CHECK_EQ(host.msi_count[0], 1);
	pci_dev_destroy(p);
}

static void test_fault_halts_and_recovers(void)
{
	struct pci_dev *p = make(1);
	uint64_t sts;

	chan_reset(p);
	wr(p, R_CHANCTRL, 2, 0x0001 | 0x0004 | 0x0008);
	put_desc(0, 0x100, CTL_INT_EN, BAD_IOVA, FAKE_MEM_BASE + DST_OFF,
		 desc_iova(1));
	wr(p, R_CHAINADDR, 8, desc_iova(0));
	wr(p, R_CHANCMP, 8, FAKE_MEM_BASE + CMP_OFF);
	wr(p, R_DMACOUNT, 2, 1);
	CHECK_EQ(rd(p, R_CHANSTS, 8) & 7, ST_HALTED);
	CHECK_EQ(rd(p, R_CHANERR, 4), 0x100);	/* read data error */
	CHECK_EQ(pci_config_read(p, 0x180, 4), 0x100);
	CHECK_EQ(rd(p, R_CDAR, 8), desc_iova(0));
	memcpy(&sts, host.mem + CMP_OFF, 8);
	CHECK_EQ(sts & 7, ST_HALTED);	/* error completion written */
	CHECK_EQ(host.msi_total, 0);	/* MSI-X off: nothing sent */
	/* doorbells are ignored while halted */
	put_desc(1, 0x100, 0, FAKE_MEM_BASE + SRC_OFF,
		 FAKE_MEM_BASE + DST_OFF, desc_iova(1));
	wr(p, R_DMACOUNT, 2, 2);
	CHECK_EQ(rd(p, R_CHANSTS, 8) & 7, ST_HALTED);
	/* config mirror is write-1-to-clear */
	pci_config_write(p, 0x180, 4, 0x100);
	CHECK_EQ(pci_config_read(p, 0x180, 4), 0);
	/* recovery: clear CHANERR, reset, run again */
	chan_reset(p);
	CHECK_EQ(rd(p, R_CHANERR, 4), 0);
	wr(p, R_CHAINADDR, 8, desc_iova(1));
	wr(p, R_DMACOUNT, 2, 1);
	CHECK_EQ(rd(p, R_CHANSTS, 8) & 7, ST_DONE);
	/* a misaligned chain and an over-long descriptor */
	wr(p, R_CHAINADDR, 8, desc_iova(1) + 8);
	wr(p, R_DMACOUNT, 2, 1);
	CHECK_EQ(rd(p, R_CHANERR, 4), 0x08);
	chan_reset(p);
	put_desc(2, (1u << 20) + 1, 0, FAKE_MEM_BASE + SRC_OFF,
		 FAKE_MEM_BASE + DST_OFF, desc_iova(2));
	wr(p, R_CHAINADDR, 8, desc_iova(2));
	wr(p, R_DMACOUNT, 2, 1);
	CHECK_EQ(rd(p, R_CHANERR, 4), 0x800);
	chan_reset(p);
	/* descriptor fetch refused by the IOMMU */
	wr(p, R_CHAINADDR, 8, BAD_IOVA);
	wr(p, R_DMACOUNT, 2, 1);
	CHECK_EQ(rd(p, R_CHANERR, 4), 0x10);
	chan_reset(p);
	/* a good descriptor whose next pointer the IOMMU refuses */
	put_desc(3, 64, 0, FAKE_MEM_BASE + SRC_OFF, FAKE_MEM_BASE + DST_OFF,
		 BAD_IOVA);
	wr(p, R_CHAINADDR, 8, desc_iova(3));
	wr(p, R_DMACOUNT, 2, 2);
	CHECK_EQ(rd(p, R_CHANERR, 4), 0x04);
	CHECK_EQ(rd(p, R_CHANSTS, 8), desc_iova(3) | ST_HALTED);
	pci_dev_destroy(p);
}

static void test_flr_and_no_bus_master(void)
{
	struct pci_dev *p = make(1);

	chan_reset(p);
	wr(p, 0x03, 1, 0x01);
	put_desc(0, 64, 0, FAKE_MEM_BASE + SRC_OFF, FAKE_MEM_BASE + DST_OFF,
		 desc_iova(0));
	pci_config_write(p, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	wr(p, R_CHAINADDR, 8, desc_iova(0));
	wr(p, R_DMACOUNT, 2, 1);
	CHECK_EQ(rd(p, R_CHANSTS, 8) & 7, ST_HALTED);	/* no BME: no fetch */
	CHECK(rd(p, R_CHANERR, 4));
	pci_config_write(p, p->pcie_cap + PCI_EXP_DEVCTL, 2,
			 PCI_EXP_DEVCTL_BCR_FLR);
	CHECK_EQ(rd(p, 0x03, 1), 0);
	CHECK_EQ(rd(p, R_CHANERR, 4), 0);
	CHECK_EQ(rd(p, R_CHAINADDR, 8), 0);
	pci_dev_destroy(p);
}

/*
 * A chain address arms a reset channel: CHANSTS reads exactly ARMED (4,
 * no completed address), which DPDK's ioat driver waits for when it
 * recovers a halted channel. A channel halted with an error stays halted.
 */
static void test_armed(void)
{
	struct pci_dev *p = make(1);

	chan_reset(p);
	put_desc(0, 64, 0, FAKE_MEM_BASE + SRC_OFF, FAKE_MEM_BASE + DST_OFF,
		 desc_iova(0));
	wr(p, R_CHAINADDR, 8, desc_iova(0));
	CHECK_EQ(rd(p, R_CHANSTS, 8), ST_ARMED);
	wr(p, R_DMACOUNT, 2, 1);
	CHECK_EQ(rd(p, R_CHANSTS, 8), desc_iova(0) | ST_DONE);
	/* an error halts; a new chain address does not arm it */
	wr(p, R_CHAINADDR, 8, BAD_IOVA);
	wr(p, R_DMACOUNT, 2, 1);
	CHECK_EQ(rd(p, R_CHANSTS, 8) & 7, ST_HALTED);
	wr(p, R_CHAINADDR, 8, desc_iova(0));
	CHECK_EQ(rd(p, R_CHANSTS, 8) & 7, ST_HALTED);
	chan_reset(p);
	wr(p, R_CHAINADDR, 8, desc_iova(0));
	CHECK_EQ(rd(p, R_CHANSTS, 8), ST_ARMED);
	pci_dev_destroy(p);
}

static void test_bad_props(void)
{
	const struct pci_model *m = pci_model_find("ioat");
	struct json_object *props = json_object_new_object();
	struct pci_dev *pdev = NULL;

	json_object_object_add(props, "channels", json_object_new_int(9));
	CHECK_EQ(pci_dev_create(m, 0, 0, 0x20, props, &fake_host_ops, &host,
				&pdev), -EINVAL);
	json_object_put(props);
}

int main(void)
{
	RUN(test_identity);
	RUN(test_copy_chain);
	RUN(test_fill_and_suspend);
	RUN(test_msix_per_channel);
	RUN(test_fault_halts_and_recovers);
	RUN(test_flr_and_no_bus_master);
	RUN(test_armed);
	RUN(test_bad_props);
	return h_finish();
}
