// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/iommu: the per-open context, the object table and ioctl dispatch.
 *
 * Each open of /dev/iommu is one iommufd_ctx. Objects live in a table
 * indexed by id (ids start at 1 and are reused lowest-first, as the
 * kernel's xarray allocation does). An id is reserved at allocation but
 * invisible until finalize, so a half-built object is never found.
 *
 * Dispatch is data: each command records its struct size and the minimum
 * size a caller must give (the end of its last mandatory field). The
 * caller's struct is copied with copy_struct_from_user rules: shorter is
 * zero-extended, longer must be zero past what we know (else E2BIG).
 * Commands outside the table go to the VFIO container compatibility code.
 *
 * Release destroys objects leaves-first: whatever still has users is
 * retried after the objects using it are gone.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "core/daemon.h"
#include "core/file.h"
#include "core/log.h"
#include "core/uaccess.h"
#include "core/util.h"
#include "iommufd/iommufd_private.h"
#include "uvfio/uapi/iommufd_test.h"

#define IOMMUFD_MAX_OBJECTS	(1u << 20)

static bool iommufd_mock_enabled;
static unsigned int total_live_objects;

struct iommufd_object_ops {
	void (*destroy)(struct iommufd_object *obj);
};

static const struct iommufd_object_ops object_ops[IOMMUFD_OBJ_MAX] = {
	[IOMMUFD_OBJ_IOAS] = { .destroy = iommufd_ioas_destroy },
	[IOMMUFD_OBJ_HWPT_PAGING] = { .destroy = iommufd_hwpt_paging_destroy },
	[IOMMUFD_OBJ_HWPT_NESTED] = { .destroy = iommufd_hwpt_nested_destroy },
	[IOMMUFD_OBJ_DEVICE] = { .destroy = iommufd_device_destroy },
	[IOMMUFD_OBJ_ACCESS] = { .destroy = iommufd_access_destroy_object },
	[IOMMUFD_OBJ_FAULT] = { .destroy = iommufd_fault_destroy },
	[IOMMUFD_OBJ_SELFTEST] = { .destroy = iommufd_selftest_destroy },
};

unsigned int iommufd_live_objects(void)
{
	return total_live_objects;
}

struct iommufd_object *iommufd_object_alloc_elm(struct iommufd_ctx *ictx,
						size_t size,
						enum iommufd_object_type type)
{
	struct iommufd_object *obj;
	uint32_t id;

	for (id = 1; id < ictx->nr_objs; id++)
		if (!ictx->objs[id])
			break;
	if (id >= IOMMUFD_MAX_OBJECTS)
		return NULL;
	if (id >= ictx->nr_objs) {
		uint32_t n = ictx->nr_objs ? ictx->nr_objs * 2 : 16;
		struct iommufd_object **objs;

		objs = uvfio_realloc(ictx->objs, n, sizeof(*objs));
		if (!objs)
			return NULL;
		memset(objs + ictx->nr_objs, 0,
		       (n - ictx->nr_objs) * sizeof(*objs));
		ictx->objs = objs;
		if (!ictx->nr_objs)
			id = 1;
		ictx->nr_objs = n;
	}
	obj = uvfio_zalloc(size);
	if (!obj)
		return NULL;
	obj->id = id;
	obj->type = type;
	ictx->objs[id] = obj;
	ictx->live_objs++;
	total_live_objects++;
	return obj;
}

void iommufd_object_finalize(struct iommufd_ctx *ictx,
			     struct iommufd_object *obj)
{
	obj->finalized = true;
}

void iommufd_object_abort(struct iommufd_ctx *ictx, struct iommufd_object *obj)
{
	ictx->objs[obj->id] = NULL;
	ictx->live_objs--;
	total_live_objects--;
	free(obj);
}

void iommufd_object_abort_and_destroy(struct iommufd_ctx *ictx,
				      struct iommufd_object *obj)
{
	if (ictx->vfio_ioas && &ictx->vfio_ioas->obj == obj)
		ictx->vfio_ioas = NULL;
	if (object_ops[obj->type].destroy)
		object_ops[obj->type].destroy(obj);
	iommufd_object_abort(ictx, obj);
}

struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx, uint32_t id,
					  enum iommufd_object_type type)
{
	struct iommufd_object *obj;

	if (id >= ictx->nr_objs)
		return NULL;
	obj = ictx->objs[id];
	if (!obj || !obj->finalized)
		return NULL;
	if (type != IOMMUFD_OBJ_ANY && obj->type != type)
		return NULL;
	return obj;
}

void iommufd_object_destroy_user(struct iommufd_ctx *ictx,
				 struct iommufd_object *obj)
{
	iommufd_object_abort_and_destroy(ictx, obj);
}

bool iommufd_file_reap_if_closed(struct uvfio_file *file)
{
	struct pollfd pfd = { .events = POLLRDHUP };
	char c;

	if (!file || file->conn_fd < 0)
		return false;
	/* Closed for good: hung up and nothing left to read. */
	pfd.fd = file->conn_fd;
	if (poll(&pfd, 1, 0) != 1 || !(pfd.revents & (POLLHUP | POLLRDHUP)) ||
	    recv(file->conn_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) != 0)
		return false;
	uvfio_conn_close_file(file);
	uvfio_file_put(file);
	return true;
}

/*
 * close() releases a file before it returns; the daemon learns of it when
 * it reads the hang-up, perhaps after the caller's next command. Files
 * that hold objects of a context (fault queues, selftest accesses) are
 * released here first when an object turns out busy, so "close(fd);
 * IOMMU_DESTROY" answers as with the kernel.
 */
static bool iommufd_reap_closed_files(struct iommufd_ctx *ictx)
{
	bool reaped = iommufd_selftest_reap_closed();
	uint32_t id;

	for (id = 1; id < ictx->nr_objs; id++) {
		struct iommufd_object *obj = ictx->objs[id];

		if (obj && obj->type == IOMMUFD_OBJ_FAULT)
			reaped |= iommufd_file_reap_if_closed(
				container_of(obj, struct iommufd_fault, obj)->file);
	}
	return reaped;
}

int iommufd_object_remove(struct iommufd_ctx *ictx, uint32_t id)
{
	struct iommufd_object *obj = iommufd_get_object(ictx, id, IOMMUFD_OBJ_ANY);

	if (!obj)
		return -ENOENT;
	if (obj->users && iommufd_reap_closed_files(ictx))
		obj = iommufd_get_object(ictx, id, IOMMUFD_OBJ_ANY);
	if (!obj)
		return -ENOENT;
	if (obj->users)
		return -EBUSY;
	iommufd_object_destroy_user(ictx, obj);
	return 0;
}

int iommufd_ucmd_respond(struct iommufd_ucmd *ucmd, size_t cmd_len)
{
	size_t n = min_t(size_t, cmd_len, ucmd->user_size);

	return copy_to_user(ucmd->call, ucmd->ubuffer, ucmd->cmd, n);
}

static int iommufd_destroy(struct iommufd_ucmd *ucmd)
{
	struct iommu_destroy *cmd = ucmd->cmd;

	return iommufd_object_remove(ucmd->ictx, cmd->id);
}

static int iommufd_option_rlimit_mode(struct iommufd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	struct iommufd_ctx *ictx = ucmd->ictx;

	if (cmd->object_id)
		return -EOPNOTSUPP;
	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = ictx->account_mode == IOMMUFD_ACCOUNT_MM;
		return 0;
	}
	if (cmd->op != IOMMU_OPTION_OP_SET)
		return -EOPNOTSUPP;
	/* Changing it needs CAP_SYS_RESOURCE, and an empty context. */
	if (ucmd->call->uid != 0)
		return -EPERM;
	if (ictx->live_objs)
		return -EBUSY;
	if (cmd->val64 > 1)
		return -EINVAL;
	ictx->account_mode = cmd->val64 ? IOMMUFD_ACCOUNT_MM : IOMMUFD_ACCOUNT_USER;
	return 0;
}

static int iommufd_option(struct iommufd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->option_id) {
	case IOMMU_OPTION_RLIMIT_MODE:
		rc = iommufd_option_rlimit_mode(ucmd);
		break;
	case IOMMU_OPTION_HUGE_PAGES:
		rc = iommufd_ioas_option(ucmd);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (rc)
		return rc;
	/* Only val64 goes back, for GET and SET alike. */
	return copy_to_user(ucmd->call,
			    ucmd->ubuffer + offsetof(struct iommu_option, val64),
			    &cmd->val64, sizeof(cmd->val64));
}

struct iommufd_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned long ioctl_num;
	int (*execute)(struct iommufd_ucmd *ucmd);
	bool mock_only;
};

#define IOCTL_OP(_ioctl, _fn, _struct, _last)				\
	[_IOC_NR(_ioctl) - IOMMUFD_CMD_BASE] = {			\
		.size = sizeof(_struct),				\
		.min_size = offsetof(_struct, _last) +			\
			    sizeof(((_struct *)0)->_last),		\
		.ioctl_num = _ioctl,					\
		.execute = _fn,						\
	}

static const struct iommufd_ioctl_op iommufd_ioctl_ops[] = {
	IOCTL_OP(IOMMU_DESTROY, iommufd_destroy, struct iommu_destroy, id),
	IOCTL_OP(IOMMU_GET_HW_INFO, iommufd_get_hw_info, struct iommu_hw_info,
		 __reserved),
	IOCTL_OP(IOMMU_HWPT_ALLOC, iommufd_hwpt_alloc, struct iommu_hwpt_alloc,
		 __reserved),
	IOCTL_OP(IOMMU_IOAS_ALLOC, iommufd_ioas_alloc_ioctl,
		 struct iommu_ioas_alloc, out_ioas_id),
	IOCTL_OP(IOMMU_IOAS_ALLOW_IOVAS, iommufd_ioas_allow_iovas,
		 struct iommu_ioas_allow_iovas, allowed_iovas),
	IOCTL_OP(IOMMU_IOAS_COPY, iommufd_ioas_copy, struct iommu_ioas_copy,
		 src_iova),
	IOCTL_OP(IOMMU_IOAS_IOVA_RANGES, iommufd_ioas_iova_ranges,
		 struct iommu_ioas_iova_ranges, out_iova_alignment),
	IOCTL_OP(IOMMU_IOAS_MAP, iommufd_ioas_map, struct iommu_ioas_map, iova),
	IOCTL_OP(IOMMU_IOAS_MAP_FILE, iommufd_ioas_map_file,
		 struct iommu_ioas_map_file, iova),
	IOCTL_OP(IOMMU_IOAS_UNMAP, iommufd_ioas_unmap, struct iommu_ioas_unmap,
		 length),
	IOCTL_OP(IOMMU_OPTION, iommufd_option, struct iommu_option, val64),
	IOCTL_OP(IOMMU_VFIO_IOAS, iommufd_vfio_ioas, struct iommu_vfio_ioas,
		 __reserved),
	IOCTL_OP(IOMMU_HWPT_SET_DIRTY_TRACKING, iommufd_hwpt_set_dirty_tracking,
		 struct iommu_hwpt_set_dirty_tracking, __reserved),
	IOCTL_OP(IOMMU_HWPT_GET_DIRTY_BITMAP, iommufd_hwpt_get_dirty_bitmap,
		 struct iommu_hwpt_get_dirty_bitmap, data),
	IOCTL_OP(IOMMU_HWPT_INVALIDATE, iommufd_hwpt_invalidate,
		 struct iommu_hwpt_invalidate, __reserved),
	IOCTL_OP(IOMMU_FAULT_QUEUE_ALLOC, iommufd_fault_alloc,
		 struct iommu_fault_alloc, out_fault_fd),
};

/* IOMMU_TEST_CMD sits far above the table; only with --mock. */
static const struct iommufd_ioctl_op iommufd_test_op = {
	.size = sizeof(struct iommu_test_cmd),
	.min_size = offsetof(struct iommu_test_cmd, last) + sizeof(uint32_t),
	.ioctl_num = IOMMU_TEST_CMD,
	.execute = iommufd_test,
	.mock_only = true,
};

/*
 * copy_struct_from_user: a short struct is zero-extended; a long one must
 * be all zero past the part we know.
 */
static int copy_struct_from_user(struct uvfio_call *call, void *dst,
				 size_t ksize, uint64_t src, size_t usize)
{
	size_t n = min_t(size_t, ksize, usize);
	uint8_t tail[256];
	size_t off;

	memset(dst, 0, ksize);
	if (copy_from_user(call, dst, src, n))
		return -EFAULT;
	for (off = ksize; off < usize;) {
		size_t chunk = min_t(size_t, sizeof(tail), usize - off);
		size_t i;

		if (copy_from_user(call, tail, src + off, chunk))
			return -EFAULT;
		for (i = 0; i < chunk; i++)
			if (tail[i])
				return -E2BIG;
		off += chunk;
	}
	return 0;
}

static long iommufd_fops_ioctl(struct uvfio_file *file, struct uvfio_call *call,
			       unsigned long cmd, uint64_t arg)
{
	struct iommufd_ctx *ictx = file->private_data;
	const struct iommufd_ioctl_op *op;
	struct iommufd_ucmd ucmd = { .ictx = ictx, .call = call, .ubuffer = arg };
	union {
		uint8_t bytes[256];
		uint64_t align;
	} buf;
	unsigned int nr = _IOC_NR(cmd);
	ssize_t got;
	int rc;

	if (cmd == IOMMU_TEST_CMD && iommufd_mock_enabled)
		op = &iommufd_test_op;
	else if (nr < IOMMUFD_CMD_BASE ||
		 nr - IOMMUFD_CMD_BASE >= ARRAY_SIZE(iommufd_ioctl_ops))
		return iommufd_vfio_ioctl(ictx, call, cmd, arg);
	else
		op = &iommufd_ioctl_ops[nr - IOMMUFD_CMD_BASE];
	if (!op->execute || op->ioctl_num != cmd)
		return -ENOTTY;
	/*
	 * Read the whole struct with its size in one go; only a struct that
	 * ends in a hole or one longer than ours needs the careful path.
	 */
	got = uvfio_mm_read_upto(call->mm, arg, buf.bytes, op->size);
	if (got < (ssize_t)sizeof(ucmd.user_size))
		return -EFAULT;
	memcpy(&ucmd.user_size, buf.bytes, sizeof(ucmd.user_size));
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	if (ucmd.user_size <= (size_t)got) {
		memset(buf.bytes + ucmd.user_size, 0, op->size - ucmd.user_size);
	} else {
		rc = copy_struct_from_user(call, buf.bytes, op->size, arg,
					   ucmd.user_size);
		if (rc)
			return rc;
	}
	ucmd.cmd = buf.bytes;
	return op->execute(&ucmd);
}

static void iommufd_fops_release(struct uvfio_file *file)
{
	struct iommufd_ctx *ictx = file->private_data;
	bool progress = true;
	uint32_t id;

	/* Leaves first: repeat until nothing more can go. */
	while (ictx->live_objs && progress) {
		progress = false;
		for (id = 1; id < ictx->nr_objs; id++) {
			struct iommufd_object *obj = ictx->objs[id];

			if (!obj || obj->users)
				continue;
			iommufd_object_abort_and_destroy(ictx, obj);
			progress = true;
		}
	}
	if (ictx->live_objs)
		pr_err("iommufd: %u objects still referenced at release",
		       ictx->live_objs);
	uvfio_mm_put(ictx->mm);
	free(ictx->objs);
	free(ictx);
}

static const struct uvfio_file_ops iommufd_fops = {
	.name = "iommufd",
	.ioctl = iommufd_fops_ioctl,
	.release = iommufd_fops_release,
};

bool iommufd_file_is_ctx(struct uvfio_file *file)
{
	return file && file->ops == &iommufd_fops;
}

struct iommufd_ctx *iommufd_ctx_from_file(struct uvfio_file *file)
{
	return iommufd_file_is_ctx(file) ? file->private_data : NULL;
}

int iommufd_ctx_open(struct uvfio_call *call, int flags,
		     struct uvfio_file **ret_file)
{
	struct iommufd_ctx *ictx;
	struct uvfio_file *file;
	int rc;

	ictx = uvfio_zalloc(sizeof(*ictx));
	if (!ictx)
		return -ENOMEM;
	ictx->mm = uvfio_mm_get(call->mm);
	ictx->account_mode = IOMMUFD_ACCOUNT_USER;
	rc = uvfio_file_create(&iommufd_fops, ictx, flags, call, UVFIO_FD_RET,
			       0, &file);
	if (rc) {
		uvfio_mm_put(ictx->mm);
		free(ictx);
		return rc;
	}
	ictx->file = file;
	if (ret_file)
		*ret_file = file;
	return 0;
}

static int iommufd_node_open(struct uvfio_call *call, void *data, int flags,
			     struct uvfio_file **ret_file)
{
	return iommufd_ctx_open(call, flags, ret_file);
}

int iommufd_init(bool mock)
{
	int rc;

	iommufd_mock_enabled = mock;
	/* misc device 10:123, mode 0660 */
	rc = uvfio_node_register("/dev/iommu", iommufd_node_open, NULL,
				 S_IFCHR | 0660, 10, 123);
	if (rc)
		return rc;
	return iommufd_vfio_compat_init();
}

void iommufd_exit(void)
{
}
