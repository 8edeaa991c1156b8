// SPDX-License-Identifier: GPL-2.0-only
/*
 * poll() and ppoll() on sets that hold uvfio files.
 *
 * A uvfio fd is a socket to the daemon on which nothing arrives unasked,
 * so the kernel's poll would call it writable and never readable. When a
 * set names one of ours, its readiness is the file's own (the daemon's
 * poll op, as the kernel's f_op->poll), asked for once per round; the
 * other fds are polled by the kernel in between, at most
 * POLL_ROUND_MS apart, until something is ready, the timeout passes or a
 * signal interrupts. Sets without our fds cost one table load per fd and
 * go straight to the C library.
 *
 * select() and pselect() do the same with their fd sets; epoll is in
 * epoll.c.
 */
#include "preload/preload.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/client.h"
#include "preload/fdtable.h"
#include "preload/symbols.h"
#include "preload/waits.h"
#include "uvfio/wire.h"

#define POLL_STACK_FDS		64


/* The C library's, called through types without that attribute. */
typedef int (*poll_fn)(struct pollfd *, nfds_t, int);
typedef int (*ppoll_fn)(struct pollfd *, nfds_t, const struct timespec *,
			const sigset_t *);

static int real_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	static void *slot;

	return ((poll_fn)preload_real("poll", &slot))(fds, nfds, timeout);
}

static int real_ppoll(struct pollfd *fds, nfds_t nfds,
		      const struct timespec *tmo, const sigset_t *ss)
{
	static void *slot;

	return ((ppoll_fn)preload_real("ppoll", &slot))(fds, nfds, tmo, ss);
}

static bool set_has_ours(const struct pollfd *fds, nfds_t nfds)
{
	nfds_t i;

	for (i = 0; i < nfds; i++) {
		struct ufile *uf;

		if (fds[i].fd < 0 || fdt_peek(fds[i].fd) == FDT_FOREIGN)
			continue;
		/* never seen: find out once, then it is one load again */
		uf = fdt_get(fds[i].fd);
		if (uf) {
			ufile_put(uf);
			return true;
		}
	}
	return false;
}

long poll_file_mask(int fd)
{
	struct ufile *uf = fdt_get(fd);
	struct uvfio_msg m = { .req = { .op = UVFIO_OP_POLL } };
	long mask;

	if (!uf)
		return -1;
	mask = ufile_call_nofd(uf, fd, &m);
	ufile_put(uf);
	return mask < 0 ? POLLERR : mask;
}

/* What a file of ours says it is ready for (DEFAULT_POLLMASK if mute). */
static short file_revents(int fd, short events)
{
	long mask = poll_file_mask(fd);

	if (mask < 0)
		return -1;
	return (short)(mask & (events | POLLERR | POLLHUP | POLLNVAL));
}

int64_t poll_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int poll_round_wait(int64_t deadline)
{
	int64_t left = deadline < 0 ? POLL_ROUND_MS : deadline - poll_now_ms();

	return left < 0 ? 0 : left > POLL_ROUND_MS ? POLL_ROUND_MS : (int)left;
}

/*
 * One round: our files' readiness into fds[].revents, the others' from
 * the kernel, waiting at most wait_ms for them. Returns the count of
 * ready entries, or -1 with errno (EINTR) as poll() does.
 */
static int poll_round(struct pollfd *fds, struct pollfd *shadow, nfds_t nfds,
		      int wait_ms, const sigset_t *ss)
{
	struct timespec tmo = { wait_ms / 1000, (wait_ms % 1000) * 1000000L };
	int ready = 0, rc;
	nfds_t i;

	for (i = 0; i < nfds; i++) {
		shadow[i] = fds[i];
		fds[i].revents = 0;
		if (fds[i].fd < 0)
			continue;
		rc = file_revents(fds[i].fd, fds[i].events);
		if (rc < 0)
			continue;	/* not ours: the kernel's */
		fds[i].revents = (short)rc;
		shadow[i].fd = -1;
		if (rc)
			ready++;
	}
	if (ready) {
		tmo = (struct timespec){ 0, 0 };
		wait_ms = 0;
	}
	rc = real_ppoll(shadow, nfds, wait_ms < 0 ? NULL : &tmo, ss);
	if (rc < 0)
		return ready ? ready : -1;
	for (i = 0; i < nfds; i++) {
		if (shadow[i].fd < 0)
			continue;
		fds[i].revents = shadow[i].revents;
		if (shadow[i].revents)
			ready++;
	}
	return ready;
}

/* timeout_ms < 0: forever. */
static int poll_mixed(struct pollfd *fds, nfds_t nfds, int timeout_ms,
		      const sigset_t *ss)
{
	struct pollfd stack[POLL_STACK_FDS], *shadow = stack;
	int64_t deadline = timeout_ms < 0 ? -1 : poll_now_ms() + timeout_ms;
	int rc;

	if (nfds > POLL_STACK_FDS) {
		shadow = calloc(nfds, sizeof(*shadow));
		if (!shadow) {
			errno = ENOMEM;
			return -1;
		}
	}
	for (;;) {
		rc = poll_round(fds, shadow, nfds, poll_round_wait(deadline),
				ss);
		if (rc != 0 || (deadline >= 0 && poll_now_ms() >= deadline))
			break;
	}
	if (shadow != stack)
		free(shadow);
	return rc;
}

static int timespec_ms(const struct timespec *tmo)
{
	int64_t ms;

	if (!tmo)
		return -1;
	ms = (int64_t)tmo->tv_sec * 1000 + (tmo->tv_nsec + 999999) / 1000000;
	return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

/*
 * The bodies live in functions of our own: glibc declares poll() and
 * ppoll() with an access attribute that says the array is only written,
 * which is false for the kernel's side and makes GCC warn here.
 */
static int uvfio_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	if (likely(!set_has_ours(fds, nfds)))
		return real_poll(fds, nfds, timeout);
	return poll_mixed(fds, nfds, timeout, NULL);
}

static int uvfio_ppoll(struct pollfd *fds, nfds_t nfds,
		       const struct timespec *tmo, const sigset_t *ss)
{
	if (likely(!set_has_ours(fds, nfds)))
		return real_ppoll(fds, nfds, tmo, ss);
	if (tmo && (tmo->tv_sec < 0 || tmo->tv_nsec < 0 ||
		    tmo->tv_nsec >= 1000000000)) {
		errno = EINVAL;
		return -1;
	}
	return poll_mixed(fds, nfds, timespec_ms(tmo), ss);
}

PRELOAD_EXPORT int poll(struct pollfd *fds, nfds_t nfds, int timeout)
	__attribute__((alias("uvfio_poll")));
PRELOAD_EXPORT int ppoll(struct pollfd *fds, nfds_t nfds,
			 const struct timespec *tmo, const sigset_t *ss)
	__attribute__((alias("uvfio_ppoll")));

PRELOAD_EXPORT int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout,
			      size_t fdslen)
{
	if (fdslen / sizeof(*fds) < nfds)
		__chk_fail();
	return uvfio_poll(fds, nfds, timeout);
}

PRELOAD_EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t nfds,
			       const struct timespec *tmo, const sigset_t *ss,
			       size_t fdslen)
{
	if (fdslen / sizeof(*fds) < nfds)
		__chk_fail();
	return uvfio_ppoll(fds, nfds, tmo, ss);
}
