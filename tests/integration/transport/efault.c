// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bad argument pointers: the daemon reads and writes the caller's memory
 * where the kernel uses copy_from_user/copy_to_user, so NULL, an unmapped
 * page, a read-only page for an output field, and a struct that straddles
 * into an unmapped page must all give EFAULT, on iommufd and VFIO ioctls
 * and on region read/write, and must leave nothing behind (an IOAS whose
 * id could not be copied out is destroyed, as in the kernel).
 */
#include <fcntl.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "itest.h"

#define PAGE	4096ul

/* Three pages: read-only, read-write, unmapped. */
static uint8_t *rw, *ro, *hole;
/* Hidden from the compiler, which rejects a literal NULL buffer. */
static void *volatile null_ptr;

static void setup_pages(void)
{
	ro = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED)
		itest_die("mmap");
	rw = ro + PAGE;
	hole = ro + 2 * PAGE;
	/*
	 * PROT_NONE rather than munmap: an unmapped hole may be mapped again
	 * by anyone (ASan's allocator does), an inaccessible one may not.
	 */
	if (mprotect(hole, PAGE, PROT_NONE) || mprotect(ro, PAGE, PROT_READ))
		itest_die("mprotect");
}

/* A struct of len bytes ending exactly at the end of page p. */
static void *at_end(uint8_t *p, size_t len)
{
	return p + PAGE - len;
}

static void iommufd_cases(int fd)
{
	struct iommu_ioas_alloc *a;
	struct iommu_ioas_iova_ranges *q;
	struct itest_stats before, after;
	long ioas = itest_ioas_alloc(fd);

	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_ALLOC, NULL), EFAULT,
		    "IOAS_ALLOC with a NULL argument");
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_ALLOC, hole), EFAULT,
		    "IOAS_ALLOC with an unmapped argument");
	/* size in the last 4 bytes of a page, the rest unmapped. */
	a = (void *)(hole - 4);
	a->size = sizeof(*a);
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_ALLOC, a), EFAULT,
		    "IOAS_ALLOC whose struct straddles into an unmapped page");
	/* Readable input, read-only page for the output id. */
	a = at_end(ro, sizeof(*a));
	mprotect(ro, PAGE, PROT_READ | PROT_WRITE);
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	mprotect(ro, PAGE, PROT_READ);
	itest_stats(&before);
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_ALLOC, a), EFAULT,
		    "IOAS_ALLOC with out_ioas_id in a read-only page");
	itest_stats(&after);
	CHECK(after.objects == before.objects,
	      "the IOAS that could not be reported was destroyed (%ld -> %ld objects)",
	      before.objects, after.objects);
	/* Control: the same struct fully inside a writable page works. */
	a = at_end(rw, sizeof(*a));
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	CHECK(ioctl(fd, IOMMU_IOAS_ALLOC, a) == 0 && a->out_ioas_id > 0,
	      "IOAS_ALLOC at the very end of a writable page works");

	q = at_end(rw, sizeof(*q));
	*q = (struct iommu_ioas_iova_ranges){
		.size = sizeof(*q), .ioas_id = ioas, .num_iovas = 4,
		.allowed_iovas = (uintptr_t)hole,
	};
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, q), EFAULT,
		    "IOVA_RANGES with allowed_iovas unmapped");
	q->allowed_iovas = (uintptr_t)ro;
	q->num_iovas = 4;
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, q), EFAULT,
		    "IOVA_RANGES with allowed_iovas read-only");
	q->allowed_iovas = 0;
	q->num_iovas = 4;
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, q), EFAULT,
		    "IOVA_RANGES with allowed_iovas NULL");
	CHECK_ERRNO(ioctl(fd, IOMMU_DESTROY, hole - 2), EFAULT,
		    "DESTROY whose size field straddles into the hole");
	CHECK(itest_ioas_check(fd, ioas) == 0, "the fd still serves after EFAULTs");
}

static void vfio_cases(int dev, int iommufd)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind),
						 .iommufd = iommufd };
	struct vfio_device_info *info;
	struct vfio_region_info *ri;
	uint64_t bar0;
	uint32_t v;

	/* An unbound cdev refuses everything but BIND before reading it. */
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_GET_INFO, NULL), EINVAL,
		    "DEVICE_GET_INFO before BIND is EINVAL, even with NULL");
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, hole), EFAULT,
		    "BIND_IOMMUFD with an unmapped argument");
	CHECK(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) == 0, "BIND_IOMMUFD");
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_GET_INFO, NULL), EFAULT,
		    "DEVICE_GET_INFO with a NULL argument");
	info = (void *)(hole - 4);
	info->argsz = sizeof(*info);
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_GET_INFO, info), EFAULT,
		    "DEVICE_GET_INFO straddling into an unmapped page");
	info = at_end(ro, sizeof(*info));
	mprotect(ro, PAGE, PROT_READ | PROT_WRITE);
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	mprotect(ro, PAGE, PROT_READ);
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_GET_INFO, info), EFAULT,
		    "DEVICE_GET_INFO into a read-only page");
	ri = at_end(rw, sizeof(*ri));
	*ri = (struct vfio_region_info){ .argsz = sizeof(*ri),
					 .index = VFIO_PCI_BAR0_REGION_INDEX };
	CHECK(ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, ri) == 0,
	      "GET_REGION_INFO at the end of a writable page works");
	bar0 = ri->offset;
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, hole), EFAULT,
		    "GET_REGION_INFO with an unmapped argument");
	CHECK_ERRNO(pread(dev, null_ptr, 4, bar0), EFAULT, "pread of BAR0 into NULL");
	CHECK_ERRNO(pread(dev, ro, 4, bar0), EFAULT,
		    "pread of BAR0 into a read-only page");
	CHECK_ERRNO(pwrite(dev, hole, 4, bar0 + 4), EFAULT,
		    "pwrite of BAR0 from an unmapped page");
	CHECK(pread(dev, &v, 4, bar0) == 4 && (v & 0xffff) == 0xed,
	      "the device still answers after EFAULTs (id %#x)", v);
}

int main(void)
{
	struct itest_stats base;
	int fd, dev;

	setvbuf(stdout, NULL, _IOLBF, 0);
	setup_pages();
	if (itest_stats(&base))
		itest_die("stats");
	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	dev = open(ITEST_CDEV, O_RDWR | O_CLOEXEC);
	if (fd < 0 || dev < 0)
		itest_die("open");
	iommufd_cases(fd);
	vfio_cases(dev, fd);
	close(dev);
	close(fd);
	CHECK(itest_stats_settle(&base, 1000), "counts back to baseline");
	return itest_done();
}
