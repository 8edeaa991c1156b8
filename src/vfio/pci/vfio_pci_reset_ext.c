// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reset capability extensions (not in Linux): the five questions a
 * QEMU-like program asks about resetting its devices, answered on the
 * device fd (include/uvfio/uapi/vfio_ext.h, docs/extensions.md).
 *
 * Everything starts from a plan: which reset the file would get (the
 * function's own method, as VFIO_DEVICE_RESET; else, or when FLAG_BUS
 * asks, the hot reset of its slot or bus), the functions it touches, and
 * whether it is possible now. A hot reset is possible when every
 * function it touches is a vfio-pci device of the dev_set and every
 * device of the dev_set is owned by the file's owner: the iommufd
 * context the device is bound in, or the type1 container of its group.
 * That is the kernel's own test for VFIO_DEVICE_PCI_HOT_RESET, with the
 * owner standing in for the group fds / the zero-length array.
 *
 * A claim freezes the plan's functions for the file's owner: while it
 * exists, bind (cdev), SET_CONTAINER and GET_DEVICE_FD (group) refuse
 * with EBUSY to make a covered device anyone else's, and a host driver
 * may not be bound to a covered function. The claim is the file's and
 * goes with its release. Invariant: a claim's owner owned every device
 * of the dev_set when it was made, and no other owner can take one since.
 *
 * Locking: everything runs under uvfio_big_lock.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/file.h"
#include "core/platform.h"
#include "core/util.h"
#include "pci/pci_regs.h"
#include "pci/topology.h"
#include "uvfio/uapi/vfio_ext.h"
#include "vfio/pci/vfio_pci_priv.h"

#define offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))

/* The function methods; bus only when it touches the function alone. */
#define FUNCTION_METHODS (TOPO_RESET_FLR | TOPO_RESET_AF_FLR | \
			  TOPO_RESET_PM | TOPO_RESET_BUS)

struct reset_plan {
	bool hot;			/* hot reset, else function reset */
	uint32_t method;		/* one VFIO_EXT_RESET_METHOD_*, or 0 */
	uint32_t methods;
	uint32_t reason;		/* enum vfio_ext_reset_reason */
	const struct topo_node *self;
	const struct topo_node *blocker;
	const struct topo_node **nodes;	/* touched, enumeration order */
	int count;
};

struct vfio_reset_claim {
	struct vfio_device_file *df;
	const void *owner;
	const struct topo_node **nodes;
	int count;
	struct vfio_reset_claim *next;
};

static struct vfio_reset_claim *claims;

static bool owned_by(struct vfio_device *vdev, const void *owner)
{
	struct vfio_group *g = vdev->group;
	int id;

	if (!owner)
		return false;
	if (g && (g->container == owner || g->iommufd == owner))
		return true;
	/* Only compares the pointer: safe for a container token too. */
	id = vfio_iommufd_get_dev_id(vdev, (struct iommufd_ctx *)owner);
	return id > 0 || id == -ENOENT;
}

static bool owned_fn(struct vfio_device *vdev, const void *data)
{
	return owned_by(vdev, data);
}

static const struct topo_node *vdev_node(struct vfio_device *vdev)
{
	struct platform_func *f = platform_find(vdev->pdev->bdf);

	return f ? f->node : NULL;
}

static void plan_free(struct reset_plan *p)
{
	free(p->nodes);
	p->nodes = NULL;
}

static int plan_function(struct reset_plan *p)
{
	p->nodes = uvfio_calloc(1, sizeof(*p->nodes));
	if (!p->nodes)
		return -ENOMEM;
	p->nodes[0] = p->self;
	p->count = 1;
	/* The first method in reset_method order is the one used. */
	p->method = p->methods & FUNCTION_METHODS & -(p->methods & FUNCTION_METHODS);
	return 0;
}

/* Why the hot reset is impossible for owner now, or OK. */
static void plan_hot_check(struct reset_plan *p,
			   struct vfio_pci_core_device *vpci,
			   const void *owner)
{
	struct vfio_device_set *set = vpci->vdev.dev_set;
	unsigned int i;
	int k;

	for (k = 0; k < p->count; k++) {
		struct vfio_device *o = vfio_pci_node_vdev(p->nodes[k]);

		if (!o || o->dev_set != set) {
			p->reason = VFIO_EXT_RESET_NOT_VFIO;
			p->blocker = p->nodes[k];
			return;
		}
	}
	for (i = 0; set && i < set->device_count; i++) {
		if (!owned_by(set->devices[i], owner)) {
			p->reason = VFIO_EXT_RESET_NOT_OWNED;
			p->blocker = vdev_node(set->devices[i]);
			return;
		}
	}
}

static int plan_build(struct vfio_device_file *df, uint32_t flags,
		      struct reset_plan *p)
{
	struct vfio_pci_core_device *vpci = df->device->pci;
	bool is_slot = false;
	int count;

	memset(p, 0, sizeof(*p));
	p->self = vdev_node(df->device);
	if (!p->self)
		return -ENODEV;
	p->methods = topo_reset_methods(uvfio_platform.machine, p->self);
	if (!(flags & VFIO_EXT_RESET_FLAG_BUS) && (p->methods & FUNCTION_METHODS))
		return plan_function(p);
	p->hot = true;
	count = vfio_pci_hot_reset_scope(vpci, &p->nodes, &is_slot);
	if (count == -ENODEV) {
		p->reason = VFIO_EXT_RESET_NO_METHOD;
		return 0;
	}
	if (count < 0)
		return count;
	p->count = count;
	p->method = is_slot ? VFIO_EXT_RESET_METHOD_SLOT :
			      VFIO_EXT_RESET_METHOD_BUS;
	plan_hot_check(p, vpci, vfio_df_owner(df));
	return 0;
}

static int reason_errno(uint32_t reason)
{
	switch (reason) {
	case VFIO_EXT_RESET_OK:
		return 0;
	case VFIO_EXT_RESET_NO_METHOD:
		return -ENODEV;
	case VFIO_EXT_RESET_NOT_VFIO:
		return -EBUSY;
	default:
		return -EPERM;
	}
}

/* Copy in the fixed part; argsz below minsz or unknown flags: EINVAL. */
static int ext_copy_in(struct uvfio_call *call, void *dst, size_t minsz,
		       uint64_t arg, uint32_t *ret_argsz)
{
	uint32_t flags;
	int rc;

	rc = vfio_copy_argsz(call, dst, minsz, arg, ret_argsz);
	if (rc)
		return rc;
	memcpy(&flags, (char *)dst + sizeof(uint32_t), sizeof(flags));
	return flags & ~VFIO_EXT_RESET_FLAG_BUS ? -EINVAL : 0;
}

/* ---- (1) query ------------------------------------------------------ */

static long ext_query(struct vfio_device_file *df, struct uvfio_call *call,
		      uint64_t arg)
{
	struct vfio_ext_reset_query q;
	struct reset_plan p;
	int rc;

	rc = ext_copy_in(call, &q, sizeof(q), arg, NULL);
	if (rc)
		return rc;
	rc = plan_build(df, q.flags, &p);
	if (rc)
		return rc;
	if (p.reason == VFIO_EXT_RESET_OK)
		q.flags |= VFIO_EXT_RESET_SUPPORTED;
	if (df->reset_claim)
		q.flags |= VFIO_EXT_RESET_CLAIMED;
	q.method = p.reason == VFIO_EXT_RESET_NO_METHOD ? 0 : p.method;
	q.methods = p.methods;
	if (p.hot && p.method == VFIO_EXT_RESET_METHOD_SLOT)
		q.methods |= VFIO_EXT_RESET_METHOD_SLOT;
	q.reason = p.reason;
	q.count = p.count;
	q.blocker_segment = p.blocker ? p.blocker->domain : 0;
	q.blocker_bus = p.blocker ? p.blocker->bus_nr : 0;
	q.blocker_devfn = p.blocker ? p.blocker->devfn : 0;
	q.__reserved = 0;
	plan_free(&p);
	return copy_to_user(call, arg, &q, sizeof(q)) ? -EFAULT : 0;
}

/* ---- (2) claim ------------------------------------------------------ */

static bool claim_covers(const struct vfio_reset_claim *c,
			 const struct topo_node *n)
{
	int i;

	for (i = 0; i < c->count; i++)
		if (c->nodes[i] == n)
			return true;
	return false;
}

int vfio_reset_claim_check(struct vfio_device *vdev, const void *owner)
{
	const struct topo_node *n = vdev_node(vdev);
	struct vfio_reset_claim *c;

	for (c = claims; c && n; c = c->next)
		if (c->owner != owner && claim_covers(c, n))
			return -EBUSY;
	return 0;
}

bool vfio_reset_claim_covers_bdf(const char *bdf)
{
	struct platform_func *f = platform_find(bdf);
	struct vfio_reset_claim *c;

	for (c = claims; c && f; c = c->next)
		if (claim_covers(c, f->node))
			return true;
	return false;
}

void vfio_reset_claim_release(struct vfio_device_file *df)
{
	struct vfio_reset_claim **pp, *c = df->reset_claim;

	if (!c)
		return;
	for (pp = &claims; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	free(c->nodes);
	free(c);
	df->reset_claim = NULL;
}

static long ext_claim(struct vfio_device_file *df, struct uvfio_call *call,
		      uint64_t arg)
{
	struct vfio_ext_reset_claim req;
	struct vfio_reset_claim *c;
	struct reset_plan p;
	int rc;

	rc = ext_copy_in(call, &req, sizeof(req), arg, NULL);
	if (rc)
		return rc;
	if (df->reset_claim)
		return -EALREADY;
	rc = plan_build(df, req.flags, &p);
	if (rc)
		return rc;
	rc = reason_errno(p.reason);
	if (rc)
		goto out;
	c = uvfio_zalloc(sizeof(*c));
	if (!c) {
		rc = -ENOMEM;
		goto out;
	}
	c->df = df;
	c->owner = vfio_df_owner(df);
	c->nodes = p.nodes;
	c->count = p.count;
	p.nodes = NULL;
	c->next = claims;
	claims = c;
	df->reset_claim = c;
out:
	plan_free(&p);
	return rc;
}

/* ---- (3) affected devices ------------------------------------------- */

/* Is the socket (dev, ino) a bound file of vdev? */
static bool is_file_of(struct vfio_device *vdev, dev_t dev, ino_t ino)
{
	struct vfio_device_file *df;

	for (df = vfio_df_first(); df; df = df->next)
		if (df->device == vdev && df->access_granted && df->file &&
		    df->file->client_ino == ino && df->file->client_dev == dev)
			return true;
	return false;
}

/* The caller's lowest fd of vdev, found the way fdget() would see it. */
static int caller_fd_of(pid_t pid, struct vfio_device *vdev)
{
	struct dirent *de;
	char path[64];
	int best = -1;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		struct stat st;
		char *end;
		long fd = strtol(de->d_name, &end, 10);

		if (end == de->d_name || *end || fd < 0 || fd > INT32_MAX)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) || !S_ISSOCK(st.st_mode))
			continue;
		if (is_file_of(vdev, st.st_dev, st.st_ino) &&
		    (best < 0 || fd < best))
			best = fd;
	}
	closedir(d);
	return best;
}

static void fill_dev(struct vfio_device_file *df, struct uvfio_call *call,
		     const struct reset_plan *p, const struct topo_node *n,
		     struct vfio_ext_reset_dev *out)
{
	struct vfio_device *o = vfio_pci_node_vdev(n);
	const void *owner = vfio_df_owner(df);
	int id;

	memset(out, 0, sizeof(*out));
	out->segment = n->domain;
	out->bus = n->bus_nr;
	out->devfn = n->devfn;
	out->fd = -1;
	if (n == p->self)
		out->flags |= VFIO_EXT_RESET_DEV_SELF;
	if (!o)
		return;
	out->flags |= VFIO_EXT_RESET_DEV_VFIO;
	if (owned_by(o, owner))
		out->flags |= VFIO_EXT_RESET_DEV_OWNED;
	id = vfio_iommufd_get_dev_id(o, df->device->iommufd);
	if (id > 0)
		out->dev_id = id;
	out->fd = caller_fd_of(call->pid, o);
	if (out->fd >= 0)
		out->flags |= VFIO_EXT_RESET_DEV_OPEN;
}

static long ext_affected(struct vfio_device_file *df, struct uvfio_call *call,
			 uint64_t arg)
{
	size_t minsz = offsetofend(struct vfio_ext_reset_affected, count);
	struct vfio_ext_reset_dev *devs = NULL;
	struct vfio_ext_reset_affected hdr;
	struct reset_plan p;
	uint32_t argsz;
	int i, rc;

	rc = ext_copy_in(call, &hdr, minsz, arg, &argsz);
	if (rc)
		return rc;
	rc = plan_build(df, hdr.flags, &p);
	if (rc)
		return rc;
	if (p.reason == VFIO_EXT_RESET_NO_METHOD) {
		rc = -ENODEV;
		goto out;
	}
	hdr.count = p.count;
	if (argsz < sizeof(hdr) ||
	    (argsz - sizeof(hdr)) / sizeof(*devs) < (size_t)p.count) {
		rc = -ENOSPC;
		goto header;
	}
	devs = uvfio_calloc(p.count, sizeof(*devs));
	if (!devs) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < p.count; i++)
		fill_dev(df, call, &p, p.nodes[i], &devs[i]);
	if (copy_to_user(call, arg + sizeof(hdr), devs,
			 sizeof(*devs) * p.count)) {
		rc = -EFAULT;
		goto out;
	}
header:
	if (copy_to_user(call, arg, &hdr, minsz))
		rc = -EFAULT;
out:
	free(devs);
	plan_free(&p);
	return rc;
}

/* ---- (4) describe --------------------------------------------------- */

static const char *method_name(uint32_t method)
{
	switch (method) {
	case VFIO_EXT_RESET_METHOD_FLR:
		return "flr";
	case VFIO_EXT_RESET_METHOD_AF_FLR:
		return "af_flr";
	case VFIO_EXT_RESET_METHOD_PM:
		return "pm";
	case VFIO_EXT_RESET_METHOD_BUS:
		return "bus";
	case VFIO_EXT_RESET_METHOD_SLOT:
		return "slot";
	default:
		return "none";
	}
}

static const char *reason_name(uint32_t reason)
{
	static const char *const names[] = {
		[VFIO_EXT_RESET_OK] = "ok",
		[VFIO_EXT_RESET_NO_METHOD] = "no_method",
		[VFIO_EXT_RESET_NOT_VFIO] = "not_vfio",
		[VFIO_EXT_RESET_NOT_OWNED] = "not_owned",
	};

	return reason < ARRAY_SIZE(names) ? names[reason] : "?";
}

static void describe_func(FILE *f, const struct topo_node *n)
{
	struct vfio_device *o = vfio_pci_node_vdev(n);
	char methods[64] = "";
	const char *path = "-";

	topo_reset_method_string(uvfio_platform.machine, n, methods,
				 sizeof(methods));
	if (o && o->open_count)
		path = o->cdev_opened ? "cdev" : "group";
	fprintf(f, "%s driver=%s group=%d dev_set=%d reset_method=%s cdev=%s "
		"open=%u path=%s", n->bdf, topo_driver_name(n->driver),
		n->group, n->dev_set, methods[0] ? methods : "-",
		o ? o->name : "-", o ? o->open_count : 0, path);
	if (o && o->owner_pid)
		fprintf(f, " owner=%d\n", (int)o->owner_pid);
	else
		fprintf(f, " owner=-\n");
}

/* The text of the reset set; caller frees *ret_text. */
static int describe_text(struct vfio_device_file *df, uint32_t flags,
			   char **ret_text, size_t *ret_len)
{
	struct reset_plan p;
	FILE *f;
	int i, rc;

	rc = plan_build(df, flags, &p);
	if (rc)
		return rc;
	f = open_memstream(ret_text, ret_len);
	if (!f) {
		plan_free(&p);
		return -ENOMEM;
	}
	fprintf(f, "reset=%s count=%d supported=%s reason=%s\n",
		method_name(p.reason == VFIO_EXT_RESET_NO_METHOD ? 0 : p.method),
		p.count, p.reason ? "no" : "yes", reason_name(p.reason));
	for (i = 0; i < p.count; i++)
		describe_func(f, p.nodes[i]);
	rc = fclose(f) ? -ENOMEM : 0;
	plan_free(&p);
	if (rc)
		free(*ret_text);
	return rc;
}

static long ext_describe(struct vfio_device_file *df, struct uvfio_call *call,
			 uint64_t arg)
{
	size_t minsz = offsetofend(struct vfio_ext_reset_describe, len);
	struct vfio_ext_reset_describe hdr;
	uint32_t argsz;
	size_t len;
	char *text;
	int rc;

	rc = ext_copy_in(call, &hdr, minsz, arg, &argsz);
	if (rc)
		return rc;
	rc = describe_text(df, hdr.flags, &text, &len);
	if (rc)
		return rc;
	hdr.len = len + 1;
	if (argsz < sizeof(hdr) || argsz - sizeof(hdr) < hdr.len)
		rc = -ENOSPC;
	else if (copy_to_user(call, arg + sizeof(hdr), text, hdr.len))
		rc = -EFAULT;
	if (rc != -EFAULT && copy_to_user(call, arg, &hdr, minsz))
		rc = -EFAULT;
	free(text);
	return rc;
}

/* ---- (5) reset ------------------------------------------------------ */

static long ext_reset(struct vfio_device_file *df, struct uvfio_call *call,
		      uint64_t arg)
{
	struct vfio_pci_core_device *vpci = df->device->pci;
	struct vfio_ext_reset req;
	struct reset_plan p;
	int rc;

	rc = ext_copy_in(call, &req, sizeof(req), arg, NULL);
	if (rc)
		return rc;
	rc = plan_build(df, req.flags, &p);
	if (rc)
		return rc;
	rc = reason_errno(p.reason);
	if (!rc && p.hot) {
		rc = vfio_pci_dev_set_hot_reset(vpci, owned_fn,
						vfio_df_owner(df));
	} else if (!rc) {
		pci_dev_set_power_state(vpci->pdev, PCI_D0);
		rc = vfio_pci_reset_function(vpci);
	}
	plan_free(&p);
	return rc;
}

long vfio_ext_ioctl(struct vfio_device_file *df, struct uvfio_call *call,
		    unsigned long cmd, uint64_t arg)
{
	if (!df->device->pci)
		return -ENOTTY;
	switch (cmd) {
	case VFIO_EXT_RESET_QUERY:
		return ext_query(df, call, arg);
	case VFIO_EXT_RESET_CLAIM:
		return ext_claim(df, call, arg);
	case VFIO_EXT_RESET_AFFECTED:
		return ext_affected(df, call, arg);
	case VFIO_EXT_RESET_DESCRIBE:
		return ext_describe(df, call, arg);
	case VFIO_EXT_RESET:
		return ext_reset(df, call, arg);
	default:
		return -ENOTTY;
	}
}
