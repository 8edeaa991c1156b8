// SPDX-License-Identifier: GPL-2.0-only
/*
 * stat() and access() on uvfio paths and files.
 *
 * A device node has no file in the real file system, so the daemon says
 * what stat() reports (UVFIO_OP_FSTAT: mode, major, minor) and we dress
 * it as a devtmpfs entry. Shadow-tree files are real: their stat is the
 * real one, minus S_ISVTX, which is the daemon's private mark for "live"
 * attributes and no sysfs file has.
 *
 * Every name a program may call is covered: the plain functions (glibc
 * >= 2.33), their 64-bit twins, statx, and the __xstat family that
 * programs built against older glibc still call (on LP64 struct stat and
 * struct stat64 are one layout, and the version argument is 1).
 */
#include "preload/preload.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "preload/fdtable.h"
#include "preload/route.h"
#include "preload/symbols.h"

_Static_assert(sizeof(struct stat) == sizeof(struct stat64),
	       "struct stat64 must be struct stat");

static void hide_live_mark(mode_t *mode)
{
	if (S_ISREG(*mode))
		*mode &= ~(mode_t)S_ISVTX;
}

static long file_stat(struct ufile *uf, int fd, struct uvfio_stat *ust)
{
	struct uvfio_msg m = {
		.req = { .op = UVFIO_OP_FSTAT },
		.ans = ust, .ans_cap = sizeof(*ust),
	};
	long rc = ufile_call_nofd(uf, fd, &m);

	if (rc >= 0 && m.resp.payload_len != sizeof(*ust))
		rc = -EPROTO;
	return rc < 0 ? rc : 0;
}

static long file_fill_stat(struct ufile *uf, int fd, struct stat *st)
{
	struct uvfio_stat ust;
	long rc = file_stat(uf, fd, &ust);

	if (!rc)
		node_fill_stat(&ust, st);
	return rc;
}

static long file_fill_statx(struct ufile *uf, int fd, struct statx *stx)
{
	struct uvfio_stat ust;
	long rc = file_stat(uf, fd, &ust);

	if (!rc)
		node_fill_statx(&ust, stx);
	return rc;
}

static int fd_stat(int fd, struct stat *st)
{
	struct ufile *uf = fdt_get(fd);

	if (likely(!uf))
		return REAL(fstat)(fd, st);
	return (int)UFILE_DONE(uf, file_fill_stat(uf, fd, st));
}

static bool empty_path(const char *path, int flags)
{
	return (flags & AT_EMPTY_PATH) && path && !*path;
}

/* A path is routed only when absolute (dirfd is then ignored). */
static int path_stat(int dirfd, const char *path, struct stat *st, int flags)
{
	struct uvfio_stat ust;
	struct route r;
	int rc;

	if (empty_path(path, flags))
		return fd_stat(dirfd, st);
	route_path(path, &r);
	switch (r.kind) {
	case ROUTE_ERR:
		return (int)ret_errno(r.err);
	case ROUTE_NODE:
		rc = node_stat(r.canon, &ust);
		if (rc)
			return (int)ret_errno(rc);
		node_fill_stat(&ust, st);
		return 0;
	case ROUTE_SHADOW:
		rc = REAL(fstatat)(AT_FDCWD, r.buf, st, flags);
		if (!rc)
			hide_live_mark(&st->st_mode);
		return rc;
	default:
		rc = REAL(fstatat)(dirfd, path, st, flags);
		/* Relative to a shadow directory fd? */
		if (!rc && dirfd != AT_FDCWD && preload_rt()->dir)
			hide_live_mark(&st->st_mode);
		return rc;
	}
}

PRELOAD_EXPORT int stat(const char *path, struct stat *st)
{
	return path_stat(AT_FDCWD, path, st, 0);
}

PRELOAD_EXPORT int lstat(const char *path, struct stat *st)
{
	return path_stat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

PRELOAD_EXPORT int fstat(int fd, struct stat *st)
{
	return fd_stat(fd, st);
}

PRELOAD_EXPORT int fstatat(int dirfd, const char *path, struct stat *st,
			   int flags)
{
	return path_stat(dirfd, path, st, flags);
}

PRELOAD_EXPORT int stat64(const char *path, struct stat64 *st)
{
	return path_stat(AT_FDCWD, path, (struct stat *)st, 0);
}

PRELOAD_EXPORT int lstat64(const char *path, struct stat64 *st)
{
	return path_stat(AT_FDCWD, path, (struct stat *)st, AT_SYMLINK_NOFOLLOW);
}

PRELOAD_EXPORT int fstat64(int fd, struct stat64 *st)
{
	return fd_stat(fd, (struct stat *)st);
}

PRELOAD_EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st,
			     int flags)
{
	return path_stat(dirfd, path, (struct stat *)st, flags);
}

PRELOAD_EXPORT int __xstat(int ver, const char *path, struct stat *st)
{
	return path_stat(AT_FDCWD, path, st, 0);
}

PRELOAD_EXPORT int __lxstat(int ver, const char *path, struct stat *st)
{
	return path_stat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

PRELOAD_EXPORT int __fxstat(int ver, int fd, struct stat *st)
{
	return fd_stat(fd, st);
}

PRELOAD_EXPORT int __fxstatat(int ver, int dirfd, const char *path,
			      struct stat *st, int flags)
{
	return path_stat(dirfd, path, st, flags);
}

PRELOAD_EXPORT int __xstat64(int ver, const char *path, struct stat64 *st)
{
	return path_stat(AT_FDCWD, path, (struct stat *)st, 0);
}

PRELOAD_EXPORT int __lxstat64(int ver, const char *path, struct stat64 *st)
{
	return path_stat(AT_FDCWD, path, (struct stat *)st, AT_SYMLINK_NOFOLLOW);
}

PRELOAD_EXPORT int __fxstat64(int ver, int fd, struct stat64 *st)
{
	return fd_stat(fd, (struct stat *)st);
}

PRELOAD_EXPORT int __fxstatat64(int ver, int dirfd, const char *path,
				struct stat64 *st, int flags)
{
	return path_stat(dirfd, path, (struct stat *)st, flags);
}

PRELOAD_EXPORT int statx(int dirfd, const char *path, int flags,
			 unsigned int mask, struct statx *stx)
{
	struct uvfio_stat ust;
	struct route r;
	int rc;

	if (empty_path(path, flags)) {
		struct ufile *uf = fdt_get(dirfd);

		if (likely(!uf))
			return REAL(statx)(dirfd, path, flags, mask, stx);
		return (int)UFILE_DONE(uf, file_fill_statx(uf, dirfd, stx));
	}
	route_path(path, &r);
	switch (r.kind) {
	case ROUTE_ERR:
		return (int)ret_errno(r.err);
	case ROUTE_NODE:
		rc = node_stat(r.canon, &ust);
		if (rc)
			return (int)ret_errno(rc);
		node_fill_statx(&ust, stx);
		return 0;
	case ROUTE_SHADOW:
		rc = REAL(statx)(AT_FDCWD, r.buf, flags, mask, stx);
		if (!rc && S_ISREG(stx->stx_mode))
			stx->stx_mode &= (uint16_t)~S_ISVTX;
		return rc;
	default:
		rc = REAL(statx)(dirfd, path, flags, mask, stx);
		if (!rc && dirfd != AT_FDCWD && preload_rt()->dir &&
		    S_ISREG(stx->stx_mode))
			stx->stx_mode &= (uint16_t)~S_ISVTX;
		return rc;
	}
}

/* access(): a node exists or not; shadow files answer for themselves. */
static int path_access(int dirfd, const char *path, int mode, int flags)
{
	struct uvfio_stat ust;
	struct route r;

	route_path(path, &r);
	switch (r.kind) {
	case ROUTE_ERR:
		return (int)ret_errno(r.err);
	case ROUTE_NODE:
		return (int)ret_errno(node_stat(r.canon, &ust));
	case ROUTE_SHADOW:
		return REAL(faccessat)(AT_FDCWD, r.buf, mode, flags);
	default:
		return REAL(faccessat)(dirfd, path, mode, flags);
	}
}

PRELOAD_EXPORT int access(const char *path, int mode)
{
	return path_access(AT_FDCWD, path, mode, 0);
}

PRELOAD_EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
	return path_access(dirfd, path, mode, flags);
}

PRELOAD_EXPORT int euidaccess(const char *path, int mode)
{
	return path_access(AT_FDCWD, path, mode, AT_EACCESS);
}

PRELOAD_EXPORT int eaccess(const char *path, int mode)
{
	return path_access(AT_FDCWD, path, mode, AT_EACCESS);
}
