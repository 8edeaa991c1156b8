// SPDX-License-Identifier: GPL-2.0-only
/*
 * Client address spaces. An mm is shared by every request and every DMA
 * mapping that refers to the same process, found through a small hash by
 * pid. It is dropped from the hash as soon as the process is seen dead,
 * so a new process that reuses the pid gets a fresh mm and a fresh pidfd.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/uaccess.h"
#include "core/util.h"

#define MM_HASH_SIZE 256

static struct uvfio_mm *mm_hash[MM_HASH_SIZE];
static unsigned int mm_count;
/* The caller of the request being handled (see uvfio_uaccess_begin). */
static struct uvfio_mm *request_mm;
static const struct uvfio_mm_watcher *watcher;

void uvfio_mm_set_watcher(const struct uvfio_mm_watcher *w)
{
	watcher = w;
}

static struct uvfio_mm **mm_slot(pid_t pid)
{
	return &mm_hash[(unsigned int)pid % MM_HASH_SIZE];
}

static void mm_unhash(struct uvfio_mm *mm)
{
	struct uvfio_mm **pp;

	for (pp = mm_slot(mm->pid); *pp; pp = &(*pp)->hash_next) {
		if (*pp == mm) {
			*pp = mm->hash_next;
			mm->hash_next = NULL;
			return;
		}
	}
}

static void mm_unwatch(struct uvfio_mm *mm)
{
	if (!mm->watched)
		return;
	if (watcher)
		watcher->unwatch(mm->pidfd);
	mm->watched = false;
}

/* The main loop saw the pidfd readable: the process has exited. */
static void mm_exited(void *data)
{
	struct uvfio_mm *mm = data;

	mm_unwatch(mm);
	if (!mm->dead) {
		mm->dead = true;
		mm_unhash(mm);
	}
}

static bool mm_poll_alive(struct uvfio_mm *mm)
{
	struct pollfd pfd = { .fd = mm->pidfd, .events = POLLIN };

	if (mm->dead)
		return false;
	/*
	 * Watched: the loop marks it dead when the exit is reported. The
	 * only window is an exit and a reuse of the pid inside one batch
	 * of events (docs/deviations.md).
	 */
	if (mm->watched)
		return true;
	/* A pidfd polls readable once its process has exited. */
	if (poll(&pfd, 1, 0) != 0) {
		mm->dead = true;
		mm_unhash(mm);
		return false;
	}
	return true;
}

bool uvfio_mm_alive(struct uvfio_mm *mm)
{
	/* The closing check of the request vouches for this access. */
	if (mm == request_mm && mm->in_request && !mm->dead)
		return true;
	return mm_poll_alive(mm);
}

void uvfio_uaccess_begin(struct uvfio_mm *mm)
{
	/* uvfio_mm_lookup() has just seen it alive. */
	request_mm = mm;
	mm->in_request = true;
}

void uvfio_uaccess_end(void)
{
	struct uvfio_mm *mm = request_mm;

	if (!mm)
		return;
	request_mm = NULL;
	mm->in_request = false;
	mm_poll_alive(mm);
}

struct uvfio_mm *uvfio_mm_lookup(pid_t pid)
{
	struct uvfio_mm *mm;
	int pidfd;

	for (mm = *mm_slot(pid); mm; mm = mm->hash_next) {
		if (mm->pid == pid && mm_poll_alive(mm))
			return uvfio_mm_get(mm);
		if (mm->pid == pid)
			break;	/* unhashed by uvfio_mm_alive() */
	}
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return NULL;
	mm = uvfio_zalloc(sizeof(*mm));
	if (!mm) {
		close(pidfd);
		errno = ENOMEM;
		return NULL;
	}
	mm->pid = pid;
	mm->pidfd = pidfd;
	mm->refs = 1;
	if (watcher && !watcher->watch(pidfd, mm_exited, mm))
		mm->watched = true;
	mm->hash_next = *mm_slot(pid);
	*mm_slot(pid) = mm;
	mm_count++;
	return mm;
}

struct uvfio_mm *uvfio_mm_get(struct uvfio_mm *mm)
{
	mm->refs++;
	return mm;
}

void uvfio_mm_put(struct uvfio_mm *mm)
{
	if (!mm || --mm->refs)
		return;
	if (mm == request_mm)
		request_mm = NULL;
	if (!mm->dead)
		mm_unhash(mm);
	mm_unwatch(mm);
	close(mm->pidfd);
	free(mm);
	mm_count--;
}

unsigned int uvfio_mm_count(void)
{
	return mm_count;
}

int uvfio_mm_read(struct uvfio_mm *mm, uint64_t uaddr, void *buf, size_t len)
{
	ssize_t n = uvfio_mm_read_upto(mm, uaddr, buf, len);

	if (n < 0 || (size_t)n != len)
		return -EFAULT;
	return 0;
}

ssize_t uvfio_mm_read_upto(struct uvfio_mm *mm, uint64_t uaddr, void *buf,
			   size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)uaddr,
				.iov_len = len };
	ssize_t n;

	if (!len)
		return 0;
	if (mm->dead || uaddr + len < uaddr)
		return -EFAULT;
	/* A short count is a read that ran into an unmapped page. */
	n = process_vm_readv(mm->pid, &local, 1, &remote, 1, 0);
	if (n < 0 || !uvfio_mm_alive(mm))
		return -EFAULT;
	return n;
}

int uvfio_mm_write(struct uvfio_mm *mm, uint64_t uaddr, const void *buf,
		   size_t len)
{
	struct iovec local = { .iov_base = (void *)buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)uaddr,
				.iov_len = len };
	ssize_t n;

	if (!len)
		return 0;
	/* Checked before as well: a write must never reach a reused pid. */
	if (uaddr + len < uaddr || !uvfio_mm_alive(mm))
		return -EFAULT;
	n = process_vm_writev(mm->pid, &local, 1, &remote, 1, 0);
	if (n != (ssize_t)len || !uvfio_mm_alive(mm))
		return -EFAULT;
	return 0;
}

int uvfio_mm_strncpy(struct uvfio_mm *mm, uint64_t uaddr, char *buf,
		     size_t max)
{
	size_t done = 0;

	/* Page by page, so a string ending before an unmapped page works. */
	while (done < max) {
		uint64_t addr = uaddr + done;
		size_t chunk = 4096 - (addr & 4095);
		char *nul;

		if (chunk > max - done)
			chunk = max - done;
		if (uvfio_mm_read(mm, addr, buf + done, chunk))
			return -EFAULT;
		nul = memchr(buf + done, 0, chunk);
		if (nul)
			return 0;
		done += chunk;
	}
	return -ENAMETOOLONG;
}
