// SPDX-License-Identifier: GPL-2.0-only
/*
 * DMA agents.
 *
 * The daemon reaches a client's private anonymous memory only through
 * process_vm_readv/writev, so a device copy between two such ranges costs
 * two kernel copies through a bounce buffer, each pinning every page.
 * The interposer runs a thread in each client that maps memory for DMA
 * (src/preload/dma_agent.c). Once the IOMMU has translated and checked
 * both sides of a copy, the daemon asks that thread to memmove between
 * the two user addresses inside its own process: one copy, at memcpy
 * speed, and the same memory the process_vm path would have reached
 * (whatever is mapped at those addresses now).
 *
 * Trust: an agent is believed only about its own process's memory. It is
 * asked only for copies whose both sides belong to the process that
 * registered it, so whatever it does (copy, lie, do nothing) changes only
 * memory that process could have changed itself. It must not be able to
 * stall the single-threaded daemon: every answer is awaited for at most
 * AGENT_TIMEOUT_MS, and an agent that misses it, answers out of protocol,
 * or is repeatedly slow is dropped for the rest of its process's life.
 * A fault it reports (a side no longer mapped) sends the copy down the
 * process_vm path, which finds out which side is at fault.
 *
 * Agents are kept by pid, not on the uvfio_mm: an mm lives only while
 * something refers to it (a request in flight, mapped pages), an agent
 * as long as its process. Each agent holds its own pidfd, duplicated from
 * the registering request's mm; an agent and an mm name the same process
 * when they have the same pid and both pidfds show it alive. Agents of
 * processes that exited are reclaimed when another agent registers, and
 * when the statistics are read.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/dma_agent.h"
#include "core/file.h"
#include "core/log.h"
#include "core/uaccess.h"
#include "core/util.h"
#include "uvfio/spin.h"
#include "uvfio/wire.h"

/* How long one answer may take before the agent is given up. */
#define AGENT_TIMEOUT_MS	250
/* Answers slower than this are strikes; AGENT_MAX_STRIKES in a row drop it. */
#define AGENT_SLOW_NS		(20ull * 1000 * 1000)
#define AGENT_MAX_STRIKES	8
/*
 * Below this, process_vm_readv + writev of the bytes costs no more than a
 * round trip to the agent, which may have to be woken (measured: equal at
 * 128 KiB for a lone I/OAT descriptor, the agent 1.3x faster at 1 MiB).
 */
#define AGENT_MIN_COPY		(128u << 10)
/*
 * How long to poll for an answer before sleeping, per byte asked for: the
 * copy runs on another CPU at several GB/s, and a sleeping daemon pays a
 * wake-up (uvfio/spin.h) on every request.
 */
#define AGENT_SPIN_NS_PER_KIB	1000ull
#define AGENT_MAX		1024
#define AGENT_HASH		64

struct agent {
	struct agent *next;
	pid_t pid;
	int pidfd;		/* the process that registered it */
	int sock;		/* -1: dropped, refused until the process exits */
	uint64_t seq;
	unsigned int strikes;
};

static struct agent *agent_hash[AGENT_HASH];
static unsigned int nagents;
static struct uvfio_dma_agent_stats stats;

static struct agent **agent_slot(pid_t pid)
{
	return &agent_hash[(unsigned int)pid % AGENT_HASH];
}

static struct agent *agent_find(pid_t pid)
{
	struct agent *a;

	for (a = *agent_slot(pid); a; a = a->next)
		if (a->pid == pid)
			return a;
	return NULL;
}

static void agent_free(struct agent *a)
{
	struct agent **pp;

	for (pp = agent_slot(a->pid); *pp; pp = &(*pp)->next) {
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	}
	if (a->sock >= 0)
		close(a->sock);
	close(a->pidfd);
	free(a);
	nagents--;
}

/* Some of events (or a hang-up or error) is pending on fd now. */
static bool fd_pending(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, 0) > 0 &&
	       (p.revents & (events | POLLHUP | POLLERR | POLLNVAL));
}

/* A pidfd polls readable once its process has exited. */
static bool agent_exited(struct agent *a)
{
	return fd_pending(a->pidfd, POLLIN);
}

static bool agent_hung_up(struct agent *a)
{
	return fd_pending(a->sock, POLLRDHUP);
}

/*
 * The agent broke the protocol or the time limit: stop asking it, and
 * refuse a new one from the same process, so it costs the daemon the
 * wait at most once.
 */
static void agent_drop(struct agent *a, const char *what)
{
	pr_warn("the DMA agent of pid %d %s; dropped it: device copies within "
		"that process's private memory now go through "
		"process_vm_readv/writev (slower) until it exits. Restart the "
		"program to get the fast path back", (int)a->pid, what);
	close(a->sock);
	a->sock = -1;
	stats.dropped++;
}

/* Its end closed (exit, exec, or the program closed it): forget it. */
static void agent_gone(struct agent *a)
{
	pr_debug("the DMA agent of pid %d hung up", (int)a->pid);
	agent_free(a);
}

/*
 * Wait for one answer until deadline: its length, 0 on hang-up,
 * -ETIMEDOUT, or another negative errno.
 */
static ssize_t agent_recv(struct agent *a, struct uvfio_agent_resp *resp,
			  size_t cap, uint64_t spin, uint64_t deadline)
{
	ssize_t n;

	for (;;) {
		struct pollfd p = { .fd = a->sock, .events = POLLIN };
		uint64_t now;

		n = recv(a->sock, resp, cap, MSG_DONTWAIT);
		if (n >= 0)
			return n;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		if (uvfio_spin_again(spin))
			continue;
		now = uvfio_spin_now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		poll(&p, 1, (int)((deadline - now + 999999) / 1000000));
	}
}

/* Judge an answer; 0 (copied), -EFAULT, or -EIO (the agent is gone). */
static int agent_verdict(struct agent *a, ssize_t n,
			 const struct uvfio_agent_resp *resp, uint64_t seq,
			 uint64_t took)
{
	char what[128];

	if (n == 0) {
		agent_gone(a);
		return -EIO;
	}
	if (n == -ETIMEDOUT) {
		snprintf(what, sizeof(what), "did not answer a copy request "
			 "within %d ms (is the process stopped?)",
			 AGENT_TIMEOUT_MS);
	} else if (n < 0) {
		snprintf(what, sizeof(what), "could not be read: %s",
			 strerror((int)-n));
	} else if ((size_t)n != sizeof(*resp)) {
		snprintf(what, sizeof(what), "answered with %zd bytes, not %zu",
			 n, sizeof(*resp));
	} else if (resp->seq != seq) {
		snprintf(what, sizeof(what), "answered request %llu when asked "
			 "%llu", (unsigned long long)resp->seq,
			 (unsigned long long)seq);
	} else if (resp->status == -EFAULT) {
		stats.faults++;
		return -EFAULT;
	} else if (resp->status) {
		snprintf(what, sizeof(what), "answered with status %d",
			 (int)resp->status);
	} else if (took <= AGENT_SLOW_NS) {
		/* a busy machine may delay a few answers; only a run counts */
		a->strikes = 0;
		return 0;
	} else if (++a->strikes >= AGENT_MAX_STRIKES) {
		/* This copy is done; later ones would keep everyone waiting. */
		snprintf(what, sizeof(what), "took more than %llu ms to answer "
			 "%d times in a row", AGENT_SLOW_NS / 1000000,
			 AGENT_MAX_STRIKES);
		agent_drop(a, what);
		return 0;
	} else {
		return 0;
	}
	agent_drop(a, what);
	return -EIO;
}

/* One request and its answer: 0, -EFAULT, or -EIO (the agent is gone). */
static int agent_exchange(struct agent *a, uint64_t dst, uint64_t src,
			  uint64_t len)
{
	struct uvfio_agent_req req = {
		.op = UVFIO_AGENT_COPY, .seq = ++a->seq,
		.dst = dst, .src = src, .len = len,
	};
	/* room for one byte too many, to see an oversized answer */
	struct uvfio_agent_resp resp[2];
	uint64_t start = uvfio_spin_now_ns();
	uint64_t spin = uvfio_spin_open();
	ssize_t n;

	n = send(a->sock, &req, sizeof(req), MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
		agent_gone(a);
		return -EIO;
	}
	if (n != (ssize_t)sizeof(req)) {
		agent_drop(a, n < 0 && errno == EAGAIN ?
			   "does not read its requests" :
			   "could not be sent a request");
		return -EIO;
	}
	if (spin)
		spin += (len >> 10) * AGENT_SPIN_NS_PER_KIB;
	n = agent_recv(a, resp, sizeof(resp), spin,
		       start + AGENT_TIMEOUT_MS * 1000000ull);
	return agent_verdict(a, n, resp, req.seq,
			     uvfio_spin_now_ns() - start);
}

int uvfio_dma_agent_copy(struct uvfio_mm *mm, uint64_t dst, uint64_t src,
			 uint64_t len, uint64_t *ret_off, uint64_t *ret_len)
{
	/* memmove's order: from the end when dst overlaps src from above */
	bool backward = dst > src && dst - src < len;
	uint64_t done = 0, chunk, off;
	struct agent *a;
	int rc = 0;

	*ret_off = 0;
	*ret_len = len;
	if (len < AGENT_MIN_COPY)
		return -ENOENT;
	a = agent_find(mm->pid);
	if (!a || a->sock < 0 || !uvfio_mm_alive(mm))
		return -ENOENT;
	if (agent_exited(a)) {
		agent_free(a);
		return -ENOENT;
	}
	while (done < len) {
		chunk = min_t(uint64_t, len - done, UVFIO_AGENT_MAX_COPY);
		off = backward ? len - done - chunk : done;
		rc = agent_exchange(a, dst + off, src + off, chunk);
		if (rc)
			break;
		done += chunk;
		/* dropped for slowness after a good answer */
		if (done < len && a->sock < 0) {
			rc = -EIO;
			break;
		}
	}
	if (!rc) {
		stats.copies++;
		stats.bytes += len;
		return 0;
	}
	stats.fallbacks++;
	*ret_off = backward ? 0 : done;
	*ret_len = len - done;
	return rc;
}

/* A connected SOCK_SEQPACKET AF_UNIX socket made by process pid. */
static int check_socket(int fd, pid_t pid)
{
	int domain = 0, type = 0;
	socklen_t len = sizeof(int);
	struct ucred cr;

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) ||
	    domain != AF_UNIX)
		return -EINVAL;
	len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) ||
	    type != SOCK_SEQPACKET)
		return -EINVAL;
	/* For a socketpair, the peer's credentials are its creator's. */
	len = sizeof(cr);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) ||
	    cr.pid != pid)
		return -EPERM;
	return 0;
}

/* Forget agents whose process exited or whose socket hung up. */
static void agents_sweep(void)
{
	struct agent *a, *next;
	unsigned int i;

	for (i = 0; i < AGENT_HASH; i++) {
		for (a = agent_hash[i]; a; a = next) {
			next = a->next;
			if (agent_exited(a) || (a->sock >= 0 && agent_hung_up(a)))
				agent_free(a);
		}
	}
}

long uvfio_dma_agent_attach(struct uvfio_call *call)
{
	struct agent *a;
	int rc;

	if (call->n_in_fds != 1 || call->in_payload_len)
		return -EINVAL;
	if (!call->mm)
		return -ESRCH;
	rc = check_socket(call->in_fds[0], call->pid);
	if (rc)
		return rc;
	agents_sweep();
	a = agent_find(call->pid);
	if (a)
		return a->sock < 0 ? -EPERM : -EBUSY;
	if (nagents >= AGENT_MAX)
		return -ENOSPC;
	a = uvfio_zalloc(sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->pid = call->pid;
	a->pidfd = fcntl(call->mm->pidfd, F_DUPFD_CLOEXEC, 0);
	if (a->pidfd < 0) {
		rc = -errno;
		goto err_free;
	}
	a->sock = fcntl(call->in_fds[0], F_DUPFD_CLOEXEC, 0);
	if (a->sock < 0) {
		rc = -errno;
		goto err_pidfd;
	}
	a->next = *agent_slot(a->pid);
	*agent_slot(a->pid) = a;
	nagents++;
	pr_debug("pid %d: DMA agent attached", (int)a->pid);
	return 0;
err_pidfd:
	close(a->pidfd);
err_free:
	free(a);
	return rc;
}

void uvfio_dma_agent_exit(void)
{
	unsigned int i;

	for (i = 0; i < AGENT_HASH; i++)
		while (agent_hash[i])
			agent_free(agent_hash[i]);
}

void uvfio_dma_agent_get_stats(struct uvfio_dma_agent_stats *st)
{
	struct agent *a;
	unsigned int i;

	agents_sweep();
	*st = stats;
	st->agents = 0;
	for (i = 0; i < AGENT_HASH; i++)
		for (a = agent_hash[i]; a; a = a->next)
			st->agents += a->sock >= 0;
}
