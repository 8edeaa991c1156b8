// SPDX-License-Identifier: GPL-2.0-only
/*
 * edu-dma: a user-space driver for QEMU's "edu" PCI device, written only
 * against the Linux uAPI (VFIO cdev + iommufd). It runs the same on a
 * real kernel with an edu device bound to vfio-pci as under uvfio.
 *
 *   edu-dma [BDF]
 *
 * It finds the device's cdev through sysfs, binds it to an iommufd,
 * maps a buffer into a fresh IOAS, checks the identification, liveness
 * and factorial registers, then drives the DMA engine in both directions,
 * waiting for the completion MSI on an eventfd, and verifies the data.
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
#include <unistd.h>

#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8
#define EDU_REG_ID		0x00
#define EDU_REG_LIVENESS	0x04
#define EDU_REG_FACTORIAL	0x08
#define EDU_REG_STATUS		0x20
#define  EDU_STATUS_COMPUTING	0x01
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_ACK		0x64
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98
#define  EDU_DMA_START		0x01
#define  EDU_DMA_TO_RAM		0x02
#define  EDU_DMA_IRQ		0x04
#define EDU_DMA_BUF		0x40000
#define EDU_IRQ_DMA		0x100

#define PCI_COMMAND		0x04
#define  PCI_COMMAND_MEMORY	0x2
#define  PCI_COMMAND_MASTER	0x4

#define DMA_LEN			4096
#define IOVA			0x100000	/* inside edu's 28-bit DMA mask */

struct edu {
	int dev, iommufd, irqfd;
	uint64_t bar0, config;
	uint32_t ioas;
};

static void die(const char *what)
{
	fprintf(stderr, "edu-dma: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void check(bool ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		exit(1);
}

static uint32_t rd32(struct edu *e, uint64_t reg)
{
	uint32_t v;

	if (pread(e->dev, &v, 4, e->bar0 + reg) != 4)
		die("BAR0 read");
	return v;
}

static void wr32(struct edu *e, uint64_t reg, uint32_t v)
{
	if (pwrite(e->dev, &v, 4, e->bar0 + reg) != 4)
		die("BAR0 write");
}

static void wr64(struct edu *e, uint64_t reg, uint64_t v)
{
	if (pwrite(e->dev, &v, 8, e->bar0 + reg) != 8)
		die("BAR0 write");
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

/* The first edu device in /sys/bus/pci/devices, as lspci would list it. */
static int find_edu(char *bdf, size_t len)
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
		if (v == EDU_VENDOR && dv == EDU_DEVICE &&
		    (size_t)snprintf(bdf, len, "%s", de->d_name) < len)
			found = 0;
	}
	closedir(d);
	return found;
}

/* /sys/bus/pci/devices/BDF/vfio-dev/vfioN -> /dev/vfio/devices/vfioN */
static int open_cdev(const char *bdf)
{
	char dir[512], path[600];
	struct dirent *de;
	DIR *d;
	int fd = -1;

	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "edu-dma: %s has no vfio-dev directory: is it "
			"bound to vfio-pci?\n", bdf);
		exit(1);
	}
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
	if (fd < 0) {
		fprintf(stderr, "edu-dma: no vfio cdev for %s\n", bdf);
		exit(1);
	}
	return fd;
}

static uint64_t region_offset(struct edu *e, uint32_t index)
{
	struct vfio_region_info info = { .argsz = sizeof(info), .index = index };

	if (ioctl(e->dev, VFIO_DEVICE_GET_REGION_INFO, &info))
		die("VFIO_DEVICE_GET_REGION_INFO");
	return info.offset;
}

static void setup(struct edu *e, const char *bdf)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct vfio_device_info info = { .argsz = sizeof(info) };
	uint16_t cmd;

	e->dev = open_cdev(bdf);
	e->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (e->iommufd < 0)
		die("/dev/iommu");
	bind.iommufd = e->iommufd;
	if (ioctl(e->dev, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		die("VFIO_DEVICE_BIND_IOMMUFD");
	if (ioctl(e->iommufd, IOMMU_IOAS_ALLOC, &alloc))
		die("IOMMU_IOAS_ALLOC");
	e->ioas = alloc.out_ioas_id;
	attach.pt_id = e->ioas;
	if (ioctl(e->dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		die("VFIO_DEVICE_ATTACH_IOMMUFD_PT");
	if (ioctl(e->dev, VFIO_DEVICE_GET_INFO, &info))
		die("VFIO_DEVICE_GET_INFO");
	printf("%s: dev_id %u, ioas %u, hwpt %u, %u regions, %u irqs\n", bdf,
	       bind.out_devid, e->ioas, attach.pt_id, info.num_regions,
	       info.num_irqs);
	e->bar0 = region_offset(e, VFIO_PCI_BAR0_REGION_INDEX);
	e->config = region_offset(e, VFIO_PCI_CONFIG_REGION_INDEX);
	/* Memory decoding and bus mastering, or the engine cannot DMA. */
	if (pread(e->dev, &cmd, 2, e->config + PCI_COMMAND) != 2)
		die("config read");
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (pwrite(e->dev, &cmd, 2, e->config + PCI_COMMAND) != 2)
		die("config write");
}

static void enable_msi(struct edu *e)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;
	int32_t fd;

	e->irqfd = eventfd(0, EFD_CLOEXEC);
	if (e->irqfd < 0)
		die("eventfd");
	fd = e->irqfd;
	set->argsz = sizeof(buf);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_MSI_IRQ_INDEX;
	set->start = 0;
	set->count = 1;
	memcpy(set->data, &fd, sizeof(fd));
	if (ioctl(e->dev, VFIO_DEVICE_SET_IRQS, set))
		die("VFIO_DEVICE_SET_IRQS (MSI)");
}

static void wait_irq(struct edu *e, uint32_t expect)
{
	struct pollfd pfd = { .fd = e->irqfd, .events = POLLIN };
	uint64_t n;
	uint32_t st;

	if (poll(&pfd, 1, 5000) != 1) {
		fprintf(stderr, "edu-dma: no interrupt within 5 s\n");
		exit(1);
	}
	if (read(e->irqfd, &n, sizeof(n)) != sizeof(n))
		die("eventfd read");
	st = rd32(e, EDU_REG_IRQ_STATUS);
	check(st & expect, "interrupt status shows the completion");
	wr32(e, EDU_REG_IRQ_ACK, st);
}

static void dma(struct edu *e, uint64_t src, uint64_t dst, uint32_t dir)
{
	wr64(e, EDU_REG_DMA_SRC, src);
	wr64(e, EDU_REG_DMA_DST, dst);
	wr64(e, EDU_REG_DMA_COUNT, DMA_LEN);
	wr64(e, EDU_REG_DMA_CMD, EDU_DMA_START | EDU_DMA_IRQ | dir);
	wait_irq(e, EDU_IRQ_DMA);
}

static void map(struct edu *e, void *buf, uint64_t iova, size_t len)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = e->ioas,
		.user_va = (uintptr_t)buf,
		.length = len,
		.iova = iova,
	};

	if (ioctl(e->iommufd, IOMMU_IOAS_MAP, &m))
		die("IOMMU_IOAS_MAP");
}

int main(int argc, char **argv)
{
	struct edu e = { 0 };
	char bdf[64];
	uint8_t *buf;
	uint32_t v;
	size_t i;

	if (argc > 1)
		snprintf(bdf, sizeof(bdf), "%s", argv[1]);
	else if (find_edu(bdf, sizeof(bdf))) {
		fprintf(stderr, "edu-dma: no edu device (1234:11e8) in /sys/bus/pci/devices\n");
		return 1;
	}
	setup(&e, bdf);

	v = rd32(&e, EDU_REG_ID);
	check((v & 0xffff) == 0x00ed, "identification register");
	wr32(&e, EDU_REG_LIVENESS, 0x12345678);
	check(rd32(&e, EDU_REG_LIVENESS) == ~0x12345678u, "liveness register inverts");
	wr32(&e, EDU_REG_FACTORIAL, 10);
	while (rd32(&e, EDU_REG_STATUS) & EDU_STATUS_COMPUTING)
		;
	check(rd32(&e, EDU_REG_FACTORIAL) == 3628800, "factorial of 10");

	buf = mmap(NULL, 2 * DMA_LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap");
	for (i = 0; i < DMA_LEN; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	map(&e, buf, IOVA, 2 * DMA_LEN);
	enable_msi(&e);

	dma(&e, IOVA, EDU_DMA_BUF, 0);
	check(true, "DMA RAM -> device, MSI received");
	dma(&e, EDU_DMA_BUF, IOVA + DMA_LEN, EDU_DMA_TO_RAM);
	check(true, "DMA device -> RAM, MSI received");
	check(!memcmp(buf, buf + DMA_LEN, DMA_LEN), "data came back intact");

	close(e.irqfd);
	close(e.dev);
	close(e.iommufd);
	printf("edu-dma: %s works\n", bdf);
	return 0;
}
