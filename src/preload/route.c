// SPDX-License-Identifier: GPL-2.0-only
/*
 * Routing paths, and reaching nodes through the broker.
 *
 * The common case is a path that is not ours, and it must stay cheap: a
 * first-character test rejects most paths before any normalisation.
 *
 * Without a runtime directory uvfio is off: device nodes do not exist
 * (ENOENT, as on a machine without the device, and one line on stderr
 * says why) and sysfs paths reach the real /sys.
 *
 * A node's stat() answer is made to look like the kernel's devtmpfs
 * entry; stat() of the path and fstat() of an open fd agree on device
 * and inode (programs compare them to check they opened what they
 * stat()ed).
 */
#include "preload/preload.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "preload/fdtable.h"
#include "preload/route.h"

static void route_err(struct route *r, int err)
{
	r->kind = ROUTE_ERR;
	r->err = err;
}

/* /dev/<name> is a node if the daemon put a placeholder in the shadow tree. */
static void route_dev_maybe(struct route *r)
{
	struct stat st;

	if (!REAL(fstatat)(AT_FDCWD, r->buf, &st, AT_SYMLINK_NOFOLLOW) &&
	    !S_ISDIR(st.st_mode)) {
		r->kind = ROUTE_NODE;
		r->node = NODE_OTHER;
	}
}

void route_path(const char *path, struct route *r)
{
	const struct preload_rt *rt;
	enum path_class cls;
	size_t off;

	r->kind = ROUTE_PASS;
	if (!path || path[0] != '/' || !path_maybe_ours(path))
		return;
	rt = preload_rt();
	off = rt->dir ? rt->len : 0;
	if (path_normalise(path, r->buf + off, sizeof(r->buf) - off) < 0)
		return;
	r->canon = r->buf + off;
	cls = path_classify(r->canon);
	if (cls == PATH_OTHER)
		return;
	if (!rt->dir) {
		/* uvfio is off: its devices do not exist; /sys is the machine's. */
		if (cls == PATH_NODE ||
		    (cls == PATH_SHADOW && !strncmp(r->canon, "/dev/", 5))) {
			preload_warn_no_rundir(r->canon);
			route_err(r, -ENOENT);
		}
		return;
	}
	memcpy(r->buf, rt->dir, rt->len);
	switch (cls) {
	case PATH_NODE:
		if (path_has_trailing_slash(r->canon)) {
			route_err(r, -ENOTDIR);
			return;
		}
		r->kind = ROUTE_NODE;
		r->node = path_node_kind(r->canon);
		return;
	case PATH_SHADOW:
		r->kind = ROUTE_SHADOW;
		return;
	case PATH_DEV_MAYBE:
		route_dev_maybe(r);
		return;
	default:
		return;
	}
}

static bool unreachable(int err)
{
	return err == -ENOENT || err == -ECONNREFUSED || err == -EACCES ||
	       err == -ENOTDIR || err == -ENAMETOOLONG || err == -EPERM;
}

/* A broker connection, or -ENOENT having said why not. */
static int broker(void)
{
	int fd;

	/* Before the daemon first needs our memory. */
	preload_daemon_pid();
	fd = uvfio_client_connect(preload_rt()->dir);
	if (fd >= 0)
		return fd;
	preload_warn_unreachable(-fd);
	return unreachable(fd) ? -ENOENT : fd;
}

int node_open(const char *canon, int flags, enum node_kind kind)
{
	int bfd, fd, rc;

	bfd = broker();
	if (bfd < 0)
		return bfd;
	fd = uvfio_client_open_on(bfd, canon, flags);
	uvfio_client_close(bfd);
	if (fd < 0) {
		if (fd == -ECONNRESET || fd == -EPROTO || fd == -EPIPE) {
			preload_warn_lost(-fd);
			return -EIO;
		}
		return fd;
	}
	rc = fdt_install(fd, kind);
	if (rc) {
		uvfio_client_close(fd);
		return rc;
	}
	return fd;
}

int node_stat(const char *canon, struct uvfio_stat *ret_st)
{
	int bfd, rc;

	bfd = broker();
	if (bfd < 0)
		return bfd;
	rc = uvfio_client_stat_on(bfd, canon, ret_st);
	uvfio_client_close(bfd);
	if (rc == -ECONNRESET || rc == -EPROTO || rc == -EPIPE) {
		preload_warn_lost(-rc);
		return -EIO;
	}
	return rc;
}

int shadow_canon(const char *shadow, char *buf, size_t len)
{
	char tmp[PATH_MAX];

	if (!REAL(realpath)(shadow, tmp))
		return -errno;
	preload_unshadow(tmp);
	if (strlen(tmp) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, tmp);
	return 0;
}

/* The same inode for the same node, whoever asks. */
static uint64_t node_ino(const struct uvfio_stat *ust)
{
	return 0x75766600000000ull ^ ((uint64_t)ust->major << 20) ^ ust->minor;
}

#define NODE_DEV	makedev(0, 5)	/* devtmpfs, as on most machines */

void node_fill_stat(const struct uvfio_stat *ust, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = NODE_DEV;
	st->st_ino = node_ino(ust);
	st->st_mode = ust->mode;
	st->st_nlink = 1;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_rdev = makedev(ust->major, ust->minor);
	st->st_size = (off_t)ust->size;
	st->st_blksize = 4096;
}

void node_fill_statx(const struct uvfio_stat *ust, struct statx *stx)
{
	memset(stx, 0, sizeof(*stx));
	stx->stx_mask = STATX_BASIC_STATS;
	stx->stx_blksize = 4096;
	stx->stx_nlink = 1;
	stx->stx_uid = getuid();
	stx->stx_gid = getgid();
	stx->stx_mode = (uint16_t)ust->mode;
	stx->stx_ino = node_ino(ust);
	stx->stx_size = ust->size;
	stx->stx_rdev_major = ust->major;
	stx->stx_rdev_minor = ust->minor;
	stx->stx_dev_major = major(NODE_DEV);
	stx->stx_dev_minor = minor(NODE_DEV);
}
