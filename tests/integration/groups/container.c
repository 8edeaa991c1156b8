// SPDX-License-Identifier: GPL-2.0-only
/*
 * The legacy group + type1 container path, as a VMM uses it: group
 * status, SET_CONTAINER, SET_IOMMU(TYPE1v2), GET_INFO's capability
 * chain, MAP/UNMAP with v2's rules, GET_DEVICE_FD, edu DMA through the
 * container's domain, and the exclusion of the cdev path while the group
 * is open. Machine: machines/hot-reset.json.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gt.h"

#define EDU_BDF	"0000:00:02.0"
#define PG	4096

static int map(int c, uint64_t iova, void *va, uint64_t size, uint32_t flags)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m), .flags = flags, .vaddr = (uintptr_t)va,
		.iova = iova, .size = size,
	};

	return ioctl(c, VFIO_IOMMU_MAP_DMA, &m) ? -errno : 0;
}

static int unmap(int c, uint64_t iova, uint64_t size, uint32_t flags,
		 uint64_t *done)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .flags = flags, .iova = iova, .size = size,
	};
	int rc = ioctl(c, VFIO_IOMMU_UNMAP_DMA, &u) ? -errno : 0;

	*done = u.size;
	return rc;
}

static void check_info(int c)
{
	char buf[512];
	struct vfio_iommu_type1_info *info = (void *)buf;
	struct vfio_info_cap_header *h;
	uint32_t off;
	int found = 0;

	memset(buf, 0, sizeof(buf));
	info->argsz = sizeof(*info);
	CHECK(ioctl(c, VFIO_IOMMU_GET_INFO, info) == 0 &&
	      info->argsz > sizeof(*info) && (info->flags & VFIO_IOMMU_INFO_CAPS) &&
	      info->cap_offset == 0 && (info->iova_pgsizes & 4096),
	      "GET_INFO with no room: argsz %u says how much the caps need",
	      info->argsz);
	info->argsz = sizeof(buf);
	CHECK(ioctl(c, VFIO_IOMMU_GET_INFO, info) == 0 &&
	      info->cap_offset == sizeof(*info), "GET_INFO with room: caps chained");
	for (off = info->cap_offset; off && off < sizeof(buf); off = h->next) {
		h = (void *)(buf + off);
		if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			struct vfio_iommu_type1_info_cap_iova_range *r = (void *)h;

			found = r->nr_iovas == 1 && r->iova_ranges[0].start == 0 &&
				r->iova_ranges[0].end == (1ULL << 48) - 1;
		}
	}
	CHECK(found, "IOVA range capability: [0, 2^48 - 1]");
	info->argsz = 4;
	CHECK_ERRNO(ioctl(c, VFIO_IOMMU_GET_INFO, info), EINVAL, "GET_INFO argsz 4");
}

static void check_map_unmap(int c, uint8_t *buf)
{
	const uint32_t rw = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	uint64_t done;

	CHECK(map(c, 0x200000, buf, 2 * PG, rw) == 0, "MAP_DMA 2 pages");
	CHECK(map(c, 0x201000, buf, PG, rw) == -EEXIST, "MAP_DMA overlapping: EEXIST");
	CHECK(map(c, 0x300800, buf, PG, rw) == -EINVAL, "MAP_DMA unaligned IOVA: EINVAL");
	CHECK(map(c, 0x300000, buf, PG, 0) == -EINVAL, "MAP_DMA without READ/WRITE: EINVAL");
	CHECK(map(c, 0x300000, buf, 0, rw) == -EINVAL, "MAP_DMA size 0: EINVAL");
	CHECK(map(c, 1ULL << 48, buf, PG, rw) == -EINVAL, "MAP_DMA beyond the IOVA range: EINVAL");
	CHECK(map(c, 0x300000, buf, PG, rw | 0x100) == -EINVAL, "MAP_DMA unknown flag: EINVAL");
	CHECK(unmap(c, 0x201000, PG, 0, &done) == -EINVAL && done == 0,
	      "v2 UNMAP bisecting a mapping: EINVAL");
	CHECK(unmap(c, 0x200000, PG, 0, &done) == -EINVAL,
	      "v2 UNMAP of the first half: EINVAL");
	CHECK(unmap(c, 0x800000, PG, 0, &done) == 0 && done == 0,
	      "v2 UNMAP of an empty range: 0, size 0");
	CHECK(unmap(c, 0x100000, 0x300000, 0, &done) == 0 && done == 2 * PG,
	      "v2 UNMAP covering the mapping: size %llu", (unsigned long long)done);
	CHECK(map(c, 0x200000, buf, PG, rw) == 0 &&
	      map(c, 0x400000, buf, PG, rw) == 0, "two maps");
	CHECK(unmap(c, 1, 0, VFIO_DMA_UNMAP_FLAG_ALL, &done) == -EINVAL,
	      "UNMAP_ALL with an iova: EINVAL");
	CHECK(unmap(c, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, &done) == 0 && done == 2 * PG,
	      "UNMAP_ALL removes both");
}

static void check_dma(int c, int dev, uint8_t *buf)
{
	struct itest_edu e = { .dev = dev, .iommufd = -1, .irqfd = -1,
			       .bar0 = 0, .buf = buf };
	uint16_t cmd;
	uint64_t done;
	off_t cfg = (off_t)VFIO_PCI_CONFIG_REGION_INDEX << 40;

	CHECK(map(c, ITEST_IOVA, buf, 2 * PG,
		  VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE) == 0,
	      "MAP_DMA the edu buffer");
	CHECK(pread(dev, &cmd, 2, cfg + 4) == 2, "read COMMAND");
	cmd |= 0x6;	/* memory + bus master */
	CHECK(pwrite(dev, &cmd, 2, cfg + 4) == 2, "enable bus mastering");
	CHECK(itest_edu_dma_roundtrip(&e) == 0,
	      "edu DMA round trip through the type1 container's domain");
	CHECK(unmap(c, ITEST_IOVA, 2 * PG, 0, &done) == 0, "unmap the buffer");
	CHECK(itest_edu_dma(&e, true) == 0 && buf[PG] == buf[PG],
	      "DMA after the unmap completes (the device reports the fault)");
}

int main(void)
{
	int group_nr = gt_group_of(EDU_BDF), group, c, c2, dev, cdev, iommufd, efd;
	struct vfio_group_status st = { .argsz = sizeof(st) };
	uint8_t *buf;
	int32_t bad;

	setvbuf(stdout, NULL, _IOLBF, 0);
	buf = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (group_nr < 0 || buf == MAP_FAILED)
		itest_die("setup");
	group = gt_open_group(group_nr);
	CHECK(group >= 0, "open /dev/vfio/%d", group_nr);
	CHECK(gt_open_group(group_nr) == -EBUSY, "a second open of the group: EBUSY");
	CHECK(ioctl(group, VFIO_GROUP_GET_STATUS, &st) == 0 &&
	      st.flags == VFIO_GROUP_FLAGS_VIABLE, "GET_STATUS: viable, no container");
	CHECK_ERRNO(ioctl(group, VFIO_GROUP_GET_DEVICE_FD, EDU_BDF), EINVAL,
		    "GET_DEVICE_FD before SET_CONTAINER");
	cdev = gt_open_cdev(EDU_BDF);
	iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	CHECK(cdev >= 0 && gt_bind(cdev, iommufd, NULL) == -EBUSY,
	      "BIND_IOMMUFD on the cdev while the group is open: EBUSY");

	c = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	CHECK(c >= 0, "open /dev/vfio/vfio");
	CHECK(ioctl(c, VFIO_GET_API_VERSION) == VFIO_API_VERSION, "GET_API_VERSION");
	CHECK(ioctl(c, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) == 1 &&
	      ioctl(c, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) == 1 &&
	      ioctl(c, VFIO_CHECK_EXTENSION, VFIO_UNMAP_ALL) == 1 &&
	      ioctl(c, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_IOMMU) == 0,
	      "CHECK_EXTENSION: type1, type1v2, unmap-all; not spapr");
	CHECK_ERRNO(ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), EINVAL,
		    "SET_IOMMU with no group");
	CHECK_ERRNO(ioctl(c, VFIO_IOMMU_GET_INFO, buf), EINVAL,
		    "driver ioctl before SET_IOMMU");
	bad = 999;
	CHECK_ERRNO(ioctl(group, VFIO_GROUP_SET_CONTAINER, &bad), EBADF,
		    "SET_CONTAINER with an fd that is not open");
	efd = eventfd(0, EFD_CLOEXEC);
	CHECK_ERRNO(ioctl(group, VFIO_GROUP_SET_CONTAINER, &efd), EBADFD,
		    "SET_CONTAINER with an eventfd");
	CHECK_ERRNO(ioctl(group, VFIO_GROUP_UNSET_CONTAINER), EINVAL,
		    "UNSET_CONTAINER with none set");
	CHECK(ioctl(group, VFIO_GROUP_SET_CONTAINER, &c) == 0, "SET_CONTAINER");
	c2 = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	CHECK_ERRNO(ioctl(group, VFIO_GROUP_SET_CONTAINER, &c2), EINVAL,
		    "SET_CONTAINER twice");
	CHECK(ioctl(group, VFIO_GROUP_GET_STATUS, &st) == 0 &&
	      st.flags == (VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET),
	      "GET_STATUS: viable, container set");
	CHECK_ERRNO(ioctl(c, VFIO_SET_IOMMU, 77), ENODEV, "SET_IOMMU(77)");
	CHECK(ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) == 0, "SET_IOMMU(TYPE1v2)");
	CHECK_ERRNO(ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), EINVAL,
		    "SET_IOMMU twice");
	CHECK(ioctl(c, VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU) == 1,
	      "CHECK_EXTENSION(DMA_CC) once set");
	check_info(c);
	check_map_unmap(c, buf);

	CHECK_ERRNO(ioctl(group, VFIO_GROUP_GET_DEVICE_FD, "0000:00:09.0"), ENODEV,
		    "GET_DEVICE_FD of a name not in the group");
	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, EDU_BDF);
	CHECK(dev >= 0, "GET_DEVICE_FD(%s)", EDU_BDF);
	CHECK_ERRNO(ioctl(group, VFIO_GROUP_UNSET_CONTAINER), EBUSY,
		    "UNSET_CONTAINER with a device open");
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &(struct vfio_device_bind_iommufd){
			.argsz = sizeof(struct vfio_device_bind_iommufd), .iommufd = iommufd }),
		    EINVAL, "BIND_IOMMUFD on a group-path device fd");
	check_dma(c, dev, buf);
	close(dev);
	CHECK(ioctl(group, VFIO_GROUP_UNSET_CONTAINER) == 0, "UNSET_CONTAINER");
	CHECK_ERRNO(ioctl(c, VFIO_IOMMU_GET_INFO, buf), EINVAL,
		    "the container is unset again when its last group leaves");
	close(group);
	CHECK(gt_bind(cdev, iommufd, NULL) == 0,
	      "BIND_IOMMUFD on the cdev once the group is closed");
	group = gt_open_group(group_nr);
	CHECK(group == -EBUSY, "opening the group while the cdev is bound: EBUSY");
	close(cdev);
	close(iommufd);
	close(c);
	close(c2);
	close(efd);
	return itest_done();
}
