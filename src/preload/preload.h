/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the interposer's files share: reaching the next definition of a
 * symbol we replace, the runtime directory, the daemon's identity, and
 * one-time warnings.
 *
 * Include this first in every interposer file: the undefs below must
 * come before any system header, so that "open" means open and not
 * open64 (_FILE_OFFSET_BITS=64, which Meson adds) and no fortified
 * inline wrapper clashes with our definitions.
 *
 * Inside the interposer, calling a libc function we also export (open,
 * stat, close, readlink, ...) reaches our own wrapper again: use REAL()
 * for the C library's, or a raw system call.
 */
#ifndef UVFIO_PRELOAD_H
#define UVFIO_PRELOAD_H

#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PRELOAD_EXPORT	__attribute__((visibility("default")))

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

void *preload_resolve(const char *name, void **slot);

static inline void *preload_real(const char *name, void **slot)
{
	void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	return likely(p) ? p : preload_resolve(name, slot);
}

/* The next definition of fn (the C library's), resolved on first use. */
#define REAL(fn) ({							\
	static void *real_slot_;					\
	(__typeof__(&fn))preload_real(#fn, &real_slot_);		\
})

/* Return convention of the system calls: -1 and errno. */
static inline long ret_errno(long rc)
{
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return rc;
}

/* The daemon's runtime directory; dir is NULL when uvfio is off. */
struct preload_rt {
	const char *dir;	/* absolute, normalised */
	size_t len;
	const char *real;	/* the same, symlinks resolved */
	size_t real_len;
};

const struct preload_rt *preload_rt(void);

/*
 * The daemon's pid (cached once known), or 0 when unknown. Also lets the
 * daemon at our memory (PR_SET_PTRACER), once per process.
 */
pid_t preload_daemon_pid(void);

/*
 * If s names something inside the runtime directory, rewrite it in place
 * to the path the program should see ("<rt>/sys/x" -> "/sys/x").
 */
void preload_unshadow(char *s);

/* One line on stderr, the first time *once is seen clear. */
void preload_warn_once(int *once, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Say (once) that the daemon cannot be reached, and why. */
void preload_warn_unreachable(int err);
/* Say (once) that uvfio is off, so path does not exist. */
void preload_warn_no_rundir(const char *path);
/* Say (once) that the connection to the daemon broke. */
void preload_warn_lost(int err);
/* Say (once) that the daemon's answer made no sense. */
void preload_warn_proto(void);

#endif
