// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmap() of a uvfio file.
 *
 * The daemon says how to map each range (UVFIO_OP_MMAP): memory-like
 * regions come back as an fd (a memfd) mapped directly, with the
 * program's own prot, flags and address; register BARs are trapped: a
 * PROT_NONE anonymous mapping whose every access faults into the
 * mmio_trap engine, which calls the ops below, which forward the access
 * to the daemon (UVFIO_OP_MMIO).
 *
 * A trapped range keeps the file open (a private dup of the fd), as a
 * kernel mapping holds its file: the program may close its fd and keep
 * using the BAR. munmap(), or a MAP_FIXED mapping on top, ends the trap
 * and drops the file. The trap ops run in the SIGSEGV handler, so they
 * use only the request path, which takes no lock a handler's own thread
 * could hold (ufile_call() blocks signals while it holds the file lock).
 */
#include "preload/preload.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload/fdtable.h"
#include "preload/mmio_trap.h"

struct trap_map {
	struct ufile *uf;	/* reference held */
	int fd;			/* our own dup of the file */
	uint64_t base;		/* file offset of addr */
	void *addr;
	size_t len;
	struct trap_map *next;
};

static pthread_mutex_t traps_lock = PTHREAD_MUTEX_INITIALIZER;
static struct trap_map *traps;
static unsigned int ntraps;	/* read unlocked: 0 keeps munmap cheap */

static int trap_access(void *ctx, uint64_t off, unsigned int size, void *val,
		       bool write)
{
	struct trap_map *t = ctx;
	struct uvfio_msg m = {
		.req = {
			.op = UVFIO_OP_MMIO,
			.off = t->base + off,
			.len = size,
			.flags = write,
			.payload_len = write ? size : 0,
		},
		.payload = write ? val : NULL,
		.ans = write ? NULL : val,
		.ans_cap = write ? 0 : size,
	};
	int rc = ufile_roundtrip(t->uf, t->fd, &m);

	while (m.resp.nfds)
		uvfio_client_close(m.ans_fds[--m.resp.nfds]);
	if (rc) {
		/* No daemon: reads float high, as after a master abort. */
		if (!write)
			memset(val, 0xff, size);
		return 0;
	}
	if (m.resp.ret < 0)
		return m.resp.ret < -4095 ? -EIO : (int)m.resp.ret;
	if (!write && m.resp.payload_len != size)
		memset(val, 0xff, size);
	return 0;
}

static int trap_read(void *ctx, uint64_t off, unsigned int size, void *val)
{
	return trap_access(ctx, off, size, val, false);
}

static int trap_write(void *ctx, uint64_t off, unsigned int size,
		      const void *val)
{
	return trap_access(ctx, off, size, (void *)val, true);
}

static const struct mmio_trap_ops trap_ops = {
	.read = trap_read,
	.write = trap_write,
};

static void trap_free(struct trap_map *t)
{
	mmio_trap_unregister(t->addr);
	uvfio_client_close(t->fd);
	ufile_put(t->uf);
	free(t);
}

/* End every trap that [addr, addr + len) touches. */
static void traps_drop(const void *addr, size_t len)
{
	uintptr_t a = (uintptr_t)addr;
	struct trap_map **pp, *t, *gone = NULL;

	if (!__atomic_load_n(&ntraps, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&traps_lock);
	for (pp = &traps; (t = *pp);) {
		uintptr_t s = (uintptr_t)t->addr;

		if (a < s + t->len && s < a + len) {
			*pp = t->next;
			t->next = gone;
			gone = t;
			__atomic_sub_fetch(&ntraps, 1, __ATOMIC_RELEASE);
		} else {
			pp = &t->next;
		}
	}
	pthread_mutex_unlock(&traps_lock);
	while ((t = gone)) {
		gone = t->next;
		trap_free(t);
	}
}

static long trap_map(struct ufile *uf, int fd, void *addr, size_t len,
		     int flags, uint64_t off, void **ret)
{
	struct trap_map *t;
	void *p;
	long rc;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->fd = (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 0);
	if (t->fd < 0) {
		rc = -errno;
		goto err_free;
	}
	p = REAL(mmap)(addr, len, PROT_NONE,
		       (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) |
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		rc = -errno;
		goto err_close;
	}
	__atomic_add_fetch(&uf->refs, 1, __ATOMIC_RELAXED);
	t->uf = uf;
	t->base = off;
	t->addr = p;
	t->len = len;
	rc = mmio_trap_register(p, len, &trap_ops, t);
	if (rc)
		goto err_unmap;
	pthread_mutex_lock(&traps_lock);
	t->next = traps;
	traps = t;
	__atomic_add_fetch(&ntraps, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&traps_lock);
	*ret = p;
	return 0;

err_unmap:
	REAL(munmap)(p, len);
	ufile_put(uf);
err_close:
	uvfio_client_close(t->fd);
err_free:
	free(t);
	return rc;
}

static long fd_map(struct uvfio_msg *m, const struct uvfio_mmap_info *info,
		   void *addr, size_t len, int prot, int flags, void **ret)
{
	void *p;

	if (m->resp.nfds < 1)
		return -EPROTO;
	p = REAL(mmap)(addr, len, prot, flags, m->ans_fds[0],
		       (off_t)info->fd_offset);
	if (p == MAP_FAILED)
		return -errno;
	*ret = p;
	return 0;
}

static long file_mmap(struct ufile *uf, int fd, void *addr, size_t len,
		      int prot, int flags, off_t off, void **ret)
{
	struct uvfio_mmap_info info;
	struct uvfio_msg m = {
		.req = { .op = UVFIO_OP_MMAP, .off = (uint64_t)off, .len = len,
			 .flags = (uint32_t)prot },
		.ans = &info, .ans_cap = sizeof(info),
	};
	long rc;

	if (off < 0)
		return -EINVAL;
	rc = ufile_call(uf, fd, &m);
	if (rc >= 0 && m.resp.payload_len != sizeof(info))
		rc = -EPROTO;
	if (rc >= 0) {
		if (flags & MAP_FIXED)
			traps_drop(addr, len);
		if (info.kind == UVFIO_MAP_FD)
			rc = fd_map(&m, &info, addr, len, prot, flags, ret);
		else if (info.kind == UVFIO_MAP_TRAP)
			rc = trap_map(uf, fd, addr, len, flags, (uint64_t)off, ret);
		else
			rc = -EPROTO;
	}
	while (m.resp.nfds)
		uvfio_client_close(m.ans_fds[--m.resp.nfds]);
	return rc;
}

static void *do_mmap(void *addr, size_t len, int prot, int flags, int fd,
		     off_t off)
{
	struct ufile *uf = (flags & MAP_ANONYMOUS) ? NULL : fdt_get(fd);
	void *p = MAP_FAILED;
	long rc;

	if (likely(!uf)) {
		if (flags & MAP_FIXED)
			traps_drop(addr, len);
		return REAL(mmap)(addr, len, prot, flags, fd, off);
	}
	rc = file_mmap(uf, fd, addr, len, prot, flags, off, &p);
	ufile_put(uf);
	if (rc < 0) {
		errno = (int)-rc;
		return MAP_FAILED;
	}
	return p;
}

PRELOAD_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd,
			  off_t off)
{
	return do_mmap(addr, len, prot, flags, fd, off);
}

PRELOAD_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags,
			    int fd, off64_t off)
{
	return do_mmap(addr, len, prot, flags, fd, off);
}

PRELOAD_EXPORT int munmap(void *addr, size_t len)
{
	traps_drop(addr, len);
	return REAL(munmap)(addr, len);
}
