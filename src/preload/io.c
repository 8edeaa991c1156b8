// SPDX-License-Identifier: GPL-2.0-only
/*
 * read/write/lseek on a uvfio file.
 *
 * The daemon copies to and from our buffer itself, so a request is just
 * (address, length, offset). Calls without an offset use the file
 * position, which the daemon keeps per open file (UVFIO_REQ_F_POS): the
 * position is shared by dup()ed fds and across fork, as the kernel's.
 *
 * The vector forms are loops of single requests: they stop at the first
 * short transfer and report what was done, which a program cannot tell
 * from the kernel's (non-atomic) behaviour on a character device.
 */
#include "preload/preload.h"

#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

#include "preload/fdtable.h"
#include "preload/symbols.h"

#define AT_POS	(-1)		/* use the file position */

static ssize_t file_rw(struct ufile *uf, int fd, uint32_t op, const void *buf,
		       size_t len, off64_t off)
{
	struct uvfio_msg m = {
		.req = {
			.op = op,
			.arg = (uintptr_t)buf,
			.len = len,
			.off = off == AT_POS ? 0 : (uint64_t)off,
			.flags = off == AT_POS ? UVFIO_REQ_F_POS : 0,
		},
	};

	return ufile_call_nofd(uf, fd, &m);
}

/* An explicit offset (never AT_POS) must not be negative. */
static ssize_t file_rw_at(struct ufile *uf, int fd, uint32_t op,
			  const void *buf, size_t len, off64_t off)
{
	if (off < 0)
		return -EINVAL;
	return file_rw(uf, fd, op, buf, len, off);
}

static ssize_t file_rwv(struct ufile *uf, int fd, uint32_t op,
			const struct iovec *iov, int cnt, off64_t off)
{
	ssize_t total = 0, n;
	int i;

	if (cnt < 0 || cnt > IOV_MAX || (off < 0 && off != AT_POS))
		return -EINVAL;
	for (i = 0; i < cnt; i++) {
		n = file_rw(uf, fd, op, iov[i].iov_base, iov[i].iov_len, off);
		if (n < 0)
			return total ? total : n;
		total += n;
		if (off != AT_POS)
			off += n;
		if ((size_t)n < iov[i].iov_len)
			break;
	}
	return total;
}

/* An explicit offset of -1 must not turn into "the file position". */
static off64_t explicit_off(off64_t off)
{
	return off < 0 ? -2 : off;
}

/*
 * Each wrapper costs one table load for an fd that is not ours
 * (fdt_get() is inline and tests the slot first).
 */
PRELOAD_EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	struct ufile *uf = fdt_get(fd);

	if (likely(!uf))
		return REAL(read)(fd, buf, len);
	return UFILE_DONE(uf, file_rw(uf, fd, UVFIO_OP_READ, buf, len, AT_POS));
}

PRELOAD_EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	struct ufile *uf = fdt_get(fd);

	if (likely(!uf))
		return REAL(write)(fd, buf, len);
	return UFILE_DONE(uf, file_rw(uf, fd, UVFIO_OP_WRITE, buf, len, AT_POS));
}

PRELOAD_EXPORT ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	struct ufile *uf = fdt_get(fd);

	if (likely(!uf))
		return REAL(pread)(fd, buf, len, off);
	return UFILE_DONE(uf, file_rw_at(uf, fd, UVFIO_OP_READ, buf, len, off));
}

PRELOAD_EXPORT ssize_t pread64(int fd, void *buf, size_t len, off64_t off)
{
	struct ufile *uf = fdt_get(fd);

	if (likely(!uf))
		return REAL(pread64)(fd, buf, len, off);
	return UFILE_DONE(uf, file_rw_at(uf, fd, UVFIO_OP_READ, buf, len, off));
}

PRELOAD_EXPORT ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	struct ufile *uf = fdt_get(fd);

	if (likely(!uf))
		return REAL(pwrite)(fd, buf, len, off);
	return UFILE_DONE(uf, file_rw_at(uf, fd, UVFIO_OP_WRITE, buf, len, off));
}

PRELOAD_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t len,
				off64_t off)
{
	struct ufile *uf = fdt_get(fd);

	if (likely(!uf))
		return REAL(pwrite64)(fd, buf, len, off);
	return UFILE_DONE(uf, file_rw_at(uf, fd, UVFIO_OP_WRITE, buf, len, off));
}

PRELOAD_EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	if (len > buflen)
		__chk_fail();
	return read(fd, buf, len);
}

PRELOAD_EXPORT ssize_t __pread_chk(int fd, void *buf, size_t len, off_t off,
				   size_t buflen)
{
	if (len > buflen)
		__chk_fail();
	return pread(fd, buf, len, off);
}

PRELOAD_EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t len,
				     off64_t off, size_t buflen)
{
	if (len > buflen)
		__chk_fail();
	return pread64(fd, buf, len, off);
}

PRELOAD_EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	struct ufile *uf = fdt_get(fd);

	if (likely(!uf))
		return REAL(readv)(fd, iov, cnt);
	return UFILE_DONE(uf, file_rwv(uf, fd, UVFIO_OP_READ, iov, cnt, AT_POS));
}

PRELOAD_EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	struct ufile *uf = fdt_get(fd);

	if (likely(!uf))
		return REAL(writev)(fd, iov, cnt);
	return UFILE_DONE(uf, file_rwv(uf, fd, UVFIO_OP_WRITE, iov, cnt, AT_POS));
}

PRELOAD_EXPORT ssize_t preadv(int fd, const struct iovec *iov, int cnt,
			      off_t off)
{
	struct ufile *uf = fdt_get(fd);

	if (likely(!uf))
		return REAL(preadv)(fd, iov, cnt, off);
	return UFILE_DONE(uf, file_rwv(uf, fd, UVFIO_OP_READ, iov, cnt,
				       explicit_off(off)));
}

PRELOAD_EXPORT ssize_t preadv64(int fd, const struct iovec *iov, int cnt,
				off64_t off)
{
	struct ufile *uf = fdt_get(fd);

	if (likely(!uf))
		return REAL(preadv64)(fd, iov, cnt, off);
	return UFILE_DONE(uf, file_rwv(uf, fd, UVFIO_OP_READ, iov, cnt,
				       explicit_off(off)));
}

PRELOAD_EXPORT ssize_t pwritev(int fd, const struct iovec *iov, int cnt,
			       off_t off)
{
	struct ufile *uf = fdt_get(fd);

	if (likely(!uf))
		return REAL(pwritev)(fd, iov, cnt, off);
	return UFILE_DONE(uf, file_rwv(uf, fd, UVFIO_OP_WRITE, iov, cnt,
				       explicit_off(off)));
}

PRELOAD_EXPORT ssize_t pwritev64(int fd, const struct iovec *iov, int cnt,
				 off64_t off)
{
	struct ufile *uf = fdt_get(fd);

	if (likely(!uf))
		return REAL(pwritev64)(fd, iov, cnt, off);
	return UFILE_DONE(uf, file_rwv(uf, fd, UVFIO_OP_WRITE, iov, cnt,
				       explicit_off(off)));
}

/* preadv2/pwritev2: offset -1 means the file position; flags are hints. */
static off64_t v2_off(off64_t off)
{
	return off == -1 ? AT_POS : explicit_off(off);
}

PRELOAD_EXPORT ssize_t preadv2(int fd, const struct iovec *iov, int cnt,
			       off_t off, int flags)
{
	struct ufile *uf = fdt_get(fd);

	if (likely(!uf))
		return REAL(preadv2)(fd, iov, cnt, off, flags);
	return UFILE_DONE(uf, file_rwv(uf, fd, UVFIO_OP_READ, iov, cnt,
				       v2_off(off)));
}

PRELOAD_EXPORT ssize_t pwritev2(int fd, const struct iovec *iov, int cnt,
				off_t off, int flags)
{
	struct ufile *uf = fdt_get(fd);

	if (likely(!uf))
		return REAL(pwritev2)(fd, iov, cnt, off, flags);
	return UFILE_DONE(uf, file_rwv(uf, fd, UVFIO_OP_WRITE, iov, cnt,
				       v2_off(off)));
}

PRELOAD_EXPORT ssize_t preadv64v2(int fd, const struct iovec *iov, int cnt,
				  off64_t off, int flags)
{
	return preadv2(fd, iov, cnt, off, flags);
}

PRELOAD_EXPORT ssize_t pwritev64v2(int fd, const struct iovec *iov, int cnt,
				   off64_t off, int flags)
{
	return pwritev2(fd, iov, cnt, off, flags);
}

static off64_t file_lseek(struct ufile *uf, int fd, off64_t off, int whence)
{
	struct uvfio_msg m = {
		.req = { .op = UVFIO_OP_LSEEK, .off = (uint64_t)off,
			 .flags = (uint32_t)whence },
	};

	return ufile_call_nofd(uf, fd, &m);
}

PRELOAD_EXPORT off_t lseek(int fd, off_t off, int whence)
{
	struct ufile *uf = fdt_get(fd);

	if (likely(!uf))
		return REAL(lseek)(fd, off, whence);
	return UFILE_DONE(uf, file_lseek(uf, fd, off, whence));
}

PRELOAD_EXPORT off64_t lseek64(int fd, off64_t off, int whence)
{
	struct ufile *uf = fdt_get(fd);

	if (likely(!uf))
		return REAL(lseek64)(fd, off, whence);
	return UFILE_DONE(uf, file_lseek(uf, fd, off, whence));
}
