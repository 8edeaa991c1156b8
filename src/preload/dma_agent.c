// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DMA agent: a thread of ours in the program that copies between two
 * ranges of the program's own memory when the daemon asks.
 *
 * A device copy between two ranges of private anonymous memory would
 * otherwise go through the daemon as process_vm_readv into a bounce
 * buffer and process_vm_writev out (src/core/dma_agent.c says more). The
 * daemon has already translated both sides through the IOMMU and checked
 * them; what it sends is two of our addresses and a length, and what it
 * gets back is 0 or -EFAULT.
 *
 * It starts once per process, on the first ioctl that maps user memory
 * for DMA (IOMMU_IOAS_MAP, VFIO_IOMMU_MAP_DMA): a SOCK_SEQPACKET pair,
 * one end sent to the daemon (UVFIO_OP_DMA_AGENT on a broker connection,
 * which carries our credentials), the other served by the thread.
 * UVFIO_DMA_AGENT=0 in the environment turns it off.
 *
 * What the program could notice, and why it is harmless:
 *  - One more thread ("uvfio-dma"), with every signal blocked except while
 *    it copies, when SIGSEGV and SIGBUS must reach it (a thread that
 *    faults with them blocked is killed).
 *  - One close-on-exec socket. If the program closes it (closefrom()
 *    before exec, a dup2 over it), the thread is stopped first, so it
 *    never touches a number the program reuses; the next map starts a
 *    new agent.
 *  - The SIGSEGV and SIGBUS handlers are mmio_trap's, which the program
 *    does not see (signal.c): a fault the agent takes while copying (the
 *    program unmapped a range it had mapped for DMA) goes back to the
 *    copy, which answers -EFAULT; every other fault reaches the program's
 *    own action as before.
 *  - fork(): the child has no agent (its copy of the socket is closed),
 *    and starts its own on its first map.
 *
 * The copy is inline assembly: AddressSanitizer must not check it (a
 * device may DMA into memory ASan considers poisoned), and the compiler
 * must not turn it into a call to an intercepted memmove.
 */
#include "preload/preload.h"

#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "client/client.h"
#include "preload/dma_agent.h"
#include "preload/mmio_trap.h"
#include "uvfio/spin.h"
#include "uvfio/uapi/iommufd.h"
#include "uvfio/uapi/vfio.h"
#include "uvfio/wire.h"

#define AGENT_ENV		"UVFIO_DMA_AGENT"
#define AGENT_STACK		(256u << 10)
/* Non-overlapping copies from this size on bypass the cache. */
#define AGENT_STREAM_MIN	(256u << 10)

enum agent_state {
	AGENT_NONE,		/* not started in this process */
	AGENT_RUNNING,
	AGENT_OFF,		/* refused, failed, or let go by the daemon */
};

static pthread_mutex_t agent_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int agent_state;
static atomic_int agent_fd = -1;	/* our end while running */
static pthread_t agent_thread;
static sigset_t fork_mask;		/* the forking thread's, while locked */

/* The copy in progress on this thread, for the fault hook. */
struct agent_copy {
	sigjmp_buf env;
	uintptr_t dst, src, len;
};

static __thread struct agent_copy *current_copy
	__attribute__((tls_model("initial-exec")));

/*
 * Signals are blocked while the lock is held: a handler that closes an
 * fd (dma_agent_fds_closing) must not find its own thread holding it.
 */
static void agent_lock_all(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, old);
	pthread_mutex_lock(&agent_lock);
}

static void agent_unlock(const sigset_t *old)
{
	pthread_mutex_unlock(&agent_lock);
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* ------------------------------------------------------------------ */
/* The copy                                                            */

#if defined(__x86_64__)
#define AGENT_SUPPORTED	1

/* rep movsb: memcpy's own choice for mid-sized copies on ERMS CPUs. */
static void copy_forward(uintptr_t d, uintptr_t s, size_t n)
{
	asm volatile("rep movsb"
		     : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}

/* For a destination overlapping the source from above. */
static void copy_backward(uintptr_t d, uintptr_t s, size_t n)
{
	d += n - 1;
	s += n - 1;
	asm volatile("std\n\trep movsb\n\tcld"
		     : "+D"(d), "+S"(s), "+c"(n) : : "memory", "cc");
}

/*
 * Non-temporal stores, as a DMA engine writes memory without passing it
 * through the CPU's caches (the daemon's lib/stream_copy.c does the same
 * for memory it maps).
 */
static void copy_stream(uintptr_t d, uintptr_t s, size_t n)
{
	size_t head = (16 - (d & 15)) & 15;
	size_t blocks;

	copy_forward(d, s, head);
	d += head;
	s += head;
	n -= head;
	blocks = n / 64;
	if (blocks)
		asm volatile("1:\n\t"
			     "movdqu (%[s]), %%xmm0\n\t"
			     "movdqu 16(%[s]), %%xmm1\n\t"
			     "movdqu 32(%[s]), %%xmm2\n\t"
			     "movdqu 48(%[s]), %%xmm3\n\t"
			     "movntdq %%xmm0, (%[d])\n\t"
			     "movntdq %%xmm1, 16(%[d])\n\t"
			     "movntdq %%xmm2, 32(%[d])\n\t"
			     "movntdq %%xmm3, 48(%[d])\n\t"
			     "add $64, %[s]\n\t"
			     "add $64, %[d]\n\t"
			     "dec %[k]\n\t"
			     "jnz 1b\n\t"
			     "sfence"
			     : [s] "+r"(s), [d] "+r"(d), [k] "+r"(blocks)
			     : : "xmm0", "xmm1", "xmm2", "xmm3", "memory", "cc");
	copy_forward(d, s, n & 63);
}

static void store_fence(void)
{
	asm volatile("sfence" : : : "memory");
}

static void copy_move(uintptr_t d, uintptr_t s, size_t n)
{
	if (d == s || !n)
		return;
	if (d > s && d - s < n)
		copy_backward(d, s, n);
	else if (n >= AGENT_STREAM_MIN && (d + n <= s || s + n <= d))
		copy_stream(d, s, n);
	else
		copy_forward(d, s, n);
}
#else
#define AGENT_SUPPORTED	0

static void store_fence(void)
{
}

static void copy_move(uintptr_t d, uintptr_t s, size_t n)
{
	(void)d;
	(void)s;
	(void)n;
}
#endif

static bool in_range(uintptr_t a, uintptr_t start, uintptr_t len)
{
	return a - start < len;
}

/*
 * mmio_trap's handler calls this first for every SIGSEGV and SIGBUS. A
 * fault of ours is one this thread takes, inside the copy, on one of the
 * two ranges: back to agent_copy(), which answers -EFAULT.
 */
static bool agent_fault(int sig, siginfo_t *si, void *uc)
{
	struct agent_copy *c = current_copy;
	uintptr_t addr;

	(void)sig;
	(void)uc;
	if (!c || !si || si->si_code <= 0)
		return false;
	addr = (uintptr_t)si->si_addr;
	if (!in_range(addr, c->dst, c->len) && !in_range(addr, c->src, c->len))
		return false;
	current_copy = NULL;
	siglongjmp(c->env, 1);
}

/* memmove within this process; 0 or -EFAULT. */
static int agent_copy(uint64_t dst, uint64_t src, uint64_t len)
{
	struct agent_copy c = { .dst = dst, .src = src, .len = len };
	sigset_t faults;
	int rc = 0;

	sigemptyset(&faults);
	sigaddset(&faults, SIGSEGV);
	sigaddset(&faults, SIGBUS);
	if (sigsetjmp(c.env, 0)) {
		/* streaming stores before the fault must not land after us */
		store_fence();
		rc = -EFAULT;
	} else {
		current_copy = &c;
		pthread_sigmask(SIG_UNBLOCK, &faults, NULL);
		copy_move(dst, src, len);
	}
	current_copy = NULL;
	pthread_sigmask(SIG_BLOCK, &faults, NULL);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The thread                                                          */

/* One request: its length, 0 when the daemon hung up, or -errno. */
static long agent_recv(int fd, void *buf, size_t len)
{
	uint64_t deadline = uvfio_spin_open();
	long n;

	/* The next request of a burst comes within microseconds. */
	for (;;) {
		n = syscall(SYS_recvfrom, fd, buf, len, MSG_DONTWAIT, NULL, NULL);
		if (n >= 0 || errno != EAGAIN || !uvfio_spin_again(deadline))
			break;
	}
	while (n < 0 && (errno == EAGAIN || errno == EINTR))
		n = syscall(SYS_recvfrom, fd, buf, len, 0, NULL, NULL);
	return n < 0 ? -errno : n;
}

/*
 * A request the daemon gave up on (it hung up after a timeout, say while
 * we were stopped) must not be carried out late.
 */
static bool daemon_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };

	return syscall(SYS_poll, &p, 1, 0) > 0;
}

static int32_t agent_serve(const struct uvfio_agent_req *req, long n)
{
	if (n != (long)sizeof(*req) || req->op != UVFIO_AGENT_COPY ||
	    req->len > UVFIO_AGENT_MAX_COPY)
		return -EINVAL;
	return agent_copy(req->dst, req->src, req->len);
}

/* The daemon let go of us (or failed): stop for good in this process. */
static void agent_exit(int fd)
{
	sigset_t old;

	agent_lock_all(&old);
	/* Otherwise dma_agent_fds_closing() owns the fd and joins us. */
	if (atomic_load(&agent_fd) == fd) {
		atomic_store(&agent_fd, -1);
		atomic_store(&agent_state, AGENT_OFF);
		pthread_detach(pthread_self());
		uvfio_client_close(fd);
	}
	agent_unlock(&old);
}

static void *agent_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	struct uvfio_agent_req req[2];
	struct uvfio_agent_resp resp;
	long n;

	for (;;) {
		n = agent_recv(fd, req, sizeof(req));
		if (n <= 0 || daemon_gone(fd))
			break;
		resp = (struct uvfio_agent_resp){ .seq = req[0].seq };
		resp.status = agent_serve(&req[0], n);
		n = syscall(SYS_sendto, fd, &resp, sizeof(resp), MSG_NOSIGNAL,
			    NULL, 0);
		if (n != (long)sizeof(resp))
			break;
	}
	agent_exit(fd);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Starting and stopping                                               */

/* Hand the daemon its end; 0 or -errno. */
static int agent_register(const char *rundir, int fd)
{
	struct uvfio_msg m = {
		.req = { .op = UVFIO_OP_DMA_AGENT },
		.fds = &fd,
		.n_fds = 1,
	};
	int broker, rc;

	broker = uvfio_client_connect(rundir);
	if (broker < 0)
		return broker;
	rc = uvfio_client_call(broker, &m, MSG_CMSG_CLOEXEC);
	uvfio_client_close(broker);
	while (!rc && m.resp.nfds)
		uvfio_client_close(m.ans_fds[--m.resp.nfds]);
	if (rc)
		return rc;
	return m.resp.ret < 0 ? (int)m.resp.ret : 0;
}

static bool agent_wanted(void)
{
	const char *env = getenv(AGENT_ENV);

	return AGENT_SUPPORTED && !(env && !strcmp(env, "0")) &&
	       preload_rt()->dir;
}

/* A thread with every signal blocked (the caller's mask, inherited). */
static int agent_spawn(int fd, pthread_t *ret)
{
	pthread_attr_t attr;
	int rc;

	if (pthread_attr_init(&attr))
		return -ENOMEM;
	pthread_attr_setstacksize(&attr, AGENT_STACK);
	rc = pthread_create(ret, &attr, agent_main, (void *)(intptr_t)fd);
	pthread_attr_destroy(&attr);
	if (rc)
		return -rc;
	pthread_setname_np(*ret, "uvfio-dma");
	return 0;
}

/* Called with all signals blocked, and the lock held; drops the lock. */
static void agent_start_locked(const sigset_t *old)
{
	pthread_t t;
	int sv[2], rc;

	/* Whatever happens below, one attempt per process. */
	atomic_store(&agent_state, AGENT_OFF);
	if (!agent_wanted() || mmio_trap_set_fault_hook(agent_fault) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		goto out;
	if (agent_spawn(sv[0], &t)) {
		uvfio_client_close(sv[0]);
		uvfio_client_close(sv[1]);
		goto out;
	}
	rc = agent_register(preload_rt()->dir, sv[1]);
	uvfio_client_close(sv[1]);
	if (!rc) {
		agent_thread = t;
		atomic_store(&agent_fd, sv[0]);
		atomic_store(&agent_state, AGENT_RUNNING);
		goto out;
	}
	/* The daemon said no (or is older): the thread sees a hang-up. */
	agent_unlock(old);
	syscall(SYS_shutdown, sv[0], SHUT_RDWR);
	pthread_join(t, NULL);
	uvfio_client_close(sv[0]);
	return;
out:
	agent_unlock(old);
}

void dma_agent_before_ioctl(unsigned long cmd, enum node_kind kind)
{
	sigset_t old;

	if (likely(atomic_load_explicit(&agent_state, memory_order_relaxed) !=
		   AGENT_NONE))
		return;
	/* VFIO_IOMMU_MAP_DMA's number is PCI_HOT_RESET's on a device. */
	if (cmd != IOMMU_IOAS_MAP &&
	    (cmd != VFIO_IOMMU_MAP_DMA || kind == NODE_DEVICE))
		return;
	agent_lock_all(&old);
	if (atomic_load(&agent_state) == AGENT_NONE)
		agent_start_locked(&old);
	else
		agent_unlock(&old);
}

void dma_agent_fds_closing(unsigned int lo, unsigned int hi)
{
	int fd = atomic_load_explicit(&agent_fd, memory_order_relaxed);
	pthread_t t;
	sigset_t old;

	if (likely(fd < 0 || (unsigned int)fd < lo || (unsigned int)fd > hi))
		return;
	agent_lock_all(&old);
	if (atomic_load(&agent_fd) != fd) {
		agent_unlock(&old);
		return;
	}
	atomic_store(&agent_fd, -1);
	/* The program took the number back: a later map starts anew. */
	atomic_store(&agent_state, AGENT_NONE);
	t = agent_thread;
	agent_unlock(&old);
	/* Wakes the thread with a hang-up; the caller's close() follows. */
	syscall(SYS_shutdown, fd, SHUT_RDWR);
	pthread_join(t, NULL);
}

/* fork: the child has no agent thread; it closes the socket it inherits. */
static void atfork_prepare(void)
{
	sigset_t old;

	agent_lock_all(&old);
	fork_mask = old;
}

static void atfork_parent(void)
{
	agent_unlock(&fork_mask);
}

static void atfork_child(void)
{
	int fd = atomic_load(&agent_fd);

	pthread_mutex_init(&agent_lock, NULL);
	if (fd >= 0)
		uvfio_client_close(fd);
	atomic_store(&agent_fd, -1);
	atomic_store(&agent_state, AGENT_NONE);
	pthread_sigmask(SIG_SETMASK, &fork_mask, NULL);
}

__attribute__((constructor)) static void dma_agent_init(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}
