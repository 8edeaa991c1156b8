// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci config-space virtualisation, seen through the device fd as a
 * VMM or a driver sees it (machines/ioat.json: an edu, conventional with
 * MSI; an ioat, PCIe with PM, MSI-X, AER). What must be virtual, what
 * must go through, what must be ignored, as vfio-pci does.
 */
#include <errno.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vt.h"

#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_BAR0		0x10
#define PCI_ROM			0x30
#define PCI_INT_LINE		0x3c
#define PCI_INT_PIN		0x3d
#define CMD_MEMORY		0x0002
#define CMD_MASTER		0x0004
#define CMD_INTX_DISABLE	0x0400

static void header_rules(struct vt_dev *d)
{
	uint32_t v;
	char buf[8];
	int i;

	CHECK(vt_cfg_rd(d, 0, 4) == 0x11e81234, "edu ids");
	vt_cfg_wr(d, 0, 2, 0xabcd);
	CHECK(vt_cfg_rd(d, 0, 2) == 0x1234, "vendor id write ignored");
	v = vt_cfg_rd(d, PCI_STATUS, 2);
	vt_cfg_wr(d, PCI_STATUS, 2, 0xffff);
	CHECK(vt_cfg_rd(d, PCI_STATUS, 2) == v, "status writes dropped");
	CHECK(vt_cfg_rd(d, PCI_INT_PIN, 1) == 1, "INTx pin A");
	vt_cfg_wr(d, PCI_INT_PIN, 1, 3);
	CHECK(vt_cfg_rd(d, PCI_INT_PIN, 1) == 1, "pin is read-only");
	vt_cfg_wr(d, PCI_INT_LINE, 1, 0x2b);
	CHECK(vt_cfg_rd(d, PCI_INT_LINE, 1) == 0x2b, "interrupt line is virtual, writable");

	/* BAR sizing protocol on a 1 MiB 32-bit memory BAR */
	v = vt_cfg_rd(d, PCI_BAR0, 4);
	vt_cfg_wr(d, PCI_BAR0, 4, 0xffffffff);
	CHECK(vt_cfg_rd(d, PCI_BAR0, 4) == 0xfff00000, "BAR0 sizes as 1 MiB (0x%x)",
	      vt_cfg_rd(d, PCI_BAR0, 4));
	vt_cfg_wr(d, PCI_BAR0, 4, 0xfeb00000);
	CHECK(vt_cfg_rd(d, PCI_BAR0, 4) == 0xfeb00000, "BAR0 keeps an address");
	vt_cfg_wr(d, PCI_BAR0, 4, v);
	CHECK(vt_cfg_rd(d, PCI_BAR0, 4) == v, "BAR0 restored");
	for (i = 1; i < 6; i++) {
		vt_cfg_wr(d, PCI_BAR0 + 4 * i, 4, 0xffffffff);
		CHECK(vt_cfg_rd(d, PCI_BAR0 + 4 * i, 4) == 0, "absent BAR%d reads 0", i);
	}
	vt_cfg_wr(d, PCI_ROM, 4, 0xffffffff);
	CHECK(vt_cfg_rd(d, PCI_ROM, 4) == 0, "no ROM: ROM BAR reads 0");
	/* the BAR still decodes: the device did not move */
	CHECK(vt_bar_rd(d, 0, 0, buf, 4) == 4, "BAR0 readable after sizing");

	CHECK_ERRNO(pread(d->dev, buf, 4, (off_t)(d->region[7] + 256)), EFAULT,
		    "config read past 256 bytes");
	CHECK_ERRNO(pread(d->dev, buf, 4, (off_t)(d->region[7] + 254)), EFAULT,
		    "config read straddling the end");
	CHECK_ERRNO(pwrite(d->dev, buf, 1, (off_t)(d->region[7] + 300)), EFAULT,
		    "config write past the end");
}

static void command_rules(struct vt_dev *d)
{
	uint16_t cmd = (uint16_t)vt_cfg_rd(d, PCI_COMMAND, 2);
	char buf[4];

	CHECK(cmd & CMD_MEMORY, "memory decoding on after open");
	vt_cfg_wr(d, PCI_COMMAND, 2, cmd | CMD_INTX_DISABLE | CMD_MASTER);
	CHECK((vt_cfg_rd(d, PCI_COMMAND, 2) & (CMD_INTX_DISABLE | CMD_MASTER)) ==
	      (CMD_INTX_DISABLE | CMD_MASTER), "INTx disable and bus master stick");
	vt_cfg_wr(d, PCI_COMMAND, 2, CMD_MASTER);
	CHECK_ERRNO(vt_bar_rd(d, 0, 0, buf, 4), EIO, "BAR read with memory off");
	vt_cfg_wr(d, PCI_COMMAND + 1, 1, CMD_INTX_DISABLE >> 8);
	CHECK(vt_cfg_rd(d, PCI_COMMAND, 2) == (CMD_MASTER | CMD_INTX_DISABLE),
	      "byte write of the command's high byte");
	vt_cfg_wr(d, PCI_COMMAND, 2, cmd);
	CHECK(vt_bar_rd(d, 0, 0, buf, 4) == 4, "BAR read with memory back on");
}

static void msi_rules(struct vt_dev *d)
{
	unsigned int msi = vt_find_cap(d, 0x05);
	int efd = eventfd(0, EFD_CLOEXEC);
	uint16_t flags;

	CHECK(msi, "edu has an MSI capability");
	if (!msi)
		return;
	vt_cfg_wr(d, msi, 2, 0x0000);
	CHECK(vt_cfg_rd(d, msi, 1) == 0x05 && vt_cfg_rd(d, msi + 1, 1) == 0,
	      "capability id/next are read-only");
	flags = (uint16_t)vt_cfg_rd(d, msi + 2, 2);
	CHECK(flags & 0x80, "64-bit MSI");
	vt_cfg_wr(d, msi + 2, 2, flags | 1);
	CHECK(!(vt_cfg_rd(d, msi + 2, 2) & 1), "MSI enable only through SET_IRQS");
	vt_cfg_wr(d, msi + 4, 4, 0xfee01004);
	vt_cfg_wr(d, msi + 8, 4, 0x12345678);
	vt_cfg_wr(d, msi + 12, 2, 0x4041);
	CHECK(vt_cfg_rd(d, msi + 4, 4) == 0xfee01004 &&
	      vt_cfg_rd(d, msi + 8, 4) == 0x12345678 &&
	      vt_cfg_rd(d, msi + 12, 2) == 0x4041, "MSI address/data are virtual");
	CHECK(vt_set_irqs(d, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
			  VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &efd, 4) == 0, "SET_IRQS MSI");
	/* The flags are virtual: the user's own write shows the enable. */
	CHECK(!(vt_cfg_rd(d, msi + 2, 2) & 1), "SET_IRQS leaves the virtual enable");
	vt_cfg_wr(d, msi + 2, 2, flags | 1);
	CHECK(vt_cfg_rd(d, msi + 2, 2) & 1, "MSI enable sticks while MSI is on");
	CHECK(vt_set_irqs(d, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
			  VFIO_PCI_MSI_IRQ_INDEX, 0, 0, NULL, 0) == 0, "MSI off");
	vt_cfg_wr(d, msi + 2, 2, flags | 1);
	CHECK(!(vt_cfg_rd(d, msi + 2, 2) & 1), "and is refused again once off");
	close(efd);
}

static unsigned int ioat_pcie, ioat_pm, ioat_msix;

static void ioat_bar64(struct vt_dev *d)
{
	uint32_t lo = vt_cfg_rd(d, PCI_BAR0, 4), hi = vt_cfg_rd(d, PCI_BAR0 + 4, 4);

	vt_cfg_wr(d, PCI_BAR0, 4, 0xffffffff);
	vt_cfg_wr(d, PCI_BAR0 + 4, 4, 0xffffffff);
	CHECK(vt_cfg_rd(d, PCI_BAR0, 4) == 0xffffc004,
	      "64-bit BAR0 low half sizes as 16 KiB, type 64 (0x%x)",
	      vt_cfg_rd(d, PCI_BAR0, 4));
	CHECK(vt_cfg_rd(d, PCI_BAR0 + 4, 4) == 0xffffffff, "upper half all ones");
	vt_cfg_wr(d, PCI_BAR0, 4, lo);
	vt_cfg_wr(d, PCI_BAR0 + 4, 4, hi);
	CHECK(vt_cfg_rd(d, PCI_BAR0, 4) == lo && vt_cfg_rd(d, PCI_BAR0 + 4, 4) == hi,
	      "64-bit BAR restored");
}

static uint8_t ioat_intrctrl(struct vt_dev *d)
{
	uint8_t v = 0xee;

	if (vt_bar_rd(d, 0, 0x03, &v, 1) != 1)
		return 0xee;
	return v;
}

static void ioat_pcie_rules(struct vt_dev *d)
{
	uint16_t ctl;
	uint8_t one = 1;

	CHECK(ioat_pcie, "ioat has a PCIe capability");
	if (!ioat_pcie)
		return;
	vt_bar_wr(d, 0, 0x03, &one, 1);
	CHECK(ioat_intrctrl(d) == 1, "INTRCTRL set");
	ctl = (uint16_t)vt_cfg_rd(d, ioat_pcie + 8, 2);
	vt_cfg_wr(d, ioat_pcie + 8, 2, ctl | 0x8000);
	CHECK(!(vt_cfg_rd(d, ioat_pcie + 8, 2) & 0x8000), "Initiate FLR reads 0");
	CHECK(ioat_intrctrl(d) == 0, "FLR reset the engine");
	CHECK(vt_cfg_rd(d, PCI_COMMAND, 2) & CMD_MEMORY,
	      "config restored after FLR: memory decoding on");
	vt_cfg_wr(d, ioat_pcie + 8, 2, ctl | 0x0200);
	CHECK(!(vt_cfg_rd(d, ioat_pcie + 8, 2) & 0x0200), "phantom functions not writable");
	vt_cfg_wr(d, ioat_pcie + 8, 2, (ctl & ~0x00e0) | 0x0020);
	CHECK((vt_cfg_rd(d, ioat_pcie + 8, 2) & 0x00e0) == 0x0020,
	      "Max_Payload_Size is virtual, reads what was written");
	vt_cfg_wr(d, ioat_pcie + 8, 2, ctl);
	vt_cfg_wr(d, ioat_pcie + 0x0c, 4, 0);
	CHECK(vt_cfg_rd(d, ioat_pcie, 1) == 0x10, "PCIe cap id");
}

static void ioat_pm_rules(struct vt_dev *d)
{
	uint8_t one = 1;
	char buf[4];

	CHECK(ioat_pm, "ioat has a PM capability");
	if (!ioat_pm)
		return;
	vt_bar_wr(d, 0, 0x03, &one, 1);
	vt_cfg_wr(d, ioat_pm + 4, 2, 3);
	CHECK((vt_cfg_rd(d, ioat_pm + 4, 2) & 3) == 3, "D3hot entered");
	CHECK_ERRNO(vt_bar_rd(d, 0, 0, buf, 4), EIO, "BAR read in D3hot");
	vt_cfg_wr(d, ioat_pm + 4, 2, 1);
	CHECK((vt_cfg_rd(d, ioat_pm + 4, 2) & 3) == 3, "D1 unsupported: stays D3hot");
	vt_cfg_wr(d, ioat_pm + 4, 2, 0);
	CHECK((vt_cfg_rd(d, ioat_pm + 4, 2) & 3) == 0, "back in D0");
	CHECK(ioat_intrctrl(d) == 1, "NoSoftRst: state kept across D3hot");
	CHECK(!(vt_cfg_rd(d, ioat_pm + 2, 2) & 0xf800), "PME support hidden");
}

static void ioat_msix_rules(struct vt_dev *d)
{
	int efd = eventfd(0, EFD_CLOEXEC);

	CHECK(ioat_msix, "ioat has an MSI-X capability");
	if (!ioat_msix)
		return;
	vt_cfg_wr(d, ioat_msix + 2, 2, 0xc000);
	CHECK(!(vt_cfg_rd(d, ioat_msix + 2, 2) & 0xc000),
	      "MSI-X control writes ignored");
	CHECK(vt_set_irqs(d, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
			  VFIO_PCI_MSIX_IRQ_INDEX, 0, 1, &efd, 4) == 0, "SET_IRQS MSI-X");
	CHECK(vt_cfg_rd(d, ioat_msix + 2, 2) & 0x8000, "MSI-X enabled reads back");
	vt_set_irqs(d, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		    VFIO_PCI_MSIX_IRQ_INDEX, 0, 0, NULL, 0);
	CHECK(!(vt_cfg_rd(d, ioat_msix + 2, 2) & 0x8000), "MSI-X disabled");
	close(efd);
}

static void ioat_ext_rules(struct vt_dev *d)
{
	uint32_t hdr = vt_cfg_rd(d, 0x100, 4);

	CHECK((hdr & 0xffff) == 1, "AER at 0x100");
	vt_cfg_wr(d, 0x100, 4, 0);
	CHECK(vt_cfg_rd(d, 0x100, 4) == hdr, "extended header read-only");
	vt_cfg_wr(d, 0x100 + 8, 4, 0x1000);
	CHECK(vt_cfg_rd(d, 0x100 + 8, 4) & 0x1000, "AER mask goes through");
	vt_cfg_wr(d, 0x184, 4, 0x5a5a5a5a);
	CHECK(vt_cfg_rd(d, 0x184, 4) == 0x5a5a5a5a,
	      "registers outside capabilities are raw (CHANERRMSK_INT)");
	CHECK(vt_cfg_rd(d, 0xffc, 4) == 0, "end of extended space readable");
}

int main(void)
{
	struct vt_dev edu, ioat;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (vt_open(&edu, EDU_IDS, 0) || vt_open(&ioat, IOAT_IDS, 0))
		itest_die("open devices (run with machines/ioat.json)");
	header_rules(&edu);
	command_rules(&edu);
	msi_rules(&edu);

	ioat_pcie = vt_find_cap(&ioat, 0x10);
	ioat_pm = vt_find_cap(&ioat, 0x01);
	ioat_msix = vt_find_cap(&ioat, 0x11);
	ioat_bar64(&ioat);
	ioat_pcie_rules(&ioat);
	ioat_pm_rules(&ioat);
	ioat_msix_rules(&ioat);
	ioat_ext_rules(&ioat);
	vt_close(&edu);
	vt_close(&ioat);
	return itest_done();
}
