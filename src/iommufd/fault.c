// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault queues (IOMMU_FAULT_QUEUE_ALLOC): I/O page faults of devices
 * attached to an HWPT allocated with IOMMU_HWPT_FAULT_ID_VALID, handed to
 * user space through a file.
 *
 * A fault is queued on "deliver" when the device reports it. read() moves
 * whole faults (struct iommu_hwpt_pgfault) from deliver to "response",
 * giving each a cookie; write() of a struct iommu_hwpt_page_response with
 * that cookie completes it. Both need a length that is a multiple of their
 * record and a zero position, else ESPIPE, as in the kernel. A device
 * leaving the HWPT has its faults answered for it (dropped here: the mock
 * driver ignores responses).
 *
 * Lifetime: the file holds a user reference on the object (so
 * IOMMU_DESTROY answers EBUSY until the fd is closed) and a reference on
 * the context's file (so the context outlives it).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>

#include "core/file.h"
#include "core/util.h"
#include "iommufd/iommufd_private.h"

struct iommufd_fault_entry {
	struct iommufd_fault_entry *next;
	struct iommufd_device *idev;
	struct iommu_hwpt_pgfault msg;
};

/* Longest queue kept; beyond it a fault is answered at once (dropped). */
#define FAULT_QUEUE_MAX	4096u

static unsigned int list_len(const struct iommufd_fault_entry *e)
{
	unsigned int n = 0;

	for (; e; e = e->next)
		n++;
	return n;
}

static void list_free(struct iommufd_fault_entry **head,
		      struct iommufd_device *idev)
{
	struct iommufd_fault_entry **pp = head;

	while (*pp) {
		struct iommufd_fault_entry *e = *pp;

		if (idev && e->idev != idev) {
			pp = &e->next;
			continue;
		}
		*pp = e->next;
		free(e);
	}
}

void iommufd_fault_flush_device(struct iommufd_fault *fault,
				struct iommufd_device *idev)
{
	list_free(&fault->deliver, idev);
	list_free(&fault->response, idev);
}

int iommufd_fault_report(struct iommufd_hwpt_paging *hwpt,
			 struct iommufd_device *idev,
			 const struct iommu_hwpt_pgfault *msg)
{
	struct iommufd_fault *fault = hwpt->fault;
	struct iommufd_fault_entry *e, **pp;

	if (!fault)
		return -EOPNOTSUPP;
	if (list_len(fault->deliver) >= FAULT_QUEUE_MAX)
		return -ENOSPC;
	e = uvfio_zalloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->idev = idev;
	e->msg = *msg;
	e->msg.dev_id = idev->obj.id;
	for (pp = &fault->deliver; *pp; pp = &(*pp)->next)
		;
	*pp = e;
	return 0;
}

static ssize_t fault_read(struct uvfio_file *file, struct uvfio_call *call,
			  uint64_t ubuf, size_t len, uint64_t *pos)
{
	struct iommufd_fault *fault = file->private_data;
	const size_t sz = sizeof(struct iommu_hwpt_pgfault);
	size_t done = 0;

	if (*pos || len % sz)
		return -ESPIPE;
	while (fault->deliver && len - done >= sz) {
		struct iommufd_fault_entry *e = fault->deliver;

		e->msg.cookie = fault->next_cookie;
		if (copy_to_user(call, ubuf + done, &e->msg, sz))
			return done ? (ssize_t)done : -EFAULT;
		fault->next_cookie++;
		fault->deliver = e->next;
		e->next = fault->response;
		fault->response = e;
		done += sz;
	}
	return done;
}

static ssize_t fault_write(struct uvfio_file *file, struct uvfio_call *call,
			   uint64_t ubuf, size_t len, uint64_t *pos)
{
	struct iommufd_fault *fault = file->private_data;
	const size_t sz = sizeof(struct iommu_hwpt_page_response);
	size_t done = 0;
	int rc = 0;

	if (*pos || len % sz)
		return -ESPIPE;
	while (done < len) {
		struct iommu_hwpt_page_response resp;
		struct iommufd_fault_entry **pp, *e;

		if (copy_from_user(call, &resp, ubuf + done, sz)) {
			rc = -EFAULT;
			break;
		}
		for (pp = &fault->response; *pp; pp = &(*pp)->next)
			if ((*pp)->msg.cookie == resp.cookie)
				break;
		if (!*pp) {
			rc = -EINVAL;
			break;
		}
		e = *pp;
		*pp = e->next;
		free(e);
		done += sz;
	}
	return done ? (ssize_t)done : rc;
}

static unsigned int fault_poll(struct uvfio_file *file)
{
	struct iommufd_fault *fault = file->private_data;

	return POLLOUT | (fault->deliver ? POLLIN : 0);
}

static void fault_release(struct uvfio_file *file)
{
	struct iommufd_fault *fault = file->private_data;
	struct uvfio_file *ctx_file = fault->ictx->file;

	fault->file = NULL;
	fault->obj.users--;
	uvfio_file_put(ctx_file);
}

static const struct uvfio_file_ops fault_fops = {
	.name = "iommufd-fault",
	.read = fault_read,
	.write = fault_write,
	.poll = fault_poll,
	.release = fault_release,
};

struct iommufd_fault *iommufd_get_fault(struct iommufd_ctx *ictx, uint32_t id)
{
	struct iommufd_object *obj;

	obj = iommufd_get_object(ictx, id, IOMMUFD_OBJ_FAULT);
	return obj ? container_of(obj, struct iommufd_fault, obj) : NULL;
}

void iommufd_fault_destroy(struct iommufd_object *obj)
{
	struct iommufd_fault *fault = container_of(obj, struct iommufd_fault, obj);

	iommufd_fault_flush_device(fault, NULL);
}

int iommufd_fault_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_fault_alloc *cmd = ucmd->cmd;
	struct iommufd_fault *fault;
	struct uvfio_file *file;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;
	fault = iommufd_object_alloc(ucmd->ictx, fault, IOMMUFD_OBJ_FAULT);
	if (!fault)
		return -ENOMEM;
	fault->ictx = ucmd->ictx;
	cmd->out_fault_id = fault->obj.id;
	cmd->out_fault_fd = 0;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto err_abort;
	rc = uvfio_file_create(&fault_fops, fault, O_RDWR | O_CLOEXEC,
			       ucmd->call, UVFIO_FD_AT_ARG,
			       offsetof(struct iommu_fault_alloc, out_fault_fd),
			       &file);
	if (rc)
		goto err_abort;
	fault->file = file;
	fault->obj.users++;
	uvfio_file_get(ucmd->ictx->file);
	iommufd_object_finalize(ucmd->ictx, &fault->obj);
	return 0;

err_abort:
	iommufd_object_abort(ucmd->ictx, &fault->obj);
	return rc;
}
