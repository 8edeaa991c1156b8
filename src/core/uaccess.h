/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A client's address space, and copy_from_user/copy_to_user.
 *
 * The daemon reaches a client's memory with process_vm_readv/writev by
 * pid. A pid can be reused after its process is reaped, so every mm also
 * holds a pidfd: an access only counts when the pidfd still shows the
 * process alive after it (a dead process cannot come back, so "alive
 * afterwards" means the pid named it throughout).
 *
 * Polling the pidfd around every access made it the daemon's most frequent
 * system call (seven per ioctl). Within one request the caller's own mm is
 * instead checked twice: when the request starts (uvfio_mm_lookup) and
 * when it ends (uvfio_uaccess_end), which brackets every access the
 * request made to it. Other mms (DMA into memory another process mapped)
 * are still checked around each access.
 */
#ifndef UVFIO_UACCESS_H
#define UVFIO_UACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct uvfio_mm {
	pid_t pid;
	int pidfd;
	unsigned int refs;
	bool dead;
	bool watched;		/* the daemon loop reports its exit */		/* seen exited; never accessed again */
	bool in_request;	/* alive when the current request began */
	uint64_t pinned_pages;	/* accounting (pages.c) */
	struct uvfio_mm *hash_next;
};

/* Find or create the mm of a live process; NULL with errno on failure. */
struct uvfio_mm *uvfio_mm_lookup(pid_t pid);
struct uvfio_mm *uvfio_mm_get(struct uvfio_mm *mm);
void uvfio_mm_put(struct uvfio_mm *mm);
bool uvfio_mm_alive(struct uvfio_mm *mm);
/*
 * Bracket one request made by mm's process: accesses to mm in between
 * skip their own liveness checks; uvfio_uaccess_end() makes the closing
 * one (and marks the mm dead if its process exited meanwhile).
 */
void uvfio_uaccess_begin(struct uvfio_mm *mm);
void uvfio_uaccess_end(void);
/* Number of mm structures alive (for leak checks). */
unsigned int uvfio_mm_count(void);

/*
 * The daemon's main loop can watch pidfds for us, so that "is it alive"
 * costs no system call: set by the loop, unset (NULL) in unit tests.
 */
struct uvfio_mm_watcher {
	int (*watch)(int fd, void (*cb)(void *data), void *data);
	void (*unwatch)(int fd);
};
void uvfio_mm_set_watcher(const struct uvfio_mm_watcher *w);

/* 0 or -EFAULT. */
int uvfio_mm_read(struct uvfio_mm *mm, uint64_t uaddr, void *buf, size_t len);
/* Up to len bytes: how many could be read before a hole, or -EFAULT. */
ssize_t uvfio_mm_read_upto(struct uvfio_mm *mm, uint64_t uaddr, void *buf,
			   size_t len);
int uvfio_mm_write(struct uvfio_mm *mm, uint64_t uaddr, const void *buf,
		   size_t len);
/* Read a NUL-terminated string of at most max bytes (incl. NUL). */
int uvfio_mm_strncpy(struct uvfio_mm *mm, uint64_t uaddr, char *buf,
		     size_t max);

#endif
