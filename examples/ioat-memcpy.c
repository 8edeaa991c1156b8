// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioat-memcpy: a user-space driver for an Intel CBDMA (I/OAT, Crystal
 * Beach 3.x) DMA engine, written only against the Linux uAPI (VFIO cdev +
 * iommufd). BAR0 is mmapped and programmed with plain loads and stores,
 * as drivers do on real hardware.
 *
 *   ioat-memcpy [-s MiB] [-p] [-b] [BDF]
 *
 *   -s MiB   how much to copy (default 64)
 *   -p       use private anonymous memory (default: shared anonymous)
 *   -b       also time the engine against memcpy() and print the ratio
 *
 * It maps a source, a destination, a descriptor ring and a completion
 * word into a fresh IOAS, resets channel 0, chains one copy descriptor
 * per MiB, rings the doorbell (DMACOUNT), waits for the MSI-X interrupt
 * of the last descriptor and the completion writeback, and verifies the
 * data. Then it provokes an error (a descriptor reading an unmapped
 * IOVA), checks that the channel halted with a read-data error and no
 * interrupt, recovers it as drivers do (clear CHANERR, reset) and copies
 * again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define IOAT_VENDOR		0x8086
#define IOAT_DEVICE		0x2021

#define IOAT_CHANCNT		0x00
#define IOAT_XFERCAP		0x01
#define IOAT_INTRCTRL		0x03
#define  IOAT_INTRCTRL_MSIX_VECTOR_CONTROL	0x08
#define IOAT_CBVER		0x08
#define IOAT_CHAN		0x80	/* channel 0 */
#define IOAT_CHANCTRL		(IOAT_CHAN + 0x00)
#define  IOAT_CHANCTRL_INT_REARM	0x0001
#define  IOAT_CHANCTRL_ERR_COMPL_EN	0x0004
#define  IOAT_CHANCTRL_ANY_ERR_ABORT_EN	0x0008
#define  IOAT_CHANCTRL_ERR_INT_EN	0x0010
#define IOAT_CHANCMD		(IOAT_CHAN + 0x04)
#define  IOAT_CHANCMD_RESET		0x20
#define IOAT_DMACOUNT		(IOAT_CHAN + 0x06)
#define IOAT_CHANSTS		(IOAT_CHAN + 0x08)
#define  IOAT_CHANSTS_STATUS		0x7
#define  IOAT_CHANSTS_DONE		0x1
#define  IOAT_CHANSTS_HALTED		0x3
#define IOAT_CHAINADDR		(IOAT_CHAN + 0x10)
#define IOAT_CHANCMP		(IOAT_CHAN + 0x18)
#define IOAT_CHANERR		(IOAT_CHAN + 0x28)
#define  IOAT_CHANERR_READ_DATA		0x0100

#define DESC_INT_EN		0x01
#define DESC_COMPL_WRITE	0x08

#define PCI_COMMAND		0x04
#define  PCI_COMMAND_MEMORY	0x0002
#define  PCI_COMMAND_MASTER	0x0004
#define  PCI_COMMAND_INTX_DISABLE	0x0400

#define IOVA_RING	0x10000000ULL
#define IOVA_SRC	0x40000000ULL
#define IOVA_DST	0x80000000ULL
#define IOVA_UNMAPPED	0xf0000000ULL
#define RING_BYTES	(1u << 20)

struct ioat_desc {
	uint32_t size, ctl;
	uint64_t src, dst, next, rsv[4];
};

struct ioat {
	int dev, iommufd, irqfd;
	uint32_t ioas;
	volatile uint8_t *bar;
	size_t bar_len;
	uint64_t config;
	struct ioat_desc *ring;		/* RING_BYTES: descriptors + completion */
	unsigned int nring;
	uint32_t xfercap;
};

static void die(const char *what)
{
	fprintf(stderr, "ioat-memcpy: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void check(bool ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		exit(1);
}

/* Register access: plain loads and stores on the mmapped BAR. */
static uint8_t rd8(struct ioat *io, unsigned int r)
{
	return *(volatile uint8_t *)(io->bar + r);
}

static uint32_t rd32(struct ioat *io, unsigned int r)
{
	return *(volatile uint32_t *)(io->bar + r);
}

static uint64_t rd64(struct ioat *io, unsigned int r)
{
	return *(volatile uint64_t *)(io->bar + r);
}

static void wr8(struct ioat *io, unsigned int r, uint8_t v)
{
	*(volatile uint8_t *)(io->bar + r) = v;
}

static void wr16(struct ioat *io, unsigned int r, uint16_t v)
{
	*(volatile uint16_t *)(io->bar + r) = v;
}

static void wr32(struct ioat *io, unsigned int r, uint32_t v)
{
	*(volatile uint32_t *)(io->bar + r) = v;
}

static void wr64(struct ioat *io, unsigned int r, uint64_t v)
{
	*(volatile uint64_t *)(io->bar + r) = v;
}

static int read_hex(const char *dir, const char *name, unsigned int *val)
{
	char path[512], buf[32];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	*val = strtoul(buf, NULL, 16);
	return 0;
}

static int find_ioat(char *bdf, size_t len)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *de;
	int found = -1;

	if (!d)
		die("opendir /sys/bus/pci/devices");
	while (found && (de = readdir(d))) {
		char dir[512];
		unsigned int v, dv;

		if (de->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s", de->d_name);
		if (read_hex(dir, "vendor", &v) || read_hex(dir, "device", &dv))
			continue;
		if (v == IOAT_VENDOR && dv == IOAT_DEVICE &&
		    (size_t)snprintf(bdf, len, "%s", de->d_name) < len)
			found = 0;
	}
	closedir(d);
	return found;
}

static int open_cdev(const char *bdf)
{
	char dir[512], path[600];
	struct dirent *de;
	int fd = -1;
	DIR *d;

	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	d = opendir(dir);
	if (!d)
		die(dir);
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "vfio", 4))
			continue;
		snprintf(path, sizeof(path), "/dev/vfio/devices/%s", de->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			die(path);
		break;
	}
	closedir(d);
	if (fd < 0)
		die("no vfio cdev");
	return fd;
}

static void ioas_map(struct ioat *io, void *va, uint64_t len, uint64_t iova)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = io->ioas,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = iova,
	};

	if (ioctl(io->iommufd, IOMMU_IOAS_MAP, &map))
		die("IOMMU_IOAS_MAP");
}

static void *alloc_buf(size_t len, bool private_mem)
{
	int flags = (private_mem ? MAP_PRIVATE : MAP_SHARED) | MAP_ANONYMOUS;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);

	if (p == MAP_FAILED)
		die("mmap buffer");
	return p;
}

static void setup_device(struct ioat *io, const char *bdf)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	struct vfio_region_info reg = { .argsz = sizeof(reg) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	uint16_t cmd;

	io->dev = open_cdev(bdf);
	io->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (io->iommufd < 0)
		die("/dev/iommu");
	bind.iommufd = io->iommufd;
	if (ioctl(io->dev, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		die("VFIO_DEVICE_BIND_IOMMUFD");
	if (ioctl(io->iommufd, IOMMU_IOAS_ALLOC, &alloc))
		die("IOMMU_IOAS_ALLOC");
	io->ioas = alloc.out_ioas_id;
	attach.pt_id = io->ioas;
	if (ioctl(io->dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		die("VFIO_DEVICE_ATTACH_IOMMUFD_PT");

	reg.index = VFIO_PCI_CONFIG_REGION_INDEX;
	if (ioctl(io->dev, VFIO_DEVICE_GET_REGION_INFO, &reg))
		die("config region info");
	io->config = reg.offset;
	reg = (struct vfio_region_info){ .argsz = sizeof(reg),
					 .index = VFIO_PCI_BAR0_REGION_INDEX };
	if (ioctl(io->dev, VFIO_DEVICE_GET_REGION_INFO, &reg))
		die("BAR0 region info");
	if (!(reg.flags & VFIO_REGION_INFO_FLAG_MMAP))
		die("BAR0 is not mmappable");
	io->bar_len = reg.size;
	io->bar = mmap(NULL, reg.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       io->dev, (off_t)reg.offset);
	if (io->bar == MAP_FAILED)
		die("mmap BAR0");

	cmd = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE;
	if (pwrite(io->dev, &cmd, 2, (off_t)(io->config + PCI_COMMAND)) != 2)
		die("config write");
}

static void setup_msix(struct ioat *io)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *set = (void *)buf;

	io->irqfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (io->irqfd < 0)
		die("eventfd");
	*set = (struct vfio_irq_set){
		.argsz = sizeof(buf),
		.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		.index = VFIO_PCI_MSIX_IRQ_INDEX, .start = 0, .count = 1,
	};
	memcpy(set->data, &io->irqfd, sizeof(int32_t));
	if (ioctl(io->dev, VFIO_DEVICE_SET_IRQS, set))
		die("VFIO_DEVICE_SET_IRQS");
	wr8(io, IOAT_INTRCTRL, IOAT_INTRCTRL_MSIX_VECTOR_CONTROL);
}

static void chan_reset(struct ioat *io)
{
	int spins = 1000000;

	wr32(io, IOAT_CHANERR, rd32(io, IOAT_CHANERR));
	wr8(io, IOAT_CHANCMD, IOAT_CHANCMD_RESET);
	while ((rd8(io, IOAT_CHANCMD) & IOAT_CHANCMD_RESET) && --spins)
		;
	if (!spins || (rd64(io, IOAT_CHANSTS) & IOAT_CHANSTS_STATUS) !=
		      IOAT_CHANSTS_HALTED) {
		errno = EIO;
		die("channel reset");
	}
}

static uint64_t ring_iova(unsigned int i)
{
	return IOVA_RING + (uint64_t)i * sizeof(struct ioat_desc);
}

/* The completion word lives in the ring mapping's last 64 bytes. */
static volatile uint64_t *completion(struct ioat *io)
{
	return (volatile uint64_t *)((uint8_t *)io->ring + RING_BYTES - 64);
}

/* Chain n descriptors copying len bytes from src to dst; returns n. */
static unsigned int build_chain(struct ioat *io, uint64_t src, uint64_t dst,
				uint64_t len)
{
	unsigned int n = 0;
	uint64_t off;

	for (off = 0; off < len; off += io->xfercap, n++) {
		struct ioat_desc *d = &io->ring[n];
		uint64_t chunk = len - off < io->xfercap ? len - off : io->xfercap;

		if (n + 1 >= io->nring) {
			errno = E2BIG;
			die("ring too small");
		}
		memset(d, 0, sizeof(*d));
		d->size = (uint32_t)chunk;
		d->src = src + off;
		d->dst = dst + off;
		d->next = ring_iova(n + 1);
	}
	io->ring[n - 1].ctl = DESC_INT_EN | DESC_COMPL_WRITE;
	return n;
}

static bool wait_irq(struct ioat *io, int ms)
{
	struct pollfd p = { .fd = io->irqfd, .events = POLLIN };
	uint64_t v;

	if (poll(&p, 1, ms) != 1)
		return false;
	return read(io->irqfd, &v, sizeof(v)) == sizeof(v);
}

/* Run a chain from descriptor 0; the channel status it ends in. */
static uint64_t run_chain(struct ioat *io, unsigned int n)
{
	*completion(io) = 0;
	wr64(io, IOAT_CHAINADDR, ring_iova(0));
	wr64(io, IOAT_CHANCMP, IOVA_RING + RING_BYTES - 64);
	wr16(io, IOAT_CHANCTRL, IOAT_CHANCTRL_INT_REARM |
	     IOAT_CHANCTRL_ERR_INT_EN | IOAT_CHANCTRL_ERR_COMPL_EN |
	     IOAT_CHANCTRL_ANY_ERR_ABORT_EN);
	wr16(io, IOAT_DMACOUNT, (uint16_t)n);
	return rd64(io, IOAT_CHANSTS);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * The engine against memcpy() of the same buffers, alternating, several
 * rounds each; the medians are compared, as one round on a shared
 * machine says little.
 */
#define BENCH_ROUNDS	7

static void run_bench(struct ioat *io, const uint8_t *src, uint8_t *dst,
		      size_t len, bool private_mem)
{
	double t_dma[BENCH_ROUNDS], t_cpu[BENCH_ROUNDS], t0, mib;
	unsigned int n, r;
	uint64_t sts;

	for (r = 0; r < BENCH_ROUNDS; r++) {
		n = build_chain(io, IOVA_SRC, IOVA_DST, len);
		t0 = now();
		sts = run_chain(io, n);
		check(wait_irq(io, 10000) &&
		      (sts & IOAT_CHANSTS_STATUS) == IOAT_CHANSTS_DONE,
		      "bench round completes");
		t_dma[r] = now() - t0;
		t0 = now();
		memcpy(dst, src, len);
		t_cpu[r] = now() - t0;
	}
	qsort(t_dma, BENCH_ROUNDS, sizeof(double), cmp_double);
	qsort(t_cpu, BENCH_ROUNDS, sizeof(double), cmp_double);
	mib = (double)len / (1 << 20);
	printf("bench: %s memory, %.0f MiB, median of %d: ioat %.1f MiB/s, "
	       "memcpy %.1f MiB/s, ratio ioat/memcpy %.3f\n",
	       private_mem ? "private anonymous" : "shared anonymous", mib,
	       BENCH_ROUNDS, mib / t_dma[BENCH_ROUNDS / 2],
	       mib / t_cpu[BENCH_ROUNDS / 2],
	       t_cpu[BENCH_ROUNDS / 2] / t_dma[BENCH_ROUNDS / 2]);
}

static void fill(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i += 8) {
		uint64_t v = (i + seed) * 0x9e3779b97f4a7c15ULL;

		memcpy(p + i, &v, len - i < 8 ? len - i : 8);
	}
}

int main(int argc, char **argv)
{
	struct ioat io = { .dev = -1 };
	size_t mib = 64, len;
	bool private_mem = false, bench = false;
	uint8_t *src, *dst;
	unsigned int n;
	uint64_t sts;
	char bdf[64];
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "s:pb")) != -1) {
		switch (opt) {
		case 's':
			mib = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			private_mem = true;
			break;
		case 'b':
			bench = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-s MiB] [-p] [-b] [BDF]\n",
				argv[0]);
			return 2;
		}
	}
	if (!mib || mib > 1024) {
		fprintf(stderr, "ioat-memcpy: size must be 1..1024 MiB\n");
		return 2;
	}
	len = mib << 20;
	if (optind < argc)
		snprintf(bdf, sizeof(bdf), "%s", argv[optind]);
	else if (find_ioat(bdf, sizeof(bdf)))
		die("no ioat device (8086:2021) found");

	setup_device(&io, bdf);
	check(rd8(&io, IOAT_CBVER) >= 0x32, "CBVER is 3.2 or later");
	check(rd8(&io, IOAT_CHANCNT) >= 1, "at least one channel");
	io.xfercap = 1u << rd8(&io, IOAT_XFERCAP);
	if (io.xfercap > (1u << 30) || rd8(&io, IOAT_XFERCAP) == 0)
		io.xfercap = 1u << 20;
	setup_msix(&io);
	chan_reset(&io);
	check(true, "channel reset: HALTED, no error");

	io.ring = alloc_buf(RING_BYTES, private_mem);
	io.nring = (RING_BYTES - 64) / sizeof(struct ioat_desc);
	src = alloc_buf(len, private_mem);
	dst = alloc_buf(len, private_mem);
	fill(src, len, 1);
	memset(dst, 0, len);
	ioas_map(&io, io.ring, RING_BYTES, IOVA_RING);
	ioas_map(&io, src, len, IOVA_SRC);
	ioas_map(&io, dst, len, IOVA_DST);

	n = build_chain(&io, IOVA_SRC, IOVA_DST, len);
	sts = run_chain(&io, n);
	check(wait_irq(&io, 10000), "MSI-X interrupt for the last descriptor");
	check((sts & IOAT_CHANSTS_STATUS) == IOAT_CHANSTS_DONE, "channel DONE");
	check(*completion(&io) == (ring_iova(n - 1) | IOAT_CHANSTS_DONE),
	      "completion writeback names the last descriptor");
	check(!memcmp(src, dst, len), "destination equals source");
	printf("copied %zu MiB in %u descriptors\n", mib, n);

	/* An IOVA the IOAS does not map: the engine must halt, no interrupt. */
	io.ring[0] = (struct ioat_desc){ .size = 4096, .ctl = DESC_INT_EN,
					 .src = IOVA_UNMAPPED, .dst = IOVA_DST,
					 .next = ring_iova(1) };
	wr16(&io, IOAT_CHANCTRL, 0);
	*completion(&io) = 0;
	wr64(&io, IOAT_CHAINADDR, ring_iova(0));
	wr16(&io, IOAT_CHANCTRL, IOAT_CHANCTRL_INT_REARM);
	wr16(&io, IOAT_DMACOUNT, 1);
	sts = rd64(&io, IOAT_CHANSTS);
	check((sts & IOAT_CHANSTS_STATUS) == IOAT_CHANSTS_HALTED,
	      "unmapped source: channel HALTED");
	check(rd32(&io, IOAT_CHANERR) & IOAT_CHANERR_READ_DATA,
	      "CHANERR reports a read data error");
	check(!wait_irq(&io, 50), "no completion interrupt after the fault");
	chan_reset(&io);
	check(rd32(&io, IOAT_CHANERR) == 0, "recovered: CHANERR clear");

	fill(src, len, 7);
	n = build_chain(&io, IOVA_SRC, IOVA_DST, len);
	sts = run_chain(&io, n);
	check(wait_irq(&io, 10000) &&
	      (sts & IOAT_CHANSTS_STATUS) == IOAT_CHANSTS_DONE,
	      "copy after recovery completes");
	check(!memcmp(src, dst, len), "destination equals source again");

	if (bench)
		run_bench(&io, src, dst, len, private_mem);
	printf("ioat-memcpy: %s works\n", bdf);
	return 0;
}
