// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmap of BARs as drivers use it: GET_REGION_INFO (MMAP flag, the
 * MSIX_MAPPABLE capability chain and its argsz protocol), then plain
 * volatile loads and stores on edu's BAR0 (identification, liveness,
 * factorial, 8/16/32/64-bit and sign/zero-extending accesses, the DMA
 * doorbell with its MSI), across fork(), after close() of the device fd,
 * and the faults vfio-pci gives when decoding is off. Built at -O0 and
 * -O2 so both compilers' instruction choices go through the trap.
 */
#include <cpuid.h>
#include <errno.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vt.h"

#define EDU_BAR_SIZE	(1u << 20)

static void region_info(struct vt_dev *edu, struct vt_dev *ioat)
{
	struct {
		struct vfio_region_info info;
		struct vfio_info_cap_header cap;
	} r;
	struct vfio_region_info *i = &r.info;

	*i = (struct vfio_region_info){ .argsz = sizeof(*i), .index = 0 };
	CHECK(!ioctl(edu->dev, VFIO_DEVICE_GET_REGION_INFO, i) &&
	      i->size == EDU_BAR_SIZE && i->offset == 0 &&
	      i->flags == (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
			   VFIO_REGION_INFO_FLAG_MMAP), "edu BAR0: 1 MiB, mmappable");
	*i = (struct vfio_region_info){ .argsz = sizeof(*i),
					.index = VFIO_PCI_CONFIG_REGION_INDEX };
	CHECK(!ioctl(edu->dev, VFIO_DEVICE_GET_REGION_INFO, i) && i->size == 256 &&
	      !(i->flags & VFIO_REGION_INFO_FLAG_MMAP), "config: 256 bytes, no mmap");
	*i = (struct vfio_region_info){ .argsz = sizeof(*i), .index = 1 };
	CHECK(!ioctl(edu->dev, VFIO_DEVICE_GET_REGION_INFO, i) && !i->size &&
	      !i->flags, "absent BAR1: size 0, no flags");
	*i = (struct vfio_region_info){ .argsz = sizeof(*i),
					.index = VFIO_PCI_VGA_REGION_INDEX };
	CHECK_ERRNO(ioctl(edu->dev, VFIO_DEVICE_GET_REGION_INFO, i), EINVAL,
		    "no VGA region");
	*i = (struct vfio_region_info){ .argsz = sizeof(*i), .index = 9 };
	CHECK_ERRNO(ioctl(edu->dev, VFIO_DEVICE_GET_REGION_INFO, i), EINVAL,
		    "index 9");
	*i = (struct vfio_region_info){ .argsz = 16, .index = 0 };
	CHECK_ERRNO(ioctl(edu->dev, VFIO_DEVICE_GET_REGION_INFO, i), EINVAL,
		    "argsz below the minimum");

	/* the MSI-X BAR: a capability chain, argsz protocol */
	*i = (struct vfio_region_info){ .argsz = sizeof(*i), .index = 0 };
	CHECK(!ioctl(ioat->dev, VFIO_DEVICE_GET_REGION_INFO, i) &&
	      (i->flags & VFIO_REGION_INFO_FLAG_CAPS) && i->argsz == sizeof(r) &&
	      i->cap_offset == 0, "ioat BAR0: CAPS, argsz raised to %zu", sizeof(r));
	memset(&r, 0xaa, sizeof(r));
	*i = (struct vfio_region_info){ .argsz = sizeof(r), .index = 0 };
	CHECK(!ioctl(ioat->dev, VFIO_DEVICE_GET_REGION_INFO, i) &&
	      i->cap_offset == sizeof(*i) && i->size == 0x4000 &&
	      (i->flags & VFIO_REGION_INFO_FLAG_MMAP) &&
	      r.cap.id == VFIO_REGION_INFO_CAP_MSIX_MAPPABLE && r.cap.version == 1 &&
	      r.cap.next == 0, "MSIX_MAPPABLE capability after the struct");
}

static volatile uint8_t *bar;

static uint32_t r32(unsigned int off)
{
	return *(volatile uint32_t *)(bar + off);
}

static void w32(unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(bar + off) = v;
}

static void plain_access(void)
{
	static const uint32_t pat[] = { 1, 0x80, 0x12345678, 0xfffffffe, 0 };
	volatile uint64_t *u64 = (volatile uint64_t *)(bar + 0x80);
	unsigned int i;
	bool live = true;

	CHECK(r32(0x00) == 0x010000ed, "identification (32-bit load)");
	for (i = 0; i < sizeof(pat) / sizeof(pat[0]); i++) {
		w32(0x04, pat[i]);
		live &= r32(0x04) == ~pat[i];
	}
	CHECK(live, "liveness: each store inverted");
	w32(0x08, 5);
	while (r32(0x20) & 1)
		;
	CHECK(r32(0x08) == 120, "factorial of 5");
	*u64 = 0x0123456789abcdefULL;
	CHECK(*u64 == 0x0123456789abcdefULL, "64-bit store and load");
}

/* Byte and word registers: ioat's CHANERRMSK (RW) read back in pieces. */
static void narrow_access(volatile uint8_t *ib)
{
	volatile uint32_t *msk = (volatile uint32_t *)(ib + 0x80 + 0x2c);
	volatile int8_t *s8 = (volatile int8_t *)msk;
	volatile uint16_t *u16 = (volatile uint16_t *)msk;
	volatile int16_t *s16 = (volatile int16_t *)msk;
	int64_t wide;

	CHECK(ib[0x08] == 0x33, "8-bit load: CBVER 3.3");
	*msk = 0xfffe8081;
	CHECK(((volatile uint8_t *)msk)[0] == 0x81 && u16[0] == 0x8081,
	      "zero-extending 8- and 16-bit loads");
	wide = s8[0];
	CHECK(wide == -127, "sign-extending byte load (movsx)");
	wide = s16[0];
	CHECK(wide == (int16_t)0x8081, "sign-extending word load");
	wide = s16[1];
	CHECK(wide == -2, "sign-extending word load, high half");
	((volatile uint8_t *)msk)[1] = 0x12;
	u16[1] = 0x3456;
	CHECK(*msk == 0x34561281, "8- and 16-bit stores merge into the register");
	*(volatile uint16_t *)(ib + 0x80) = 0x0001;
	CHECK(*(volatile uint16_t *)(ib + 0x80) == 0x0001, "16-bit CHANCTRL");
}

static bool has_movdir64b(void)
{
	unsigned int a, b, c, d;

	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (c & (1u << 28));
}

/* A 64-byte MOVDIR64B store lands as eight 8-byte register writes. */
static void movdir64b_store(void)
{
	static const uint64_t src[8] __attribute__((aligned(64))) = {
		0x1111000, 0x2222000, 0x333, 0, 0, 0, 0, 0,
	};
	volatile uint64_t *q = (volatile uint64_t *)(bar + 0x80);

	__asm__ volatile("movdir64b (%0), %1"
			 : : "r"(src), "r"(bar + 0x80) : "memory");
	CHECK(q[0] == 0x1111000 && q[1] == 0x2222000 && q[2] == 0x333,
	      "MOVDIR64B into the BAR wrote the DMA registers");
}

static void dma_doorbell(struct vt_dev *d)
{
	struct iommu_ioas_map map = { .size = sizeof(map) };
	int efd = eventfd(0, EFD_CLOEXEC);
	struct pollfd p = { .fd = efd, .events = POLLIN };
	volatile uint64_t *q = (volatile uint64_t *)bar;
	uint8_t *buf;
	int i;

	buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		   -1, 0);
	map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
		    IOMMU_IOAS_MAP_WRITEABLE;
	map.ioas_id = d->ioas;
	map.user_va = (uintptr_t)buf;
	map.length = 8192;
	map.iova = 0x100000;
	if (buf == MAP_FAILED || ioctl(d->iommufd, IOMMU_IOAS_MAP, &map))
		itest_die("map buffer");
	vt_cfg_wr(d, 0x04, 2, vt_cfg_rd(d, 0x04, 2) | 0x0006);
	if (vt_set_irqs(d, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
			VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &efd, 4))
		itest_die("MSI");
	for (i = 0; i < 4096; i++)
		buf[i] = (uint8_t)(i * 13);
	q[0x80 / 8] = 0x100000;		/* RAM -> edu buffer */
	q[0x88 / 8] = 0x40000;
	q[0x90 / 8] = 4096;
	q[0x98 / 8] = 1;
	while (q[0x98 / 8] & 1)
		;
	q[0x80 / 8] = 0x40000;		/* edu buffer -> RAM, with IRQ */
	q[0x88 / 8] = 0x101000;
	q[0x90 / 8] = 4096;
	q[0x98 / 8] = 1 | 2 | 4;
	CHECK(poll(&p, 1, 5000) == 1 && vt_efd_count(efd) == 1, "DMA done: MSI");
	CHECK(!memcmp(buf, buf + 4096, 4096), "DMA through the doorbell round-trips");
	w32(0x64, r32(0x24));
	vt_set_irqs(d, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		    VFIO_PCI_MSI_IRQ_INDEX, 0, 0, NULL, 0);
	close(efd);
	munmap(buf, 8192);
}

static void bad_mmaps(struct vt_dev *d)
{
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, d->dev,
		   (off_t)(d->region[0] + 100)) == MAP_FAILED && errno == EINVAL,
	      "unaligned offset");
	CHECK(mmap(NULL, 2 * EDU_BAR_SIZE, PROT_READ, MAP_SHARED, d->dev,
		   (off_t)d->region[0]) == MAP_FAILED && errno == EINVAL,
	      "past the end of the BAR");
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, d->dev,
		   (off_t)d->region[7]) == MAP_FAILED && errno == EINVAL,
	      "config space cannot be mapped");
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, d->dev,
		   (off_t)d->region[1]) == MAP_FAILED && errno == EINVAL,
	      "absent BAR cannot be mapped");
}

static void across_fork(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(r32(0) == 0x010000ed && (w32(0x04, 7), r32(0x04) == ~7u) ? 0 : 1);
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0, "the mapping works in a forked child");
}

static sigjmp_buf jb;
static volatile int got_sig;

static void on_fault(int sig)
{
	got_sig = sig;
	siglongjmp(jb, 1);
}

static void decode_off_faults(struct vt_dev *d)
{
	struct sigaction sa = { .sa_handler = on_fault }, o1, o2;
	uint16_t cmd = (uint16_t)vt_cfg_rd(d, 0x04, 2);

	sigaction(SIGSEGV, &sa, &o1);
	sigaction(SIGBUS, &sa, &o2);
	got_sig = 0;
	CHECK(r32(0) == 0x010000ed, "MMIO works with our own SIGSEGV handler installed");
	vt_cfg_wr(d, 0x04, 2, cmd & ~0x2u);
	if (!sigsetjmp(jb, 1))
		(void)r32(0);
	/* vfio-pci raises SIGBUS; see docs/deviations.md */
	CHECK(got_sig == SIGBUS || got_sig == SIGSEGV,
	      "access with memory decoding off faults (signal %d)", got_sig);
	vt_cfg_wr(d, 0x04, 2, cmd);
	CHECK(r32(0) == 0x010000ed, "and works again once decoding is back");
	sigaction(SIGSEGV, &o1, NULL);
	sigaction(SIGBUS, &o2, NULL);
}

int main(void)
{
	struct vt_dev edu, ioat;
	void *p;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (vt_open(&edu, EDU_IDS, 0) || vt_open(&ioat, IOAT_IDS, 0))
		itest_die("open devices (run with machines/ioat.json)");
	region_info(&edu, &ioat);
	p = mmap(NULL, EDU_BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, edu.dev,
		 (off_t)edu.region[0]);
	if (p == MAP_FAILED)
		itest_die("mmap BAR0");
	bar = p;
	plain_access();
	p = mmap(NULL, 0x4000, PROT_READ | PROT_WRITE, MAP_SHARED, ioat.dev,
		 (off_t)ioat.region[0]);
	CHECK(p != MAP_FAILED, "mmap of the whole MSI-X BAR");
	if (p != MAP_FAILED) {
		narrow_access(p);
		munmap(p, 0x4000);
	}
	if (has_movdir64b())
		movdir64b_store();
	else
		printf("skip: the CPU has no MOVDIR64B\n");
	dma_doorbell(&edu);
	bad_mmaps(&edu);
	across_fork();
	decode_off_faults(&edu);
	/* a second mapping of part of the BAR, then unmap the first */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, edu.dev,
		 (off_t)edu.region[0]);
	CHECK(p != MAP_FAILED && *(volatile uint32_t *)p == 0x010000ed,
	      "a second, partial mapping");
	CHECK(munmap((void *)bar, EDU_BAR_SIZE) == 0, "munmap");
	bar = p;
	CHECK(r32(0) == 0x010000ed, "the other mapping survives munmap");
	vt_close(&edu);
	CHECK(r32(0) == 0x010000ed, "the mapping survives close() of the device fd");
	munmap(p, 4096);
	vt_close(&ioat);
	return itest_done();
}
