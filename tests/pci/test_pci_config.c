// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PCI function core seen from outside, as a driver (through vfio)
 * would see it: config-space masks, BAR sizing, the capability lists,
 * MSI, MSI-X, INTx, resets, BAR dispatch and DMA gating. A test model
 * ("testdev") carries every capability the core can build.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "pci/pci_dev.h"
#include "pci/pci_regs.h"

#include "fake_host.h"
#include "harness.h"

/* testdev layout */
#define TD_BAR0_SIZE	0x4000
#define TD_TABLE_OFF	0x2000
#define TD_PBA_OFF	0x3000
#define TD_MSIX_NVEC	8
#define TD_MSI_NVEC	4
#define TD_ROM_LEN	3000

struct td_state {
	unsigned int resets;
	unsigned int bar_reads, bar_writes;
	unsigned int config_writes;
	uint64_t last_write_off, last_write_val;
};

static int td_realize_common(struct pci_dev *pdev, bool flr,
			     bool no_soft_reset)
{
	static uint8_t rom[TD_ROM_LEN];
	int ret;

	memset(rom, 0x5a, sizeof(rom));
	rom[0] = 0x55;
	rom[1] = 0xaa;
	pci_set_ids(pdev, 0x1b36, 0x00f0, 0x1b36, 0x0001, 0x0880ff01);
	ret = pci_register_bar(pdev, 0, PCI_BAR_MMIO, TD_BAR0_SIZE, false,
			       false);
	if (!ret)
		ret = pci_register_bar(pdev, 2, PCI_BAR_RAM, 0x1000, true,
				       true);
	if (!ret)
		ret = pci_register_bar(pdev, 4, PCI_BAR_IO, 32, false, false);
	if (!ret)
		ret = pci_register_rom(pdev, rom, sizeof(rom));
	if (!ret)
		ret = pci_set_interrupt_pin(pdev, 1);
	if (!ret)
		ret = pci_add_cap_pm(pdev, no_soft_reset);
	if (!ret)
		ret = pci_add_cap_msi(pdev, TD_MSI_NVEC, true, true);
	if (!ret)
		ret = pci_add_cap_msix(pdev, TD_MSIX_NVEC, 0, TD_TABLE_OFF, 0,
				       TD_PBA_OFF);
	if (!ret)
		ret = pci_add_cap_pcie(pdev, PCI_EXP_TYPE_ENDPOINT, flr);
	if (!ret)
		ret = pci_add_cap_aer(pdev);
	if (!ret) {
		ret = pci_add_ext_cap(pdev, PCI_EXT_CAP_ID_VNDR, 1, 0x10);
		if (ret > 0)
			ret = 0;
	}
	return ret;
}

static int td_realize(struct pci_dev *pdev, struct json_object *props)
{
	return td_realize_common(pdev, true, false);
}

static int td_realize_noflr(struct pci_dev *pdev, struct json_object *props)
{
	return td_realize_common(pdev, false, true);
}

static uint64_t td_bar_read(struct pci_dev *pdev, int bar, uint64_t off,
			    unsigned int size)
{
	struct td_state *s = pdev->priv;

	s->bar_reads++;
	return 0xa5a5a5a5a5a5a5a5ULL ^ off;
}

static void td_bar_write(struct pci_dev *pdev, int bar, uint64_t off,
			 unsigned int size, uint64_t val)
{
	struct td_state *s = pdev->priv;

	s->bar_writes++;
	s->last_write_off = off;
	s->last_write_val = val;
}

static void td_config_write(struct pci_dev *pdev, unsigned int off,
			    unsigned int size, uint32_t val)
{
	struct td_state *s = pdev->priv;

	s->config_writes++;
}

static void td_reset(struct pci_dev *pdev)
{
	struct td_state *s = pdev->priv;

	s->resets++;
}

static const struct pci_dev_ops td_ops = {
	.realize = td_realize,
	.bar_read = td_bar_read,
	.bar_write = td_bar_write,
	.config_write = td_config_write,
	.reset = td_reset,
};

static const struct pci_dev_ops td_noflr_ops = {
	.realize = td_realize_noflr,
	.bar_read = td_bar_read,
	.bar_write = td_bar_write,
	.reset = td_reset,
};

static const struct pci_model td_model = {
	.name = "testdev", .ops = &td_ops, .vendor = 0x1b36, .device = 0xf0,
	.pcie = true, .flr = true, .pm_reset = true,
	.priv_size = sizeof(struct td_state),
};

static const struct pci_model td_noflr_model = {
	.name = "testdev-noflr", .ops = &td_noflr_ops,
	.vendor = 0x1b36, .device = 0xf1,
	.pcie = true, .flr = false, .pm_reset = false,
	.priv_size = sizeof(struct td_state),
};

/* claims FLR but realize() does not build it */
static const struct pci_model td_liar_model = {
	.name = "testdev-liar", .ops = &td_noflr_ops,
	.vendor = 0x1b36, .device = 0xf2,
	.pcie = true, .flr = true, .pm_reset = false,
	.priv_size = sizeof(struct td_state),
};

static int bare_realize(struct pci_dev *pdev, struct json_object *props)
{
	return 0;
}

static const struct pci_dev_ops bare_ops = { .realize = bare_realize };
static const struct pci_model bare_model = {
	.name = "bare", .ops = &bare_ops, .vendor = 0x1b36, .device = 0xf3,
};

static struct fake_host host;

static struct pci_dev *make(const struct pci_model *m)
{
	struct pci_dev *pdev = NULL;
	int ret;

	memset(&host, 0, sizeof(host));
	ret = pci_dev_create(m, 0, 0, 0x10, NULL, &fake_host_ops, &host,
			     &pdev);
	CHECK_EQ(ret, 0);
	if (ret)
		abort();
	return pdev;
}

static uint32_t rd(struct pci_dev *p, unsigned int off, unsigned int size)
{
	return pci_config_read(p, off, size);
}

static void wr(struct pci_dev *p, unsigned int off, unsigned int size,
	       uint32_t val)
{
	pci_config_write(p, off, size, val);
}

static void enable_master(struct pci_dev *p)
{
	wr(p, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

/* ---- header ---------------------------------------------------------- */

static void test_header_ids(void)
{
	struct pci_dev *p = make(&td_model);

	CHECK_EQ(rd(p, PCI_VENDOR_ID, 2), 0x1b36);
	CHECK_EQ(rd(p, PCI_DEVICE_ID, 2), 0x00f0);
	CHECK_EQ(rd(p, PCI_VENDOR_ID, 4), 0x00f01b36);
	CHECK_EQ(rd(p, PCI_CLASS_REVISION, 4), 0x0880ff01);
	CHECK_EQ(rd(p, PCI_SUBSYSTEM_VENDOR_ID, 2), 0x1b36);
	CHECK_EQ(rd(p, PCI_SUBSYSTEM_ID, 2), 0x0001);
	CHECK_EQ(rd(p, PCI_HEADER_TYPE, 1), 0);
	CHECK(rd(p, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	CHECK_EQ(rd(p, PCI_INTERRUPT_PIN, 1), 1);
	CHECK_EQ(p->config_size, PCI_CFG_SPACE_EXP_SIZE);
	CHECK_EQ(strcmp(p->bdf, "0000:00:02.0"), 0);
	pci_dev_destroy(p);
}

static void test_readonly_ignored(void)
{
	struct pci_dev *p = make(&td_model);
	struct td_state *s = p->priv;
	uint8_t before[PCI_CFG_SPACE_EXP_SIZE];

	wr(p, PCI_VENDOR_ID, 4, 0xffffffff);
	CHECK_EQ(rd(p, PCI_VENDOR_ID, 4), 0x00f01b36);
	wr(p, PCI_CLASS_REVISION, 4, 0);
	CHECK_EQ(rd(p, PCI_CLASS_REVISION, 4), 0x0880ff01);
	wr(p, PCI_CAPABILITY_LIST, 1, 0);
	CHECK(rd(p, PCI_CAPABILITY_LIST, 1) != 0);
	wr(p, PCI_INTERRUPT_PIN, 1, 3);
	CHECK_EQ(rd(p, PCI_INTERRUPT_PIN, 1), 1);
	wr(p, PCI_INTERRUPT_LINE, 1, 0x0b);
	CHECK_EQ(rd(p, PCI_INTERRUPT_LINE, 1), 0x0b);
	/* PCIe hardwires the latency timer */
	wr(p, PCI_LATENCY_TIMER, 1, 0x40);
	CHECK_EQ(rd(p, PCI_LATENCY_TIMER, 1), 0);
	wr(p, PCI_CACHE_LINE_SIZE, 1, 0x10);
	CHECK_EQ(rd(p, PCI_CACHE_LINE_SIZE, 1), 0x10);

	wr(p, PCI_COMMAND, 2, 0xffff);
	CHECK_EQ(rd(p, PCI_COMMAND, 2),
		 PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
		 PCI_COMMAND_PARITY | PCI_COMMAND_SERR |
		 PCI_COMMAND_INTX_DISABLE);

	/* capability ids, sizes and flags are read-only */
	wr(p, p->msi_cap, 4, 0xffffffff);
	CHECK_EQ(rd(p, p->msi_cap, 1), PCI_CAP_ID_MSI);
	CHECK_EQ(rd(p, p->msi_cap + PCI_MSI_FLAGS, 2) &
		 (PCI_MSI_FLAGS_QMASK | PCI_MSI_FLAGS_64BIT |
		  PCI_MSI_FLAGS_MASKBIT),
		 (2 << 1) | PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT);
	wr(p, p->msi_cap, 4, 0);
	wr(p, p->msix_cap + PCI_MSIX_TABLE, 4, 0);
	CHECK_EQ(rd(p, p->msix_cap + PCI_MSIX_TABLE, 4), TD_TABLE_OFF);
	wr(p, p->pcie_cap + PCI_EXP_DEVCAP, 4, 0);
	CHECK(rd(p, p->pcie_cap + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_FLR);

	/* writes to a read-only byte run leave everything unchanged */
	memcpy(before, p->config, sizeof(before));
	wr(p, 0x08, 4, 0x12345678);
	wr(p, 0x2c, 4, 0);
	wr(p, 0xfff, 1, 0xff);
	CHECK_EQ(memcmp(before, p->config, sizeof(before)), 0);
	CHECK(s->config_writes > 0);
	pci_dev_destroy(p);
}

static void test_status_w1c(void)
{
	struct pci_dev *p = make(&td_model);
	uint16_t errs = PCI_STATUS_REC_MASTER_ABORT |
			PCI_STATUS_SIG_TARGET_ABORT |
			PCI_STATUS_DETECTED_PARITY;

	/* the function itself records errors */
	p->config[PCI_STATUS] |= (uint8_t)errs;
	p->config[PCI_STATUS + 1] |= (uint8_t)(errs >> 8);
	wr(p, PCI_STATUS, 2, 0);
	CHECK_EQ(rd(p, PCI_STATUS, 2) & errs, errs);
	wr(p, PCI_STATUS, 2, PCI_STATUS_REC_MASTER_ABORT);
	CHECK_EQ(rd(p, PCI_STATUS, 2) & errs,
		 PCI_STATUS_SIG_TARGET_ABORT | PCI_STATUS_DETECTED_PARITY);
	/* a dword write to command+status clears through the upper half */
	wr(p, PCI_COMMAND, 4, 0xffff0000);
	CHECK_EQ(rd(p, PCI_STATUS, 2) & errs, 0);
	CHECK(rd(p, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	CHECK_EQ(rd(p, PCI_COMMAND, 2), 0);

	/* PCIe device status: error bits are w1c too */
	p->config[p->pcie_cap + PCI_EXP_DEVSTA] = 0x0f;
	wr(p, p->pcie_cap + PCI_EXP_DEVSTA, 2, PCI_EXP_DEVSTA_CED);
	CHECK_EQ(rd(p, p->pcie_cap + PCI_EXP_DEVSTA, 2), 0x0e);
	pci_dev_destroy(p);
}

static void test_bar_sizing(void)
{
	struct pci_dev *p = make(&td_model);
	unsigned int i;

	CHECK_EQ(rd(p, PCI_BASE_ADDRESS_0, 4), 0);
	CHECK_EQ(rd(p, PCI_BASE_ADDRESS_0 + 8, 4),
		 PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
	CHECK_EQ(rd(p, PCI_BASE_ADDRESS_0 + 16, 4), PCI_BASE_ADDRESS_SPACE_IO);

	for (i = 0; i < 6; i++)
		wr(p, PCI_BASE_ADDRESS_0 + 4 * i, 4, 0xffffffff);
	CHECK_EQ(rd(p, PCI_BASE_ADDRESS_0, 4), 0xffffc000);	/* 16 KiB */
	CHECK_EQ(rd(p, PCI_BASE_ADDRESS_0 + 4, 4), 0);		/* absent */
	CHECK_EQ(rd(p, PCI_BASE_ADDRESS_0 + 8, 4), 0xfffff00c);	/* 4 KiB */
	CHECK_EQ(rd(p, PCI_BASE_ADDRESS_0 + 12, 4), 0xffffffff);	/* upper */
	CHECK_EQ(rd(p, PCI_BASE_ADDRESS_0 + 16, 4), 0xffffffe1);	/* IO 32 */
	CHECK_EQ(rd(p, PCI_BASE_ADDRESS_0 + 20, 4), 0);

	/* programming an address keeps the flag bits */
	wr(p, PCI_BASE_ADDRESS_0, 4, 0xfebf0000);
	CHECK_EQ(rd(p, PCI_BASE_ADDRESS_0, 4), 0xfebf0000);
	wr(p, PCI_BASE_ADDRESS_0, 4, 0xfebf1234);
	CHECK_EQ(rd(p, PCI_BASE_ADDRESS_0, 4), 0xfebf0000);
	wr(p, PCI_BASE_ADDRESS_0 + 8, 4, 0xc0000000);
	wr(p, PCI_BASE_ADDRESS_0 + 12, 4, 0x00000004);
	CHECK_EQ(rd(p, PCI_BASE_ADDRESS_0 + 8, 4), 0xc000000c);
	CHECK_EQ(rd(p, PCI_BASE_ADDRESS_0 + 12, 4), 4);

	/* expansion ROM: 3000 bytes round up to 4 KiB, plus enable */
	wr(p, PCI_ROM_ADDRESS, 4, 0xffffffff);
	CHECK_EQ(rd(p, PCI_ROM_ADDRESS, 4), 0xfffff001);
	wr(p, PCI_ROM_ADDRESS, 4, 0);
	CHECK_EQ(rd(p, PCI_ROM_ADDRESS, 4), 0);
	CHECK_EQ(p->rom_size, 4096);
	pci_dev_destroy(p);
}

static void test_bar_register_errors(void)
{
	struct pci_dev *p = make(&bare_model);

	CHECK_EQ(pci_register_bar(p, 6, PCI_BAR_MMIO, 4096, false, false),
		 -EINVAL);
	CHECK_EQ(pci_register_bar(p, -1, PCI_BAR_MMIO, 4096, false, false),
		 -EINVAL);
	CHECK_EQ(pci_register_bar(p, 0, PCI_BAR_MMIO, 3000, false, false),
		 -EINVAL);
	CHECK_EQ(pci_register_bar(p, 0, PCI_BAR_MMIO, 8, false, false),
		 -EINVAL);
	CHECK_EQ(pci_register_bar(p, 5, PCI_BAR_MMIO, 4096, true, false),
		 -EINVAL);
	CHECK_EQ(pci_register_bar(p, 0, PCI_BAR_IO, 512, false, false),
		 -EINVAL);
	CHECK_EQ(pci_register_bar(p, 0, PCI_BAR_IO, 16, true, false),
		 -EINVAL);
	CHECK_EQ(pci_register_bar(p, 0, PCI_BAR_NONE, 4096, false, false),
		 -EINVAL);
	CHECK_EQ(pci_register_bar(p, 0, PCI_BAR_MMIO, 1ULL << 32, false,
				  false), -EINVAL);
	CHECK_EQ(pci_register_bar(p, 1, PCI_BAR_MMIO, 1ULL << 32, true,
				  false), 0);
	CHECK_EQ(pci_register_bar(p, 2, PCI_BAR_MMIO, 4096, false, false),
		 -EBUSY);
	CHECK_EQ(pci_register_bar(p, 1, PCI_BAR_MMIO, 4096, false, false),
		 -EBUSY);
	CHECK_EQ(pci_register_bar(p, 0, PCI_BAR_MMIO, 4096, true, false),
		 -EBUSY);
	wr(p, PCI_BASE_ADDRESS_0 + 4, 4, 0xffffffff);
	wr(p, PCI_BASE_ADDRESS_0 + 8, 4, 0xffffffff);
	CHECK_EQ(rd(p, PCI_BASE_ADDRESS_0 + 4, 4), 0x4);
	CHECK_EQ(rd(p, PCI_BASE_ADDRESS_0 + 8, 4), 0xffffffff);
	CHECK_EQ(pci_register_rom(p, NULL, 0), -EINVAL);
	CHECK_EQ(pci_register_rom(p, NULL, 100), 0);
	CHECK_EQ(pci_register_rom(p, NULL, 100), -EEXIST);
	CHECK_EQ(pci_set_interrupt_pin(p, 5), -EINVAL);
	pci_dev_destroy(p);
}

static void test_config_bounds(void)
{
	struct pci_dev *p = make(&td_model);
	struct pci_dev *b = make(&bare_model);
	uint8_t before[PCI_CFG_SPACE_EXP_SIZE];

	CHECK_EQ(rd(p, 4096, 4), 0xffffffff);
	CHECK_EQ(rd(p, 4094, 4), 0xffffffff);
	CHECK_EQ(rd(p, 4095, 2), 0xffff);
	CHECK_EQ(rd(p, 4096, 1), 0xff);
	CHECK_EQ(rd(p, 0, 3), 0xffffffff);
	CHECK_EQ(rd(p, 0, 0), 0xffffffff);
	CHECK_EQ(rd(p, 0, 8), 0xffffffff);
	CHECK_EQ(rd(p, 0xffffffffu, 4), 0xffffffff);
	CHECK_EQ(rd(p, 0xfffffffeu, 2), 0xffff);
	CHECK_EQ(rd(p, 0x100, 2), PCI_EXT_CAP_ID_ERR);
	/* unaligned but in range: the bytes it covers */
	CHECK_EQ(rd(p, 1, 2), 0xf01b);
	CHECK_EQ(rd(NULL, 0, 4), 0xffffffff);

	memcpy(before, p->config, sizeof(before));
	wr(p, 4096, 4, 0);
	wr(p, 4094, 4, 0);
	wr(p, 0xffffffffu, 4, 0);
	wr(p, PCI_COMMAND, 3, 0xffffff);
	wr(p, PCI_COMMAND, 8, 0xffffffff);
	wr(NULL, PCI_COMMAND, 2, 0xffff);
	CHECK_EQ(memcmp(before, p->config, sizeof(before)), 0);

	/* a conventional function has no extended space */
	CHECK_EQ(b->config_size, PCI_CFG_SPACE_SIZE);
	CHECK_EQ(rd(b, 0x100, 4), 0xffffffff);
	CHECK_EQ(rd(b, 0xfc, 4), 0);
	CHECK_EQ(rd(b, 0xfe, 4), 0xffffffff);
	pci_dev_destroy(b);
	pci_dev_destroy(p);
}

/* ---- capabilities ---------------------------------------------------- */

static void test_cap_chain(void)
{
	struct pci_dev *p = make(&td_model);
	unsigned int pos, n = 0, seen_pm = 0, seen_msi = 0, seen_msix = 0;
	unsigned int seen_exp = 0, seen_aer = 0, seen_vndr = 0;
	uint32_t hdr;

	pos = rd(p, PCI_CAPABILITY_LIST, 1);
	while (pos && n++ < 48) {
		CHECK(pos >= 0x40 && pos < 0x100 && !(pos & 3));
		switch (rd(p, pos, 1)) {
		case PCI_CAP_ID_PM:
			seen_pm = pos;
			break;
		case PCI_CAP_ID_MSI:
			seen_msi = pos;
			break;
		case PCI_CAP_ID_MSIX:
			seen_msix = pos;
			break;
		case PCI_CAP_ID_EXP:
			seen_exp = pos;
			break;
		default:
			CHECK(!"unexpected capability");
		}
		pos = rd(p, pos + 1, 1);
	}
	CHECK_EQ(n, 4);
	CHECK_EQ(seen_pm, p->pm_cap);
	CHECK_EQ(seen_msi, p->msi_cap);
	CHECK_EQ(seen_msix, p->msix_cap);
	CHECK_EQ(seen_exp, p->pcie_cap);
	CHECK_EQ(pci_find_cap(p, PCI_CAP_ID_PM), p->pm_cap);
	CHECK_EQ(pci_find_cap(p, PCI_CAP_ID_MSI), p->msi_cap);
	CHECK_EQ(pci_find_cap(p, PCI_CAP_ID_MSIX), p->msix_cap);
	CHECK_EQ(pci_find_cap(p, PCI_CAP_ID_EXP), p->pcie_cap);
	CHECK_EQ(pci_find_cap(p, PCI_CAP_ID_VNDR), 0);
	/* caps do not overlap: in order of addition, each after the last */
	CHECK(p->pm_cap < p->msi_cap && p->msi_cap < p->msix_cap &&
	      p->msix_cap < p->pcie_cap);
	CHECK(p->msi_cap >= p->pm_cap + PCI_PM_SIZEOF);
	CHECK(p->msix_cap >= p->msi_cap + 24);
	CHECK(p->pcie_cap >= p->msix_cap + PCI_MSIX_SIZEOF);
	CHECK((rd(p, p->pcie_cap + PCI_EXP_FLAGS, 2) & 0xf) == 2);

	pos = PCI_EXT_CAP_START;
	n = 0;
	while (pos && n++ < 480) {
		hdr = rd(p, pos, 4);
		if (PCI_EXT_CAP_ID(hdr) == PCI_EXT_CAP_ID_ERR)
			seen_aer = pos;
		else if (PCI_EXT_CAP_ID(hdr) == PCI_EXT_CAP_ID_VNDR)
			seen_vndr = pos;
		else
			CHECK(!"unexpected extended capability");
		pos = PCI_EXT_CAP_NEXT(hdr);
	}
	CHECK_EQ(n, 2);
	CHECK_EQ(seen_aer, 0x100);
	CHECK_EQ(seen_aer, p->aer_cap);
	CHECK_EQ(PCI_EXT_CAP_VER(rd(p, seen_aer, 4)), 2);
	CHECK_EQ(seen_vndr, 0x100 + PCI_ERR_SIZEOF);
	CHECK_EQ(pci_find_ext_cap(p, PCI_EXT_CAP_ID_ERR), 0x100);
	CHECK_EQ(pci_find_ext_cap(p, PCI_EXT_CAP_ID_VNDR), seen_vndr);
	CHECK_EQ(pci_find_ext_cap(p, PCI_EXT_CAP_ID_ACS), 0);
	pci_dev_destroy(p);
}

static void test_cap_builder_errors(void)
{
	struct pci_dev *p = make(&bare_model);
	int i, ret;

	CHECK_EQ(pci_find_cap(p, PCI_CAP_ID_PM), 0);
	CHECK_EQ(rd(p, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0);
	CHECK_EQ(pci_add_ext_cap(p, PCI_EXT_CAP_ID_VNDR, 1, 16), -EINVAL);
	CHECK_EQ(pci_add_cap_aer(p), -EINVAL);
	CHECK_EQ(pci_add_cap_msi(p, 3, false, false), -EINVAL);
	CHECK_EQ(pci_add_cap_msi(p, 64, false, false), -EINVAL);
	CHECK_EQ(pci_add_cap_msi(p, 0, false, false), -EINVAL);
	CHECK_EQ(pci_add_cap_msix(p, 4, 0, 0, 0, 0x100), -EINVAL); /* no BAR */
	CHECK_EQ(pci_add_cap_pcie(p, 3, false), -EINVAL);
	CHECK_EQ(pci_add_cap_pm(p, true), 0);
	CHECK_EQ(pci_add_cap_pm(p, true), -EEXIST);
	CHECK_EQ(pci_register_bar(p, 0, PCI_BAR_MMIO, 4096, false, false), 0);
	CHECK_EQ(pci_register_bar(p, 1, PCI_BAR_RAM, 4096, false, false), 0);
	CHECK_EQ(pci_add_cap_msix(p, 4, 0, 0x804, 0, 0x900), -EINVAL);
	CHECK_EQ(pci_add_cap_msix(p, 4, 0, 0x800, 0, 0x820), -EINVAL);
	CHECK_EQ(pci_add_cap_msix(p, 4, 0, 0xff8, 0, 0x900), -EINVAL);
	CHECK_EQ(pci_add_cap_msix(p, 4, 1, 0x0, 0, 0x900), -EINVAL); /* RAM */
	CHECK_EQ(pci_add_cap_msix(p, 2049, 0, 0, 0, 0x900), -EINVAL);
	CHECK_EQ(pci_add_cap_msix(p, 4, 0, 0x800, 0, 0x840), 0);
	CHECK_EQ(pci_add_cap_msix(p, 4, 0, 0x800, 0, 0x840), -EEXIST);
	/* fill standard space until it runs out */
	for (i = 0; i < 64; i++) {
		ret = pci_add_cap(p, PCI_CAP_ID_VNDR, 16);
		if (ret < 0)
			break;
		CHECK(ret + 16 <= 0x100);
	}
	CHECK_EQ(ret, -ENOSPC);
	CHECK_EQ(pci_add_cap(p, PCI_CAP_ID_VNDR, 1), -EINVAL);
	CHECK_EQ(pci_find_cap(p, PCI_CAP_ID_MSIX), p->msix_cap);
	pci_dev_destroy(p);
}

static void test_model_flags_checked(void)
{
	struct pci_dev *p = NULL;

	CHECK_EQ(pci_dev_create(&td_liar_model, 0, 0, 0, NULL, NULL, NULL,
				&p), -EINVAL);
	CHECK(p == NULL);
	CHECK_EQ(pci_dev_create(NULL, 0, 0, 0, NULL, NULL, NULL, &p),
		 -EINVAL);
}

/* ---- MSI ------------------------------------------------------------- */

static void test_msi(void)
{
	struct pci_dev *p = make(&td_model);
	unsigned int c = p->msi_cap;
	unsigned int mask = c + PCI_MSI_MASK_64, pend = c + PCI_MSI_PENDING_64;

	/* disabled: nothing goes out */
	enable_master(p);
	pci_msi_notify(p, 0);
	CHECK_EQ(host.msi_total, 0);
	CHECK(!pci_msi_enabled(p));

	wr(p, c + PCI_MSI_ADDRESS_LO, 4, 0xfee00003);
	CHECK_EQ(rd(p, c + PCI_MSI_ADDRESS_LO, 4), 0xfee00000);
	wr(p, c + PCI_MSI_ADDRESS_HI, 4, 0x1);
	wr(p, c + PCI_MSI_DATA_64, 2, 0x4040);
	CHECK_EQ(rd(p, c + PCI_MSI_DATA_64, 2), 0x4040);

	/* one vector granted (MME = 0): vector 1 is not ours to send */
	wr(p, c + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
	CHECK(pci_msi_enabled(p));
	pci_msi_notify(p, 0);
	pci_msi_notify(p, 1);
	CHECK_EQ(host.msi_total, 1);
	CHECK_EQ(host.msi_count[0], 1);

	/* four granted; MME above MMC is capped */
	wr(p, c + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE | (5 << 4));
	pci_msi_notify(p, 3);
	pci_msi_notify(p, 4);
	CHECK_EQ(host.msi_count[3], 1);
	CHECK_EQ(host.msi_total, 2);

	/* per-vector mask: held as pending, sent once on unmask */
	wr(p, mask, 4, 0xffffffff);
	CHECK_EQ(rd(p, mask, 4), 0xf);
	pci_msi_notify(p, 2);
	pci_msi_notify(p, 2);
	CHECK_EQ(host.msi_count[2], 0);
	CHECK_EQ(rd(p, pend, 4), 0x4);
	wr(p, pend, 4, 0);			/* pending is read-only */
	CHECK_EQ(rd(p, pend, 4), 0x4);
	wr(p, mask, 4, 0xb);			/* unmask vector 2 only */
	CHECK_EQ(host.msi_count[2], 1);
	CHECK_EQ(rd(p, pend, 4), 0);
	CHECK_EQ(p->stats.msi_held, 2);

	/* pending survives disable and is sent once re-enabled */
	pci_msi_notify(p, 0);
	CHECK_EQ(rd(p, pend, 4), 0x1);
	wr(p, c + PCI_MSI_FLAGS, 2, 0);
	wr(p, mask, 4, 0);
	CHECK_EQ(host.msi_count[0], 1);
	wr(p, c + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE | (2 << 4));
	CHECK_EQ(host.msi_count[0], 2);

	/* no bus mastering: the message write never happens */
	wr(p, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	pci_msi_notify(p, 1);
	CHECK_EQ(host.msi_count[1], 0);
	CHECK(p->stats.msi_dropped >= 2);
	pci_dev_destroy(p);
}

/* ---- MSI-X ----------------------------------------------------------- */

static uint64_t entry(unsigned int v, unsigned int field)
{
	return TD_TABLE_OFF + v * PCI_MSIX_ENTRY_SIZE + field;
}

static void test_msix(void)
{
	struct pci_dev *p = make(&td_model);
	struct td_state *s = p->priv;
	unsigned int c = p->msix_cap, v;

	CHECK_EQ(rd(p, c + PCI_MSIX_FLAGS, 2), TD_MSIX_NVEC - 1);
	CHECK_EQ(rd(p, c + PCI_MSIX_TABLE, 4), TD_TABLE_OFF | 0);
	CHECK_EQ(rd(p, c + PCI_MSIX_PBA, 4), TD_PBA_OFF | 0);

	/* power-on table: all masked */
	for (v = 0; v < TD_MSIX_NVEC; v++)
		CHECK_EQ(pci_bar_read(p, 0, entry(v, 12), 4), 1);
	CHECK_EQ(pci_bar_read(p, 0, TD_PBA_OFF, 8), 0);

	/* table entries are plain memory to software */
	pci_bar_write(p, 0, entry(3, 0), 8, 0x00000001fee01000ULL);
	pci_bar_write(p, 0, entry(3, 8), 4, 0x4023);
	CHECK_EQ(pci_bar_read(p, 0, entry(3, 0), 4), 0xfee01000);
	CHECK_EQ(pci_bar_read(p, 0, entry(3, 4), 4), 1);
	CHECK_EQ(pci_bar_read(p, 0, entry(3, 8), 4), 0x4023);
	CHECK_EQ(pci_bar_read(p, 0, entry(3, 8), 8), 0x100004023ULL);
	pci_bar_write(p, 0, entry(3, 12), 4, 0xffffffff);
	CHECK_EQ(pci_bar_read(p, 0, entry(3, 12), 4), 1);	/* reserved */
	CHECK_EQ(s->bar_reads, 0);
	CHECK_EQ(s->bar_writes, 0);

	/* the rest of the BAR is the model's */
	CHECK_EQ(pci_bar_read(p, 0, 0x10, 4), 0xa5a5a5b5);
	pci_bar_write(p, 0, 0x20, 4, 0x77);
	CHECK_EQ(s->last_write_off, 0x20);
	CHECK_EQ(s->last_write_val, 0x77);

	/* enabled, vector masked: pending, then delivered on unmask */
	enable_master(p);
	wr(p, c + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	CHECK(pci_msix_enabled(p));
	CHECK_EQ(rd(p, c + PCI_MSIX_FLAGS, 2),
		 PCI_MSIX_FLAGS_ENABLE | (TD_MSIX_NVEC - 1));
	pci_msi_notify(p, 3);
	CHECK_EQ(host.msi_total, 0);
	CHECK_EQ(pci_bar_read(p, 0, TD_PBA_OFF, 8), 1 << 3);
	CHECK_EQ(pci_bar_read(p, 0, TD_PBA_OFF, 1), 1 << 3);
	pci_bar_write(p, 0, TD_PBA_OFF, 8, 0);		/* PBA read-only */
	CHECK_EQ(pci_bar_read(p, 0, TD_PBA_OFF, 8), 1 << 3);
	pci_bar_write(p, 0, entry(3, 12), 4, 0);
	CHECK_EQ(host.msi_count[3], 1);
	CHECK_EQ(pci_bar_read(p, 0, TD_PBA_OFF, 8), 0);
	pci_msi_notify(p, 3);
	CHECK_EQ(host.msi_count[3], 2);

	/* function mask holds every vector */
	wr(p, c + PCI_MSIX_FLAGS, 2,
	   PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	pci_msi_notify(p, 3);
	pci_msi_notify(p, 5);			/* also vector-masked */
	CHECK_EQ(host.msi_count[3], 2);
	CHECK_EQ(pci_bar_read(p, 0, TD_PBA_OFF, 8), (1 << 3) | (1 << 5));
	wr(p, c + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	CHECK_EQ(host.msi_count[3], 3);
	CHECK_EQ(host.msi_count[5], 0);
	CHECK_EQ(pci_bar_read(p, 0, TD_PBA_OFF, 8), 1 << 5);

	/* out-of-range vector */
	pci_msi_notify(p, TD_MSIX_NVEC);
	CHECK_EQ(host.msi_total, 3);

	/* MSI-X wins over MSI when both are on */
	wr(p, p->msi_cap + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
	pci_msi_notify(p, 3);
	CHECK_EQ(host.msi_count[3], 4);

	/* a straddling access never reaches the model */
	pci_bar_read(p, 0, TD_TABLE_OFF - 4, 8);
	pci_bar_write(p, 0, TD_TABLE_OFF - 4, 8, ~0ULL);
	CHECK_EQ(s->bar_reads, 1);
	CHECK_EQ(s->bar_writes, 1);
	pci_dev_destroy(p);
}

/* ---- INTx ------------------------------------------------------------ */

static void test_intx(void)
{
	struct pci_dev *p = make(&td_model);

	pci_set_irq(p, true);
	CHECK(host.intx);
	CHECK(rd(p, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	pci_set_irq(p, true);
	CHECK_EQ(host.intx_changes, 1);

	/* software cannot write the Interrupt Status bit */
	wr(p, PCI_STATUS, 2, 0xffff);
	CHECK(rd(p, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);

	/* INTx Disable: pin drops, status stays */
	wr(p, PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE);
	CHECK(!host.intx);
	CHECK(rd(p, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	wr(p, PCI_COMMAND, 2, 0);
	CHECK(host.intx);

	/* MSI enabled: the pin is not used */
	wr(p, p->msi_cap + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
	CHECK(!host.intx);
	wr(p, p->msi_cap + PCI_MSI_FLAGS, 2, 0);
	CHECK(host.intx);

	pci_set_irq(p, false);
	CHECK(!host.intx);
	CHECK_EQ(rd(p, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, 0);
	CHECK_EQ(p->stats.intx_asserts, 3);

	/* raised while disabled: asserted when enabled */
	wr(p, PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE);
	pci_set_irq(p, true);
	CHECK(!host.intx);
	wr(p, PCI_COMMAND, 2, 0);
	CHECK(host.intx);
	pci_dev_destroy(p);
}

/* ---- resets ---------------------------------------------------------- */

static void dirty_everything(struct pci_dev *p)
{
	enable_master(p);
	wr(p, PCI_BASE_ADDRESS_0, 4, 0xfebf0000);
	wr(p, PCI_INTERRUPT_LINE, 1, 0x0b);
	wr(p, p->msi_cap + PCI_MSI_ADDRESS_LO, 4, 0xfee00000);
	wr(p, p->msi_cap + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
	wr(p, p->msix_cap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	pci_bar_write(p, 0, entry(1, 8), 4, 0x1234);
	pci_msi_notify(p, 1);			/* pending in the PBA */
	pci_bar_write(p, 0, entry(2, 12), 4, 0);
	wr(p, p->pcie_cap + PCI_EXP_DEVCTL, 2,
	   PCI_EXP_DEVCTL_READRQ_512B | (1 << 5));	/* MPS 256 */
	wr(p, p->pcie_cap + PCI_EXP_LNKCTL, 2, PCI_EXP_LNKCTL_ASPMC);
	wr(p, p->aer_cap + PCI_ERR_UNCOR_MASK, 4, 0x1000);
	pci_set_irq(p, true);			/* status set, pin gated */
}

static void check_reset_state(struct pci_dev *p)
{
	unsigned int v;

	CHECK_EQ(rd(p, PCI_COMMAND, 2), 0);
	CHECK_EQ(rd(p, PCI_BASE_ADDRESS_0, 4), 0);
	CHECK_EQ(rd(p, PCI_INTERRUPT_LINE, 1), 0);
	CHECK_EQ(rd(p, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, 0);
	CHECK(!pci_msi_enabled(p));
	CHECK(!pci_msix_enabled(p));
	CHECK_EQ(rd(p, p->msi_cap + PCI_MSI_ADDRESS_LO, 4), 0);
	for (v = 0; v < TD_MSIX_NVEC; v++) {
		CHECK_EQ(pci_bar_read(p, 0, entry(v, 8), 4), 0);
		CHECK_EQ(pci_bar_read(p, 0, entry(v, 12), 4), 1);
	}
	CHECK_EQ(pci_bar_read(p, 0, TD_PBA_OFF, 8), 0);
	CHECK(!host.intx);
	CHECK_EQ(memcmp(p->config, p->config_default, 0x40), 0);
}

static void test_flr(void)
{
	struct pci_dev *p = make(&td_model);
	struct td_state *s = p->priv;
	unsigned int devctl = p->pcie_cap + PCI_EXP_DEVCTL;
	unsigned int cw;

	dirty_everything(p);
	CHECK(pci_msi_enabled(p) && pci_msix_enabled(p));
	CHECK(rd(p, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	CHECK_EQ(pci_bar_read(p, 0, TD_PBA_OFF, 8), 1 << 1);
	cw = s->config_writes;

	/* Initiate FLR: a 2-byte write of Device Control with bit 15 */
	wr(p, devctl, 2, rd(p, devctl, 2) | PCI_EXP_DEVCTL_BCR_FLR);
	CHECK_EQ(s->resets, 1);
	CHECK_EQ(p->stats.resets, 1);
	CHECK_EQ(s->config_writes, cw);
	check_reset_state(p);
	CHECK_EQ(rd(p, devctl, 2) & PCI_EXP_DEVCTL_BCR_FLR, 0);
	/* kept: Max_Payload_Size, link control, AER (sticky) */
	CHECK_EQ(rd(p, devctl, 2) & PCI_EXP_DEVCTL_PAYLOAD, 1 << 5);
	CHECK_EQ(rd(p, p->pcie_cap + PCI_EXP_LNKCTL, 2), PCI_EXP_LNKCTL_ASPMC);
	CHECK_EQ(rd(p, p->aer_cap + PCI_ERR_UNCOR_MASK, 4), 0x1000);
	/* restored to defaults, not kept */
	CHECK_EQ(rd(p, devctl, 2) & ~PCI_EXP_DEVCTL_PAYLOAD,
		 PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN |
		 PCI_EXP_DEVCTL_READRQ_512B);

	/* the FLR byte alone, as a 1-byte write, also resets; INTx drops */
	pci_set_irq(p, true);
	CHECK(host.intx);
	wr(p, devctl + 1, 1, 0x80);
	CHECK_EQ(s->resets, 2);
	CHECK(!host.intx);
	/* all-ones into Device Capabilities does not reach Device Control */
	wr(p, p->pcie_cap + PCI_EXP_DEVCAP, 4, 0xffffffff);
	CHECK_EQ(s->resets, 2);
	wr(p, devctl, 4, 0x00008000);
	CHECK_EQ(s->resets, 3);

	/* pci_dev_reset directly (hot reset path) */
	dirty_everything(p);
	pci_dev_reset(p);
	CHECK_EQ(s->resets, 4);
	check_reset_state(p);
	pci_dev_destroy(p);
}

static void test_flr_not_capable(void)
{
	struct pci_dev *p = make(&td_noflr_model);
	struct td_state *s = p->priv;
	unsigned int devctl = p->pcie_cap + PCI_EXP_DEVCTL;

	CHECK_EQ(rd(p, p->pcie_cap + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_FLR,
		 0);
	enable_master(p);
	wr(p, devctl, 2, PCI_EXP_DEVCTL_BCR_FLR);
	CHECK_EQ(s->resets, 0);
	CHECK_EQ(rd(p, PCI_COMMAND, 2), PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	CHECK_EQ(rd(p, devctl, 2) & PCI_EXP_DEVCTL_BCR_FLR, 0);

	/* NoSoftRst: D3hot -> D0 keeps state */
	CHECK(rd(p, p->pm_cap + PCI_PM_CTRL, 2) & PCI_PM_CTRL_NO_SOFT_RESET);
	wr(p, p->pm_cap + PCI_PM_CTRL, 2, PCI_D3HOT);
	wr(p, p->pm_cap + PCI_PM_CTRL, 2, PCI_D0);
	CHECK_EQ(s->resets, 0);
	CHECK_EQ(rd(p, PCI_COMMAND, 2), PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	pci_dev_destroy(p);
}

static void test_pm(void)
{
	struct pci_dev *p = make(&td_model);
	struct td_state *s = p->priv;
	unsigned int ctrl = p->pm_cap + PCI_PM_CTRL;

	CHECK_EQ(rd(p, p->pm_cap + PCI_PM_PMC, 2) & 7, 3);
	CHECK_EQ(rd(p, ctrl, 2), PCI_D0);
	enable_master(p);
	CHECK(pci_bar_decode_enabled(p, 0));

	/* D1/D2 are not supported: the write is discarded */
	wr(p, ctrl, 2, PCI_D1);
	CHECK_EQ(rd(p, ctrl, 2) & 3, PCI_D0);
	wr(p, ctrl, 2, PCI_D3HOT);
	CHECK_EQ(rd(p, ctrl, 2) & 3, PCI_D3HOT);
	CHECK(!pci_bar_decode_enabled(p, 0));
	wr(p, ctrl, 2, PCI_D2);
	CHECK_EQ(rd(p, ctrl, 2) & 3, PCI_D3HOT);
	CHECK_EQ(s->resets, 0);

	/* D3hot -> D0 without NoSoftRst: an internal reset */
	wr(p, ctrl, 2, PCI_D0);
	CHECK_EQ(s->resets, 1);
	CHECK_EQ(rd(p, ctrl, 2) & 3, PCI_D0);
	CHECK_EQ(rd(p, PCI_COMMAND, 2), 0);
	CHECK(!pci_bar_decode_enabled(p, 0));
	pci_dev_destroy(p);
}

/* ---- BAR dispatch and DMA -------------------------------------------- */

static void test_bar_access(void)
{
	struct pci_dev *p = make(&td_model);
	struct td_state *s = p->priv;
	uint8_t *ram = p->bars[2].ram;

	/* RAM BAR: backed by a memfd mapping */
	CHECK(ram != NULL);
	CHECK(p->bars[2].ram_fd >= 0);
	CHECK(p->bars[0].ram_fd == -1);
	pci_bar_write(p, 2, 0x10, 8, 0x1122334455667788ULL);
	CHECK_EQ(ram[0x10], 0x88);
	CHECK_EQ(pci_bar_read(p, 2, 0x14, 4), 0x11223344);
	CHECK_EQ(pci_bar_read(p, 2, 0xffc, 4), 0);
	CHECK_EQ(pci_bar_read(p, 2, 0xffd, 4), 0xffffffff);

	/* bad accesses: all-ones, never the model */
	CHECK_EQ(pci_bar_read(p, 0, TD_BAR0_SIZE, 4), 0xffffffff);
	CHECK_EQ(pci_bar_read(p, 0, TD_BAR0_SIZE - 2, 4), 0xffffffff);
	CHECK_EQ(pci_bar_read(p, 0, ~0ULL, 1), 0xff);
	CHECK_EQ(pci_bar_read(p, 0, 0, 3), ~0ULL);
	CHECK_EQ(pci_bar_read(p, 1, 0, 4), 0xffffffff);
	CHECK_EQ(pci_bar_read(p, 3, 0, 4), 0xffffffff);
	CHECK_EQ(pci_bar_read(p, 7, 0, 4), 0xffffffff);
	CHECK_EQ(pci_bar_read(p, -1, 0, 4), 0xffffffff);
	CHECK_EQ(pci_bar_read(p, 4, 0, 8), ~0ULL);	/* IO: no 8-byte */
	pci_bar_write(p, 0, TD_BAR0_SIZE, 4, 1);
	pci_bar_write(p, 9, 0, 4, 1);
	CHECK_EQ(s->bar_reads, 0);
	CHECK_EQ(s->bar_writes, 0);
	CHECK_EQ(pci_bar_read(p, 4, 0, 2), 0xa5a5);
	CHECK_EQ(s->bar_reads, 1);

	/* expansion ROM contents, read-only */
	CHECK_EQ(pci_bar_read(p, PCI_ROM_SLOT, 0, 2), 0xaa55);
	CHECK_EQ(pci_bar_read(p, PCI_ROM_SLOT, TD_ROM_LEN, 1), 0);
	CHECK_EQ(pci_bar_read(p, PCI_ROM_SLOT, 4096, 1), 0xff);
	pci_bar_write(p, PCI_ROM_SLOT, 0, 2, 0);
	CHECK_EQ(pci_bar_read(p, PCI_ROM_SLOT, 0, 2), 0xaa55);

	/* decode enables */
	CHECK(!pci_bar_decode_enabled(p, 0));
	CHECK(!pci_bar_decode_enabled(p, 4));
	wr(p, PCI_COMMAND, 2, PCI_COMMAND_IO);
	CHECK(pci_bar_decode_enabled(p, 4));
	CHECK(!pci_bar_decode_enabled(p, 2));
	wr(p, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	CHECK(pci_bar_decode_enabled(p, 0));
	CHECK(pci_bar_decode_enabled(p, 2));
	CHECK(pci_bar_decode_enabled(p, PCI_ROM_SLOT));
	CHECK(!pci_bar_decode_enabled(p, 1));
	CHECK(!pci_bar_decode_enabled(p, 4));
	pci_dev_destroy(p);
}

static void test_dma(void)
{
	struct pci_dev *p = make(&td_model);
	uint8_t buf[16] = { 1, 2, 3, 4 }, out[16];

	/* no Bus Master Enable: the request is never issued */
	CHECK_EQ(pci_dma_write(p, FAKE_MEM_BASE, buf, sizeof(buf)), -EIO);
	CHECK_EQ(host.dma_calls, 0);
	CHECK_EQ(p->stats.dma_blocked, 1);

	enable_master(p);
	CHECK_EQ(pci_dma_write(p, FAKE_MEM_BASE + 8, buf, sizeof(buf)), 0);
	CHECK_EQ(host.mem[8 + 3], 4);
	CHECK_EQ(pci_dma_read(p, FAKE_MEM_BASE + 8, out, sizeof(out)), 0);
	CHECK_EQ(memcmp(buf, out, sizeof(out)), 0);
	CHECK_EQ(p->stats.dma_ok, 2);

	/* IOMMU faults come back as they are */
	CHECK_EQ(pci_dma_read(p, 0x1000, out, sizeof(out)), -EFAULT);
	CHECK_EQ(pci_dma_read(p, ~0ULL - 4, out, sizeof(out)), -EFAULT);
	CHECK_EQ(p->stats.dma_faults, 2);
	CHECK_EQ(pci_dma_read(p, 0x1000, out, 0), 0);
	CHECK_EQ(pci_dma_read(p, 0x1000, NULL, 4), -EINVAL);
	pci_dev_destroy(p);

	/* no platform at all: nothing is mapped */
	p = NULL;
	CHECK_EQ(pci_dev_create(&td_model, 0, 0, 0, NULL, NULL, NULL, &p), 0);
	enable_master(p);
	CHECK_EQ(pci_dma_read(p, FAKE_MEM_BASE, out, 4), -EFAULT);
	pci_msi_notify(p, 0);
	pci_set_irq(p, true);
	pci_dev_destroy(p);
}

static void test_fail_nth(void)
{
	struct pci_dev *p;
	long nth;
	int ret, failures = 0;

	for (nth = 1; nth < 64; nth++) {
		p = NULL;
		uvfio_fail_nth_set(nth);
		ret = pci_dev_create(&td_model, 0, 0, 0, NULL, NULL, NULL, &p);
		uvfio_fail_nth_set(0);
		if (ret == 0) {
			pci_dev_destroy(p);
			break;
		}
		CHECK_EQ(ret, -ENOMEM);
		CHECK(p == NULL);
		failures++;
	}
	CHECK(failures >= 3);	/* pdev, priv, rom, msix table/pba */
	CHECK(nth < 64);
}

int main(void)
{
	RUN(test_header_ids);
	RUN(test_readonly_ignored);
	RUN(test_status_w1c);
	RUN(test_bar_sizing);
	RUN(test_bar_register_errors);
	RUN(test_config_bounds);
	RUN(test_cap_chain);
	RUN(test_cap_builder_errors);
	RUN(test_model_flags_checked);
	RUN(test_msi);
	RUN(test_msix);
	RUN(test_intx);
	RUN(test_flr);
	RUN(test_flr_not_capable);
	RUN(test_pm);
	RUN(test_bar_access);
	RUN(test_dma);
	RUN(test_fail_nth);
	return h_finish();
}
