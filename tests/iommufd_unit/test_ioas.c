// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IOAS ioctl handlers (ioas.c) with the errno of every case, driven
 * the way main.c drives them: a kernel-side copy of the command, answers
 * written back into this process's memory through copy_to_user. The
 * object table and the call are small stand-ins defined here, so the test
 * needs nothing of main.c or file.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/file.h"
#include "core/uaccess.h"
#include "core/util.h"
#include "iommufd/io_pagetable.h"
#include "iommufd/iommufd_private.h"
#include "unit_test.h"

#define P 4096ULL

/* Stand-ins for main.c and file.c. */

static struct iommufd_object *objs[64];
static unsigned int live;

struct iommufd_object *iommufd_object_alloc_elm(struct iommufd_ctx *ictx,
						size_t size,
						enum iommufd_object_type type)
{
	struct iommufd_object *obj;
	uint32_t id;

	for (id = 1; id < ARRAY_SIZE(objs) && objs[id]; id++)
		;
	if (id == ARRAY_SIZE(objs))
		return NULL;
	obj = uvfio_zalloc(size);
	if (!obj)
		return NULL;
	obj->id = id;
	obj->type = type;
	objs[id] = obj;
	live++;
	return obj;
}

void iommufd_object_finalize(struct iommufd_ctx *ictx,
			     struct iommufd_object *obj)
{
	obj->finalized = true;
}

void iommufd_object_abort(struct iommufd_ctx *ictx, struct iommufd_object *obj)
{
	objs[obj->id] = NULL;
	live--;
	free(obj);
}

void iommufd_object_abort_and_destroy(struct iommufd_ctx *ictx,
				      struct iommufd_object *obj)
{
	if (obj->type == IOMMUFD_OBJ_IOAS)
		iommufd_ioas_destroy(obj);
	iommufd_object_abort(ictx, obj);
}

struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx, uint32_t id,
					  enum iommufd_object_type type)
{
	struct iommufd_object *obj;

	if (id >= ARRAY_SIZE(objs))
		return NULL;
	obj = objs[id];
	if (!obj || !obj->finalized || (type && obj->type != type))
		return NULL;
	return obj;
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
	unsigned int i;

	if (fd < 0)
		return -EBADF;
	for (i = 0; i < call->n_in_fds; i++)
		if (call->in_fd_nums[i] == fd)
			return call->in_fds[i];
	return -EBADF;
}

int iommufd_ucmd_respond(struct iommufd_ucmd *ucmd, size_t cmd_len)
{
	size_t n = min_t(size_t, cmd_len, ucmd->user_size);

	return copy_to_user(ucmd->call, ucmd->ubuffer, ucmd->cmd, n);
}

/* The test. */

static struct iommufd_ctx ictx = { .account_mode = IOMMUFD_ACCOUNT_USER };
static struct uvfio_call call;
static uint8_t *buf;

/* Like the dispatcher: kernel copy of cmd, answers go to ubuffer. */
static int run_to(int (*fn)(struct iommufd_ucmd *), const void *cmd,
		  uint64_t ubuffer, size_t size)
{
	uint64_t kbuf[32];
	struct iommufd_ucmd ucmd = {
		.ictx = &ictx, .call = &call, .ubuffer = ubuffer,
		.user_size = size, .cmd = kbuf,
	};

	memcpy(kbuf, cmd, size);
	return fn(&ucmd);
}

static int run(int (*fn)(struct iommufd_ucmd *), void *user, size_t size)
{
	return run_to(fn, user, (uintptr_t)user, size);
}

/* IOMMU_OPTION: the dispatcher (main.c) copies val64 back on success. */
static int run_option(struct iommu_option *cmd)
{
	uint64_t kbuf[32];
	struct iommufd_ucmd ucmd = {
		.ictx = &ictx, .call = &call, .ubuffer = (uintptr_t)cmd,
		.user_size = sizeof(*cmd), .cmd = kbuf,
	};
	int rc;

	memcpy(kbuf, cmd, sizeof(*cmd));
	rc = iommufd_ioas_option(&ucmd);
	if (!rc)
		cmd->val64 = ((struct iommu_option *)kbuf)->val64;
	return rc;
}

static uint32_t ioas_alloc(void)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };

	CHECK_EQ(run(iommufd_ioas_alloc_ioctl, &cmd, sizeof(cmd)), 0);
	return cmd.out_ioas_id;
}

static void ioas_free(uint32_t id)
{
	iommufd_object_abort_and_destroy(&ictx, objs[id]);
}

static int ioas_map(uint32_t id, const void *va, uint64_t len, uint64_t *iova,
		    uint32_t flags)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd), .flags = flags, .ioas_id = id,
		.user_va = (uintptr_t)va, .length = len, .iova = *iova,
	};
	int rc = run(iommufd_ioas_map, &cmd, sizeof(cmd));

	*iova = cmd.iova;
	return rc;
}

static int ioas_unmap(uint32_t id, uint64_t iova, uint64_t len,
		      uint64_t *unmapped)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd), .ioas_id = id, .iova = iova, .length = len,
	};
	int rc = run(iommufd_ioas_unmap, &cmd, sizeof(cmd));

	if (unmapped)
		*unmapped = cmd.length;
	return rc;
}

#define MAP_RW	(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define MAP_RO	IOMMU_IOAS_MAP_READABLE
#define FIXED	IOMMU_IOAS_MAP_FIXED_IOVA

static void test_alloc(void)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd), .flags = 1 };
	unsigned int before = live;
	long nth;
	int rc = -ENOMEM;

	CHECK_EQ(run(iommufd_ioas_alloc_ioctl, &cmd, sizeof(cmd)), -EOPNOTSUPP);
	cmd.flags = 0;
	/* An answer that cannot be written destroys the object again */
	CHECK_EQ(run_to(iommufd_ioas_alloc_ioctl, &cmd, 8, sizeof(cmd)),
		 -EFAULT);
	CHECK_EQ(live, before);
	for (nth = 1; rc; nth++) {
		uvfio_fail_nth_set(nth);
		rc = run(iommufd_ioas_alloc_ioctl, &cmd, sizeof(cmd));
		uvfio_fail_nth_set(0);
		CHECK(rc == 0 || (rc == -ENOMEM && live == before));
	}
	CHECK(nth > 2);
	CHECK(iommufd_get_ioas(&ictx, cmd.out_ioas_id) != NULL);
	CHECK(iommufd_get_ioas(&ictx, cmd.out_ioas_id + 1) == NULL);
	ioas_free(cmd.out_ioas_id);
	CHECK_EQ(live, before);
}

static void test_map_unmap(void)
{
	uint32_t id = ioas_alloc();
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd), .flags = MAP_RW | FIXED, .ioas_id = id,
		.user_va = (uintptr_t)buf, .length = P, .iova = 1ULL << 24,
	};
	uint64_t iova, len;
	unsigned int i;

	cmd.flags |= 1 << 3;
	CHECK_EQ(run(iommufd_ioas_map, &cmd, sizeof(cmd)), -EOPNOTSUPP);
	cmd.flags = MAP_RW | FIXED;
	cmd.__reserved = 1;
	CHECK_EQ(run(iommufd_ioas_map, &cmd, sizeof(cmd)), -EOPNOTSUPP);
	cmd.__reserved = 0;
	cmd.iova = UINT64_MAX;
	CHECK_EQ(run(iommufd_ioas_map, &cmd, sizeof(cmd)), -EOVERFLOW);
	cmd.iova = 1ULL << 24;
	cmd.length = UINT64_MAX;
	CHECK_EQ(run(iommufd_ioas_map, &cmd, sizeof(cmd)), -EOVERFLOW);
	cmd.length = P;
	cmd.flags = FIXED;
	CHECK_EQ(run(iommufd_ioas_map, &cmd, sizeof(cmd)), -EINVAL);
	cmd.flags = MAP_RW | FIXED;
	cmd.ioas_id = id + 1;
	CHECK_EQ(run(iommufd_ioas_map, &cmd, sizeof(cmd)), -ENOENT);
	/* The flags check comes before the lookup */
	cmd.flags = 0;
	CHECK_EQ(run(iommufd_ioas_map, &cmd, sizeof(cmd)), -EINVAL);
	cmd.ioas_id = id;
	cmd.flags = MAP_RW | FIXED;
	cmd.length = 0;
	CHECK_EQ(run(iommufd_ioas_map, &cmd, sizeof(cmd)), -EINVAL);
	cmd.length = P;
	CHECK_EQ(run(iommufd_ioas_map, &cmd, sizeof(cmd)), 0);
	CHECK_EQ(run(iommufd_ioas_map, &cmd, sizeof(cmd)), -EEXIST);

	/* Auto IOVA comes back in the struct */
	iova = 0;
	CHECK_EQ(ioas_map(id, buf, 2 * P, &iova, MAP_RW), 0);
	CHECK(iova != 0 && iova % P == 0);

	/* Unmap */
	CHECK_EQ(ioas_unmap(id, 0, P, &len), -ENOENT);
	CHECK_EQ(ioas_unmap(id, iova, P, &len), -ENOENT);
	CHECK_EQ(ioas_unmap(id, iova, 0, &len), -EINVAL);
	CHECK_EQ(ioas_unmap(id, UINT64_MAX, P, &len), -EOVERFLOW);
	CHECK_EQ(ioas_unmap(id, 3, UINT64_MAX - 1, &len), -EOVERFLOW);
	CHECK_EQ(ioas_unmap(id + 1, 0, P, &len), -ENOENT);
	CHECK_EQ(ioas_unmap(id, iova, 2 * P, &len), 0);
	CHECK_EQ(len, 2 * P);
	CHECK_EQ(ioas_unmap(id, 0, UINT64_MAX, &len), 0);
	CHECK_EQ(len, P);
	CHECK_EQ(ioas_unmap(id, 0, UINT64_MAX, &len), 0);
	CHECK_EQ(len, 0);

	/* Many areas, then destroy with them still mapped */
	for (i = 0; i < 10; i++) {
		iova = (1ULL << 24) + i * P;
		CHECK_EQ(ioas_map(id, buf, P, &iova, MAP_RW | FIXED), 0);
	}
	ioas_free(id);
}

static void test_iova_ranges(void)
{
	uint32_t id = ioas_alloc();
	struct iommufd_ioas *ioas = iommufd_get_ioas(&ictx, id);
	struct iommu_iova_range ranges[3];
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd), .ioas_id = id,
		.allowed_iovas = (uintptr_t)ranges,
	};
	int owner;

	memset(ranges, 0xff, sizeof(ranges));
	CHECK_EQ(run(iommufd_ioas_iova_ranges, &cmd, sizeof(cmd)), -EMSGSIZE);
	CHECK_EQ(cmd.num_iovas, 1);
	CHECK_EQ(cmd.out_iova_alignment, 1);
	CHECK_EQ(ranges[0].start, UINT64_MAX);
	CHECK_EQ(run(iommufd_ioas_iova_ranges, &cmd, sizeof(cmd)), 0);
	CHECK(ranges[0].start == 0 && ranges[0].last == UINT64_MAX);

	CHECK_EQ(iopt_reserve_iova(ioas->iopt, 0, (1ULL << 24) - 1, &owner), 0);
	CHECK_EQ(iopt_reserve_iova(ioas->iopt, 1ULL << 31, 1ULL << 32, &owner),
		 0);
	cmd.num_iovas = 1;
	CHECK_EQ(run(iommufd_ioas_iova_ranges, &cmd, sizeof(cmd)), -EMSGSIZE);
	CHECK_EQ(cmd.num_iovas, 2);
	CHECK(ranges[0].start == 1ULL << 24 &&
	      ranges[0].last == (1ULL << 31) - 1);
	CHECK_EQ(ranges[1].start, UINT64_MAX);
	cmd.num_iovas = 3;
	CHECK_EQ(run(iommufd_ioas_iova_ranges, &cmd, sizeof(cmd)), 0);
	CHECK_EQ(cmd.num_iovas, 2);
	CHECK(ranges[1].start == (1ULL << 32) + 1 &&
	      ranges[1].last == UINT64_MAX);
	CHECK_EQ(ranges[2].start, UINT64_MAX);

	cmd.allowed_iovas = 8;
	CHECK_EQ(run(iommufd_ioas_iova_ranges, &cmd, sizeof(cmd)), -EFAULT);
	/* Nothing is written when there is no room */
	cmd.num_iovas = 0;
	CHECK_EQ(run(iommufd_ioas_iova_ranges, &cmd, sizeof(cmd)), -EMSGSIZE);
	cmd.__reserved = 1;
	CHECK_EQ(run(iommufd_ioas_iova_ranges, &cmd, sizeof(cmd)),
		 -EOPNOTSUPP);
	cmd.__reserved = 0;
	cmd.ioas_id = id + 1;
	CHECK_EQ(run(iommufd_ioas_iova_ranges, &cmd, sizeof(cmd)), -ENOENT);
	iopt_remove_reserved_iova(ioas->iopt, &owner);
	ioas_free(id);
}

static void test_allow_iovas(void)
{
	uint32_t id = ioas_alloc();
	struct iommufd_ioas *ioas = iommufd_get_ioas(&ictx, id);
	struct iommu_iova_range ranges[2] = {
		{ 0x10000, 0x1ffff }, { 0x30000, 0x3ffff },
	};
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd), .ioas_id = id, .num_iovas = 2,
		.allowed_iovas = (uintptr_t)ranges,
	};
	uint64_t iova = 0;
	int owner;

	CHECK_EQ(run(iommufd_ioas_allow_iovas, &cmd, sizeof(cmd)), 0);
	CHECK_EQ(ioas->iopt->allowed_itree.count, 2);
	CHECK_EQ(ioas_map(id, buf, 0x10000, &iova, MAP_RW), 0);
	CHECK_EQ(iova, 0x10000);
	CHECK_EQ(iopt_reserve_iova(ioas->iopt, 0x38000, 0x38000, &owner),
		 -EADDRINUSE);

	ranges[1].start = 0x1ffff;
	CHECK_EQ(run(iommufd_ioas_allow_iovas, &cmd, sizeof(cmd)), -EINVAL);
	ranges[1].start = ranges[1].last = 0x50000;
	CHECK_EQ(run(iommufd_ioas_allow_iovas, &cmd, sizeof(cmd)), -EINVAL);
	ranges[1].start = 0x40000;
	ranges[1].last = 0x3ffff;
	CHECK_EQ(run(iommufd_ioas_allow_iovas, &cmd, sizeof(cmd)), -EINVAL);
	cmd.allowed_iovas = 16;
	CHECK_EQ(run(iommufd_ioas_allow_iovas, &cmd, sizeof(cmd)), -EFAULT);
	cmd.allowed_iovas = (uintptr_t)ranges;
	cmd.__reserved = 1;
	CHECK_EQ(run(iommufd_ioas_allow_iovas, &cmd, sizeof(cmd)),
		 -EOPNOTSUPP);
	cmd.__reserved = 0;
	/* Intersecting a reserved range: refused, old list kept */
	CHECK_EQ(iopt_reserve_iova(ioas->iopt, 0x90000, 0x90fff, &owner), 0);
	ranges[1].start = 0x80000;
	ranges[1].last = 0x9ffff;
	CHECK_EQ(run(iommufd_ioas_allow_iovas, &cmd, sizeof(cmd)),
		 -EADDRINUSE);
	CHECK(interval_tree_iter_first(&ioas->iopt->allowed_itree, 0x30000,
				       0x30000));
	cmd.num_iovas = 0;
	CHECK_EQ(run(iommufd_ioas_allow_iovas, &cmd, sizeof(cmd)), 0);
	CHECK(interval_tree_empty(&ioas->iopt->allowed_itree));
	iopt_remove_reserved_iova(ioas->iopt, &owner);
	ioas_free(id);
}

static void test_copy(void)
{
	uint32_t a = ioas_alloc(), b = ioas_alloc();
	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd), .flags = FIXED | MAP_RW,
		.dst_ioas_id = a, .src_ioas_id = a, .length = P,
		.src_iova = 1ULL << 24, .dst_iova = (1ULL << 24) + P,
	};
	uint64_t iova = 1ULL << 24;

	CHECK_EQ(ioas_map(a, buf, P, &iova, MAP_RW | FIXED), 0);
	CHECK_EQ(run(iommufd_ioas_copy, &cmd, sizeof(cmd)), 0);
	CHECK_EQ(run(iommufd_ioas_copy, &cmd, sizeof(cmd)), -EEXIST);
	cmd.dst_ioas_id = b;
	cmd.flags = MAP_RW;
	cmd.dst_iova = 0;
	CHECK_EQ(run(iommufd_ioas_copy, &cmd, sizeof(cmd)), 0);
	CHECK(cmd.dst_iova != 0);
	cmd.flags = 1 << 5;
	CHECK_EQ(run(iommufd_ioas_copy, &cmd, sizeof(cmd)), -EOPNOTSUPP);
	cmd.flags = MAP_RW;
	cmd.src_iova = UINT64_MAX;
	CHECK_EQ(run(iommufd_ioas_copy, &cmd, sizeof(cmd)), -EOVERFLOW);
	cmd.src_iova = 1ULL << 24;
	cmd.flags = 0;
	CHECK_EQ(run(iommufd_ioas_copy, &cmd, sizeof(cmd)), -EINVAL);
	cmd.flags = MAP_RW;
	cmd.src_ioas_id = b + 1;
	CHECK_EQ(run(iommufd_ioas_copy, &cmd, sizeof(cmd)), -ENOENT);
	cmd.src_ioas_id = a;
	cmd.dst_ioas_id = b + 1;
	CHECK_EQ(run(iommufd_ioas_copy, &cmd, sizeof(cmd)), -ENOENT);
	cmd.dst_ioas_id = b;
	cmd.length = 3 * P;
	CHECK_EQ(run(iommufd_ioas_copy, &cmd, sizeof(cmd)), -ENOENT);
	cmd.length = 0;
	CHECK_EQ(run(iommufd_ioas_copy, &cmd, sizeof(cmd)), -EINVAL);
	/* Read-only pages cannot be copied writeable */
	iova = 1ULL << 30;
	CHECK_EQ(ioas_map(a, buf, P, &iova, MAP_RO | FIXED), 0);
	cmd.src_iova = 1ULL << 30;
	cmd.length = P;
	CHECK_EQ(run(iommufd_ioas_copy, &cmd, sizeof(cmd)), -EPERM);
	cmd.flags = MAP_RO;
	CHECK_EQ(run(iommufd_ioas_copy, &cmd, sizeof(cmd)), 0);
	ioas_free(a);
	ioas_free(b);
}

static void test_map_file(void)
{
	uint32_t id = ioas_alloc();
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd), .flags = MAP_RW, .ioas_id = id,
		.fd = 77, .start = 0, .length = 4 * P,
	};
	int memfd = memfd_create("uvfio-ioas", MFD_CLOEXEC);

	CHECK(memfd >= 0 && !ftruncate(memfd, 4 * P));
	CHECK_EQ(run(iommufd_ioas_map_file, &cmd, sizeof(cmd)), -EBADF);
	call.n_in_fds = 1;
	call.in_fds[0] = memfd;
	call.in_fd_nums[0] = 77;
	CHECK_EQ(run(iommufd_ioas_map_file, &cmd, sizeof(cmd)), 0);
	CHECK(cmd.iova != 0);
	cmd.flags = 1 << 4;
	CHECK_EQ(run(iommufd_ioas_map_file, &cmd, sizeof(cmd)), -EOPNOTSUPP);
	cmd.flags = MAP_RW;
	cmd.length = 0;
	CHECK_EQ(run(iommufd_ioas_map_file, &cmd, sizeof(cmd)), -EINVAL);
	cmd.length = UINT64_MAX;
	CHECK_EQ(run(iommufd_ioas_map_file, &cmd, sizeof(cmd)), -EOVERFLOW);
	cmd.length = P;
	cmd.start = UINT64_MAX;
	CHECK_EQ(run(iommufd_ioas_map_file, &cmd, sizeof(cmd)), -EOVERFLOW);
	cmd.start = 0;
	cmd.flags = 0;
	CHECK_EQ(run(iommufd_ioas_map_file, &cmd, sizeof(cmd)), -EINVAL);
	cmd.flags = MAP_RW;
	cmd.ioas_id = id + 1;
	CHECK_EQ(run(iommufd_ioas_map_file, &cmd, sizeof(cmd)), -ENOENT);
	call.n_in_fds = 0;
	close(memfd);
	ioas_free(id);
}

static void test_option(void)
{
	uint32_t id = ioas_alloc();
	struct iommu_option cmd = {
		.size = sizeof(cmd), .option_id = IOMMU_OPTION_HUGE_PAGES,
		.op = IOMMU_OPTION_OP_GET, .object_id = id,
	};
	struct iommufd_ioas *ioas = iommufd_get_ioas(&ictx, id);

	CHECK_EQ(run_option(&cmd), 0);
	CHECK_EQ(cmd.val64, 1);
	cmd.op = IOMMU_OPTION_OP_SET;
	cmd.val64 = 0;
	CHECK_EQ(run_option(&cmd), 0);
	CHECK(ioas->iopt->disable_large_pages);
	CHECK_EQ(ioas->iopt->iova_alignment, P);
	cmd.op = IOMMU_OPTION_OP_GET;
	CHECK_EQ(run_option(&cmd), 0);
	CHECK_EQ(cmd.val64, 0);
	cmd.op = IOMMU_OPTION_OP_SET;
	cmd.val64 = 2;
	CHECK_EQ(run_option(&cmd), -EINVAL);
	cmd.val64 = 1;
	CHECK_EQ(run_option(&cmd), 0);
	CHECK(!ioas->iopt->disable_large_pages);
	CHECK_EQ(ioas->iopt->iova_alignment, 1);
	cmd.op = 7;
	CHECK_EQ(run_option(&cmd), -EOPNOTSUPP);
	cmd.op = IOMMU_OPTION_OP_GET;
	cmd.option_id = 9;
	CHECK_EQ(run_option(&cmd), -EOPNOTSUPP);
	cmd.option_id = IOMMU_OPTION_HUGE_PAGES;
	cmd.object_id = 0;
	CHECK_EQ(run_option(&cmd), -ENOENT);
	cmd.object_id = id;
	cmd.__reserved = 1;
	CHECK_EQ(run_option(&cmd), -EOPNOTSUPP);
	ioas_free(id);
}

static void test_map_fail_nth(void)
{
	uint32_t id = ioas_alloc();
	struct iommufd_ioas *ioas = iommufd_get_ioas(&ictx, id);
	long nth;
	int rc = -ENOMEM;

	for (nth = 1; rc; nth++) {
		uint64_t iova = 0;

		uvfio_fail_nth_set(nth);
		rc = ioas_map(id, buf, 4 * P, &iova, MAP_RW);
		uvfio_fail_nth_set(0);
		CHECK(rc == 0 ||
		      (rc == -ENOMEM && !ioas->iopt->area_itree.count));
	}
	CHECK(nth > 2);
	ioas_free(id);
}

int main(void)
{
	call.mm = uvfio_mm_lookup(getpid());
	call.uid = getuid();
	if (!call.mm)
		return 1;
	buf = mmap(NULL, 64 * P, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return 1;
	test_alloc();
	test_map_unmap();
	test_iova_ranges();
	test_allow_iovas();
	test_copy();
	test_map_file();
	test_option();
	test_map_fail_nth();
	CHECK_EQ(live, 0);
	uvfio_mm_put(call.mm);
	CHECK_EQ(uvfio_mm_count(), 0);
	return ut_summary();
}
