// SPDX-License-Identifier: GPL-2.0-only
/*
 * The errno of each /dev/iommu ioctl's error cases, as the kernel gives
 * them, checked through the real uAPI under `uvfio run --mock`. Written
 * from the uAPI's rules, independent of the kernel's selftest.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "uvfio/uapi/iommufd.h"
#include "uvfio/uapi/iommufd_test.h"
#include "uvfio/uapi/vfio.h"

static unsigned int passed, failed;

#define CHECK_ERR(expr, err)						\
	do {								\
		long __r = (expr);					\
		if (__r == -1 && errno == (err)) {			\
			passed++;					\
		} else {						\
			failed++;					\
			fprintf(stderr, "%s:%d: %s = %ld errno %d, want %s\n", \
				__FILE__, __LINE__, #expr, __r, errno, #err); \
		}							\
	} while (0)

#define CHECK_OK(expr)							\
	do {								\
		long __r = (expr);					\
		if (__r >= 0) {						\
			passed++;					\
		} else {						\
			failed++;					\
			fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, \
				__LINE__, #expr, strerror(errno));	\
		}							\
	} while (0)

static int fd;

static uint32_t ioas_alloc(void)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };

	CHECK_OK(ioctl(fd, IOMMU_IOAS_ALLOC, &cmd));
	return cmd.out_ioas_id;
}

static int destroy(uint32_t id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &cmd);
}

static void test_dispatch(void)
{
	struct {
		struct iommu_destroy cmd;
		uint64_t tail;
	} big = { .cmd = { .size = sizeof(big), .id = 0 }, .tail = 1 };
	struct iommu_destroy d = { .size = 3 };

	CHECK_ERR(destroy(0), ENOENT);
	CHECK_ERR(ioctl(fd, IOMMU_DESTROY, NULL), EFAULT);
	CHECK_ERR(ioctl(fd, _IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE - 1), &d), ENOTTY);
	CHECK_ERR(ioctl(fd, IOMMU_DESTROY, &d), EINVAL);
	CHECK_ERR(ioctl(fd, IOMMU_DESTROY, &big), E2BIG);
	big.tail = 0;
	CHECK_ERR(ioctl(fd, IOMMU_DESTROY, &big), ENOENT);
}

static void test_map_unmap(uint32_t ioas, void *buf)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map), .ioas_id = ioas, .user_va = (uintptr_t)buf,
		.length = 4096, .flags = IOMMU_IOAS_MAP_READABLE,
	};
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap), .ioas_id = ioas, .iova = 1 << 24,
		.length = 4096,
	};

	map.flags = 1u << 31;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_MAP, &map), EOPNOTSUPP);
	map.flags = IOMMU_IOAS_MAP_READABLE;
	map.length = 0;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_MAP, &map), EINVAL);
	map.length = 4096;
	map.ioas_id = ioas + 100;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_MAP, &map), ENOENT);
	map.ioas_id = ioas;
	map.user_va = UINT64_MAX - 100;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_MAP, &map), EOVERFLOW);
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_UNMAP, &unmap), ENOENT);
	unmap.length = 0;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_UNMAP, &unmap), EINVAL);
}

static int test_cmd(struct iommu_test_cmd *cmd)
{
	cmd->size = sizeof(*cmd);
	return ioctl(fd, IOMMU_TEST_CMD, cmd);
}

static void test_hwpt(uint32_t ioas)
{
	struct iommu_test_cmd md = { .op = IOMMU_TEST_OP_MOCK_DOMAIN, .id = ioas };
	struct iommu_hwpt_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_hwpt_invalidate inv = { .size = sizeof(inv) };
	struct iommu_hwpt_set_dirty_tracking dt = { .size = sizeof(dt) };
	uint32_t idev, hwpt;

	CHECK_OK(test_cmd(&md));
	idev = md.mock_domain.out_idev_id;
	hwpt = md.mock_domain.out_hwpt_id;
	/* An IOAS with a device attached cannot go. */
	CHECK_ERR(destroy(ioas), EBUSY);
	alloc.dev_id = ioas;
	alloc.pt_id = ioas;
	CHECK_ERR(ioctl(fd, IOMMU_HWPT_ALLOC, &alloc), ENOENT);
	alloc.dev_id = idev;
	alloc.pt_id = idev;
	CHECK_ERR(ioctl(fd, IOMMU_HWPT_ALLOC, &alloc), EINVAL);
	alloc.pt_id = ioas;
	alloc.flags = 1u << 30;
	CHECK_ERR(ioctl(fd, IOMMU_HWPT_ALLOC, &alloc), EOPNOTSUPP);
	alloc.flags = 0;
	alloc.data_len = 4;
	CHECK_ERR(ioctl(fd, IOMMU_HWPT_ALLOC, &alloc), EINVAL);
	/* Only a nested HWPT takes invalidations. */
	inv.hwpt_id = hwpt;
	CHECK_ERR(ioctl(fd, IOMMU_HWPT_INVALIDATE, &inv), ENOENT);
	inv.entry_num = 1;
	CHECK_ERR(ioctl(fd, IOMMU_HWPT_INVALIDATE, &inv), EINVAL);
	/* The automatic domain has no dirty tracking. */
	dt.hwpt_id = hwpt;
	dt.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	CHECK_ERR(ioctl(fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &dt), EOPNOTSUPP);
	dt.flags = 2;
	CHECK_ERR(ioctl(fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &dt), EOPNOTSUPP);
	CHECK_ERR(destroy(idev), EBUSY);
	CHECK_OK(destroy(md.mock_domain.out_stdev_id));
	CHECK_ERR(destroy(hwpt), ENOENT);
}

static void test_fault_queue(void)
{
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	char b[3];

	fa.flags = 1;
	CHECK_ERR(ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &fa), EOPNOTSUPP);
	fa.flags = 0;
	CHECK_OK(ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &fa));
	CHECK_ERR(destroy(fa.out_fault_id), EBUSY);
	CHECK_ERR(read(fa.out_fault_fd, b, sizeof(b)), ESPIPE);
	CHECK_OK(read(fa.out_fault_fd, b, 0));
	CHECK_OK(close(fa.out_fault_fd));
	/* close() released the queue: it can go now. */
	CHECK_OK(destroy(fa.out_fault_id));
}

static void test_vfio_compat(uint32_t ioas)
{
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	struct iommu_vfio_ioas vi = { .size = sizeof(vi),
				      .op = IOMMU_VFIO_IOAS_GET };

	CHECK_OK(ioctl(fd, VFIO_GET_API_VERSION));
	CHECK_ERR(ioctl(fd, IOMMU_VFIO_IOAS, &vi), ENODEV);
	CHECK_ERR(ioctl(fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), ENODEV);
	CHECK_ERR(ioctl(fd, VFIO_IOMMU_MAP_DMA, &map), ENODEV);
	map.flags = 1u << 31;
	CHECK_ERR(ioctl(fd, VFIO_IOMMU_MAP_DMA, &map), EINVAL);
	vi.op = IOMMU_VFIO_IOAS_SET;
	vi.ioas_id = ioas;
	CHECK_OK(ioctl(fd, IOMMU_VFIO_IOAS, &vi));
	CHECK_ERR(ioctl(fd, VFIO_SET_IOMMU, 42), EINVAL);
	CHECK_OK(ioctl(fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
}

int main(void)
{
	void *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint32_t ioas;

	fd = open("/dev/iommu", O_RDWR);
	if (fd < 0 || buf == MAP_FAILED) {
		perror("open /dev/iommu");
		return 1;
	}
	test_dispatch();
	ioas = ioas_alloc();
	test_map_unmap(ioas, buf);
	test_hwpt(ioas);
	test_fault_queue();
	test_vfio_compat(ioas);
	CHECK_OK(destroy(ioas));
	CHECK_OK(close(fd));
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
