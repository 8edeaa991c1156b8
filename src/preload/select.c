// SPDX-License-Identifier: GPL-2.0-only
/*
 * select() and pselect() on sets that hold uvfio files, as poll() does
 * (poll.c): our files' readiness comes from the daemon once per round,
 * the kernel waits on copies of the sets without them (it must never see
 * our sockets, which would poll writable and never readable) for at most
 * POLL_ROUND_MS in between. Sets without our fds cost one table load per
 * fd named and go straight to the C library.
 */
#include "preload/preload.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

#include "preload/fdtable.h"
#include "preload/waits.h"

#define WORD_BITS	(CHAR_BIT * sizeof(unsigned long))
#define STACK_WORDS	(FD_SETSIZE / WORD_BITS)

/* What the kernel's select counts as read, write and exception ready. */
#define SEL_IN	(POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define SEL_OUT	(POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)
#define SEL_EX	(POLLPRI)

static const short sel_mask[3] = { SEL_IN, SEL_OUT, SEL_EX };

/*
 * One select: the caller's three sets (any may be NULL) as words, and
 * our own arrays of `words` words each.
 */
struct sel {
	int nfds;
	size_t words;
	unsigned long *user[3];
	unsigned long *want[3];	/* the caller's request */
	unsigned long *got[3];	/* the kernel's copy, then the answer */
	unsigned long *mine[3];	/* our files' answer */
	unsigned long *ours;	/* fds that are uvfio files */
};

typedef int (*pselect_fn)(int, fd_set *, fd_set *, fd_set *,
			  const struct timespec *, const sigset_t *);

static int real_pselect(int nfds, fd_set *r, fd_set *w, fd_set *e,
			const struct timespec *tmo, const sigset_t *ss)
{
	static void *slot;

	return ((pselect_fn)preload_real("pselect", &slot))(nfds, r, w, e, tmo,
							     ss);
}

static unsigned long *words_of(fd_set *set)
{
	return (unsigned long *)(void *)set;
}

static size_t nwords(int nfds)
{
	return ((size_t)nfds + WORD_BITS - 1) / WORD_BITS;
}

/* Does any set name a uvfio fd? Only fds below FDT_MAX can be ours. */
static bool sets_have_ours(int nfds, fd_set *r, fd_set *w, fd_set *e)
{
	unsigned long *r_ = words_of(r), *w_ = words_of(w), *e_ = words_of(e);
	size_t i, n;

	if (nfds <= 0)
		return false;
	n = nwords(nfds > (int)FDT_MAX ? (int)FDT_MAX : nfds);
	for (i = 0; i < n; i++) {
		unsigned long bits = (r ? r_[i] : 0) | (w ? w_[i] : 0) |
				     (e ? e_[i] : 0);

		while (bits) {
			int fd = (int)(i * WORD_BITS) + __builtin_ctzl(bits);
			struct ufile *uf;

			bits &= bits - 1;
			if (fd >= nfds || fdt_peek(fd) == FDT_FOREIGN)
				continue;
			uf = fdt_get(fd);
			if (uf) {
				ufile_put(uf);
				return true;
			}
		}
	}
	return false;
}

static bool bit_test(const unsigned long *v, int fd)
{
	return v[fd / WORD_BITS] & (1UL << (fd % WORD_BITS));
}

static void bit_set(unsigned long *v, int fd)
{
	v[fd / WORD_BITS] |= 1UL << (fd % WORD_BITS);
}

/* Copy the request, and mark which of its fds are ours. */
static void sel_start(struct sel *s)
{
	size_t i, k;

	memset(s->ours, 0, s->words * sizeof(long));
	for (k = 0; k < 3; k++) {
		if (!s->user[k])
			continue;
		memcpy(s->want[k], s->user[k], s->words * sizeof(long));
		/* bits past nfds are not part of the request */
		if (s->nfds % WORD_BITS)
			s->want[k][s->words - 1] &=
				(1UL << (s->nfds % WORD_BITS)) - 1;
		for (i = 0; i < s->words; i++)
			s->ours[i] |= s->want[k][i];
	}
	for (i = 0; i < s->words; i++) {
		unsigned long bits = s->ours[i];

		s->ours[i] = 0;
		while (bits) {
			int fd = (int)(i * WORD_BITS) + __builtin_ctzl(bits);
			struct ufile *uf;

			bits &= bits - 1;
			uf = fdt_get(fd);
			if (uf) {
				ufile_put(uf);
				bit_set(s->ours, fd);
			}
		}
	}
}

/* Our files' answers into mine[], counted. */
static int sel_ours(struct sel *s)
{
	int ready = 0;
	size_t i, k;

	for (k = 0; k < 3; k++)
		memset(s->mine[k], 0, s->words * sizeof(long));
	for (i = 0; i < s->words; i++) {
		unsigned long bits = s->ours[i];

		while (bits) {
			int fd = (int)(i * WORD_BITS) + __builtin_ctzl(bits);
			long mask = poll_file_mask(fd);

			bits &= bits - 1;
			if (mask < 0)
				mask = 0;	/* closed under us */
			for (k = 0; k < 3; k++) {
				if (s->user[k] && bit_test(s->want[k], fd) &&
				    (mask & sel_mask[k])) {
					bit_set(s->mine[k], fd);
					ready++;
				}
			}
		}
	}
	return ready;
}

/*
 * One round: ours, then the kernel's fds, waiting at most wait_ms unless
 * ours are ready. The answer is left in got[]. Returns the count of
 * ready bits, or -1 with errno as select() does.
 */
static int sel_round(struct sel *s, int wait_ms, const sigset_t *ss)
{
	struct timespec tmo = { wait_ms / 1000, (wait_ms % 1000) * 1000000L };
	fd_set *kset[3];
	int ready = sel_ours(s), rc;
	size_t i, k;

	for (k = 0; k < 3; k++) {
		kset[k] = s->user[k] ? (fd_set *)(void *)s->got[k] : NULL;
		for (i = 0; s->user[k] && i < s->words; i++)
			s->got[k][i] = s->want[k][i] & ~s->ours[i];
	}
	if (ready)
		tmo = (struct timespec){ 0, 0 };
	rc = real_pselect(s->nfds, kset[0], kset[1], kset[2], &tmo, ss);
	if (rc < 0 && !ready)
		return -1;
	for (k = 0; k < 3; k++) {
		for (i = 0; s->user[k] && i < s->words; i++) {
			if (rc < 0)
				s->got[k][i] = 0;
			s->got[k][i] |= s->mine[k][i];
		}
	}
	return ready + (rc < 0 ? 0 : rc);
}

/* timeout_ms < 0: forever. */
static int sel_loop(struct sel *s, int timeout_ms, const sigset_t *ss)
{
	int64_t deadline = timeout_ms < 0 ? -1 : poll_now_ms() + timeout_ms;
	size_t k;
	int rc;

	sel_start(s);
	for (;;) {
		rc = sel_round(s, poll_round_wait(deadline), ss);
		if (rc != 0 || (deadline >= 0 && poll_now_ms() >= deadline))
			break;
	}
	if (rc < 0)
		return rc;
	for (k = 0; k < 3; k++) {
		if (s->user[k])
			memcpy(s->user[k], s->got[k], s->words * sizeof(long));
	}
	return rc;
}

/* 10 arrays: want, got and mine per set, and ours. */
static int sel_run(int nfds, fd_set *r, fd_set *w, fd_set *e, int timeout_ms,
		   const sigset_t *ss)
{
	unsigned long stack[10 * STACK_WORDS], *buf = stack;
	struct sel s = {
		.nfds = nfds, .words = nwords(nfds),
		.user = { words_of(r), words_of(w), words_of(e) },
	};
	size_t k;
	int rc;

	if (s.words > STACK_WORDS) {
		buf = calloc(10 * s.words, sizeof(long));
		if (!buf) {
			errno = ENOMEM;
			return -1;
		}
	}
	for (k = 0; k < 3; k++) {
		s.want[k] = buf + (3 * k) * s.words;
		s.got[k] = buf + (3 * k + 1) * s.words;
		s.mine[k] = buf + (3 * k + 2) * s.words;
	}
	s.ours = buf + 9 * s.words;
	rc = sel_loop(&s, timeout_ms, ss);
	if (buf != stack)
		free(buf);
	return rc;
}

static int ceil_ms(int64_t sec, int64_t nsec)
{
	int64_t ms = sec * 1000 + (nsec + 999999) / 1000000;

	return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

PRELOAD_EXPORT int select(int nfds, fd_set *r, fd_set *w, fd_set *e,
			  struct timeval *tv)
{
	static void *slot;
	int64_t deadline = 0;
	int ms = -1, rc;

	if (likely(!sets_have_ours(nfds, r, w, e)) ||
	    (tv && (tv->tv_sec < 0 || tv->tv_usec < 0)))
		return ((__typeof__(&select))preload_real("select", &slot))(
			nfds, r, w, e, tv);
	if (tv) {
		ms = ceil_ms(tv->tv_sec + tv->tv_usec / 1000000,
			     (tv->tv_usec % 1000000) * 1000);
		deadline = poll_now_ms() + ms;
	}
	rc = sel_run(nfds, r, w, e, ms, NULL);
	if (tv) {
		/* as Linux does: what is left of the timeout */
		int64_t left = deadline - poll_now_ms();

		if (left < 0)
			left = 0;
		tv->tv_sec = left / 1000;
		tv->tv_usec = (left % 1000) * 1000;
	}
	return rc;
}

PRELOAD_EXPORT int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e,
			   const struct timespec *tmo, const sigset_t *ss)
{
	if (likely(!sets_have_ours(nfds, r, w, e)) ||
	    (tmo && (tmo->tv_sec < 0 || tmo->tv_nsec < 0 ||
		     tmo->tv_nsec >= 1000000000)))
		return real_pselect(nfds, r, w, e, tmo, ss);
	return sel_run(nfds, r, w, e, tmo ? ceil_ms(tmo->tv_sec,
						    tmo->tv_nsec) : -1, ss);
}
