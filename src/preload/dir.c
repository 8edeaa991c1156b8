// SPDX-License-Identifier: GPL-2.0-only
/*
 * Directories, symlinks and canonical names under uvfio's paths.
 *
 * Listing /sys/bus/pci/devices or /dev/vfio lists the shadow tree: glibc
 * opens directories through internal calls, so opendir() and scandir()
 * are replaced themselves; readdir() then works on the real DIR. glob()
 * is run with GLOB_ALTDIRFUNC pointing at our opendir/stat, so its
 * results keep the paths the program wrote.
 *
 * The shadow tree's symlinks are relative, exactly as sysfs's are
 * (../../../kernel/iommu_groups/3), so readlink() passes them through.
 * Anything that would show the runtime directory (an absolute link,
 * realpath(), /proc/self/fd/N of a shadow file) is mapped back to the
 * /sys or /dev path it stands for.
 */
#include "preload/preload.h"

#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "preload/route.h"
#include "preload/symbols.h"

PRELOAD_EXPORT DIR *opendir(const char *path)
{
	struct route r;

	route_path(path, &r);
	switch (r.kind) {
	case ROUTE_ERR:
		errno = -r.err;
		return NULL;
	case ROUTE_NODE:
		errno = ENOTDIR;
		return NULL;
	case ROUTE_SHADOW:
		return REAL(opendir)(r.buf);
	default:
		return REAL(opendir)(path);
	}
}

/* The path scandir-like calls should use, or NULL (errno set). */
static const char *dir_path(const char *path, struct route *r)
{
	route_path(path, r);
	switch (r->kind) {
	case ROUTE_ERR:
		errno = -r->err;
		return NULL;
	case ROUTE_NODE:
		errno = ENOTDIR;
		return NULL;
	case ROUTE_SHADOW:
		return r->buf;
	default:
		return path;
	}
}

PRELOAD_EXPORT int scandir(const char *path, struct dirent ***list,
			   int (*filter)(const struct dirent *),
			   int (*compar)(const struct dirent **,
					 const struct dirent **))
{
	struct route r;
	const char *p = dir_path(path, &r);

	return p ? REAL(scandir)(p, list, filter, compar) : -1;
}

PRELOAD_EXPORT int scandir64(const char *path, struct dirent64 ***list,
			     int (*filter)(const struct dirent64 *),
			     int (*compar)(const struct dirent64 **,
					   const struct dirent64 **))
{
	struct route r;
	const char *p = dir_path(path, &r);

	return p ? REAL(scandir64)(p, list, filter, compar) : -1;
}

/* glob */

static bool glob_ours(const char *pattern, int flags)
{
	char norm[PATH_MAX];

	if (!pattern || pattern[0] != '/' || (flags & GLOB_ALTDIRFUNC) ||
	    !path_maybe_ours(pattern) ||
	    path_normalise(pattern, norm, sizeof(norm)) < 0)
		return false;
	return !strncmp(norm, "/sys/", 5) || !strncmp(norm, "/dev/", 5);
}

static void *glob_opendir(const char *path)
{
	return opendir(path);
}

static struct dirent *glob_readdir(void *d)
{
	return readdir(d);
}

static struct dirent64 *glob_readdir64(void *d)
{
	return readdir64(d);
}

static void glob_closedir(void *d)
{
	closedir(d);
}

PRELOAD_EXPORT int glob(const char *pattern, int flags,
			int (*errfunc)(const char *, int), glob_t *g)
{
	if (!glob_ours(pattern, flags))
		return REAL(glob)(pattern, flags, errfunc, g);
	g->gl_opendir = glob_opendir;
	g->gl_readdir = glob_readdir;
	g->gl_closedir = glob_closedir;
	g->gl_stat = stat;
	g->gl_lstat = lstat;
	return REAL(glob)(pattern, flags | GLOB_ALTDIRFUNC, errfunc, g);
}

PRELOAD_EXPORT int glob64(const char *pattern, int flags,
			  int (*errfunc)(const char *, int), glob64_t *g)
{
	if (!glob_ours(pattern, flags))
		return REAL(glob64)(pattern, flags, errfunc, g);
	g->gl_opendir = glob_opendir;
	g->gl_readdir = glob_readdir64;
	g->gl_closedir = glob_closedir;
	g->gl_stat = stat64;
	g->gl_lstat = lstat64;
	return REAL(glob64)(pattern, flags | GLOB_ALTDIRFUNC, errfunc, g);
}

/* readlink */

static ssize_t copy_link(const char *target, char *buf, size_t len)
{
	size_t n = strlen(target);

	if (n > len)
		n = len;
	memcpy(buf, target, n);
	return (ssize_t)n;
}

static ssize_t link_at(int dirfd, const char *path, char *buf, size_t len)
{
	char target[PATH_MAX];
	const char *p = path;
	struct route r;
	ssize_t n;

	route_path(path, &r);
	switch (r.kind) {
	case ROUTE_ERR:
		return ret_errno(r.err);
	case ROUTE_NODE:
		return ret_errno(-EINVAL);
	case ROUTE_SHADOW:
		p = r.buf;
		dirfd = AT_FDCWD;
		break;
	default:
		if (!preload_rt()->dir)
			return REAL(readlinkat)(dirfd, path, buf, len);
		break;
	}
	n = REAL(readlinkat)(dirfd, p, target, sizeof(target) - 1);
	if (n < 0)
		return n;
	target[n] = '\0';
	preload_unshadow(target);
	return copy_link(target, buf, len);
}

PRELOAD_EXPORT ssize_t readlink(const char *path, char *buf, size_t len)
{
	return link_at(AT_FDCWD, path, buf, len);
}

PRELOAD_EXPORT ssize_t readlinkat(int dirfd, const char *path, char *buf,
				  size_t len)
{
	return link_at(dirfd, path, buf, len);
}

PRELOAD_EXPORT ssize_t __readlink_chk(const char *path, char *buf, size_t len,
				      size_t buflen)
{
	if (len > buflen)
		__chk_fail();
	return link_at(AT_FDCWD, path, buf, len);
}

PRELOAD_EXPORT ssize_t __readlinkat_chk(int dirfd, const char *path, char *buf,
					size_t len, size_t buflen)
{
	if (len > buflen)
		__chk_fail();
	return link_at(dirfd, path, buf, len);
}

/* realpath */

static char *give_path(const char *path, char *resolved)
{
	if (!resolved)
		return strdup(path);
	strcpy(resolved, path);
	return resolved;
}

PRELOAD_EXPORT char *realpath(const char *path, char *resolved)
{
	char out[PATH_MAX];
	struct route r;
	struct stat st;

	route_path(path, &r);
	switch (r.kind) {
	case ROUTE_ERR:
		errno = -r.err;
		return NULL;
	case ROUTE_NODE:
		/* A device node is its own real path, if the daemon has it. */
		if (REAL(fstatat)(AT_FDCWD, r.buf, &st, AT_SYMLINK_NOFOLLOW))
			return NULL;
		return give_path(r.canon, resolved);
	case ROUTE_SHADOW:
		if (!REAL(realpath)(r.buf, out))
			return NULL;
		break;
	default:
		if (!preload_rt()->dir)
			return REAL(realpath)(path, resolved);
		if (!REAL(realpath)(path, out))
			return NULL;
		break;
	}
	preload_unshadow(out);
	return give_path(out, resolved);
}

PRELOAD_EXPORT char *__realpath_chk(const char *path, char *resolved,
				    size_t resolvedlen)
{
	if (resolved && resolvedlen < PATH_MAX)
		__chk_fail();
	return realpath(path, resolved);
}

PRELOAD_EXPORT char *canonicalize_file_name(const char *path)
{
	return realpath(path, NULL);
}
