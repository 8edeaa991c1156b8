// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IOAS ioctls' error cases that iommufd_errors.c leaves out, and the
 * options and info ioctls, against a real (non-mock) device: errno as the
 * kernel's drivers/iommu/iommufd/ioas.c gives them, plus the positive
 * result each successful call must leave behind.
 */
#include <fcntl.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../transport/itest.h"

#define PAGE	4096ul

static int fd;

static uint32_t ioas_alloc(void)
{
	long id = itest_ioas_alloc(fd);

	if (id < 0)
		itest_die("IOAS_ALLOC");
	return (uint32_t)id;
}

static int map(uint32_t ioas, void *va, uint64_t len, uint64_t *iova,
	       uint32_t flags)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m), .flags = flags, .ioas_id = ioas,
		.user_va = (uintptr_t)va, .length = len, .iova = *iova,
	};
	int rc = ioctl(fd, IOMMU_IOAS_MAP, &m);

	*iova = m.iova;
	return rc;
}

static int unmap(uint32_t ioas, uint64_t iova, uint64_t len, uint64_t *done)
{
	struct iommu_ioas_unmap u = {
		.size = sizeof(u), .ioas_id = ioas, .iova = iova, .length = len,
	};
	int rc = ioctl(fd, IOMMU_IOAS_UNMAP, &u);

	if (done)
		*done = u.length;
	return rc;
}

static void iova_ranges(uint32_t ioas)
{
	struct iommu_iova_range r[8];
	struct iommu_ioas_iova_ranges q = {
		.size = sizeof(q), .ioas_id = ioas, .num_iovas = 0,
		.allowed_iovas = (uintptr_t)r,
	};

	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &q), EMSGSIZE,
		    "IOVA_RANGES with no room: EMSGSIZE");
	CHECK(q.num_iovas >= 1, "... and says how many ranges there are (%u)",
	      q.num_iovas);
	q.num_iovas = 8;
	CHECK(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &q) == 0 &&
	      r[0].start <= r[0].last && q.out_iova_alignment >= 1,
	      "IOVA_RANGES with room");
	q.__reserved = 1;
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &q), EOPNOTSUPP,
		    "IOVA_RANGES with __reserved set: EOPNOTSUPP");
	q.__reserved = 0;
	q.ioas_id = 9999;
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &q), ENOENT,
		    "IOVA_RANGES of an unknown IOAS: ENOENT");
}

static void allow_iovas(uint32_t ioas, uint8_t *buf)
{
	struct iommu_iova_range r[2] = {
		{ .start = 0x100000, .last = 0x1fffff },
		{ .start = 0x300000, .last = 0x3fffff },
	};
	struct iommu_ioas_allow_iovas a = {
		.size = sizeof(a), .ioas_id = ioas, .num_iovas = 2,
		.allowed_iovas = (uintptr_t)r,
	};
	uint64_t iova = 0;

	a.__reserved = 1;
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &a), EOPNOTSUPP,
		    "ALLOW_IOVAS with __reserved set: EOPNOTSUPP");
	a.__reserved = 0;
	a.ioas_id = 9999;
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &a), ENOENT,
		    "ALLOW_IOVAS of an unknown IOAS: ENOENT");
	a.ioas_id = ioas;
	r[1].start = r[1].last;
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &a), EINVAL,
		    "ALLOW_IOVAS with start == last: EINVAL");
	r[1].start = 0x180000;
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &a), EINVAL,
		    "ALLOW_IOVAS with overlapping ranges: EINVAL");
	r[1].start = 0x300000;
	a.allowed_iovas = 8;
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &a), EFAULT,
		    "ALLOW_IOVAS with an unreadable array: EFAULT");
	a.allowed_iovas = (uintptr_t)r;
	CHECK(ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &a) == 0, "ALLOW_IOVAS");
	CHECK(map(ioas, buf, PAGE, &iova, IOMMU_IOAS_MAP_READABLE) == 0 &&
	      ((iova >= 0x100000 && iova + PAGE - 1 <= 0x1fffff) ||
	       (iova >= 0x300000 && iova + PAGE - 1 <= 0x3fffff)),
	      "an IOVA the kernel chooses lies in an allowed range (0x%llx)",
	      (unsigned long long)iova);
	CHECK(unmap(ioas, iova, PAGE, NULL) == 0, "unmap it");
	a.num_iovas = 0;
	CHECK(ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &a) == 0,
	      "ALLOW_IOVAS with no ranges lifts the restriction");
}

static void map_unmap(uint32_t ioas, uint8_t *buf)
{
	uint64_t iova = 0x200000, done = 0;

	CHECK_ERRNO(map(ioas, buf, 0, &iova, IOMMU_IOAS_MAP_FIXED_IOVA |
			IOMMU_IOAS_MAP_READABLE), EINVAL, "MAP of length 0: EINVAL");
	CHECK_ERRNO(map(ioas, buf, PAGE, &iova, IOMMU_IOAS_MAP_FIXED_IOVA),
		    EINVAL, "MAP neither readable nor writeable: EINVAL");
	CHECK_ERRNO(map(ioas, buf, UINT64_MAX, &iova, IOMMU_IOAS_MAP_FIXED_IOVA |
			IOMMU_IOAS_MAP_READABLE), EOVERFLOW,
		    "MAP of length U64_MAX: EOVERFLOW");
	CHECK(map(ioas, buf, 4 * PAGE, &iova, IOMMU_IOAS_MAP_FIXED_IOVA |
		  IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE) == 0 &&
	      iova == 0x200000, "MAP at a fixed IOVA");
	CHECK_ERRNO(map(ioas, buf, PAGE, &iova, IOMMU_IOAS_MAP_FIXED_IOVA |
			IOMMU_IOAS_MAP_READABLE), EEXIST,
		    "MAP over a mapped IOVA: EEXIST");
	CHECK_ERRNO(unmap(ioas, 0x200000 + PAGE, PAGE, NULL), ENOENT,
		    "UNMAP of part of an area: ENOENT (no splitting)");
	CHECK_ERRNO(unmap(ioas, 0x900000, PAGE, NULL), ENOENT,
		    "UNMAP of nothing: ENOENT");
	CHECK_ERRNO(unmap(ioas, 1, UINT64_MAX, NULL), EOVERFLOW,
		    "UNMAP of length U64_MAX not at 0: EOVERFLOW");
	CHECK(unmap(ioas, 0x100000, 0x400000, &done) == 0 && done == 4 * PAGE,
	      "UNMAP of a superset returns the unmapped length (%llu)",
	      (unsigned long long)done);
	CHECK(unmap(ioas, 0, UINT64_MAX, &done) == 0 && done == 0,
	      "UNMAP of everything in an empty IOAS: 0 bytes");
}

static void copy(uint32_t src, uint8_t *buf)
{
	uint32_t dst = ioas_alloc();
	uint64_t iova = 0x200000, done;
	struct iommu_ioas_copy c = {
		.size = sizeof(c),
		.flags = IOMMU_IOAS_MAP_READABLE,
		.dst_ioas_id = dst, .src_ioas_id = src,
		.length = 2 * PAGE, .src_iova = 0x200000,
	};

	CHECK(map(src, buf, 2 * PAGE, &iova, IOMMU_IOAS_MAP_FIXED_IOVA |
		  IOMMU_IOAS_MAP_READABLE) == 0, "map the source");
	c.flags = 1u << 7;
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_COPY, &c), EOPNOTSUPP,
		    "COPY with an unknown flag: EOPNOTSUPP");
	c.flags = 0;
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_COPY, &c), EINVAL,
		    "COPY neither readable nor writeable: EINVAL");
	c.flags = IOMMU_IOAS_MAP_READABLE;
	c.length = UINT64_MAX;
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_COPY, &c), EOVERFLOW,
		    "COPY of length U64_MAX: EOVERFLOW");
	c.length = 2 * PAGE;
	c.src_ioas_id = 9999;
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_COPY, &c), ENOENT,
		    "COPY from an unknown IOAS: ENOENT");
	c.src_ioas_id = src;
	c.src_iova = 0x800000;
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_COPY, &c), ENOENT,
		    "COPY of an unmapped source range: ENOENT");
	c.src_iova = 0x200000;
	CHECK(ioctl(fd, IOMMU_IOAS_COPY, &c) == 0 && c.dst_iova,
	      "COPY to an IOVA the kernel chooses");
	iova = c.dst_iova;
	c.flags |= IOMMU_IOAS_MAP_FIXED_IOVA;
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_COPY, &c), EEXIST,
		    "COPY onto a mapped IOVA: EEXIST");
	CHECK(unmap(dst, iova, 2 * PAGE, &done) == 0 && done == 2 * PAGE,
	      "the copy is one area of the full length");
	CHECK(unmap(src, 0, UINT64_MAX, &done) == 0 && done == 2 * PAGE,
	      "the source is unaffected");
	CHECK(itest_destroy(fd, dst) == 0, "destroy the copy's IOAS");
}

static int map_file(uint32_t ioas, int mfd, uint64_t start, uint64_t len,
		    uint64_t *iova)
{
	struct iommu_ioas_map_file m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas, .fd = mfd, .start = start, .length = len,
	};
	int rc = ioctl(fd, IOMMU_IOAS_MAP_FILE, &m);

	*iova = m.iova;
	return rc;
}

static void map_file_cases(uint32_t ioas)
{
	int mfd = memfd_create("uvfio-test", MFD_CLOEXEC);
	uint64_t iova = 0, done;

	CHECK(mfd >= 0 && ftruncate(mfd, 4 * PAGE) == 0, "a memfd of 4 pages");
	CHECK_ERRNO(map_file(ioas, 999, 0, PAGE, &iova), EBADF,
		    "MAP_FILE of an fd that is not open: EBADF");
	CHECK_ERRNO(map_file(ioas, mfd, 0, 0, &iova), EINVAL,
		    "MAP_FILE of length 0: EINVAL");
	CHECK(map_file(ioas, mfd, PAGE, 2 * PAGE, &iova) == 0 && iova,
	      "MAP_FILE of the middle of the memfd");
	CHECK(unmap(ioas, iova, 2 * PAGE, &done) == 0 && done == 2 * PAGE,
	      "... is one area of its length");
	close(mfd);
}

static void options(uint32_t ioas)
{
	struct iommu_option o = {
		.size = sizeof(o), .option_id = IOMMU_OPTION_RLIMIT_MODE,
		.op = IOMMU_OPTION_OP_GET,
	};
	int fresh = open("/dev/iommu", O_RDWR);

	CHECK(ioctl(fd, IOMMU_OPTION, &o) == 0 && o.val64 == 0,
	      "RLIMIT_MODE is per user by default");
	o.object_id = ioas;
	CHECK_ERRNO(ioctl(fd, IOMMU_OPTION, &o), EOPNOTSUPP,
		    "RLIMIT_MODE with an object: EOPNOTSUPP");
	o.object_id = 0;
	o.op = 7;
	CHECK_ERRNO(ioctl(fd, IOMMU_OPTION, &o), EOPNOTSUPP,
		    "an unknown op: EOPNOTSUPP");
	o.op = IOMMU_OPTION_OP_SET;
	o.val64 = 1;
	CHECK_ERRNO(ioctl(fd, IOMMU_OPTION, &o), EBUSY,
		    "RLIMIT_MODE SET once objects exist: EBUSY");
	o.val64 = 2;
	CHECK_ERRNO(ioctl(fresh, IOMMU_OPTION, &o), EINVAL,
		    "RLIMIT_MODE SET to 2: EINVAL");
	o.val64 = 1;
	CHECK(ioctl(fresh, IOMMU_OPTION, &o) == 0, "RLIMIT_MODE SET on an empty context");
	o.op = IOMMU_OPTION_OP_GET;
	o.val64 = 0;
	CHECK(ioctl(fresh, IOMMU_OPTION, &o) == 0 && o.val64 == 1,
	      "... and GET reads it back");
	close(fresh);

	o = (struct iommu_option){ .size = sizeof(o),
		.option_id = IOMMU_OPTION_HUGE_PAGES, .op = IOMMU_OPTION_OP_GET,
		.object_id = ioas };
	CHECK(ioctl(fd, IOMMU_OPTION, &o) == 0 && o.val64 == 1,
	      "HUGE_PAGES is on by default");
	o.op = IOMMU_OPTION_OP_SET;
	o.val64 = 2;
	CHECK_ERRNO(ioctl(fd, IOMMU_OPTION, &o), EINVAL, "HUGE_PAGES SET 2: EINVAL");
	o.val64 = 0;
	CHECK(ioctl(fd, IOMMU_OPTION, &o) == 0, "HUGE_PAGES SET 0");
	o.op = IOMMU_OPTION_OP_GET;
	CHECK(ioctl(fd, IOMMU_OPTION, &o) == 0 && o.val64 == 0, "... reads back 0");
	o.object_id = 9999;
	CHECK_ERRNO(ioctl(fd, IOMMU_OPTION, &o), ENOENT,
		    "HUGE_PAGES of an unknown IOAS: ENOENT");
	o.option_id = 99;
	CHECK_ERRNO(ioctl(fd, IOMMU_OPTION, &o), EOPNOTSUPP,
		    "an unknown option: EOPNOTSUPP");
}

static void hw_info(void)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind), .iommufd = fd };
	uint8_t data[64];
	struct iommu_hw_info h = {
		.size = sizeof(h), .data_len = sizeof(data),
		.data_uptr = (uintptr_t)data,
	};
	int dev = open(ITEST_CDEV, O_RDWR);

	CHECK(dev >= 0 && ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) == 0,
	      "bind an edu to the context");
	h.dev_id = 9999;
	CHECK_ERRNO(ioctl(fd, IOMMU_GET_HW_INFO, &h), ENOENT,
		    "GET_HW_INFO of an unknown device: ENOENT");
	h.dev_id = bind.out_devid;
	h.flags = 1u << 5;
	CHECK_ERRNO(ioctl(fd, IOMMU_GET_HW_INFO, &h), EOPNOTSUPP,
		    "GET_HW_INFO with an unknown flag: EOPNOTSUPP");
	h.flags = 0;
	memset(data, 0xaa, sizeof(data));
	CHECK(ioctl(fd, IOMMU_GET_HW_INFO, &h) == 0 &&
	      h.out_data_type == IOMMU_HW_INFO_TYPE_NONE && h.data_len == 0,
	      "GET_HW_INFO: no vendor data for our IOMMU");
	CHECK(data[0] == 0 && data[63] == 0, "... and the unused buffer is zeroed");
	CHECK(h.out_capabilities & IOMMU_HW_CAP_DIRTY_TRACKING,
	      "... it can track dirty pages");
	close(dev);
}

static void dirty_bitmap(void)
{
	uint64_t bitmap[1];
	struct iommu_hwpt_get_dirty_bitmap g = {
		.size = sizeof(g), .hwpt_id = 9999, .iova = 0, .length = 4096,
		.page_size = 4096, .data = (uintptr_t)bitmap,
	};

	CHECK_ERRNO(ioctl(fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &g), ENOENT,
		    "GET_DIRTY_BITMAP of an unknown HWPT: ENOENT");
	g.flags = 1u << 5;
	CHECK_ERRNO(ioctl(fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &g), EOPNOTSUPP,
		    "GET_DIRTY_BITMAP with an unknown flag: EOPNOTSUPP");
}

int main(void)
{
	uint8_t *buf;
	uint32_t ioas;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open("/dev/iommu", O_RDWR);
	if (fd < 0)
		itest_die("/dev/iommu");
	buf = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		itest_die("mmap");
	ioas = ioas_alloc();
	iova_ranges(ioas);
	allow_iovas(ioas, buf);
	map_unmap(ioas, buf);
	copy(ioas, buf);
	map_file_cases(ioas);
	options(ioas);
	hw_info();
	dirty_bitmap();
	close(fd);
	return itest_done();
}
