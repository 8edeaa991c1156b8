/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which of the program's fds are uvfio files, and the per-file lock that
 * pairs each request with its answer.
 */
#ifndef UVFIO_PRELOAD_FDTABLE_H
#define UVFIO_PRELOAD_FDTABLE_H

#include "preload/preload.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "client/client.h"
#include "preload/paths.h"

/* fds at or above this are never ours (the default RLIMIT_NOFILE ceiling). */
#define FDT_MAX		(1u << 20)

/* Slot values that are not a struct ufile pointer. */
#define FDT_UNCHECKED	((uintptr_t)0)	/* never looked at, or closed since */
#define FDT_FOREIGN	((uintptr_t)1)	/* known not to be ours */

/*
 * One open file description of a uvfio file (its connection). dup()ed
 * fds share it, as they share the socket: the lock must be per socket,
 * or two threads using fd and dup(fd) would read each other's answers.
 */
struct ufile {
	pthread_mutex_t lock;	/* held across one request and its answer */
	unsigned int refs;	/* one per table slot, one per user in flight */
	enum node_kind kind;
	uint64_t ino;		/* the socket's inode, to recognise it again */
	struct ufile *prev, *next;
};

extern _Atomic uintptr_t preload_fdt[FDT_MAX];

static inline uintptr_t fdt_peek(int fd)
{
	if ((unsigned int)fd >= FDT_MAX)
		return FDT_FOREIGN;
	return atomic_load_explicit(&preload_fdt[fd], memory_order_acquire);
}

struct ufile *fdt_get_slow(int fd, uintptr_t v);

/*
 * The file behind fd with a reference, or NULL when fd is not ours. For
 * fds that are not ours this is one load. An fd never seen before is
 * checked once (is it a connection to the daemon, inherited across
 * exec?) and the answer cached until the fd is closed.
 */
static inline struct ufile *fdt_get(int fd)
{
	uintptr_t v = fdt_peek(fd);

	if (likely(v == FDT_FOREIGN))
		return NULL;
	return fdt_get_slow(fd, v);
}

void ufile_put(struct ufile *uf);

/* Make fd (a new connection from the daemon) a uvfio file of kind. */
int fdt_install(int fd, enum node_kind kind);
/* fd was closed (or is about to be). */
void fdt_forget(int fd);
/* Forget every fd in [lo, hi]. */
void fdt_forget_range(unsigned int lo, unsigned int hi);
/* fd is something else (we just opened it elsewhere). */
void fdt_set_foreign(int fd);
/* newfd became a copy of oldfd. */
void fdt_copy(int oldfd, int newfd);
/* fd arrived from outside (SCM_RIGHTS): find out whether it is ours. */
void fdt_classify(int fd);

/*
 * One request and its answer on uf, sent on fd (any fd of that file).
 * Returns m->resp.ret, or a negative errno when the round trip failed
 * (-EDEADLK: a signal handler tried to use the file its own thread is in
 * the middle of a round trip on).
 */
long ufile_call(struct ufile *uf, int fd, struct uvfio_msg *m);

/* Finish a call on uf: drop the reference, answer as the syscall would. */
#define UFILE_DONE(uf, call) ({						\
	long rc_ = (call);						\
									\
	ufile_put(uf);							\
	ret_errno(rc_);							\
})

/*
 * Only the round trip (uvfio_client_call()'s result), under the file
 * lock; nothing else.
 */
int ufile_roundtrip(struct ufile *uf, int fd, struct uvfio_msg *m);
/* The same, for requests whose answer carries no fds (any are closed). */
long ufile_call_nofd(struct ufile *uf, int fd, struct uvfio_msg *m);

#endif
