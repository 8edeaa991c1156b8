// SPDX-License-Identifier: GPL-2.0-only
/*
 * fail-nth: run a scenario touching every /dev/iommu object kind through
 * the real dispatcher (main.c) and the mock driver, failing the 1st, 2nd,
 * ... Nth allocation, until a run completes with no failure injected.
 * After each run the context is closed and nothing may remain: no live
 * object, no pinned page, no open file. ASan (the -asan build) reports
 * any leak or bad access on an unwind path.
 *
 * The file layer (file.c, conn.c) is replaced by stand-ins: a file is a
 * real socketpair whose client end plays the caller's fd, so access
 * objects are found by fd number through /proc/self/fd as in the daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/daemon.h"
#include "core/file.h"
#include "core/uaccess.h"
#include "core/util.h"
#include "iommufd/iommufd_private.h"
#include "iommufd/pages.h"
#include "uvfio/uapi/iommufd_test.h"
#include "unit_test.h"

/* Stand-ins for file.c and conn.c. */

static unsigned int open_files;
static int last_client_fd = -1;
static struct uvfio_file *client_files[1024];

int uvfio_file_create(const struct uvfio_file_ops *ops, void *private_data,
		      int open_flags, struct uvfio_call *call,
		      enum uvfio_fd_place place, uint64_t offset,
		      struct uvfio_file **ret_file)
{
	struct uvfio_file *file = uvfio_zalloc(sizeof(*file));
	struct stat st;
	int sv[2];

	if (!file)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		free(file);
		return -errno;
	}
	fstat(sv[1], &st);
	file->ops = ops;
	file->private_data = private_data;
	file->open_flags = open_flags;
	file->refs = 1;
	file->conn_fd = sv[0];
	file->client_dev = st.st_dev;
	file->client_ino = st.st_ino;
	last_client_fd = sv[1];
	if (sv[1] < (int)ARRAY_SIZE(client_files))
		client_files[sv[1]] = file;
	open_files++;
	*ret_file = file;
	return 0;
}

struct uvfio_file *uvfio_file_get(struct uvfio_file *file)
{
	file->refs++;
	return file;
}

void uvfio_file_put(struct uvfio_file *file)
{
	if (--file->refs)
		return;
	file->ops->release(file);
	if (file->conn_fd >= 0)
		close(file->conn_fd);
	open_files--;
	free(file);
}

void uvfio_conn_close_file(struct uvfio_file *file)
{
	if (file->conn_fd < 0)
		return;
	close(file->conn_fd);
	file->conn_fd = -1;
}

int uvfio_node_register(const char *path, uvfio_open_fn open, void *node_data,
			uint32_t mode, uint32_t major, uint32_t minor)
{
	return 0;
}

int copy_from_user(struct uvfio_call *call, void *dst, uint64_t src, size_t len)
{
	return uvfio_mm_read(call->mm, src, dst, len);
}

int copy_to_user(struct uvfio_call *call, uint64_t dst, const void *src,
		 size_t len)
{
	return uvfio_mm_write(call->mm, dst, src, len);
}

int uvfio_call_fd(struct uvfio_call *call, int32_t fd)
{
	return -EBADF;
}

/* close() of a client fd, and the hang-up the daemon would then see. */
static void client_close(int fd)
{
	struct uvfio_file *file;

	if (fd < 0 || fd >= (int)ARRAY_SIZE(client_files))
		return;
	file = client_files[fd];
	client_files[fd] = NULL;
	close(fd);
	if (file && file->conn_fd >= 0) {
		uvfio_conn_close_file(file);
		uvfio_file_put(file);
	}
}

/* The scenario. */

#define BUF_SIZE	(16 * 4096)

static struct uvfio_call call;
static struct uvfio_file *ctx;
static uint8_t *buf;

static unsigned int ioctl_errors;

static long do_ioctl(unsigned long cmd, void *arg)
{
	long rc = ctx->ops->ioctl(ctx, &call, cmd, (uintptr_t)arg);

	if (rc < 0)
		ioctl_errors++;
	return rc;
}

static uint32_t ioas_alloc(void)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };

	return do_ioctl(IOMMU_IOAS_ALLOC, &cmd) ? 0 : cmd.out_ioas_id;
}

static uint64_t ioas_map(uint32_t ioas)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd), .ioas_id = ioas,
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
		.user_va = (uintptr_t)buf, .length = BUF_SIZE,
	};

	return do_ioctl(IOMMU_IOAS_MAP, &cmd) ? 0 : cmd.iova;
}

static int test_cmd(struct iommu_test_cmd *cmd)
{
	cmd->size = sizeof(*cmd);
	return do_ioctl(IOMMU_TEST_CMD, cmd);
}

static uint32_t hwpt_alloc(uint32_t idev, uint32_t pt, uint32_t flags,
			   uint32_t fault, bool nested)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .dev_id = idev, .pt_id = pt,
		.flags = flags, .fault_id = fault,
	};

	if (nested) {
		cmd.data_type = IOMMU_HWPT_DATA_SELFTEST;
		cmd.data_len = sizeof(data.iotlb);
		cmd.data_uptr = (uintptr_t)&data;
	}
	return do_ioctl(IOMMU_HWPT_ALLOC, &cmd) ? 0 : cmd.out_hwpt_id;
}

static void scenario_access(uint32_t ioas, uint64_t iova)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_CREATE_ACCESS, .id = ioas,
		.create_access.flags = MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
	};
	uint8_t tmp[64];
	int afd;

	last_client_fd = -1;
	if (test_cmd(&cmd))
		return;
	afd = last_client_fd;
	cmd = (struct iommu_test_cmd){
		.op = IOMMU_TEST_OP_ACCESS_PAGES, .id = afd,
		.access_pages = { .iova = iova, .length = 4096,
				  .uptr = (uintptr_t)buf },
	};
	test_cmd(&cmd);
	cmd = (struct iommu_test_cmd){
		.op = IOMMU_TEST_OP_ACCESS_RW, .id = afd,
		.access_rw = { .iova = iova + 100, .length = sizeof(tmp),
			       .uptr = (uintptr_t)tmp },
	};
	test_cmd(&cmd);
	client_close(afd);
}

static void scenario_hwpt(uint32_t ioas, uint32_t stdev, uint32_t idev)
{
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
				      .id = stdev };
	uint32_t parent, nested = 0;
	int ffd = -1;

	parent = hwpt_alloc(idev, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, 0, false);
	last_client_fd = -1;
	if (!do_ioctl(IOMMU_FAULT_QUEUE_ALLOC, &fa))
		ffd = last_client_fd;
	if (parent)
		nested = hwpt_alloc(idev, parent, IOMMU_HWPT_FAULT_ID_VALID,
				    fa.out_fault_id, true);
	cmd.mock_domain_replace.pt_id = nested;
	test_cmd(&cmd);
	cmd = (struct iommu_test_cmd){
		.op = IOMMU_TEST_OP_TRIGGER_IOPF,
		.trigger_iopf = { .dev_id = idev, .addr = 0x1000 },
	};
	test_cmd(&cmd);
	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
				       .id = stdev,
				       .mock_domain_replace.pt_id = ioas };
	test_cmd(&cmd);
	client_close(ffd);
}

static void scenario_dirty(uint32_t ioas, uint32_t idev, uint64_t iova)
{
	uint64_t bitmap[4] = { 0 };
	uint32_t hwpt = hwpt_alloc(idev, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				   0, false);
	struct iommu_hwpt_set_dirty_tracking set = {
		.size = sizeof(set), .hwpt_id = hwpt,
		.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
	};
	struct iommu_hwpt_get_dirty_bitmap get = {
		.size = sizeof(get), .hwpt_id = hwpt, .iova = iova,
		.length = BUF_SIZE, .page_size = 4096,
		.data = (uintptr_t)bitmap,
	};

	do_ioctl(IOMMU_HWPT_SET_DIRTY_TRACKING, &set);
	do_ioctl(IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
}

static void scenario(void)
{
	struct iommu_test_cmd md = { .op = IOMMU_TEST_OP_MOCK_DOMAIN };
	uint32_t ioas = ioas_alloc(), ioas2 = ioas_alloc();
	struct iommu_ioas_copy copy = {
		.size = sizeof(copy), .dst_ioas_id = ioas2, .src_ioas_id = ioas,
		.flags = IOMMU_IOAS_MAP_READABLE, .length = BUF_SIZE,
	};
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap), .ioas_id = ioas, .length = UINT64_MAX,
	};
	uint64_t iova;
	int md_rc;

	/* The domain first: its aperture steers the IOVA the map gets. */
	md.id = ioas;
	md_rc = test_cmd(&md);
	iova = ioas_map(ioas);
	if (!md_rc) {
		scenario_hwpt(ioas, md.mock_domain.out_stdev_id,
			      md.mock_domain.out_idev_id);
		scenario_dirty(ioas, md.mock_domain.out_idev_id, iova);
	}
	scenario_access(ioas, iova);
	copy.src_iova = iova;
	do_ioctl(IOMMU_IOAS_COPY, &copy);
	do_ioctl(IOMMU_IOAS_UNMAP, &unmap);
}

/* Run once failing allocation nth (0: none); true if none was failed. */
static bool run_once(long nth)
{
	bool completed;
	uint64_t va;

	if (iommufd_ctx_open(&call, O_RDWR, &ctx)) {
		CHECK(nth != 0);
		return false;
	}
	uvfio_fail_nth_set(nth);
	scenario();
	completed = !nth || uvfio_fail_nth_count() < nth;
	uvfio_fail_nth_set(0);
	uvfio_file_put(ctx);
	CHECK_EQ(iommufd_live_objects(), 0);
	CHECK_EQ(open_files, 0);
	for (va = (uintptr_t)buf; va < (uintptr_t)buf + BUF_SIZE; va += 4096)
		if (iopt_user_page_pins(getpid(), va))
			break;
	CHECK_EQ(va, (uintptr_t)buf + BUF_SIZE);
	return completed;
}

int main(void)
{
	long nth;

	call.pid = getpid();
	call.uid = getuid();
	call.mm = uvfio_mm_lookup(call.pid);
	buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(call.mm && buf != MAP_FAILED);
	CHECK_EQ(iommufd_init(true), 0);
	CHECK(run_once(0));
	/* Without failures every step of the scenario works. */
	CHECK_EQ(ioctl_errors, 0);
	for (nth = 1; nth < 2000; nth++)
		if (run_once(nth))
			break;
	printf("fail-nth: %ld allocation sites walked\n", nth - 1);
	CHECK(nth > 10 && nth < 2000);
	munmap(buf, BUF_SIZE);
	return ut_summary();
}
