// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's side of the DMA agent (src/core/dma_agent.c) against a
 * scripted agent thread in this same process: requests of at most
 * UVFIO_AGENT_MAX_COPY in memmove's order, what is left undone after a
 * fault or a failure, and the agents the daemon gives up on (silent, out
 * of sequence, malformed, hung up) and whether they may register again.
 * Each scenario that ends an agent runs in a child process, since the
 * daemon keeps agents by pid.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/dma_agent.h"
#include "core/file.h"
#include "core/uaccess.h"
#include "uvfio/wire.h"
#include "../iommufd_unit/unit_test.h"

#define MIB		(1ull << 20)
#define BUF		(32 * MIB)
#define MAX_REQS	64

enum mode {
	AGENT_COPY,		/* memmove, answer 0 */
	AGENT_FAULT,		/* request fail_at: answer -EFAULT */
	AGENT_SILENT,		/* request fail_at: no answer */
	AGENT_BAD_SEQ,		/* request fail_at: the wrong seq */
	AGENT_SHORT,		/* request fail_at: half an answer */
	AGENT_HANGUP,		/* request fail_at: close the socket */
};

static struct {
	enum mode mode;
	unsigned int fail_at;
	unsigned int nreqs;
	struct uvfio_agent_req reqs[MAX_REQS];
} script;

static int agent_sock;
static uint8_t *buf;

static void *agent_main(void *arg)
{
	struct uvfio_agent_req req;
	struct uvfio_agent_resp resp;
	unsigned int n;

	(void)arg;
	while (recv(agent_sock, &req, sizeof(req), 0) == sizeof(req)) {
		n = script.nreqs++;
		if (n < MAX_REQS)
			script.reqs[n] = req;
		resp = (struct uvfio_agent_resp){ .seq = req.seq };
		if (script.mode == AGENT_COPY || n != script.fail_at) {
			memmove((void *)(uintptr_t)req.dst,
				(const void *)(uintptr_t)req.src, req.len);
		} else if (script.mode == AGENT_FAULT) {
			resp.status = -EFAULT;
		} else if (script.mode == AGENT_SILENT) {
			continue;
		} else if (script.mode == AGENT_BAD_SEQ) {
			resp.seq++;
		} else if (script.mode == AGENT_SHORT) {
			send(agent_sock, &resp, sizeof(resp) / 2, MSG_NOSIGNAL);
			continue;
		} else {
			break;
		}
		send(agent_sock, &resp, sizeof(resp), MSG_NOSIGNAL);
	}
	close(agent_sock);
	return NULL;
}

/* Register a new agent for this process; the daemon's verdict. */
static long attach(struct uvfio_mm *mm, pthread_t *th)
{
	struct uvfio_call call = { .pid = getpid(), .mm = mm, .n_in_fds = 1 };
	int sv[2];
	long rc;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		abort();
	call.in_fds[0] = sv[1];
	rc = uvfio_dma_agent_attach(&call);
	close(sv[1]);
	if (rc) {
		close(sv[0]);
		return rc;
	}
	agent_sock = sv[0];
	if (pthread_create(th, NULL, agent_main, NULL))
		abort();
	return 0;
}

static void fill(void)
{
	size_t i;

	for (i = 0; i < BUF; i += 8)
		*(uint64_t *)(buf + i) = i * 0x9e3779b97f4a7c15ull;
}

static uint64_t va(uint64_t off)
{
	return (uintptr_t)buf + off;
}

/* Big copies: forward in 4 MiB requests, backward when dst is above src. */
static void test_chunks(struct uvfio_mm *mm)
{
	struct uvfio_dma_agent_stats st0, st1;
	uint64_t off = 1, left = 1;
	uint8_t *ref = malloc(BUF);
	unsigned int i;

	fill();
	memcpy(ref, buf, BUF);
	uvfio_dma_agent_get_stats(&st0);
	script.nreqs = 0;
	CHECK_EQ(uvfio_dma_agent_copy(mm, va(16 * MIB), va(0), 9 * MIB - 4096,
				      &off, &left), 0);
	memmove(ref + 16 * MIB, ref, 9 * MIB - 4096);
	CHECK(!memcmp(buf, ref, BUF));
	CHECK_EQ(script.nreqs, 3);
	CHECK_EQ(script.reqs[0].len, UVFIO_AGENT_MAX_COPY);
	CHECK_EQ(script.reqs[0].dst, va(16 * MIB));
	CHECK_EQ(script.reqs[2].len, 1 * MIB - 4096);
	CHECK_EQ(script.reqs[2].src, va(8 * MIB));

	/* overlapping, dst above src: the last part first */
	script.nreqs = 0;
	CHECK_EQ(uvfio_dma_agent_copy(mm, va(MIB), va(0), 9 * MIB, &off, &left),
		 0);
	memmove(ref + MIB, ref, 9 * MIB);
	CHECK(!memcmp(buf, ref, BUF));
	CHECK_EQ(script.nreqs, 3);
	CHECK_EQ(script.reqs[0].src, va(5 * MIB));
	CHECK_EQ(script.reqs[1].src, va(1 * MIB));
	CHECK_EQ(script.reqs[2].src, va(0));
	CHECK_EQ(script.reqs[2].len, 1 * MIB);
	for (i = 0; i < script.nreqs; i++)
		CHECK(script.reqs[i].len <= UVFIO_AGENT_MAX_COPY);
	uvfio_dma_agent_get_stats(&st1);
	CHECK_EQ(st1.copies - st0.copies, 2);
	CHECK_EQ(st1.bytes - st0.bytes, 18 * MIB - 4096);
	CHECK_EQ(st1.fallbacks, st0.fallbacks);

	/* small copies are not worth a round trip */
	script.nreqs = 0;
	CHECK_EQ(uvfio_dma_agent_copy(mm, va(0), va(MIB), 4096, &off, &left),
		 -ENOENT);
	CHECK_EQ(off, 0);
	CHECK_EQ(left, 4096);
	CHECK_EQ(script.nreqs, 0);
	free(ref);
}

/* A fault: what is left is the faulting request and everything after it. */
static void test_fault(struct uvfio_mm *mm)
{
	struct uvfio_dma_agent_stats st0, st1;
	uint64_t off, left;

	uvfio_dma_agent_get_stats(&st0);
	script.mode = AGENT_FAULT;
	script.fail_at = 1;
	script.nreqs = 0;
	CHECK_EQ(uvfio_dma_agent_copy(mm, va(10 * MIB), va(0), 6 * MIB, &off,
				      &left), -EFAULT);
	CHECK_EQ(off, 4 * MIB);
	CHECK_EQ(left, 2 * MIB);
	script.nreqs = 0;
	CHECK_EQ(uvfio_dma_agent_copy(mm, va(MIB), va(0), 9 * MIB, &off, &left),
		 -EFAULT);
	CHECK_EQ(off, 0);
	CHECK_EQ(left, 5 * MIB);
	uvfio_dma_agent_get_stats(&st1);
	CHECK_EQ(st1.faults - st0.faults, 2);
	CHECK_EQ(st1.fallbacks - st0.fallbacks, 2);
	CHECK_EQ(st1.dropped, st0.dropped);
	/* a fault is not misbehaviour: the agent still serves */
	script.mode = AGENT_COPY;
	CHECK_EQ(uvfio_dma_agent_copy(mm, va(10 * MIB), va(0), 6 * MIB, &off,
				      &left), 0);
}

/*
 * In a child (a new pid): an agent that fails request 1 the given way.
 * Dropped agents are refused when they come back; one that merely hung
 * up may register again.
 */
static int run_failure(enum mode mode, bool banned)
{
	struct uvfio_dma_agent_stats st0, st1;
	struct uvfio_mm *mm = uvfio_mm_lookup(getpid());
	uint64_t off, left;
	pthread_t th;

	/* the parent's agent is not ours: forget our copy of it */
	uvfio_dma_agent_exit();
	if (!mm || attach(mm, &th))
		return 100;
	script.mode = mode;
	script.fail_at = 1;
	script.nreqs = 0;
	uvfio_dma_agent_get_stats(&st0);
	CHECK_EQ(uvfio_dma_agent_copy(mm, va(10 * MIB), va(0), 6 * MIB, &off,
				      &left), -EIO);
	CHECK_EQ(off, 4 * MIB);
	CHECK_EQ(left, 2 * MIB);
	uvfio_dma_agent_get_stats(&st1);
	CHECK_EQ(st1.fallbacks - st0.fallbacks, 1);
	CHECK_EQ(st1.dropped - st0.dropped, banned ? 1 : 0);
	CHECK_EQ(st1.agents, 0);
	/* no agent any more: nothing is asked */
	CHECK_EQ(uvfio_dma_agent_copy(mm, va(10 * MIB), va(0), 6 * MIB, &off,
				      &left), -ENOENT);
	CHECK_EQ(left, 6 * MIB);
	script.mode = AGENT_COPY;
	if (banned) {
		CHECK_EQ(attach(mm, &th), -EPERM);
	} else {
		pthread_join(th, NULL);
		CHECK_EQ(attach(mm, &th), 0);
		CHECK_EQ(uvfio_dma_agent_copy(mm, va(10 * MIB), va(0), 6 * MIB,
					      &off, &left), 0);
	}
	uvfio_dma_agent_exit();
	uvfio_mm_put(mm);
	return ut_failed ? 1 : 0;
}

static void test_failure(enum mode mode, bool banned)
{
	int status = -1;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0)
		_exit(run_failure(mode, banned));
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fprintf(stderr, "failure mode %d: child status 0x%x\n", mode,
			status);
}

int main(void)
{
	struct uvfio_mm *mm = uvfio_mm_lookup(getpid());
	struct uvfio_call call = { .pid = getpid() };
	pthread_t th;
	int sv[2];

	buf = mmap(NULL, BUF, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!mm || buf == MAP_FAILED) {
		perror("set-up");
		return 1;
	}
	CHECK_EQ(attach(mm, &th), 0);
	/* one agent per process; the socket must be made by the caller */
	CHECK_EQ(attach(mm, &th), -EBUSY);
	call.mm = mm;
	call.n_in_fds = 1;
	CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	call.in_fds[0] = sv[0];
	CHECK_EQ(uvfio_dma_agent_attach(&call), -EINVAL);
	close(sv[0]);
	close(sv[1]);
	call.pid = getppid();
	CHECK(!socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
	call.in_fds[0] = sv[0];
	CHECK_EQ(uvfio_dma_agent_attach(&call), -EPERM);
	close(sv[0]);
	close(sv[1]);

	test_chunks(mm);
	test_fault(mm);
	test_failure(AGENT_SILENT, true);
	test_failure(AGENT_BAD_SEQ, true);
	test_failure(AGENT_SHORT, true);
	test_failure(AGENT_HANGUP, false);

	uvfio_dma_agent_exit();
	pthread_join(th, NULL);
	uvfio_mm_put(mm);
	CHECK_EQ(uvfio_mm_count(), 0);
	return ut_summary();
}
