// SPDX-License-Identifier: GPL-2.0-only
/*
 * Extended attributes of uvfio paths.
 *
 * Tools ask for them on every file they list (ls -l reads the SELinux
 * label and the ACL), so a missing answer shows as an error next to a
 * file that exists. A device node has none (ENODATA, an empty list, as a
 * devtmpfs node without labels); a shadow-tree file answers for itself.
 */
#include "preload/preload.h"

#include <sys/xattr.h>

#include "preload/route.h"

/* The path to use, or NULL with *rc set when the answer is known. */
static const char *xattr_path(const char *path, struct route *r, ssize_t none,
			      ssize_t *rc)
{
	route_path(path, r);
	switch (r->kind) {
	case ROUTE_ERR:
		*rc = ret_errno(r->err);
		return NULL;
	case ROUTE_NODE:
		*rc = ret_errno(none);
		return NULL;
	case ROUTE_SHADOW:
		return r->buf;
	default:
		return path;
	}
}

PRELOAD_EXPORT ssize_t getxattr(const char *path, const char *name,
				void *value, size_t size)
{
	struct route r;
	ssize_t rc = -1;
	const char *p = xattr_path(path, &r, -ENODATA, &rc);

	return p ? REAL(getxattr)(p, name, value, size) : rc;
}

PRELOAD_EXPORT ssize_t lgetxattr(const char *path, const char *name,
				 void *value, size_t size)
{
	struct route r;
	ssize_t rc = -1;
	const char *p = xattr_path(path, &r, -ENODATA, &rc);

	return p ? REAL(lgetxattr)(p, name, value, size) : rc;
}

PRELOAD_EXPORT ssize_t listxattr(const char *path, char *list, size_t size)
{
	struct route r;
	ssize_t rc = -1;
	const char *p = xattr_path(path, &r, 0, &rc);

	return p ? REAL(listxattr)(p, list, size) : rc;
}

PRELOAD_EXPORT ssize_t llistxattr(const char *path, char *list, size_t size)
{
	struct route r;
	ssize_t rc = -1;
	const char *p = xattr_path(path, &r, 0, &rc);

	return p ? REAL(llistxattr)(p, list, size) : rc;
}
