// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fd table.
 *
 * A flat array indexed by fd number holds, per fd, FDT_UNCHECKED,
 * FDT_FOREIGN or a struct ufile pointer. The array is 8 MiB of .bss:
 * only the pages of fd numbers in use are ever touched, and a lookup for
 * an fd that is not ours is a single load with no lock, which is what
 * every read(), write() and ioctl() of the program pays.
 *
 * Slots change and ufiles gain references under table_lock; a ufile is
 * freed when its last reference goes (the slots that point at it, and
 * callers in the middle of a request). So close() racing with an ioctl
 * on the same fd cannot free the lock the ioctl holds.
 *
 * fork() copies all of this; the child's copies of the locks are reset
 * (only the forking thread survives, and it held none of them). exec()
 * starts empty: inherited connections are recognised when first used,
 * by the peer of the socket being the daemon (SO_PEERCRED: the daemon
 * created the pair). Two fds found that way on the same socket share
 * one ufile, matched by inode.
 */
#include "preload/preload.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload/fdtable.h"

_Atomic uintptr_t preload_fdt[FDT_MAX];

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ufile *all_files;		/* every live ufile, for fork */
static unsigned int fd_high;		/* no slot above this is a ufile */

static struct ufile *slot_file(uintptr_t v)
{
	return v > FDT_FOREIGN ? (struct ufile *)v : NULL;
}

static void ufile_free(struct ufile *uf)
{
	pthread_mutex_lock(&table_lock);
	if (uf->prev)
		uf->prev->next = uf->next;
	else
		all_files = uf->next;
	if (uf->next)
		uf->next->prev = uf->prev;
	pthread_mutex_unlock(&table_lock);
	pthread_mutex_destroy(&uf->lock);
	free(uf);
}

void ufile_put(struct ufile *uf)
{
	if (uf && !__atomic_sub_fetch(&uf->refs, 1, __ATOMIC_ACQ_REL))
		ufile_free(uf);
}

static uint64_t sock_ino(int fd)
{
	struct stat st;

	if (syscall(SYS_fstat, fd, &st))
		return 0;
	return (uint64_t)st.st_ino;
}

/* A new reference, unless the last one is already gone (it is dying). */
static bool ufile_get_unless_zero(struct ufile *uf)
{
	unsigned int refs = __atomic_load_n(&uf->refs, __ATOMIC_RELAXED);

	do {
		if (!refs)
			return false;
	} while (!__atomic_compare_exchange_n(&uf->refs, &refs, refs + 1, true,
					      __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
	return true;
}

/* Under table_lock: the live ufile of socket ino, with a new reference. */
static struct ufile *find_by_ino(uint64_t ino)
{
	struct ufile *uf;

	for (uf = all_files; ino && uf; uf = uf->next)
		if (uf->ino == ino && ufile_get_unless_zero(uf))
			return uf;
	return NULL;
}

static struct ufile *ufile_new(enum node_kind kind, uint64_t ino)
{
	struct ufile *uf = calloc(1, sizeof(*uf));

	if (!uf)
		return NULL;
	pthread_mutex_init(&uf->lock, NULL);
	uf->refs = 1;
	uf->kind = kind;
	uf->ino = ino;
	return uf;
}

/* Put v into fd's slot; returns the old value (whose reference the caller drops). */
static uintptr_t slot_swap(int fd, uintptr_t v)
{
	if ((unsigned int)fd >= FDT_MAX)
		return FDT_UNCHECKED;
	if (slot_file(v) && (unsigned int)fd > fd_high)
		fd_high = (unsigned int)fd;
	return atomic_exchange_explicit(&preload_fdt[fd], v, memory_order_acq_rel);
}

/*
 * Install uf at fd, or with match the ufile already known for the same
 * socket. Consumes the caller's reference to uf.
 */
static void install_file(int fd, struct ufile *uf, bool match)
{
	struct ufile *old, *same;

	pthread_mutex_lock(&table_lock);
	same = match ? find_by_ino(uf->ino) : NULL;
	if (same) {
		if (same->kind == NODE_UNKNOWN)
			same->kind = uf->kind;
	} else {
		uf->next = all_files;
		if (all_files)
			all_files->prev = uf;
		all_files = uf;
	}
	old = slot_file(slot_swap(fd, (uintptr_t)(same ? same : uf)));
	pthread_mutex_unlock(&table_lock);
	if (same) {
		pthread_mutex_destroy(&uf->lock);
		free(uf);
	}
	ufile_put(old);
}

static int install(int fd, enum node_kind kind, bool match)
{
	struct ufile *uf;

	if (fd < 0 || (unsigned int)fd >= FDT_MAX)
		return -EMFILE;
	uf = ufile_new(kind, sock_ino(fd));
	if (!uf)
		return -ENOMEM;
	install_file(fd, uf, match);
	return 0;
}

int fdt_install(int fd, enum node_kind kind)
{
	/* A connection the daemon just made is new: no need to match. */
	return install(fd, kind, false);
}

static void set_slot(int fd, uintptr_t v)
{
	struct ufile *old;
	uintptr_t cur;

	if ((unsigned int)fd >= FDT_MAX)
		return;
	/* Nothing to drop: no lock needed for the common case. */
	cur = fdt_peek(fd);
	while (!slot_file(cur))
		if (atomic_compare_exchange_weak(&preload_fdt[fd], &cur, v))
			return;
	pthread_mutex_lock(&table_lock);
	old = slot_file(slot_swap(fd, v));
	pthread_mutex_unlock(&table_lock);
	ufile_put(old);
}

void fdt_forget(int fd)
{
	uintptr_t v = fdt_peek(fd);

	if (v != FDT_UNCHECKED)
		set_slot(fd, FDT_UNCHECKED);
}

void fdt_set_foreign(int fd)
{
	if (fd >= 0 && fdt_peek(fd) != FDT_FOREIGN)
		set_slot(fd, FDT_FOREIGN);
}

void fdt_forget_range(unsigned int lo, unsigned int hi)
{
	unsigned int fd, top;

	pthread_mutex_lock(&table_lock);
	top = fd_high;
	pthread_mutex_unlock(&table_lock);
	if (hi > top)
		hi = top;
	for (fd = lo; fd <= hi && fd < FDT_MAX; fd++)
		if (slot_file(fdt_peek((int)fd)))
			fdt_forget((int)fd);
	/* Foreign marks above the last file need no care: reset lazily. */
}

void fdt_copy(int oldfd, int newfd)
{
	struct ufile *old, *uf;
	uintptr_t v;

	if (newfd < 0 || (unsigned int)newfd >= FDT_MAX)
		return;
	pthread_mutex_lock(&table_lock);
	v = fdt_peek(oldfd);
	uf = slot_file(v);
	if (uf)
		__atomic_add_fetch(&uf->refs, 1, __ATOMIC_RELAXED);
	old = slot_file(slot_swap(newfd, v));
	pthread_mutex_unlock(&table_lock);
	ufile_put(old);
}

/* Is fd a connection the daemon made? One getsockopt for a stranger. */
static bool is_daemon_conn(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	pid_t pid = preload_daemon_pid();

	if (pid <= 0)
		return false;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len))
		return false;
	return cr.pid == pid;
}

void fdt_classify(int fd)
{
	if (fd < 0 || (unsigned int)fd >= FDT_MAX)
		return;
	if (!preload_rt()->dir || !is_daemon_conn(fd)) {
		fdt_set_foreign(fd);
		return;
	}
	if (install(fd, NODE_UNKNOWN, true))
		fdt_set_foreign(fd);
}

struct ufile *fdt_get_slow(int fd, uintptr_t v)
{
	struct ufile *uf;

	if (v == FDT_UNCHECKED) {
		uintptr_t expect = FDT_UNCHECKED;

		if (!preload_rt()->dir || !is_daemon_conn(fd)) {
			/* Unless someone installed a file meanwhile. */
			atomic_compare_exchange_strong(&preload_fdt[fd], &expect,
						       FDT_FOREIGN);
			return NULL;
		}
		if (fdt_peek(fd) == FDT_UNCHECKED &&
		    install(fd, NODE_UNKNOWN, true))
			return NULL;
	}
	pthread_mutex_lock(&table_lock);
	uf = slot_file(fdt_peek(fd));
	if (uf)
		__atomic_add_fetch(&uf->refs, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&table_lock);
	return uf;
}

/* The file this thread is in the middle of a round trip on, if any. */
static __thread struct ufile *busy_file;

int ufile_roundtrip(struct ufile *uf, int fd, struct uvfio_msg *m)
{
	struct ufile *outer = busy_file;
	int rc;

	/*
	 * A signal handler that interrupts this thread mid round trip and
	 * talks on the same connection would wait forever for the lock its
	 * own thread holds, and its answer could not be told from ours:
	 * refuse it. Detecting this costs nothing, where blocking signals
	 * around every request would cost two system calls.
	 */
	if (outer == uf)
		return -EDEADLK;
	busy_file = uf;
	pthread_mutex_lock(&uf->lock);
	rc = uvfio_client_call(fd, m, MSG_CMSG_CLOEXEC);
	pthread_mutex_unlock(&uf->lock);
	busy_file = outer;
	return rc;
}

long ufile_call(struct ufile *uf, int fd, struct uvfio_msg *m)
{
	int rc;

	/*
	 * No check that fd still names uf's socket: every way a program
	 * closes or replaces an fd through libc (close, fclose, dup2,
	 * close_range, ...) clears the slot first.
	 */
	rc = ufile_roundtrip(uf, fd, m);
	switch (rc) {
	case 0:
		if (m->resp.ret < -4095)
			return -EPROTO;
		return (long)m->resp.ret;
	case -EBADF:
		/* Closed by another thread meanwhile. */
		return -EBADF;
	case -EDEADLK:
	case -ENOMEM:
	case -ENOBUFS:
	case -E2BIG:
		return rc;
	case -EPROTO:
	case -EMSGSIZE:
		preload_warn_proto();
		return -EIO;
	default:
		preload_warn_lost(-rc);
		return -ENODEV;
	}
}

long ufile_call_nofd(struct ufile *uf, int fd, struct uvfio_msg *m)
{
	long rc = ufile_call(uf, fd, m);

	while (m->resp.nfds)
		uvfio_client_close(m->ans_fds[--m->resp.nfds]);
	return rc;
}

/* fork. */

static void atfork_prepare(void)
{
	pthread_mutex_lock(&table_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&table_lock);
}

static void atfork_child(void)
{
	struct ufile *uf;

	for (uf = all_files; uf; uf = uf->next)
		pthread_mutex_init(&uf->lock, NULL);
	pthread_mutex_init(&table_lock, NULL);
}

__attribute__((constructor)) static void fdt_init(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}
