// SPDX-License-Identifier: GPL-2.0-only
/*
 * epoll on uvfio files.
 *
 * The kernel cannot watch a uvfio fd (a socket on which nothing arrives
 * unasked), so epoll_ctl() on one never reaches it: we keep, per epoll
 * fd, a registry of the uvfio fds added to it, with their events and
 * data, and answer ADD/MOD/DEL as the kernel would. epoll_wait() on an
 * epoll fd that has such entries asks each of them for its readiness
 * (the daemon's poll op) and lets the kernel wait on the rest of the set
 * for at most POLL_ROUND_MS in between, as poll() does (poll.c).
 * EPOLLONESHOT disarms an entry once reported; EPOLLET reports only what
 * was not ready when last looked at. Epoll fds without uvfio entries cost
 * one load and go straight to the C library.
 *
 * The registry lock is never held across a round trip or a wait.
 */
#include "preload/preload.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>

#include "preload/fdtable.h"
#include "preload/waits.h"

#define EP_STACK_ITEMS		32

/* What the kernel accepts with EPOLLEXCLUSIVE. */
#define EP_EXCLUSIVE_OK	(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP |	\
			 EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)

struct ep_item {
	int fd;
	uint32_t events;	/* as registered, flags included */
	epoll_data_t data;
	uint32_t seen;		/* EPOLLET: the mask when last looked at */
	bool disarmed;		/* EPOLLONESHOT: reported since the last MOD */
	uint64_t gen;		/* new on ADD and MOD: a stale look is dropped */
};

struct ep_set {
	int epfd;
	unsigned int n, cap;
	unsigned int rot;	/* where the next look starts, for fairness */
	struct ep_item *items;
	struct ep_set *next;
};

/* A look at one entry, taken without the lock. */
struct ep_look {
	int fd;
	uint64_t gen;
	long mask;
};

static pthread_mutex_t ep_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ep_set *ep_sets;
static uint64_t ep_gen;
atomic_uint epoll_nsets;

typedef int (*epoll_ctl_fn)(int, int, int, struct epoll_event *);
typedef int (*epoll_wait_fn)(int, struct epoll_event *, int, int);
typedef int (*epoll_pwait_fn)(int, struct epoll_event *, int, int,
			      const sigset_t *);
typedef int (*epoll_pwait2_fn)(int, struct epoll_event *, int,
			       const struct timespec *, const sigset_t *);

static int real_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	static void *slot;

	return ((epoll_ctl_fn)preload_real("epoll_ctl", &slot))(epfd, op, fd,
								 ev);
}

static int real_epoll_pwait(int epfd, struct epoll_event *evs, int max,
			    int timeout, const sigset_t *ss)
{
	static void *slot;

	return ((epoll_pwait_fn)preload_real("epoll_pwait", &slot))(
		epfd, evs, max, timeout, ss);
}

/* Under ep_lock. */
static struct ep_set *set_find(int epfd, struct ep_set ***link)
{
	struct ep_set **pp, *s;

	for (pp = &ep_sets; (s = *pp); pp = &s->next) {
		if (s->epfd == epfd)
			break;
	}
	if (link)
		*link = pp;
	return s;
}

static struct ep_item *item_find(struct ep_set *s, int fd)
{
	unsigned int i;

	for (i = 0; s && i < s->n; i++) {
		if (s->items[i].fd == fd)
			return &s->items[i];
	}
	return NULL;
}

static void set_unlink(struct ep_set **link)
{
	struct ep_set *s = *link;

	*link = s->next;
	free(s->items);
	free(s);
	atomic_fetch_sub_explicit(&epoll_nsets, 1, memory_order_relaxed);
}

static int item_add(int epfd, int fd, const struct epoll_event *ev)
{
	struct ep_set **link, *s = set_find(epfd, &link);
	struct ep_item *items;

	if (item_find(s, fd))
		return -EEXIST;
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -ENOMEM;
		s->epfd = epfd;
		*link = s;
		atomic_fetch_add_explicit(&epoll_nsets, 1,
					  memory_order_relaxed);
	}
	if (s->n == s->cap) {
		unsigned int cap = s->cap ? 2 * s->cap : 4;

		items = realloc(s->items, cap * sizeof(*items));
		if (!items) {
			if (!s->n)
				set_unlink(link);
			return -ENOMEM;
		}
		s->items = items;
		s->cap = cap;
	}
	s->items[s->n++] = (struct ep_item){
		.fd = fd, .events = ev->events, .data = ev->data,
		.gen = ++ep_gen,
	};
	return 0;
}

static int item_mod(int epfd, int fd, const struct epoll_event *ev)
{
	struct ep_item *it = item_find(set_find(epfd, NULL), fd);

	if (!it)
		return -ENOENT;
	if (it->events & EPOLLEXCLUSIVE)
		return -EINVAL;
	/* re-armed, and looked at afresh: ready now is reported (EPOLLET) */
	*it = (struct ep_item){
		.fd = fd, .events = ev->events, .data = ev->data,
		.gen = ++ep_gen,
	};
	return 0;
}

static int item_del(int epfd, int fd)
{
	struct ep_set **link, *s = set_find(epfd, &link);
	struct ep_item *it = item_find(s, fd);

	if (!it)
		return -ENOENT;
	*it = s->items[--s->n];
	if (!s->n)
		set_unlink(link);
	return 0;
}

/*
 * Is epfd an epoll fd that fd could be added to? The kernel says, for a
 * DEL of fd, which it never saw: ENOENT means yes; EBADF or EINVAL are
 * its answer for any op. (Had it seen fd, the DEL is what we want too.)
 */
static int check_epfd(int epfd, int fd)
{
	int saved = errno, rc;

	rc = real_epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
	if (rc < 0 && errno != ENOENT)
		return -errno;
	errno = saved;
	return 0;
}

static int ctl_ours(int epfd, int op, int fd, struct epoll_event *ev)
{
	bool has_event = op != EPOLL_CTL_DEL;
	int rc;

	if (has_event && !ev)
		return -EFAULT;
	rc = check_epfd(epfd, fd);
	if (rc)
		return rc;
	if (has_event && (ev->events & EPOLLEXCLUSIVE) &&
	    (op == EPOLL_CTL_MOD || (ev->events & ~EP_EXCLUSIVE_OK)))
		return -EINVAL;
	if (epfd == fd)
		return -EINVAL;

	pthread_mutex_lock(&ep_lock);
	switch (op) {
	case EPOLL_CTL_ADD:
		rc = item_add(epfd, fd, ev);
		break;
	case EPOLL_CTL_MOD:
		rc = item_mod(epfd, fd, ev);
		break;
	case EPOLL_CTL_DEL:
		rc = item_del(epfd, fd);
		break;
	default:
		rc = -EINVAL;
		break;
	}
	pthread_mutex_unlock(&ep_lock);
	return rc;
}

PRELOAD_EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	struct ufile *uf = fdt_get(fd);

	if (likely(!uf))
		return real_epoll_ctl(epfd, op, fd, ev);
	ufile_put(uf);
	return (int)ret_errno(ctl_ours(epfd, op, fd, ev));
}

static bool has_ours(int epfd)
{
	bool found;

	if (likely(!atomic_load_explicit(&epoll_nsets, memory_order_relaxed)))
		return false;
	pthread_mutex_lock(&ep_lock);
	found = set_find(epfd, NULL) != NULL;
	pthread_mutex_unlock(&ep_lock);
	return found;
}

/* The armed entries of epfd, into *looks (n of them); -ENOMEM. */
static int take_looks(int epfd, struct ep_look *stack, struct ep_look **looks,
		      unsigned int *n)
{
	struct ep_set *s;
	unsigned int i, k = 0;
	int rc = 0;

	*looks = stack;
	pthread_mutex_lock(&ep_lock);
	s = set_find(epfd, NULL);
	if (s && s->n > EP_STACK_ITEMS) {
		*looks = malloc(s->n * sizeof(**looks));
		if (!*looks) {
			*looks = stack;
			rc = -ENOMEM;
			s = NULL;
		}
	}
	for (i = 0; s && i < s->n; i++) {
		struct ep_item *it = &s->items[(s->rot + i) % s->n];

		if (it->disarmed)
			continue;
		(*looks)[k++] = (struct ep_look){ .fd = it->fd, .gen = it->gen };
	}
	if (s && s->n)
		s->rot = (s->rot + 1) % s->n;
	pthread_mutex_unlock(&ep_lock);
	*n = k;
	return rc;
}

/*
 * Fill evs with what the looks found, at most max; the registry's
 * one-shot and edge state follows. Returns how many were filled.
 */
static int report_looks(int epfd, const struct ep_look *looks, unsigned int n,
			struct epoll_event *evs, int max)
{
	struct ep_set *s;
	unsigned int i;
	int out = 0;

	pthread_mutex_lock(&ep_lock);
	s = set_find(epfd, NULL);
	for (i = 0; s && i < n && out < max; i++) {
		struct ep_item *it = item_find(s, looks[i].fd);
		uint32_t r;

		if (!it || it->gen != looks[i].gen || it->disarmed)
			continue;
		r = (uint32_t)looks[i].mask &
		    (it->events | EPOLLERR | EPOLLHUP);
		if (it->events & EPOLLET) {
			uint32_t fresh = r & ~it->seen;

			it->seen = r;
			if (!fresh)
				continue;
		}
		if (!r)
			continue;
		evs[out++] = (struct epoll_event){ .events = r, .data = it->data };
		if (it->events & EPOLLONESHOT)
			it->disarmed = true;
	}
	pthread_mutex_unlock(&ep_lock);
	return out;
}

/* Our entries of epfd that are ready, into evs; -errno. */
static int ours_ready(int epfd, struct epoll_event *evs, int max)
{
	struct ep_look stack[EP_STACK_ITEMS], *looks;
	unsigned int i, n;
	int rc;

	rc = take_looks(epfd, stack, &looks, &n);
	for (i = 0; i < n; i++) {
		looks[i].mask = poll_file_mask(looks[i].fd);
		if (looks[i].mask < 0)
			looks[i].mask = 0;	/* no longer ours: closing */
	}
	if (!rc)
		rc = report_looks(epfd, looks, n, evs, max);
	if (looks != stack)
		free(looks);
	return rc;
}

/* timeout_ms < 0: forever. */
static int wait_mixed(int epfd, struct epoll_event *evs, int max,
		      int timeout_ms, const sigset_t *ss)
{
	int64_t deadline = timeout_ms < 0 ? -1 : poll_now_ms() + timeout_ms;

	for (;;) {
		int wait = poll_round_wait(deadline);
		int n = ours_ready(epfd, evs, max), rc;

		if (n < 0)
			return (int)ret_errno(n);
		if (n < max) {
			rc = real_epoll_pwait(epfd, evs + n, max - n,
					      n ? 0 : wait, ss);
			if (rc < 0)
				return n ? n : -1;
			n += rc;
		}
		if (n || (deadline >= 0 && poll_now_ms() >= deadline))
			return n;
	}
}

/*
 * The bodies live in functions of our own: glibc declares the epoll_wait
 * family with an access attribute that calls the array write-only,
 * which makes GCC warn about passing it on.
 */
static int uvfio_epoll_wait(int epfd, struct epoll_event *evs, int max,
			    int timeout)
{
	static void *slot;

	if (likely(!has_ours(epfd)) || max <= 0)
		return ((epoll_wait_fn)preload_real("epoll_wait", &slot))(
			epfd, evs, max, timeout);
	return wait_mixed(epfd, evs, max, timeout, NULL);
}

static int uvfio_epoll_pwait(int epfd, struct epoll_event *evs, int max,
			     int timeout, const sigset_t *ss)
{
	if (likely(!has_ours(epfd)) || max <= 0)
		return real_epoll_pwait(epfd, evs, max, timeout, ss);
	return wait_mixed(epfd, evs, max, timeout, ss);
}

static int uvfio_epoll_pwait2(int epfd, struct epoll_event *evs, int max,
			      const struct timespec *tmo, const sigset_t *ss)
{
	static void *slot;
	int64_t ms;

	if (likely(!has_ours(epfd)) || max <= 0 ||
	    (tmo && (tmo->tv_sec < 0 || tmo->tv_nsec < 0 ||
		     tmo->tv_nsec >= 1000000000)))
		return ((epoll_pwait2_fn)preload_real("epoll_pwait2", &slot))(
			epfd, evs, max, tmo, ss);
	if (!tmo)
		return wait_mixed(epfd, evs, max, -1, ss);
	ms = (int64_t)tmo->tv_sec * 1000 + (tmo->tv_nsec + 999999) / 1000000;
	return wait_mixed(epfd, evs, max, ms > INT32_MAX ? INT32_MAX : (int)ms,
			  ss);
}

PRELOAD_EXPORT int epoll_wait(int epfd, struct epoll_event *evs, int max,
			      int timeout)
	__attribute__((alias("uvfio_epoll_wait")));
PRELOAD_EXPORT int epoll_pwait(int epfd, struct epoll_event *evs, int max,
			       int timeout, const sigset_t *ss)
	__attribute__((alias("uvfio_epoll_pwait")));
PRELOAD_EXPORT int epoll_pwait2(int epfd, struct epoll_event *evs, int max,
				const struct timespec *tmo, const sigset_t *ss)
	__attribute__((alias("uvfio_epoll_pwait2")));

void epoll_forget_range(unsigned int lo, unsigned int hi)
{
	struct ep_set **pp = &ep_sets, *s;

	pthread_mutex_lock(&ep_lock);
	while ((s = *pp)) {
		unsigned int i = 0;

		if ((unsigned int)s->epfd >= lo && (unsigned int)s->epfd <= hi) {
			set_unlink(pp);
			continue;
		}
		while (i < s->n) {
			if ((unsigned int)s->items[i].fd >= lo &&
			    (unsigned int)s->items[i].fd <= hi)
				s->items[i] = s->items[--s->n];
			else
				i++;
		}
		if (!s->n) {
			set_unlink(pp);
			continue;
		}
		pp = &s->next;
	}
	pthread_mutex_unlock(&ep_lock);
}

/* A fork while another thread holds the lock must not leave it held. */
static void ep_atfork_prepare(void)
{
	pthread_mutex_lock(&ep_lock);
}

static void ep_atfork_release(void)
{
	pthread_mutex_unlock(&ep_lock);
}

__attribute__((constructor)) static void ep_init(void)
{
	pthread_atfork(ep_atfork_prepare, ep_atfork_release, ep_atfork_release);
}
