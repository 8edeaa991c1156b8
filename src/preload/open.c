// SPDX-License-Identifier: GPL-2.0-only
/*
 * open() and its many names.
 *
 * A node opens through the broker and the answer's fd is the open file.
 * A shadow-tree path opens the real file there, unless it is a "live"
 * attribute (a regular file the daemon marked S_ISVTX: reset, bind,
 * driver_override, ...), which opens through the broker under the path
 * the daemon knows it by: its symlink-resolved /sys path, or failing
 * that the path as written.
 *
 * sysfs cannot create files, and ignores O_TRUNC: the shadow tree is a
 * real directory we could write into, so both are refused or dropped
 * here rather than let a shell redirection corrupt the daemon's tree.
 *
 * openat(dirfd, "relative") where dirfd is a shadow directory opens the
 * real shadow file on its own; if that turns out to be a live attribute,
 * or a /dev placeholder the daemon marked the same way, it is reopened
 * through the broker (one fstat per relative openat while uvfio is on).
 *
 * Every fd we open for the program that is not a uvfio file is marked
 * foreign in the fd table, so its first read() does not have to ask.
 */
#include "preload/preload.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "preload/fdtable.h"
#include "preload/route.h"
#include "preload/symbols.h"

static bool needs_mode(int flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

static int open_live(const char *shadow, const char *lexical, int flags)
{
	char canon[PATH_MAX];
	int fd;

	if (!shadow_canon(shadow, canon, sizeof(canon))) {
		fd = node_open(canon, flags, NODE_OTHER);
		if (fd != -ENOENT || !strcmp(canon, lexical))
			return fd;
	}
	return node_open(lexical, flags, NODE_OTHER);
}

static bool is_live(const struct stat *st)
{
	return S_ISREG(st->st_mode) && (st->st_mode & S_ISVTX);
}

static int open_shadow(const struct route *r, int flags, unsigned int mode)
{
	struct stat st;
	int fd;

	if (REAL(fstatat)(AT_FDCWD, r->buf, &st, 0)) {
		if (errno == ENOENT && (flags & O_CREAT))
			return -EACCES;
	} else if (is_live(&st)) {
		return open_live(r->buf, r->canon, flags);
	} else {
		flags &= ~(O_TRUNC | O_CREAT);
	}
	fd = REAL(openat)(AT_FDCWD, r->buf, flags, mode);
	if (fd < 0)
		return -errno;
	fdt_set_foreign(fd);
	return fd;
}

int open_routed(const struct route *r, int flags, unsigned int mode)
{
	switch (r->kind) {
	case ROUTE_ERR:
		return r->err;
	case ROUTE_NODE:
		return node_open(r->canon, flags, r->node);
	case ROUTE_SHADOW:
		return open_shadow(r, flags, mode);
	default:
		return -EINVAL;
	}
}

/* fd was opened relative to a directory fd: is it a live attribute? */
static int reopen_if_live(int fd, int flags)
{
	char link[32], path[PATH_MAX];
	struct stat st;
	ssize_t n;
	int nfd;

	if ((flags & O_PATH) || REAL(fstat)(fd, &st) || !is_live(&st))
		return fd;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = REAL(readlink)(link, path, sizeof(path) - 1);
	if (n <= 0)
		return fd;
	path[n] = '\0';
	preload_unshadow(path);
	if (strncmp(path, "/sys/", 5) && strncmp(path, "/dev/", 5))
		return fd;
	nfd = node_open(path, flags, path_node_kind(path));
	fdt_forget(fd);
	REAL(close)(fd);
	return nfd < 0 ? (int)ret_errno(nfd) : nfd;
}

/* After the real open of a path we did not route. */
static int opened(int fd, int dirfd, const char *path, int flags)
{
	if (fd < 0)
		return fd;
	fdt_set_foreign(fd);
	if (dirfd != AT_FDCWD && path && path[0] != '/' && preload_rt()->dir)
		return reopen_if_live(fd, flags);
	return fd;
}

/* Route path: true (and *ret set) if the open is ours. */
static bool open_ours(const char *path, int flags, unsigned int mode, int *ret)
{
	struct route r;

	route_path(path, &r);
	if (r.kind == ROUTE_PASS)
		return false;
	*ret = (int)ret_errno(open_routed(&r, flags, mode));
	return true;
}

#define OPEN_MODE(flags, mode) do {					\
	va_list ap_;							\
									\
	va_start(ap_, flags);						\
	mode = needs_mode(flags) ? (unsigned int)va_arg(ap_, int) : 0;	\
	va_end(ap_);							\
} while (0)

PRELOAD_EXPORT int open(const char *path, int flags, ...)
{
	unsigned int mode;
	int fd;

	OPEN_MODE(flags, mode);
	if (open_ours(path, flags, mode, &fd))
		return fd;
	return opened(REAL(open)(path, flags, mode), AT_FDCWD, path, flags);
}

PRELOAD_EXPORT int open64(const char *path, int flags, ...)
{
	unsigned int mode;
	int fd;

	OPEN_MODE(flags, mode);
	if (open_ours(path, flags, mode, &fd))
		return fd;
	return opened(REAL(open64)(path, flags, mode), AT_FDCWD, path, flags);
}

PRELOAD_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	unsigned int mode;
	int fd;

	OPEN_MODE(flags, mode);
	if (open_ours(path, flags, mode, &fd))
		return fd;
	return opened(REAL(openat)(dirfd, path, flags, mode), dirfd, path, flags);
}

PRELOAD_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	unsigned int mode;
	int fd;

	OPEN_MODE(flags, mode);
	if (open_ours(path, flags, mode, &fd))
		return fd;
	return opened(REAL(openat64)(dirfd, path, flags, mode), dirfd, path,
		      flags);
}

/* _FORTIFY_SOURCE's names: no mode (the real ones abort if one is needed). */
PRELOAD_EXPORT int __open_2(const char *path, int flags)
{
	int fd;

	if (!needs_mode(flags) && open_ours(path, flags, 0, &fd))
		return fd;
	return opened(REAL(__open_2)(path, flags), AT_FDCWD, path, flags);
}

PRELOAD_EXPORT int __open64_2(const char *path, int flags)
{
	int fd;

	if (!needs_mode(flags) && open_ours(path, flags, 0, &fd))
		return fd;
	return opened(REAL(__open64_2)(path, flags), AT_FDCWD, path, flags);
}

PRELOAD_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	int fd;

	if (!needs_mode(flags) && open_ours(path, flags, 0, &fd))
		return fd;
	return opened(REAL(__openat_2)(dirfd, path, flags), dirfd, path, flags);
}

PRELOAD_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	int fd;

	if (!needs_mode(flags) && open_ours(path, flags, 0, &fd))
		return fd;
	return opened(REAL(__openat64_2)(dirfd, path, flags), dirfd, path,
		      flags);
}
