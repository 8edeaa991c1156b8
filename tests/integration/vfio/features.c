// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci device features and ioeventfds: the VFIO_DEVICE_FEATURE
 * probe/get/set protocol for the low-power features (mmaps fault while in
 * low power; any access through the device fd wakes a device that has a
 * wake-up eventfd, signalling it), features vfio-pci does not have
 * (ENOTTY), and VFIO_DEVICE_IOEVENTFD (a signalled eventfd becomes a BAR
 * write done by the daemon), with the kernel's errno for each misuse.
 */
#include <errno.h>
#include <linux/vfio.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vt.h"

static int feature(struct vt_dev *d, uint32_t flags, const void *data,
		   size_t len)
{
	char buf[sizeof(struct vfio_device_feature) + 64];
	struct vfio_device_feature *f = (void *)buf;

	f->argsz = (uint32_t)(sizeof(*f) + len);
	f->flags = flags;
	if (len)
		memcpy(f->data, data, len);
	return ioctl(d->dev, VFIO_DEVICE_FEATURE, f);
}

static sigjmp_buf jb;
static volatile int got_sig;

static void on_fault(int sig)
{
	got_sig = sig;
	siglongjmp(jb, 1);
}

static bool mmio_faults(volatile uint32_t *bar)
{
	struct sigaction sa = { .sa_handler = on_fault }, o1, o2;

	sigaction(SIGSEGV, &sa, &o1);
	sigaction(SIGBUS, &sa, &o2);
	got_sig = 0;
	if (!sigsetjmp(jb, 1))
		(void)bar[0];
	sigaction(SIGSEGV, &o1, NULL);
	sigaction(SIGBUS, &o2, NULL);
	return got_sig != 0;
}

static void low_power(struct vt_dev *d)
{
	const uint32_t S = VFIO_DEVICE_FEATURE_SET, G = VFIO_DEVICE_FEATURE_GET;
	const uint32_t P = VFIO_DEVICE_FEATURE_PROBE;
	struct vfio_device_low_power_entry_with_wakeup w = { .wakeup_eventfd = -1 };
	volatile uint32_t *bar;
	uint32_t id = 0;
	int wfd = eventfd(0, EFD_CLOEXEC);

	bar = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, d->dev,
		   (off_t)d->region[0]);
	if (bar == MAP_FAILED)
		itest_die("mmap");
	CHECK(!feature(d, P | S | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, NULL, 0),
	      "probe LOW_POWER_ENTRY for SET");
	CHECK_ERRNO(feature(d, P | G | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, NULL, 0),
		    EINVAL, "LOW_POWER_ENTRY has no GET");
	CHECK_ERRNO(feature(d, VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, NULL, 0), EINVAL,
		    "neither GET nor SET");
	CHECK_ERRNO(feature(d, S | G | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, NULL, 0),
		    EINVAL, "GET and SET together");
	CHECK_ERRNO(feature(d, P | S | VFIO_DEVICE_FEATURE_BUS_MASTER, NULL, 0),
		    ENOTTY, "BUS_MASTER is not a vfio-pci feature");
	CHECK_ERRNO(feature(d, P | S | 0xfff0, NULL, 0), ENOTTY, "unknown feature");

	CHECK(!feature(d, S | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, NULL, 0),
	      "enter low power");
	CHECK_ERRNO(feature(d, S | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, NULL, 0),
		    EINVAL, "already in low power");
	CHECK(mmio_faults(bar), "mmap access faults in low power");
	CHECK(vt_bar_rd(d, 0, 0, &id, 4) == 4 && id == 0x010000ed,
	      "read() wakes the device for the access");
	CHECK(mmio_faults(bar), "and it is back in low power after it");
	CHECK(!feature(d, S | VFIO_DEVICE_FEATURE_LOW_POWER_EXIT, NULL, 0),
	      "exit low power");
	CHECK(!mmio_faults(bar) && bar[0] == 0x010000ed, "mmap works again");
	CHECK(!feature(d, S | VFIO_DEVICE_FEATURE_LOW_POWER_EXIT, NULL, 0),
	      "exit again is harmless");

	CHECK_ERRNO(feature(d, S | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP,
			    &w, 4), EINVAL, "wake-up entry with a short payload");
	CHECK_ERRNO(feature(d, S | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP,
			    &w, sizeof(w)), EINVAL, "wake-up eventfd -1");
	w.wakeup_eventfd = 999;
	CHECK_ERRNO(feature(d, S | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP,
			    &w, sizeof(w)), EBADF, "wake-up fd not open");
	w.wakeup_eventfd = wfd;
	CHECK(!feature(d, S | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP,
		       &w, sizeof(w)), "enter low power with a wake-up eventfd");
	CHECK(mmio_faults(bar), "mmap access faults");
	CHECK(vt_efd_count(wfd) == 0, "the fault alone does not wake");
	CHECK(vt_cfg_rd(d, 0, 2) == 0x1234, "a config read wakes the device");
	CHECK(vt_efd_count(wfd) == 1, "... and signals the wake-up eventfd");
	CHECK(!mmio_faults(bar), "out of low power: mmap works");
	munmap((void *)bar, 4096);
	close(wfd);
}

static void ioeventfd(struct vt_dev *d)
{
	struct vfio_device_ioeventfd ie = { .argsz = sizeof(ie) };
	int efd = eventfd(0, EFD_CLOEXEC), i;
	uint32_t v = 0;

	ie.flags = VFIO_DEVICE_IOEVENTFD_32;
	ie.offset = d->region[0] + 0x04;	/* edu liveness */
	ie.data = 0x11223344;
	ie.fd = efd;
	CHECK(!ioctl(d->dev, VFIO_DEVICE_IOEVENTFD, &ie), "ioeventfd on liveness");
	CHECK_ERRNO(ioctl(d->dev, VFIO_DEVICE_IOEVENTFD, &ie), EEXIST, "the same again");
	eventfd_write(efd, 1);
	for (i = 0; i < 200 && v != ~0x11223344u; i++) {
		usleep(5000);
		vt_bar_rd(d, 0, 0x04, &v, 4);
	}
	CHECK(v == ~0x11223344u, "the daemon wrote data when the eventfd fired");
	ie.fd = -1;
	CHECK(!ioctl(d->dev, VFIO_DEVICE_IOEVENTFD, &ie), "fd -1 removes it");
	CHECK_ERRNO(ioctl(d->dev, VFIO_DEVICE_IOEVENTFD, &ie), ENODEV,
		    "removing one that is not there");
	ie.fd = efd;
	ie.flags = VFIO_DEVICE_IOEVENTFD_32 | VFIO_DEVICE_IOEVENTFD_16;
	CHECK_ERRNO(ioctl(d->dev, VFIO_DEVICE_IOEVENTFD, &ie), EINVAL, "two sizes");
	ie.flags = 1u << 4;
	CHECK_ERRNO(ioctl(d->dev, VFIO_DEVICE_IOEVENTFD, &ie), EINVAL, "unknown flag");
	ie.flags = VFIO_DEVICE_IOEVENTFD_32;
	ie.fd = -2;
	CHECK_ERRNO(ioctl(d->dev, VFIO_DEVICE_IOEVENTFD, &ie), EINVAL, "fd -2");
	ie.fd = efd;
	ie.offset = d->region[7];
	CHECK_ERRNO(ioctl(d->dev, VFIO_DEVICE_IOEVENTFD, &ie), EINVAL,
		    "config space is not a BAR");
	ie.offset = d->region[0] + (1u << 20) - 2;
	CHECK_ERRNO(ioctl(d->dev, VFIO_DEVICE_IOEVENTFD, &ie), EINVAL, "past the BAR");
	ie.offset = d->region[0] + 0x04;
	ie.argsz = 16;
	CHECK_ERRNO(ioctl(d->dev, VFIO_DEVICE_IOEVENTFD, &ie), EINVAL, "short argsz");
	ie.argsz = sizeof(ie);
	ie.fd = 999;
	CHECK_ERRNO(ioctl(d->dev, VFIO_DEVICE_IOEVENTFD, &ie), EBADF, "fd not open");
	ie.fd = efd;
	CHECK(!ioctl(d->dev, VFIO_DEVICE_IOEVENTFD, &ie), "one left for close to free");
	close(efd);
}

static void msix_table_ioeventfd(struct vt_dev *ioat)
{
	struct vfio_device_ioeventfd ie = { .argsz = sizeof(ie) };
	int efd = eventfd(0, EFD_CLOEXEC);

	ie.flags = VFIO_DEVICE_IOEVENTFD_32;
	ie.offset = ioat->region[0] + 0x2000 + 12;
	ie.fd = efd;
	CHECK_ERRNO(ioctl(ioat->dev, VFIO_DEVICE_IOEVENTFD, &ie), EINVAL,
		    "no ioeventfd into the MSI-X table");
	close(efd);
}

int main(void)
{
	struct vt_dev edu, ioat;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (vt_open(&edu, EDU_IDS, 0) || vt_open(&ioat, IOAT_IDS, 0))
		itest_die("open devices (run with machines/ioat.json)");
	low_power(&edu);
	ioeventfd(&edu);
	msix_table_ioeventfd(&ioat);
	vt_close(&edu);
	vt_close(&ioat);
	return itest_done();
}
