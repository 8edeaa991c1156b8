/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Prototypes of the C library entry points we replace that its headers
 * declare only under _FORTIFY_SOURCE, or no longer at all (the stat
 * functions that programs built against glibc < 2.33 still call).
 */
#ifndef UVFIO_PRELOAD_SYMBOLS_H
#define UVFIO_PRELOAD_SYMBOLS_H

#include <signal.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen);
ssize_t __pread_chk(int fd, void *buf, size_t len, off_t off, size_t buflen);
ssize_t __pread64_chk(int fd, void *buf, size_t len, off64_t off,
		      size_t buflen);

ssize_t __readlink_chk(const char *path, char *buf, size_t len,
		       size_t buflen);
ssize_t __readlinkat_chk(int dirfd, const char *path, char *buf, size_t len,
			 size_t buflen);
char *__realpath_chk(const char *path, char *resolved, size_t resolvedlen);

void __chk_fail(void) __attribute__((noreturn));

struct pollfd;
int __poll_chk(struct pollfd *fds, unsigned long nfds, int timeout,
	       size_t fdslen);
int __ppoll_chk(struct pollfd *fds, unsigned long nfds,
		const struct timespec *tmo, const sigset_t *ss, size_t fdslen);

int __xstat(int ver, const char *path, struct stat *st);
int __lxstat(int ver, const char *path, struct stat *st);
int __fxstat(int ver, int fd, struct stat *st);
int __fxstatat(int ver, int dirfd, const char *path, struct stat *st,
	       int flags);
int __xstat64(int ver, const char *path, struct stat64 *st);
int __lxstat64(int ver, const char *path, struct stat64 *st);
int __fxstat64(int ver, int fd, struct stat64 *st);
int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st,
		 int flags);

/* signal.h declares it only for old X/Open. */
sighandler_t bsd_signal(int sig, sighandler_t handler);

#endif
