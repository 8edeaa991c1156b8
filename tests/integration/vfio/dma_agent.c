// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DMA agent (src/preload/dma_agent.c, src/core/dma_agent.c): an I/OAT
 * copy between two ranges of one process's private memory is done by
 * that process's agent thread, and everything around it behaves as the
 * process_vm path did.
 *
 *   it-dma-agent IOAT_MEMCPY_EXAMPLE
 *
 * 1. The ioat example with -p (private memory) copies through an agent;
 *    so do this test's copies, overlapping ones with memmove's result.
 * 2. A copy into (or out of) a range the program munmapped after mapping
 *    it, or into a page past the end of its file (SIGBUS), halts the
 *    channel with the same error as without an agent, the program lives,
 *    and its own SIGSEGV handler sees neither those faults nor a change
 *    of the SIGSEGV/SIGBUS actions, but still gets its own faults.
 * 3. After fork() the child's copies of its own private memory are right
 *    (its own agent), and the parent's agent still works.
 * 4. A stopped process's agent cannot answer: the daemon gives up on it
 *    after its timeout, copies through process_vm_readv/writev, and the
 *    data is right; other processes' agents are unaffected.
 * 5. Closing the agent's socket (as closefrom() before exec would) stops
 *    the agent; the next map starts a new one.
 * 6. Registrations the daemon refuses: no fd, not a SOCK_SEQPACKET
 *    socket, a socket another process made, a second agent.
 * 7. An agent that answers out of protocol is dropped at once, the copy
 *    goes the process_vm way, and that process cannot register again.
 *
 * Which path a copy took is read from the daemon's statistics.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/iommufd.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/client.h"
#include "vt.h"

#define PCI_COMMAND		0x04
#define  PCI_COMMAND_MEMORY	0x0002
#define  PCI_COMMAND_MASTER	0x0004

#define IOAT_CHAN		0x80
#define IOAT_CHANCTRL		(IOAT_CHAN + 0x00)
#define IOAT_CHANCMD		(IOAT_CHAN + 0x04)
#define  IOAT_CHANCMD_RESET	0x20
#define IOAT_DMACOUNT		(IOAT_CHAN + 0x06)
#define IOAT_CHANSTS		(IOAT_CHAN + 0x08)
#define  IOAT_CHANSTS_DONE	0x1
#define  IOAT_CHANSTS_HALTED	0x3
#define IOAT_CHAINADDR		(IOAT_CHAN + 0x10)
#define IOAT_CHANCMP		(IOAT_CHAN + 0x18)
#define IOAT_CHANERR		(IOAT_CHAN + 0x28)
#define  IOAT_CHANERR_READ_DATA		0x0100
#define  IOAT_CHANERR_WRITE_DATA	0x0200

#define MIB			(1u << 20)
#define RING_BYTES		(64u << 10)
#define IOVA_RING		0x10000000ull
#define IOVA_RING_CHILD		0x11000000ull
#define IOVA_SRC		0x40000000ull
#define IOVA_DST		0x50000000ull
#define IOVA_GONE		0x60000000ull
#define IOVA_BUS		0x61000000ull
#define IOVA_OVERLAP		0x62000000ull
#define IOVA_CHILD_SRC		0x70000000ull
#define IOVA_CHILD_DST		0x78000000ull
#define LEN			(4 * MIB)

struct desc {
	uint32_t size, ctl;
	uint64_t src, dst, next, rsv[4];
};

static struct vt_dev d;
static struct desc *ring;
static uint64_t ring_iova;

/* ---- the daemon's statistics ------------------------------------------ */

struct agent_stats {
	long agents, copies, faults, fallbacks, dropped, iommu_faults;
};

static long json_num(const char *text, const char *name)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "\"%s\":", name);
	p = strstr(text, key);
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static void stats(struct agent_stats *st)
{
	char *text;

	memset(st, 0xff, sizeof(*st));
	if (uvfio_client_ctl(getenv(UVFIO_RUNTIME_DIR_ENV), "stats", &text) < 0)
		return;
	st->agents = json_num(text, "dma_agents");
	st->copies = json_num(text, "dma_agent_copies");
	st->faults = json_num(text, "dma_agent_faults");
	st->fallbacks = json_num(text, "dma_agent_fallbacks");
	st->dropped = json_num(text, "dma_agents_dropped");
	st->iommu_faults = json_num(text, "iommu_faults");
	free(text);
}

/* ---- the engine, driven through pread/pwrite of BAR0 ------------------- */

static uint64_t reg_rd(unsigned int off, unsigned int size)
{
	uint64_t v = 0;

	vt_bar_rd(&d, 0, off, &v, size);
	return v;
}

static void reg_wr(unsigned int off, unsigned int size, uint64_t v)
{
	vt_bar_wr(&d, 0, off, &v, size);
}

static void chan_reset(void)
{
	reg_wr(IOAT_CHANERR, 4, reg_rd(IOAT_CHANERR, 4));
	reg_wr(IOAT_CHANCMD, 1, IOAT_CHANCMD_RESET);
}

static int ioas_map(void *va, uint64_t len, uint64_t iova)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = d.ioas,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = iova,
	};

	return ioctl(d.iommufd, IOMMU_IOAS_MAP, &map);
}

static int ioas_unmap(uint64_t iova, uint64_t len)
{
	struct iommu_ioas_unmap un = {
		.size = sizeof(un), .ioas_id = d.ioas, .iova = iova,
		.length = len,
	};

	return ioctl(d.iommufd, IOMMU_IOAS_UNMAP, &un);
}

static void *alloc_private(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		itest_die("mmap");
	return p;
}

/* A ring of our own, mapped at iova. */
static void ring_setup(uint64_t iova)
{
	ring = alloc_private(RING_BYTES);
	ring_iova = iova;
	if (ioas_map(ring, RING_BYTES, iova))
		itest_die("IOMMU_IOAS_MAP of the ring");
}

/*
 * Copy len bytes from IOVA src to dst, one descriptor per MiB; returns
 * the channel's status (DONE, HALTED) and its CHANERR. A halted channel
 * is recovered before returning.
 */
static unsigned int dma(uint64_t dst, uint64_t src, uint64_t len,
			uint32_t *chanerr)
{
	unsigned int n = 0, sts;
	uint64_t off;

	for (off = 0; off < len; off += MIB, n++) {
		ring[n] = (struct desc){
			.size = (uint32_t)(len - off < MIB ? len - off : MIB),
			.src = src + off, .dst = dst + off,
			.next = ring_iova + (n + 1) * sizeof(struct desc),
		};
	}
	reg_wr(IOAT_CHANCTRL, 2, 0);
	reg_wr(IOAT_CHAINADDR, 8, ring_iova);
	reg_wr(IOAT_CHANCMP, 8, ring_iova + RING_BYTES - 64);
	reg_wr(IOAT_DMACOUNT, 2, n);
	sts = (unsigned int)(reg_rd(IOAT_CHANSTS, 8) & 7);
	*chanerr = (uint32_t)reg_rd(IOAT_CHANERR, 4);
	if (sts != IOAT_CHANSTS_DONE)
		chan_reset();
	return sts;
}

static void fill(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)((i * 131 + seed) >> 3);
}

/* ---- the program's own SIGSEGV handler ---------------------------------- */

static sigjmp_buf prog_env;
static volatile sig_atomic_t prog_faults;
/* SIGBUS's action before any agent ran (SIG_DFL, or a sanitizer's) */
static struct sigaction bus_before;

static void prog_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	prog_faults++;
	siglongjmp(prog_env, 1);
}

static void install_prog_handler(void)
{
	struct sigaction sa = { .sa_sigaction = prog_handler,
				.sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL))
		itest_die("sigaction");
}

/* ---- the cases ------------------------------------------------------------ */

/* 1: the example's private copies go through its agent. */
static void example_private(const char *example)
{
	struct agent_stats a, b;
	int status = -1;
	pid_t pid;

	stats(&a);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execl(example, example, "-p", "-s", "16", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	stats(&b);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "ioat-memcpy -p -s 16 succeeds (status 0x%x)", status);
	CHECK(b.copies - a.copies >= 32,
	      "its 2 x 16 private 1 MiB copies went through an agent (%ld)",
	      b.copies - a.copies);
	CHECK(b.fallbacks == a.fallbacks && b.faults == a.faults,
	      "none of them fell back");
}

static void copy_ok(uint8_t *src, uint8_t *dst, unsigned int seed,
		    const char *who)
{
	struct agent_stats a, b;
	uint32_t err;
	unsigned int sts;

	fill(src, LEN, seed);
	memset(dst, 0, LEN);
	stats(&a);
	sts = dma(IOVA_DST, IOVA_SRC, LEN, &err);
	stats(&b);
	CHECK(sts == IOAT_CHANSTS_DONE && !err, "%s: copy done (sts %u err 0x%x)",
	      who, sts, err);
	CHECK(!memcmp(src, dst, LEN), "%s: destination equals source", who);
	CHECK(b.copies - a.copies == LEN / MIB && b.fallbacks == a.fallbacks,
	      "%s: by the agent (%ld copies, %ld fallbacks)", who,
	      b.copies - a.copies, b.fallbacks - a.fallbacks);
}

/* Overlapping ranges of one buffer, in one descriptor: memmove's result. */
static void overlap(void)
{
	size_t len = MIB - 8192;
	uint8_t *buf = alloc_private(MIB), *ref = malloc(MIB);
	struct agent_stats a, b;
	unsigned int sts1, sts2;
	uint32_t err1, err2;

	if (!ref || ioas_map(buf, MIB, IOVA_OVERLAP))
		itest_die("overlap set-up");
	fill(buf, MIB, 33);
	memcpy(ref, buf, MIB);
	stats(&a);
	sts1 = dma(IOVA_OVERLAP + 4096, IOVA_OVERLAP, len, &err1);
	memmove(ref + 4096, ref, len);
	sts2 = dma(IOVA_OVERLAP + 4096, IOVA_OVERLAP + 8192, len, &err2);
	memmove(ref + 4096, ref + 8192, len);
	stats(&b);
	CHECK(sts1 == IOAT_CHANSTS_DONE && sts2 == IOAT_CHANSTS_DONE &&
	      !err1 && !err2, "overlapping copies done");
	CHECK(!memcmp(buf, ref, MIB),
	      "overlapping copies, up and down, give memmove's result");
	CHECK(b.copies - a.copies == 2 && b.fallbacks == a.fallbacks,
	      "both by the agent (%ld)", b.copies - a.copies);
	ioas_unmap(IOVA_OVERLAP, MIB);
	munmap(buf, MIB);
	free(ref);
}

struct fault_result {
	unsigned int sts;
	uint32_t err;
	long iommu_faults;
	bool hole;
};

static bool still_unmapped(void *p, size_t len)
{
	unsigned char vec[256];

	return len / 4096 <= sizeof(vec) && mincore(p, len, vec) < 0 &&
	       errno == ENOMEM;
}

/*
 * Copy into a mapped-then-munmapped range, out of one, and into a page
 * past the end of its file; the channel's verdicts.
 */
static void bad_copies(struct fault_result r[3])
{
	struct agent_stats a, b;
	uint8_t *gone, *bus;
	int memfd;

	/* 64 KiB of file, mapped as 128 KiB: the second half raises SIGBUS */
	memfd = memfd_create("dma-agent-bus", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, 64 << 10))
		itest_die("memfd");
	bus = mmap(NULL, 128 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		   memfd, 0);
	if (bus == MAP_FAILED || ioas_map(bus, 128 << 10, IOVA_BUS))
		itest_die("map of the memfd");

	gone = alloc_private(MIB);
	if (ioas_map(gone, MIB, IOVA_GONE))
		itest_die("IOMMU_IOAS_MAP");
	stats(&a);
	munmap(gone, MIB);
	r[0].sts = dma(IOVA_GONE, IOVA_SRC, MIB, &r[0].err);
	r[1].sts = dma(IOVA_DST, IOVA_GONE, MIB, &r[1].err);
	/* nothing was mapped into the hole meanwhile: the copies met it */
	r[0].hole = r[1].hole = still_unmapped(gone, MIB);
	stats(&b);
	r[0].iommu_faults = r[1].iommu_faults = b.iommu_faults - a.iommu_faults;
	r[1].iommu_faults = b.iommu_faults - a.iommu_faults;
	a = b;
	r[2].sts = dma(IOVA_BUS, IOVA_SRC, 128 << 10, &r[2].err);
	r[2].hole = true;
	stats(&b);
	r[2].iommu_faults = b.iommu_faults - a.iommu_faults;

	ioas_unmap(IOVA_GONE, MIB);
	ioas_unmap(IOVA_BUS, 128 << 10);
	munmap(bus, 128 << 10);
	close(memfd);
}

static bool same_results(const struct fault_result *x,
			 const struct fault_result *y)
{
	int i;

	for (i = 0; i < 3; i++)
		if (x[i].sts != y[i].sts || x[i].err != y[i].err ||
		    x[i].iommu_faults != y[i].iommu_faults)
			return false;
	return true;
}

/* 2: faults inside the agent's copy. */
static void faults(void)
{
	struct fault_result with[3], without[3];
	struct agent_stats a, b;
	struct sigaction cur;
	int pipefd[2], status;
	volatile uint8_t *none;
	pid_t pid;

	/* The same copies with the agent turned off, in a child. */
	if (pipe(pipefd))
		itest_die("pipe");
	pid = fork();
	if (pid == 0) {
		setenv("UVFIO_DMA_AGENT", "0", 1);
		ring_setup(IOVA_RING_CHILD);
		bad_copies(without);
		ioas_unmap(IOVA_RING_CHILD, RING_BYTES);
		_exit(write(pipefd[1], without, sizeof(without)) !=
		      sizeof(without));
	}
	close(pipefd[1]);
	memset(without, 0, sizeof(without));
	CHECK(read(pipefd[0], without, sizeof(without)) == sizeof(without),
	      "without an agent: the same copies ran in a child");
	close(pipefd[0]);
	waitpid(pid, &status, 0);

	stats(&a);
	bad_copies(with);
	stats(&b);
	CHECK(with[0].hole && without[0].hole,
	      "the munmapped range was still unmapped after the copies");
	CHECK(with[0].sts == IOAT_CHANSTS_HALTED &&
	      (with[0].err & IOAT_CHANERR_WRITE_DATA),
	      "into a munmapped range: channel halted with a write data error "
	      "(sts %u err 0x%x)", with[0].sts, with[0].err);
	CHECK(with[1].sts == IOAT_CHANSTS_HALTED &&
	      (with[1].err & IOAT_CHANERR_READ_DATA),
	      "out of a munmapped range: channel halted with a read data error "
	      "(sts %u err 0x%x)", with[1].sts, with[1].err);
	CHECK(with[2].sts == IOAT_CHANSTS_HALTED &&
	      (with[2].err & IOAT_CHANERR_WRITE_DATA),
	      "into a page past the end of its file (SIGBUS): write data error "
	      "(sts %u err 0x%x)", with[2].sts, with[2].err);
	CHECK(same_results(with, without),
	      "the same statuses, errors and IOMMU fault counts as without an agent");
	CHECK(b.faults - a.faults == 3 && b.fallbacks - a.fallbacks == 3,
	      "the agent reported each fault and the daemon fell back (%ld, %ld)",
	      b.faults - a.faults, b.fallbacks - a.fallbacks);
	CHECK(prog_faults == 0, "the program's SIGSEGV handler saw none of them");

	CHECK(sigaction(SIGSEGV, NULL, &cur) == 0 &&
	      cur.sa_sigaction == prog_handler,
	      "sigaction(SIGSEGV) still reports the program's handler");
	CHECK(sigaction(SIGBUS, NULL, &cur) == 0 &&
	      cur.sa_handler == bus_before.sa_handler &&
	      cur.sa_flags == bus_before.sa_flags,
	      "sigaction(SIGBUS) still reports the action from before");
	none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!sigsetjmp(prog_env, 1))
		(void)*none;
	CHECK(prog_faults == 1, "a fault of the program's own reaches its handler");
	munmap((void *)none, 4096);
}

/* 3: a child's own private memory, then the parent's again. */
static void forked(void)
{
	int status = -1;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		uint8_t *s, *t;

		itest_passed = itest_failed = 0;
		ring_setup(IOVA_RING_CHILD);
		s = alloc_private(LEN);
		t = alloc_private(LEN);
		if (ioas_map(s, LEN, IOVA_SRC + 0x8000000) ||
		    ioas_map(t, LEN, IOVA_DST + 0x8000000))
			itest_die("child: IOMMU_IOAS_MAP");
		{
			struct agent_stats a, b;
			uint32_t err;
			unsigned int sts;

			fill(s, LEN, 77);
			stats(&a);
			sts = dma(IOVA_DST + 0x8000000, IOVA_SRC + 0x8000000,
				  LEN, &err);
			stats(&b);
			CHECK(sts == IOAT_CHANSTS_DONE && !memcmp(s, t, LEN),
			      "child: its copy of its own private memory is right");
			CHECK(b.copies - a.copies == LEN / MIB &&
			      b.fallbacks == a.fallbacks,
			      "child: by its own agent (%ld copies)",
			      b.copies - a.copies);
		}
		ioas_unmap(IOVA_SRC + 0x8000000, LEN);
		ioas_unmap(IOVA_DST + 0x8000000, LEN);
		ioas_unmap(IOVA_RING_CHILD, RING_BYTES);
		fflush(stdout);
		_exit(itest_failed ? 1 : 0);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the child's checks passed (status 0x%x)", status);
}

/* 4: a stopped process's agent. */
static void stopped(uint8_t *src, uint8_t *dst)
{
	int to_child[2], to_parent[2], status = -1;
	struct agent_stats a, b;
	unsigned int sts;
	uint32_t err;
	char c = 0;
	pid_t pid;

	if (pipe(to_child) || pipe(to_parent))
		itest_die("pipe");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		uint8_t *s = alloc_private(MIB), *t = alloc_private(MIB);
		int ok;

		fill(s, MIB, 5);
		if (ioas_map(s, MIB, IOVA_CHILD_SRC) ||
		    ioas_map(t, MIB, IOVA_CHILD_DST))
			_exit(2);
		if (write(to_parent[1], "r", 1) != 1 ||
		    read(to_child[0], &c, 1) != 1)
			_exit(3);
		ok = !memcmp(s, t, MIB);
		ioas_unmap(IOVA_CHILD_SRC, MIB);
		ioas_unmap(IOVA_CHILD_DST, MIB);
		_exit(ok ? 0 : 1);
	}
	if (read(to_parent[0], &c, 1) != 1)
		itest_die("child did not get ready");
	kill(pid, SIGSTOP);
	waitpid(pid, &status, WUNTRACED);
	CHECK(WIFSTOPPED(status), "the child is stopped");

	stats(&a);
	sts = dma(IOVA_CHILD_DST, IOVA_CHILD_SRC, MIB, &err);
	stats(&b);
	CHECK(sts == IOAT_CHANSTS_DONE && !err,
	      "a copy within the stopped child's memory completes (sts %u err 0x%x)",
	      sts, err);
	CHECK(b.dropped - a.dropped == 1 && b.fallbacks - a.fallbacks == 1,
	      "the daemon gave up on its agent and fell back (%ld dropped, %ld fallbacks)",
	      b.dropped - a.dropped, b.fallbacks - a.fallbacks);
	CHECK(b.agents == a.agents - 1, "one agent fewer (%ld -> %ld)",
	      a.agents, b.agents);

	copy_ok(src, dst, 9, "another process meanwhile");

	kill(pid, SIGCONT);
	if (write(to_child[1], "g", 1) != 1)
		itest_die("pipe");
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the child, continued, finds its data copied (status 0x%x)",
	      status);
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
}

/* The one socket we did not open: the agent's. */
static int find_agent_fd(void)
{
	int found = -1, n = 0;
	struct dirent *de;
	DIR *dir = opendir("/proc/self/fd");

	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		int fd = atoi(de->d_name);
		struct stat st;

		if (fd <= 2 || fd == dirfd(dir) || fd == d.dev ||
		    fd == d.iommufd || fstat(fd, &st) || !S_ISSOCK(st.st_mode))
			continue;
		found = fd;
		n++;
	}
	closedir(dir);
	return n == 1 ? found : -1;
}

static long agents_now(void)
{
	struct agent_stats st;

	stats(&st);
	return st.agents;
}

/* 5: the program closes the agent's socket. */
static void closed(uint8_t *src, uint8_t *dst)
{
	long before = agents_now(), after;
	int fd = find_agent_fd(), waited;
	uint8_t *extra;

	CHECK(fd > 2, "the agent's socket is the one socket the test did not open");
	if (fd <= 2)
		return;
	CHECK(close(fd) == 0, "the program may close it");
	for (waited = 0; (after = agents_now()) != before - 1 && waited < 2000;
	     waited += 10)
		usleep(10000);
	CHECK(after == before - 1, "the daemon forgot that agent (%ld -> %ld)",
	      before, after);
	extra = alloc_private(MIB);
	CHECK(ioas_map(extra, MIB, IOVA_GONE) == 0, "a new map");
	CHECK(agents_now() == before, "started a new agent");
	copy_ok(src, dst, 11, "after the restart");
	ioas_unmap(IOVA_GONE, MIB);
	munmap(extra, MIB);
}

/* A registration as the interposer sends it, with these fds. */
static long raw_attach(const int *fds, unsigned int n)
{
	struct uvfio_msg m = {
		.req = { .op = UVFIO_OP_DMA_AGENT }, .fds = fds, .n_fds = n,
	};
	int broker = uvfio_client_connect(getenv(UVFIO_RUNTIME_DIR_ENV));
	int rc;

	if (broker < 0)
		return broker;
	rc = uvfio_client_call(broker, &m, MSG_CMSG_CLOEXEC);
	uvfio_client_close(broker);
	return rc ? rc : m.resp.ret;
}

/* 6: registrations the daemon must refuse. */
static void bad_registrations(void)
{
	int p[2], st[2], sq[2], status = -1;
	pid_t pid;

	CHECK(raw_attach(NULL, 0) == -EINVAL, "no fd: EINVAL");
	if (pipe(p) || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, st) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sq))
		itest_die("pipe/socketpair");
	CHECK(raw_attach(&p[0], 1) == -EINVAL, "a pipe: EINVAL");
	CHECK(raw_attach(&st[0], 1) == -EINVAL, "a stream socket: EINVAL");
	CHECK(raw_attach(sq, 2) == -EINVAL, "two fds: EINVAL");
	CHECK(raw_attach(&sq[0], 1) == -EBUSY,
	      "a second agent while ours works: EBUSY");
	pid = fork();
	if (pid == 0)
		_exit(raw_attach(&sq[0], 1) == -EPERM ? 0 : 1);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "a socket another process made: EPERM");
	close(p[0]);
	close(p[1]);
	close(st[0]);
	close(st[1]);
	close(sq[0]);
	close(sq[1]);
}

/* An agent that answers every request with the wrong sequence number. */
static void *liar(void *arg)
{
	int fd = (int)(intptr_t)arg;
	struct uvfio_agent_req req;
	struct uvfio_agent_resp resp = { 0 };

	while (recv(fd, &req, sizeof(req), 0) == sizeof(req)) {
		resp.seq = req.seq + 1;
		if (send(fd, &resp, sizeof(resp), MSG_NOSIGNAL) < 0)
			break;
	}
	return NULL;
}

/* 7: a process whose agent breaks the protocol. */
static void lying_agent(void)
{
	int to_child[2], to_parent[2], status = -1;
	struct agent_stats a, b;
	unsigned int sts;
	uint32_t err;
	char c = 0;
	pid_t pid;

	if (pipe(to_child) || pipe(to_parent))
		itest_die("pipe");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		uint8_t *s = alloc_private(MIB), *t = alloc_private(MIB);
		pthread_t th;
		int sv[2], ok;

		/* no agent from the interposer: this process brings its own */
		setenv("UVFIO_DMA_AGENT", "0", 1);
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) ||
		    raw_attach(&sv[1], 1) ||
		    pthread_create(&th, NULL, liar, (void *)(intptr_t)sv[0]))
			_exit(2);
		fill(s, MIB, 13);
		if (ioas_map(s, MIB, IOVA_CHILD_SRC) ||
		    ioas_map(t, MIB, IOVA_CHILD_DST))
			_exit(3);
		if (write(to_parent[1], "r", 1) != 1 ||
		    read(to_child[0], &c, 1) != 1)
			_exit(4);
		ok = !memcmp(s, t, MIB) && raw_attach(&sv[1], 1) == -EPERM;
		ioas_unmap(IOVA_CHILD_SRC, MIB);
		ioas_unmap(IOVA_CHILD_DST, MIB);
		_exit(ok ? 0 : 1);
	}
	if (read(to_parent[0], &c, 1) != 1)
		itest_die("child did not get ready");
	stats(&a);
	sts = dma(IOVA_CHILD_DST, IOVA_CHILD_SRC, MIB, &err);
	stats(&b);
	CHECK(sts == IOAT_CHANSTS_DONE && !err,
	      "a copy within a lying agent's process completes");
	CHECK(b.dropped - a.dropped == 1 && b.fallbacks - a.fallbacks == 1,
	      "the daemon dropped the liar and fell back");
	if (write(to_child[1], "g", 1) != 1)
		itest_die("pipe");
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "its data is right, and it cannot register again (status 0x%x)",
	      status);
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
}

int main(int argc, char **argv)
{
	uint8_t *src, *dst;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2) {
		fprintf(stderr, "usage: %s IOAT_MEMCPY_EXAMPLE\n", argv[0]);
		return 2;
	}
	example_private(argv[1]);

	install_prog_handler();
	if (sigaction(SIGBUS, NULL, &bus_before))
		itest_die("sigaction");
	if (vt_open(&d, IOAT_IDS, 0))
		itest_die("open the ioat function");
	vt_cfg_wr(&d, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	chan_reset();
	ring_setup(IOVA_RING);
	src = alloc_private(LEN);
	dst = alloc_private(LEN);
	if (ioas_map(src, LEN, IOVA_SRC) || ioas_map(dst, LEN, IOVA_DST))
		itest_die("IOMMU_IOAS_MAP");
	copy_ok(src, dst, 1, "private to private");
	overlap();

	faults();
	copy_ok(src, dst, 2, "after the faults");

	forked();
	copy_ok(src, dst, 3, "parent after the fork");

	stopped(src, dst);
	bad_registrations();
	lying_agent();
	closed(src, dst);

	vt_close(&d);
	return itest_done();
}
