// SPDX-License-Identifier: GPL-2.0-only
/*
 * fopen() of uvfio paths.
 *
 * glibc's fopen opens through its internal open, which no interposer
 * sees, and a FILE's reads and writes go through internal read/write
 * too. So fopen routes the path itself; a shadow-tree file is a plain
 * FILE on the real file, and a file the daemon serves (a node or a live
 * sysfs attribute) becomes a fopencookie() stream whose reads, writes
 * and seeks are our wrappers'. (fileno() of such a stream is -1, as for
 * any cookie stream.)
 */
#include "preload/preload.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "preload/fdtable.h"
#include "preload/route.h"

/* The open(2) flags of an fopen mode string, or -EINVAL. */
static int mode_flags(const char *mode)
{
	const char *p;
	int flags;

	switch (mode ? mode[0] : 0) {
	case 'r':
		flags = O_RDONLY;
		break;
	case 'w':
		flags = O_WRONLY | O_CREAT | O_TRUNC;
		break;
	case 'a':
		flags = O_WRONLY | O_CREAT | O_APPEND;
		break;
	default:
		return -EINVAL;
	}
	for (p = mode + 1; *p && *p != ','; p++) {
		if (*p == '+')
			flags = (flags & ~O_ACCMODE) | O_RDWR;
		else if (*p == 'e')
			flags |= O_CLOEXEC;
		else if (*p == 'x')
			flags |= O_EXCL;
	}
	return flags;
}

static ssize_t cookie_read(void *c, char *buf, size_t len)
{
	return read((int)(intptr_t)c, buf, len);
}

static ssize_t cookie_write(void *c, const char *buf, size_t len)
{
	return write((int)(intptr_t)c, buf, len);
}

static int cookie_seek(void *c, off64_t *pos, int whence)
{
	off64_t r = lseek64((int)(intptr_t)c, *pos, whence);

	if (r < 0)
		return -1;
	*pos = r;
	return 0;
}

static int cookie_close(void *c)
{
	return close((int)(intptr_t)c);
}

static const cookie_io_functions_t cookie_io = {
	.read = cookie_read,
	.write = cookie_write,
	.seek = cookie_seek,
	.close = cookie_close,
};

static FILE *fopen_routed(const struct route *r, const char *mode)
{
	int flags = mode_flags(mode);
	FILE *f;
	int fd;

	if (flags < 0)
		return errno = EINVAL, NULL;
	fd = open_routed(r, flags, 0666);
	if (fd < 0)
		return errno = -fd, NULL;
	if (fdt_peek(fd) > FDT_FOREIGN)
		f = fopencookie((void *)(intptr_t)fd, mode, cookie_io);
	else
		f = fdopen(fd, mode);
	if (!f) {
		int err = errno;

		close(fd);
		errno = err;
	}
	return f;
}

PRELOAD_EXPORT FILE *fopen(const char *path, const char *mode)
{
	struct route r;

	route_path(path, &r);
	if (r.kind == ROUTE_PASS)
		return REAL(fopen)(path, mode);
	return fopen_routed(&r, mode);
}

PRELOAD_EXPORT FILE *fopen64(const char *path, const char *mode)
{
	struct route r;

	route_path(path, &r);
	if (r.kind == ROUTE_PASS)
		return REAL(fopen64)(path, mode);
	return fopen_routed(&r, mode);
}
