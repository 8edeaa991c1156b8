// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO_DEVICE_GET_IRQ_INFO and every VFIO_DEVICE_SET_IRQS form vfio-pci
 * accepts, with the kernel's errno for the ones it refuses: INTx (automask,
 * mask/unmask by NONE/BOOL/eventfd, INTx Disable), MSI, MSI-X (vectors
 * added while enabled, pending messages delivered when a vector gets its
 * eventfd), ERR and REQ. Interrupts come from the devices themselves: edu's
 * raise register and an ioat channel's completion (machines/ioat.json).
 */
#include <errno.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vt.h"

#define TRIG(d)	(VFIO_IRQ_SET_DATA_##d | VFIO_IRQ_SET_ACTION_TRIGGER)
#define MASK(d)	(VFIO_IRQ_SET_DATA_##d | VFIO_IRQ_SET_ACTION_MASK)
#define UNMASK(d) (VFIO_IRQ_SET_DATA_##d | VFIO_IRQ_SET_ACTION_UNMASK)

static void edu_w32(struct vt_dev *d, uint64_t reg, uint32_t v)
{
	vt_bar_wr(d, 0, reg, &v, 4);
}

static void edu_raise(struct vt_dev *d)
{
	edu_w32(d, 0x60, 1);
}

static void edu_ack(struct vt_dev *d)
{
	edu_w32(d, 0x64, 1);
}

/* Wait up to ms for an eventfd signalled asynchronously by the daemon. */
static uint64_t efd_wait(int efd, int ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };

	poll(&p, 1, ms);
	return vt_efd_count(efd);
}

static void irq_info(struct vt_dev *edu, struct vt_dev *ioat)
{
	struct vfio_irq_info info = { .argsz = sizeof(info) };

	info.index = VFIO_PCI_INTX_IRQ_INDEX;
	CHECK(!ioctl(edu->dev, VFIO_DEVICE_GET_IRQ_INFO, &info) && info.count == 1 &&
	      info.flags == (VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
			     VFIO_IRQ_INFO_AUTOMASKED), "INTx info");
	info.index = VFIO_PCI_MSI_IRQ_INDEX;
	CHECK(!ioctl(edu->dev, VFIO_DEVICE_GET_IRQ_INFO, &info) && info.count == 1 &&
	      info.flags == (VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE),
	      "MSI info");
	info.index = VFIO_PCI_MSIX_IRQ_INDEX;
	CHECK(!ioctl(edu->dev, VFIO_DEVICE_GET_IRQ_INFO, &info) && info.count == 0,
	      "edu has no MSI-X vectors");
	info.index = VFIO_PCI_MSIX_IRQ_INDEX;
	CHECK(!ioctl(ioat->dev, VFIO_DEVICE_GET_IRQ_INFO, &info) && info.count == 2 &&
	      info.flags == VFIO_IRQ_INFO_EVENTFD, "MSI-X info: 2, resizable");
	info.index = VFIO_PCI_ERR_IRQ_INDEX;
	CHECK_ERRNO(ioctl(edu->dev, VFIO_DEVICE_GET_IRQ_INFO, &info), EINVAL,
		    "ERR on a conventional device");
	CHECK(!ioctl(ioat->dev, VFIO_DEVICE_GET_IRQ_INFO, &info) && info.count == 1,
	      "ERR on PCIe");
	info.index = VFIO_PCI_REQ_IRQ_INDEX;
	CHECK(!ioctl(edu->dev, VFIO_DEVICE_GET_IRQ_INFO, &info) && info.count == 1 &&
	      (info.flags & VFIO_IRQ_INFO_NORESIZE), "REQ info");
	info.index = VFIO_PCI_NUM_IRQS;
	CHECK_ERRNO(ioctl(edu->dev, VFIO_DEVICE_GET_IRQ_INFO, &info), EINVAL,
		    "index past the last");
	info.argsz = 8;
	info.index = 0;
	CHECK_ERRNO(ioctl(edu->dev, VFIO_DEVICE_GET_IRQ_INFO, &info), EINVAL,
		    "short argsz");
}

static void set_irqs_errors(struct vt_dev *d)
{
	struct vfio_irq_set s = { .argsz = 8 };
	int r, p[2];

	if (pipe(p))
		itest_die("pipe");
	CHECK_ERRNO(ioctl(d->dev, VFIO_DEVICE_SET_IRQS, &s), EINVAL, "short argsz");
	CHECK_ERRNO(vt_set_irqs(d, TRIG(NONE), 5, 0, 0, NULL, 0), EINVAL, "bad index");
	CHECK_ERRNO(vt_set_irqs(d, TRIG(NONE) | 1u << 31, 0, 0, 1, NULL, 0), EINVAL,
		    "unknown flag");
	CHECK_ERRNO(vt_set_irqs(d, TRIG(NONE) | VFIO_IRQ_SET_DATA_BOOL, 0, 0, 1,
				"\1", 1), EINVAL, "two data types");
	CHECK_ERRNO(vt_set_irqs(d, TRIG(NONE), 0, 1, 0, NULL, 0), EINVAL,
		    "start past the count");
	CHECK_ERRNO(vt_set_irqs(d, TRIG(NONE), 0, 0, 2, NULL, 0), EINVAL,
		    "start + count past the count");
	CHECK_ERRNO(vt_set_irqs(d, TRIG(NONE), 0, 1, 0xffffffff, NULL, 0), EINVAL,
		    "count overflows");
	CHECK_ERRNO(vt_set_irqs(d, TRIG(EVENTFD), 0, 0, 1, NULL, 0), EINVAL,
		    "argsz leaves no room for the eventfd");
	CHECK_ERRNO(vt_set_irqs(d, TRIG(NONE), VFIO_PCI_MSIX_IRQ_INDEX, 0, 0, NULL, 0),
		    EINVAL, "MSI-X on a device without it");
	CHECK_ERRNO(vt_set_irqs(d, TRIG(NONE), VFIO_PCI_ERR_IRQ_INDEX, 0, 0, NULL, 0),
		    EINVAL, "ERR on a conventional device");
	CHECK_ERRNO(vt_set_irqs(d, MASK(NONE), VFIO_PCI_MSI_IRQ_INDEX, 0, 1, NULL, 0),
		    ENOTTY, "MSI mask is not implemented");
	CHECK_ERRNO(vt_set_irqs(d, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK |
				VFIO_IRQ_SET_ACTION_UNMASK, 0, 0, 1, NULL, 0),
		    ENOTTY, "two actions");
	CHECK_ERRNO(vt_set_irqs(d, MASK(NONE), 0, 0, 1, NULL, 0), EINVAL,
		    "INTx mask while INTx is off");
	CHECK_ERRNO(vt_set_irqs(d, TRIG(NONE), 0, 0, 1, NULL, 0), EINVAL,
		    "INTx loopback while INTx is off");
	CHECK_ERRNO(vt_set_irqs(d, TRIG(EVENTFD), 0, 0, 1, &p[0], 4), EINVAL,
		    "a pipe is not an eventfd");
	r = 999;
	CHECK_ERRNO(vt_set_irqs(d, TRIG(EVENTFD), VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &r, 4),
		    EBADF, "an fd number that is not open");
	close(p[0]);
	close(p[1]);
}

static void intx(struct vt_dev *d)
{
	int efd = eventfd(0, EFD_CLOEXEC), ufd = eventfd(0, EFD_CLOEXEC);
	int ufd2 = eventfd(0, EFD_CLOEXEC), minus1 = -1;
	uint8_t one = 1, zero = 0;

	CHECK(!vt_set_irqs(d, TRIG(EVENTFD), 0, 0, 1, &efd, 4), "INTx on");
	CHECK_ERRNO(vt_set_irqs(d, TRIG(EVENTFD), VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &efd, 4),
		    EINVAL, "MSI while INTx is on");
	edu_raise(d);
	CHECK(vt_efd_count(efd) == 1, "INTx fires");
	edu_ack(d);
	edu_raise(d);
	CHECK(vt_efd_count(efd) == 0, "automasked: no second signal");
	CHECK(!vt_set_irqs(d, UNMASK(NONE), 0, 0, 1, NULL, 0), "unmask (NONE)");
	CHECK(vt_efd_count(efd) == 1, "still asserted: unmask signals again");
	edu_ack(d);
	CHECK(!vt_set_irqs(d, UNMASK(BOOL), 0, 0, 1, &one, 1), "unmask (BOOL)");
	CHECK(vt_efd_count(efd) == 0, "deasserted: nothing on unmask");
	CHECK(!vt_set_irqs(d, MASK(BOOL), 0, 0, 1, &one, 1), "mask (BOOL)");
	edu_raise(d);
	CHECK(vt_efd_count(efd) == 0, "masked: no signal");
	CHECK(!vt_set_irqs(d, UNMASK(BOOL), 0, 0, 1, &zero, 1) &&
	      vt_efd_count(efd) == 0, "unmask BOOL 0 does nothing");
	CHECK_ERRNO(vt_set_irqs(d, MASK(EVENTFD), 0, 0, 1, &efd, 4), ENOTTY,
		    "mask by eventfd is not implemented");
	CHECK(!vt_set_irqs(d, UNMASK(EVENTFD), 0, 0, 1, &ufd, 4), "unmask eventfd set");
	CHECK_ERRNO(vt_set_irqs(d, UNMASK(EVENTFD), 0, 0, 1, &ufd2, 4), EBUSY,
		    "a second unmask eventfd");
	eventfd_write(ufd, 1);
	CHECK(efd_wait(efd, 2000) == 1, "unmask eventfd unmasks; line high: signal");
	CHECK(!vt_set_irqs(d, UNMASK(EVENTFD), 0, 0, 1, &minus1, 4), "unmask eventfd -1");
	CHECK(!vt_set_irqs(d, UNMASK(EVENTFD), 0, 0, 1, &ufd2, 4), "then a new one");
	edu_ack(d);
	CHECK(!vt_set_irqs(d, UNMASK(NONE), 0, 0, 1, NULL, 0), "unmask");
	CHECK(!vt_set_irqs(d, TRIG(NONE), 0, 0, 1, NULL, 0) && vt_efd_count(efd) == 1,
	      "loopback (NONE) signals");
	CHECK(!vt_set_irqs(d, TRIG(BOOL), 0, 0, 1, &one, 1) && vt_efd_count(efd) == 1,
	      "loopback (BOOL) signals");
	edu_raise(d);
	CHECK(vt_efd_count(efd) == 1, "loopback did not mask");
	edu_ack(d);
	CHECK(!vt_set_irqs(d, UNMASK(NONE), 0, 0, 1, NULL, 0), "unmask");
	/* INTx Disable in the user's command register masks */
	vt_cfg_wr(d, 0x04, 2, vt_cfg_rd(d, 0x04, 2) | 0x400);
	edu_raise(d);
	CHECK(vt_efd_count(efd) == 0, "INTx Disable: no signal");
	vt_cfg_wr(d, 0x04, 2, vt_cfg_rd(d, 0x04, 2) & ~0x400u);
	CHECK(vt_efd_count(efd) == 1, "clearing INTx Disable unmasks: pending level signals");
	edu_ack(d);
	CHECK(!vt_set_irqs(d, TRIG(EVENTFD), 0, 0, 1, &minus1, 4), "trigger -1");
	CHECK(!vt_set_irqs(d, TRIG(NONE), 0, 0, 0, NULL, 0), "INTx off (count 0)");
	CHECK_ERRNO(vt_set_irqs(d, UNMASK(NONE), 0, 0, 1, NULL, 0), EINVAL,
		    "unmask with INTx off");
	close(efd);
	close(ufd);
	close(ufd2);
}

static void msi(struct vt_dev *d)
{
	int efd = eventfd(0, EFD_CLOEXEC), minus1 = -1;
	uint8_t one = 1, zero = 0;

	/* MSI is a memory write: the function needs bus mastering */
	vt_cfg_wr(d, 0x04, 2, vt_cfg_rd(d, 0x04, 2) | 0x0004);
	CHECK(!vt_set_irqs(d, TRIG(EVENTFD), VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &efd, 4),
	      "MSI on");
	CHECK_ERRNO(vt_set_irqs(d, TRIG(EVENTFD), 0, 0, 1, &efd, 4), EINVAL,
		    "INTx while MSI is on");
	edu_raise(d);
	CHECK(vt_efd_count(efd) == 1, "MSI fires");
	edu_ack(d);
	close(efd);	/* the daemon keeps its own reference */
	efd = eventfd(0, EFD_CLOEXEC);
	CHECK(!vt_set_irqs(d, TRIG(EVENTFD), VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &efd, 4),
	      "swap the vector's eventfd while enabled");
	edu_raise(d);
	CHECK(vt_efd_count(efd) == 1, "the new eventfd fires");
	edu_ack(d);
	CHECK(!vt_set_irqs(d, TRIG(NONE), VFIO_PCI_MSI_IRQ_INDEX, 0, 1, NULL, 0) &&
	      vt_efd_count(efd) == 1, "loopback NONE");
	CHECK(!vt_set_irqs(d, TRIG(BOOL), VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &zero, 1) &&
	      vt_efd_count(efd) == 0, "loopback BOOL 0");
	CHECK(!vt_set_irqs(d, TRIG(BOOL), VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &one, 1) &&
	      vt_efd_count(efd) == 1, "loopback BOOL 1");
	CHECK(!vt_set_irqs(d, TRIG(EVENTFD), VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &minus1, 4),
	      "de-assign with -1");
	edu_raise(d);
	CHECK(vt_efd_count(efd) == 0, "no eventfd: nothing");
	edu_ack(d);
	CHECK(!vt_set_irqs(d, TRIG(NONE), VFIO_PCI_MSI_IRQ_INDEX, 0, 0, NULL, 0),
	      "MSI off");
	CHECK_ERRNO(vt_set_irqs(d, TRIG(NONE), VFIO_PCI_MSI_IRQ_INDEX, 0, 0, NULL, 0),
		    EINVAL, "MSI off again");
	close(efd);
}

static void req(struct vt_dev *d)
{
	int efd = eventfd(0, EFD_CLOEXEC), m2 = -2;
	uint8_t one = 1;

	CHECK_ERRNO(vt_set_irqs(d, TRIG(NONE), VFIO_PCI_REQ_IRQ_INDEX, 0, 1, NULL, 0),
		    EINVAL, "REQ loopback without an eventfd");
	CHECK_ERRNO(vt_set_irqs(d, TRIG(BOOL), VFIO_PCI_REQ_IRQ_INDEX, 0, 0, NULL, 0),
		    EINVAL, "REQ BOOL with count 0");
	CHECK(!vt_set_irqs(d, TRIG(EVENTFD), VFIO_PCI_REQ_IRQ_INDEX, 0, 1, &efd, 4),
	      "REQ eventfd");
	CHECK(!vt_set_irqs(d, TRIG(NONE), VFIO_PCI_REQ_IRQ_INDEX, 0, 1, NULL, 0) &&
	      vt_efd_count(efd) == 1, "REQ loopback NONE");
	CHECK(!vt_set_irqs(d, TRIG(BOOL), VFIO_PCI_REQ_IRQ_INDEX, 0, 1, &one, 1) &&
	      vt_efd_count(efd) == 1, "REQ loopback BOOL");
	CHECK(!vt_set_irqs(d, TRIG(EVENTFD), VFIO_PCI_REQ_IRQ_INDEX, 0, 1, &m2, 4),
	      "fd -2 is ignored");
	CHECK(!vt_set_irqs(d, TRIG(NONE), VFIO_PCI_REQ_IRQ_INDEX, 0, 1, NULL, 0) &&
	      vt_efd_count(efd) == 1, "still assigned after -2");
	CHECK(!vt_set_irqs(d, TRIG(NONE), VFIO_PCI_REQ_IRQ_INDEX, 0, 0, NULL, 0),
	      "REQ release (NONE, count 0)");
	CHECK_ERRNO(vt_set_irqs(d, TRIG(NONE), VFIO_PCI_REQ_IRQ_INDEX, 0, 1, NULL, 0),
		    EINVAL, "released");
	close(efd);
}

/* ioat channel 1 completes a null descriptor with int_en set. */
static void ioat_kick(struct vt_dev *d, void *page)
{
	uint64_t desc[8] = { 1 | 0x21ULL << 32 /* int_en | null */, 0, 0, 0x200000 };
	uint64_t chain = 0x200000;
	uint16_t v16;
	uint8_t v8 = 0x08;

	memcpy(page, desc, sizeof(desc));
	vt_bar_wr(d, 0, 0x03, &v8, 1);
	vt_bar_wr(d, 0, 0x100 + 0x10, &chain, 8);
	v16 = 1;
	vt_bar_wr(d, 0, 0x100 + 0x00, &v16, 2);
	vt_bar_wr(d, 0, 0x100 + 0x06, &v16, 2);
}

static void msix(struct vt_dev *d)
{
	int e0 = eventfd(0, EFD_CLOEXEC), e1 = eventfd(0, EFD_CLOEXEC), minus1 = -1;
	struct iommu_ioas_map map = { .size = sizeof(map) };
	uint32_t table[4];
	void *page;

	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
		    IOMMU_IOAS_MAP_WRITEABLE;
	map.ioas_id = d->ioas;
	map.user_va = (uintptr_t)page;
	map.length = 4096;
	map.iova = 0x200000;
	if (page == MAP_FAILED || ioctl(d->iommufd, IOMMU_IOAS_MAP, &map))
		itest_die("map a page");
	vt_cfg_wr(d, 0x04, 2, vt_cfg_rd(d, 0x04, 2) | 0x0006);

	CHECK(!vt_set_irqs(d, TRIG(EVENTFD), VFIO_PCI_MSIX_IRQ_INDEX, 0, 1, &e0, 4),
	      "MSI-X on with vector 0 only");
	ioat_kick(d, page);
	CHECK(vt_efd_count(e1) == 0, "vector 1 has no eventfd: held pending");
	CHECK(!vt_set_irqs(d, TRIG(EVENTFD), VFIO_PCI_MSIX_IRQ_INDEX, 1, 1, &e1, 4),
	      "vector 1 added while enabled (dynamic MSI-X)");
	CHECK(vt_efd_count(e1) == 1, "the pending message is delivered");
	ioat_kick(d, page);
	CHECK(vt_efd_count(e1) == 1 && vt_efd_count(e0) == 0, "channel 1 -> vector 1");
	CHECK(vt_bar_rd(d, 0, 0x2000, table, 16) == 16 &&
	      table[0] == 0xffffffff && table[3] == 0xffffffff,
	      "the MSI-X table reads as all ones through read()");
	CHECK(!vt_set_irqs(d, TRIG(NONE), VFIO_PCI_MSIX_IRQ_INDEX, 0, 2, NULL, 0) &&
	      vt_efd_count(e0) == 1 && vt_efd_count(e1) == 1, "MSI-X loopback");
	CHECK(!vt_set_irqs(d, TRIG(EVENTFD), VFIO_PCI_MSIX_IRQ_INDEX, 1, 1, &minus1, 4),
	      "vector 1 de-assigned");
	ioat_kick(d, page);
	CHECK(vt_efd_count(e1) == 0, "de-assigned vector: nothing");
	CHECK_ERRNO(vt_set_irqs(d, TRIG(EVENTFD), VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &e0, 4),
		    EINVAL, "MSI while MSI-X is on");
	CHECK(!vt_set_irqs(d, TRIG(NONE), VFIO_PCI_MSIX_IRQ_INDEX, 0, 0, NULL, 0),
	      "MSI-X off");
	close(e0);
	close(e1);
	munmap(page, 4096);
}

static void err_irq(struct vt_dev *d)
{
	int efd = eventfd(0, EFD_CLOEXEC);

	CHECK(!vt_set_irqs(d, TRIG(EVENTFD), VFIO_PCI_ERR_IRQ_INDEX, 0, 1, &efd, 4),
	      "ERR eventfd");
	CHECK(!vt_set_irqs(d, TRIG(NONE), VFIO_PCI_ERR_IRQ_INDEX, 0, 1, NULL, 0) &&
	      vt_efd_count(efd) == 1, "ERR loopback");
	CHECK_ERRNO(vt_set_irqs(d, TRIG(NONE), VFIO_PCI_ERR_IRQ_INDEX, 0, 2, NULL, 0),
		    EINVAL, "ERR count 2");
	CHECK(!vt_set_irqs(d, TRIG(NONE), VFIO_PCI_ERR_IRQ_INDEX, 0, 0, NULL, 0),
	      "ERR release");
	close(efd);
}

int main(void)
{
	struct vt_dev edu, ioat;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (vt_open(&edu, EDU_IDS, 0) || vt_open(&ioat, IOAT_IDS, 1))
		itest_die("open devices (run with machines/ioat.json)");
	irq_info(&edu, &ioat);
	set_irqs_errors(&edu);
	intx(&edu);
	msi(&edu);
	req(&edu);
	msix(&ioat);
	err_irq(&ioat);
	vt_close(&edu);
	vt_close(&ioat);
	return itest_done();
}
