// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VFIO cdev as issue 2 states it: inert until VFIO_DEVICE_BIND_IOMMUFD,
 * the info ioctls with vfio-pci's region layout (index << 40) and edu's
 * interrupts, and DMA that the IOMMU refuses: unmapped, or read-only for
 * a device write. A refused DMA is an IOMMU fault the CLI can see (the
 * device's iommu_faults in `uvfio ls --json`), raises no interrupt, and
 * the device works again once the mapping is right.
 */
#include <fcntl.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "client/client.h"
#include "../transport/itest.h"

#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_COUNT	0x90
#define EDU_DMA_CMD	0x98
#define  EDU_DMA_START	0x1
#define  EDU_DMA_TO_RAM	0x2
#define  EDU_DMA_IRQ	0x4
#define EDU_IRQ_STATUS	0x24
#define EDU_IRQ_ACK	0x64
#define EDU_BUF		0x40000

/* The iommu_faults of BDF 0000:00:02.0 (vfio0) as the CLI's ls reports. */
static long faults_of_vfio0(void)
{
	char *text, *p;
	long n = -1;

	if (uvfio_client_ctl(getenv("UVFIO_RUNTIME_DIR"), "ls", &text) < 0)
		return -1;
	p = strstr(text, "\"cdev\":\"\\/dev\\/vfio\\/devices\\/vfio0\"");
	if (!p)
		p = strstr(text, "\"cdev\":\"/dev/vfio/devices/vfio0\"");
	if (p && (p = strstr(p, "\"iommu_faults\":")))
		n = strtol(p + strlen("\"iommu_faults\":"), NULL, 10);
	free(text);
	return n;
}

static void unbound_is_inert(void)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	int dev = open(ITEST_CDEV, O_RDWR), iommufd = open("/dev/iommu", O_RDWR);
	uint32_t v;

	CHECK(dev >= 0 && iommufd >= 0, "open cdev and /dev/iommu");
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_GET_INFO, &info), EINVAL,
		    "GET_INFO before BIND: EINVAL");
	CHECK_ERRNO(pread(dev, &v, 4, (uint64_t)VFIO_PCI_CONFIG_REGION_INDEX << 40),
		    EINVAL, "config read before BIND: EINVAL");
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_RESET), EINVAL, "RESET before BIND: EINVAL");
	bind.flags = 1;
	bind.iommufd = iommufd;
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), EINVAL,
		    "BIND with unknown flags: EINVAL");
	bind.flags = 0;
	bind.argsz = 8;
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), EINVAL,
		    "BIND with argsz below the minimum: EINVAL");
	bind.argsz = sizeof(bind);
	CHECK(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) == 0 && bind.out_devid,
	      "BIND returns a dev_id");
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), EINVAL,
		    "a second BIND: EINVAL");
	CHECK(ioctl(dev, VFIO_DEVICE_GET_INFO, &info) == 0, "GET_INFO after BIND");
	CHECK(info.flags & VFIO_DEVICE_FLAGS_PCI, "device says PCI");
	CHECK(!(info.flags & VFIO_DEVICE_FLAGS_RESET),
	      "no RESET flag on the root bus (no reset method reaches it)");
	CHECK(info.num_regions == VFIO_PCI_NUM_REGIONS &&
	      info.num_irqs == VFIO_PCI_NUM_IRQS, "9 regions, 5 irqs");
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_RESET), EINVAL,
		    "RESET without a reset method: EINVAL");
	close(dev);
	close(iommufd);
}

static void region_and_irq_info(struct itest_edu *e)
{
	struct vfio_region_info r = { .argsz = sizeof(r) };
	struct vfio_irq_info irq = { .argsz = sizeof(irq) };
	static const struct { uint32_t index; int err; uint64_t size; } regions[] = {
		{ VFIO_PCI_BAR0_REGION_INDEX, 0, 1 << 20 },
		{ VFIO_PCI_BAR1_REGION_INDEX, 0, 0 },
		{ VFIO_PCI_ROM_REGION_INDEX, 0, 0 },
		{ VFIO_PCI_CONFIG_REGION_INDEX, 0, 256 },
		{ VFIO_PCI_VGA_REGION_INDEX, EINVAL, 0 },
		{ VFIO_PCI_NUM_REGIONS, EINVAL, 0 },
	};
	static const struct { uint32_t index; int err; uint32_t count; } irqs[] = {
		{ VFIO_PCI_INTX_IRQ_INDEX, 0, 1 },
		{ VFIO_PCI_MSI_IRQ_INDEX, 0, 1 },
		{ VFIO_PCI_MSIX_IRQ_INDEX, 0, 0 },
		{ VFIO_PCI_ERR_IRQ_INDEX, EINVAL, 0 },	/* edu is not PCIe */
		{ VFIO_PCI_REQ_IRQ_INDEX, 0, 1 },
		{ VFIO_PCI_NUM_IRQS, EINVAL, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
		r.index = regions[i].index;
		if (regions[i].err) {
			CHECK_ERRNO(ioctl(e->dev, VFIO_DEVICE_GET_REGION_INFO, &r),
				    regions[i].err, "region %u: error", r.index);
			continue;
		}
		CHECK(ioctl(e->dev, VFIO_DEVICE_GET_REGION_INFO, &r) == 0 &&
		      r.offset == (uint64_t)regions[i].index << 40 &&
		      r.size == regions[i].size,
		      "region %u: offset index << 40, size %llu", regions[i].index,
		      (unsigned long long)regions[i].size);
	}
	r.argsz = 8;
	r.index = 0;
	CHECK_ERRNO(ioctl(e->dev, VFIO_DEVICE_GET_REGION_INFO, &r), EINVAL,
		    "REGION_INFO with a short argsz: EINVAL");
	for (i = 0; i < sizeof(irqs) / sizeof(irqs[0]); i++) {
		irq.index = irqs[i].index;
		if (irqs[i].err) {
			CHECK_ERRNO(ioctl(e->dev, VFIO_DEVICE_GET_IRQ_INFO, &irq),
				    irqs[i].err, "irq index %u: error", irq.index);
			continue;
		}
		CHECK(ioctl(e->dev, VFIO_DEVICE_GET_IRQ_INFO, &irq) == 0 &&
		      irq.count == irqs[i].count && (irq.flags & VFIO_IRQ_INFO_EVENTFD),
		      "irq index %u: count %u, eventfd", irqs[i].index, irqs[i].count);
	}
}

static int enable_msi(struct itest_edu *e)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;
	int32_t fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	set->argsz = sizeof(buf);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_MSI_IRQ_INDEX;
	set->start = 0;
	set->count = 1;
	memcpy(set->data, &fd, sizeof(fd));
	if (ioctl(e->dev, VFIO_DEVICE_SET_IRQS, set))
		return -1;
	return fd;
}

static int wr64(struct itest_edu *e, uint64_t reg, uint64_t v)
{
	return pwrite(e->dev, &v, 8, e->bar0 + reg) == 8 ? 0 : -1;
}

/* One DMA with the completion interrupt requested; true if it came. */
static bool dma_irq(struct itest_edu *e, int irqfd, uint64_t src, uint64_t dst,
		    bool to_ram)
{
	struct pollfd pfd = { .fd = irqfd, .events = POLLIN };
	uint64_t n;
	uint32_t st;

	wr64(e, EDU_DMA_SRC, src);
	wr64(e, EDU_DMA_DST, dst);
	wr64(e, EDU_DMA_COUNT, 4096);
	wr64(e, EDU_DMA_CMD, EDU_DMA_START | EDU_DMA_IRQ | (to_ram ? EDU_DMA_TO_RAM : 0));
	if (poll(&pfd, 1, 300) != 1)
		return false;
	if (read(irqfd, &n, sizeof(n)) != sizeof(n))
		return false;
	if (pread(e->dev, &st, 4, e->bar0 + EDU_IRQ_STATUS) == 4)
		pwrite(e->dev, &st, 4, e->bar0 + EDU_IRQ_ACK);
	return true;
}

static void iommu_faults(struct itest_edu *e)
{
	struct iommu_ioas_map ro = {
		.size = sizeof(ro),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
		.ioas_id = e->ioas,
		.length = 4096,
		.iova = 0x400000,
	};
	long before = faults_of_vfio0(), after;
	uint8_t *page;
	int irqfd = enable_msi(e);

	CHECK(before >= 0, "ls --json reports iommu_faults (%ld)", before);
	CHECK(irqfd >= 0, "MSI enabled");
	CHECK(!dma_irq(e, irqfd, 0x200000, EDU_BUF, false),
	      "DMA from an unmapped IOVA: no completion interrupt");
	after = faults_of_vfio0();
	CHECK(after == before + 1, "the fault is counted (%ld -> %ld)", before, after);

	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(page, 0x5a, 4096);
	ro.user_va = (uintptr_t)page;
	CHECK(ioctl(e->iommufd, IOMMU_IOAS_MAP, &ro) == 0, "map a page read-only");
	CHECK(!dma_irq(e, irqfd, EDU_BUF, ro.iova, true),
	      "device write to a read-only IOVA: no completion interrupt");
	CHECK(page[0] == 0x5a && page[4095] == 0x5a, "the read-only page is untouched");
	CHECK(faults_of_vfio0() == before + 2, "that fault is counted too");
	CHECK(dma_irq(e, irqfd, ro.iova, EDU_BUF, false),
	      "device read of the read-only IOVA works, with its interrupt");
	CHECK(itest_edu_dma_roundtrip(e) == 0,
	      "after the faults the device works again (DMA both ways)");
	CHECK(faults_of_vfio0() == before + 2, "no new fault");
	{
		struct iommu_ioas_unmap un = {
			.size = sizeof(un), .ioas_id = e->ioas,
			.iova = ro.iova, .length = 4096,
		};

		/* Unmap the IOVA before the memory behind it goes away. */
		CHECK(ioctl(e->iommufd, IOMMU_IOAS_UNMAP, &un) == 0 &&
		      un.length == 4096, "unmap the read-only IOVA");
	}
	munmap(page, 4096);
	close(irqfd);
}

static void detach_blocks_dma(struct itest_edu *e)
{
	struct vfio_device_detach_iommufd_pt det = { .argsz = sizeof(det) };
	struct vfio_device_attach_iommufd_pt att = { .argsz = sizeof(att) };
	long before = faults_of_vfio0();
	int rc;

	CHECK(ioctl(e->dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &det) == 0, "DETACH");
	CHECK(itest_edu_dma(e, false) == 0, "the engine finishes (run bit clears)");
	CHECK(faults_of_vfio0() == before + 1, "DMA while detached is refused");
	att.pt_id = 999;
	CHECK_ERRNO(ioctl(e->dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &att), ENOENT,
		    "ATTACH to an unknown id: ENOENT");
	att.pt_id = e->ioas;
	rc = ioctl(e->dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &att);
	CHECK(rc == 0 && att.pt_id, "ATTACH to the IOAS again returns an HWPT id");
	CHECK(itest_edu_dma_roundtrip(e) == 0, "DMA works again once attached");
}

int main(void)
{
	struct itest_edu e;

	setvbuf(stdout, NULL, _IOLBF, 0);
	unbound_is_inert();
	if (itest_edu_setup(&e, ITEST_CDEV))
		itest_die("edu setup");
	region_and_irq_info(&e);
	iommu_faults(&e);
	detach_blocks_dma(&e);
	itest_edu_close(&e);
	return itest_done();
}
