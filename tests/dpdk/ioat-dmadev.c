// SPDX-License-Identifier: GPL-2.0-only
/*
 * DPDK's ioat dmadev driver, as Debian ships it (librte-dma-ioat23,
 * DPDK 22.11), unchanged, on uvfio's emulated CBDMA functions.
 *
 * Run it under `uvfio run --machine machines/ioat.json`: 00:04.0 has one
 * channel, 00:05.0 two (the driver uses the first). The EAL runs without
 * hugepages or shared files (--no-huge --no-shconf), with IOVA = VA, so
 * its whole path is the one a real deployment takes: the vfio module
 * check in /sys/module, the PCI scan of /sys/bus/pci/devices, the legacy
 * group/container API, DMA mapping of its memory, BAR0 mmapped and its
 * registers reached with plain loads and stores, the request-notifier
 * eventfd and the interrupt thread.
 *
 * On each device: info, configure one mem-to-mem vchan with a short ring,
 * copies of 64 B .. 1 MiB (and unaligned ones), a burst of more operations
 * than 16-bit ring indexes count so both the ring and the indexes wrap,
 * completed_status, fill, an operation the IOMMU refuses (the channel
 * halts, the driver recovers and runs the rest), stats, stop, a restart
 * with a new ring, close. Every wait is bounded: a device that never
 * completes fails its check instead of hanging.
 *
 * Ends with "N passed, N failed"; exits non-zero on any failure.
 * Arguments: the PCI addresses to use (default 0000:00:04.0 0000:00:05.0).
 * DPDK_TEST_LOG_LEVEL holds up to four space-separated --log-level values:
 * "lib.eal:debug pmd.dma.ioat:debug" shows what the EAL and driver do.
 */
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_pause.h>

#define MAX_DEVS	4
#define RING		64		/* descriptors: 63 operations in flight */
#define MAX_COPY	(1u << 20)	/* the device's XFERCAP */
#define WAIT_NS		(20ULL * 1000 * 1000 * 1000)
#define BURST_OPS	70000		/* > 65536: the 16-bit indexes wrap */
#define SLOT		4096
#define NSLOTS		(RING - 1)
#define MAX_LEVELS	4		/* --log-level options from the env */

static unsigned int passed, failed;

static void __attribute__((format(printf, 2, 3)))
check(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* One device under test and what we expect of its counters. */
struct dut {
	const char *name;
	int16_t id;
	uint64_t capa;
	uint16_t next_idx;		/* ring index of the next operation */
	uint64_t submitted, errors;
	uint8_t *src, *dst;		/* MAX_COPY + 4 KiB each, rte_malloc */
	bool stuck;			/* an operation never completed */
};

static rte_iova_t iova(const void *p)
{
	return rte_mem_virt2iova(p);
}

static void pattern(uint8_t *p, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)((i * 131 + seed * 7 + (i >> 8)) ^ seed);
}

/*
 * Collect n completions (or stop at the first error); the count seen.
 * *last is the ring index of the last completed one.
 */
static unsigned int drain(struct dut *d, unsigned int n, uint16_t *last,
			  bool *error)
{
	uint64_t deadline = now_ns() + WAIT_NS;
	unsigned int got = 0;
	uint16_t c;

	*error = false;
	while (got < n) {
		c = rte_dma_completed(d->id, 0, (uint16_t)(n - got), last, error);
		got += c;
		if (*error)
			break;
		if (!c && now_ns() > deadline) {
			printf("%s: %u of %u operations never completed; "
			       "the device state follows, and no more is "
			       "tried on it\n", d->name, n - got, n);
			rte_dma_dump(d->id, stdout);
			d->stuck = true;
			break;
		}
		if (!c)
			rte_pause();
	}
	return got;
}

/* Enqueue one copy, submitted at once; its index is checked. */
static bool copy_one(struct dut *d, const void *src, void *dst, uint32_t len)
{
	int idx = rte_dma_copy(d->id, 0, iova(src), iova(dst), len,
			       RTE_DMA_OP_FLAG_SUBMIT);

	check(idx == d->next_idx, "%s: copy of %u bytes got index %d, "
	      "expected %u", d->name, len, idx, d->next_idx);
	if (idx < 0)
		return false;
	d->next_idx++;
	d->submitted++;
	return true;
}

static void test_info(struct dut *d)
{
	struct rte_dma_info info;
	int rc;

	memset(&info, 0, sizeof(info));
	rc = rte_dma_info_get(d->id, &info);
	check(rc == 0, "%s: rte_dma_info_get: %d", d->name, rc);
	check(info.dev_name && !strcmp(info.dev_name, d->name),
	      "%s: device name is \"%s\"", d->name,
	      info.dev_name ? info.dev_name : "(null)");
	check((info.dev_capa & (RTE_DMA_CAPA_MEM_TO_MEM |
				RTE_DMA_CAPA_OPS_COPY)) ==
	      (RTE_DMA_CAPA_MEM_TO_MEM | RTE_DMA_CAPA_OPS_COPY),
	      "%s: capabilities 0x%" PRIx64 " lack mem-to-mem copy",
	      d->name, info.dev_capa);
	check(info.max_vchans >= 1, "%s: %u vchans", d->name, info.max_vchans);
	check(info.min_desc <= RING && RING <= info.max_desc,
	      "%s: ring of %u outside [%u, %u]", d->name, RING, info.min_desc,
	      info.max_desc);
	d->capa = info.dev_capa;
	printf("%s: dmadev %d, capabilities 0x%" PRIx64 ", %u..%u descriptors\n",
	       d->name, d->id, info.dev_capa, info.min_desc, info.max_desc);
}

static bool setup(struct dut *d)
{
	struct rte_dma_conf conf = { .nb_vchans = 1 };
	struct rte_dma_vchan_conf vconf = {
		.direction = RTE_DMA_DIR_MEM_TO_MEM,
		.nb_desc = RING,
	};
	int rc;

	rc = rte_dma_configure(d->id, &conf);
	check(rc == 0, "%s: rte_dma_configure: %d", d->name, rc);
	rc = rc ? rc : rte_dma_vchan_setup(d->id, 0, &vconf);
	check(rc == 0, "%s: rte_dma_vchan_setup(%u descriptors): %d",
	      d->name, RING, rc);
	rc = rc ? rc : rte_dma_start(d->id);
	check(rc == 0, "%s: rte_dma_start: %d", d->name, rc);
	d->next_idx = 0;
	return rc == 0;
}

/* A single copy at these offsets and length, checked to the byte. */
static void copy_checked(struct dut *d, size_t soff, size_t doff,
			 uint32_t len, uint32_t seed)
{
	const size_t guard = 64;
	uint16_t last = 0;
	bool err, ok = true;
	unsigned int n;
	size_t i;

	if (d->stuck)
		return;
	pattern(d->src + soff, len, seed);
	memset(d->dst + doff - guard, 0x5a, len + 2 * guard);
	if (!copy_one(d, d->src + soff, d->dst + doff, len))
		return;
	n = drain(d, 1, &last, &err);
	check(n == 1 && !err, "%s: copy of %u bytes: %u completions, error %d",
	      d->name, len, n, err);
	check(last == (uint16_t)(d->next_idx - 1),
	      "%s: last index %u, expected %u", d->name, last,
	      (uint16_t)(d->next_idx - 1));
	check(!memcmp(d->src + soff, d->dst + doff, len),
	      "%s: copy of %u bytes (src+%zu -> dst+%zu): data differs",
	      d->name, len, soff, doff);
	for (i = 0; i < guard; i++)
		ok &= d->dst[doff - guard + i] == 0x5a &&
		      d->dst[doff + len + i] == 0x5a;
	check(ok, "%s: copy of %u bytes wrote outside its destination",
	      d->name, len);
}

static void test_copy_sizes(struct dut *d)
{
	uint32_t len;

	for (len = 64; len <= MAX_COPY; len *= 2)
		copy_checked(d, 0, 64, len, len);
	/* unaligned ends and lengths */
	copy_checked(d, 3, 64 + 5, 1000, 1);
	copy_checked(d, 4095, 64 + 1, 65537, 2);
	copy_checked(d, 1, 64 + 7, 1, 3);
}

/*
 * BURST_OPS copies through a ring of RING descriptors, as many at a time
 * as the ring takes, each batch checked before the next is written.
 */
static void test_burst(struct dut *d)
{
	unsigned int done = 0, batch, k, bad = 0, batches = 0, explicit = 0;
	uint16_t cap, last = 0;
	bool err, stalled = false;
	int idx, rc;

	cap = rte_dma_burst_capacity(d->id, 0);
	check(cap == RING - 1, "%s: burst capacity %u on an idle ring of %u",
	      d->name, cap, RING);
	while (done < BURST_OPS && !stalled) {
		batch = rte_dma_burst_capacity(d->id, 0);
		if (batch > BURST_OPS - done)
			batch = BURST_OPS - done;
		if (batch > NSLOTS)
			batch = NSLOTS;
		for (k = 0; k < batch; k++) {
			uint32_t len = 64 + ((done + k) * 328) % (SLOT - 64);
			uint8_t *s = d->src + k * SLOT, *t = d->dst + k * SLOT;
			uint64_t flags = 0;

			pattern(s, len, done + k);
			memset(t, 0, SLOT);
			/* odd batches ring the doorbell with their last op */
			if (k == batch - 1 && (batches & 1))
				flags = RTE_DMA_OP_FLAG_SUBMIT;
			/* a fence now and then (the driver marks the op before) */
			if (k == batch / 2 && (batches & 2))
				flags |= RTE_DMA_OP_FLAG_FENCE;
			idx = rte_dma_copy(d->id, 0, iova(s), iova(t), len, flags);
			if (idx != (uint16_t)(d->next_idx + k)) {
				check(false, "%s: burst op %u got index %d, "
				      "expected %u", d->name, done + k, idx,
				      (uint16_t)(d->next_idx + k));
				stalled = true;
				break;
			}
		}
		if (stalled)
			break;
		if (!(batches & 1)) {
			rc = rte_dma_submit(d->id, 0);
			explicit += rc == 0;
		}
		/* more than the ring takes must be refused */
		if (batches == 0)
			check(rte_dma_copy(d->id, 0, iova(d->src), iova(d->dst),
					   64, 0) == -ENOSPC,
			      "%s: a full ring accepted another copy", d->name);
		if (drain(d, batch, &last, &err) != batch || err) {
			check(false, "%s: burst batch at op %u: completion "
			      "missing or in error", d->name, done);
			stalled = true;
			break;
		}
		d->next_idx += batch;
		d->submitted += batch;
		if (last != (uint16_t)(d->next_idx - 1))
			bad++;
		for (k = 0; k < batch; k++) {
			uint32_t len = 64 + ((done + k) * 328) % (SLOT - 64);
			uint8_t *s = d->src + k * SLOT, *t = d->dst + k * SLOT;

			if (memcmp(s, t, len) || t[len] != 0)
				bad++;
		}
		done += batch;
		batches++;
	}
	check(done == BURST_OPS, "%s: burst ran %u of %u copies", d->name,
	      done, BURST_OPS);
	check(bad == 0, "%s: burst: %u copies or indexes wrong", d->name, bad);
	check(explicit == (batches + 1) / 2, "%s: rte_dma_submit failed",
	      d->name);
	check(rte_dma_burst_capacity(d->id, 0) == RING - 1,
	      "%s: ring not empty after the burst", d->name);
	printf("%s: burst of %u copies in %u batches, ring index now %u\n",
	       d->name, done, batches, d->next_idx);
}

static void test_completed_status(struct dut *d)
{
	enum rte_dma_status_code st[NSLOTS];
	uint64_t deadline = now_ns() + WAIT_NS;
	unsigned int got = 0, k, ok = 0;
	uint16_t last = 0, c;

	for (k = 0; k < 32; k++) {
		pattern(d->src + k * SLOT, 512, 1000 + k);
		memset(d->dst + k * SLOT, 0, 512);
		rte_dma_copy(d->id, 0, iova(d->src + k * SLOT),
			     iova(d->dst + k * SLOT), 512, 0);
	}
	check(rte_dma_submit(d->id, 0) == 0, "%s: submit", d->name);
	d->submitted += 32;
	while (got < 32 && now_ns() < deadline) {
		c = rte_dma_completed_status(d->id, 0, NSLOTS, &last, st);
		for (k = 0; k < c; k++)
			ok += st[k] == RTE_DMA_STATUS_SUCCESSFUL;
		got += c;
	}
	d->next_idx += 32;
	check(got == 32 && ok == 32, "%s: completed_status: %u of 32, %u "
	      "successful", d->name, got, ok);
	check(last == (uint16_t)(d->next_idx - 1),
	      "%s: completed_status last index %u, expected %u", d->name,
	      last, (uint16_t)(d->next_idx - 1));
	for (k = 0, ok = 0; k < 32; k++)
		ok += !memcmp(d->src + k * SLOT, d->dst + k * SLOT, 512);
	check(ok == 32, "%s: completed_status: %u of 32 copies right",
	      d->name, ok);
}

static void fill_checked(struct dut *d, size_t doff, uint32_t len)
{
	const uint64_t pat = 0x0123456789abcdefULL ^ len;
	uint16_t last = 0;
	bool err, ok = true;
	size_t i;
	int idx;

	if (d->stuck)
		return;
	memset(d->dst + doff - 8, 0x5a, len + 16);
	idx = rte_dma_fill(d->id, 0, pat, iova(d->dst + doff), len,
			   RTE_DMA_OP_FLAG_SUBMIT);
	check(idx == d->next_idx, "%s: fill got index %d, expected %u",
	      d->name, idx, d->next_idx);
	if (idx < 0)
		return;
	d->next_idx++;
	d->submitted++;
	check(drain(d, 1, &last, &err) == 1 && !err,
	      "%s: fill of %u bytes completed", d->name, len);
	for (i = 0; i < len; i++)
		ok &= d->dst[doff + i] == (uint8_t)(pat >> (8 * (i % 8)));
	check(ok, "%s: fill of %u bytes: wrong pattern", d->name, len);
	ok = true;
	for (i = 0; i < 8; i++)
		ok &= d->dst[doff - 8 + i] == 0x5a &&
		      d->dst[doff + len + i] == 0x5a;
	check(ok, "%s: fill of %u bytes wrote outside", d->name, len);
}

static void test_fill(struct dut *d)
{
	if (!(d->capa & RTE_DMA_CAPA_OPS_FILL)) {
		printf("%s: no fill capability: fill not tested\n", d->name);
		return;
	}
	fill_checked(d, 64, 64);
	fill_checked(d, 64 + 3, 4099);
	fill_checked(d, 64, MAX_COPY);
}

/*
 * A copy from an IOVA the EAL never mapped, between two good ones: the
 * IOMMU refuses the read, the channel halts, and the driver reports the
 * failed operation, resets the channel and runs the third.
 */
static void test_error(struct dut *d)
{
	enum rte_dma_status_code st[4];
	uint64_t deadline = now_ns() + WAIT_NS;
	unsigned int got = 0, k;
	enum rte_dma_status_code codes[3] = { RTE_DMA_STATUS_ERROR_UNKNOWN,
		RTE_DMA_STATUS_SUCCESSFUL, RTE_DMA_STATUS_ERROR_UNKNOWN };
	enum rte_dma_vchan_status vs = RTE_DMA_VCHAN_HALTED_ERROR;
	uint16_t last = 0, c;

	pattern(d->src, 256, 77);
	pattern(d->src + SLOT, 256, 78);
	memset(d->dst, 0, 2 * SLOT);
	rte_dma_copy(d->id, 0, iova(d->src), iova(d->dst), 256, 0);
	rte_dma_copy(d->id, 0, 0x1000, iova(d->dst + 2048), 256, 0);
	rte_dma_copy(d->id, 0, iova(d->src + SLOT), iova(d->dst + SLOT), 256,
		     RTE_DMA_OP_FLAG_SUBMIT);
	d->submitted += 3;
	while (got < 3 && now_ns() < deadline) {
		c = rte_dma_completed_status(d->id, 0, (uint16_t)(3 - got),
					     &last, st);
		for (k = 0; k < c && got + k < 3; k++)
			codes[got + k] = st[k];
		got += c;
	}
	d->next_idx += 3;
	d->errors++;
	check(got == 3, "%s: error test: %u of 3 operations reported",
	      d->name, got);
	check(codes[0] == RTE_DMA_STATUS_SUCCESSFUL,
	      "%s: the copy before the fault: status %d", d->name, codes[0]);
	check(codes[1] != RTE_DMA_STATUS_SUCCESSFUL,
	      "%s: a copy from an unmapped IOVA reported success", d->name);
	check(codes[2] == RTE_DMA_STATUS_SUCCESSFUL,
	      "%s: the copy after the fault (after recovery): status %d",
	      d->name, codes[2]);
	check(last == (uint16_t)(d->next_idx - 1),
	      "%s: error test: last index %u, expected %u", d->name, last,
	      (uint16_t)(d->next_idx - 1));
	check(!memcmp(d->src, d->dst, 256) &&
	      !memcmp(d->src + SLOT, d->dst + SLOT, 256),
	      "%s: the good copies around the fault: data differs", d->name);
	check(rte_dma_vchan_status(d->id, 0, &vs) == 0 &&
	      vs == RTE_DMA_VCHAN_IDLE, "%s: vchan status %d after recovery",
	      d->name, vs);
	/* and the channel goes on as before */
	copy_checked(d, 0, 64, 8192, 99);
}

static void test_stats(struct dut *d)
{
	struct rte_dma_stats s;
	int rc;

	memset(&s, 0xff, sizeof(s));
	rc = rte_dma_stats_get(d->id, 0, &s);
	check(rc == 0, "%s: rte_dma_stats_get: %d", d->name, rc);
	check(s.submitted == d->submitted, "%s: stats: %" PRIu64
	      " submitted, expected %" PRIu64, d->name, s.submitted,
	      d->submitted);
	check(s.completed == d->submitted, "%s: stats: %" PRIu64
	      " completed, expected %" PRIu64, d->name, s.completed,
	      d->submitted);
	check(s.errors == d->errors, "%s: stats: %" PRIu64 " errors, expected %"
	      PRIu64, d->name, s.errors, d->errors);
	printf("%s: stats: %" PRIu64 " submitted, %" PRIu64 " completed, %"
	       PRIu64 " errors\n", d->name, s.submitted, s.completed,
	       s.errors);
	rc = rte_dma_stats_reset(d->id, 0);
	memset(&s, 0xff, sizeof(s));
	check(rc == 0 && rte_dma_stats_get(d->id, 0, &s) == 0 &&
	      !s.submitted && !s.completed && !s.errors,
	      "%s: stats not zero after reset", d->name);
	d->submitted = 0;
	d->errors = 0;
}

/* Stop, set the ring up again, start: the channel restarts at slot 0. */
static void test_restart(struct dut *d)
{
	struct rte_dma_vchan_conf vconf = {
		.direction = RTE_DMA_DIR_MEM_TO_MEM,
		.nb_desc = RING / 2,
	};
	int rc;

	rc = rte_dma_stop(d->id);
	check(rc == 0, "%s: rte_dma_stop: %d", d->name, rc);
	rc = rte_dma_vchan_setup(d->id, 0, &vconf);
	check(rc == 0, "%s: vchan_setup again: %d", d->name, rc);
	rc = rte_dma_start(d->id);
	check(rc == 0, "%s: start again: %d", d->name, rc);
	d->next_idx = 0;
	d->submitted = 0;
	copy_checked(d, 0, 64, 4096, 5);
	copy_checked(d, 0, 64, 100000, 6);
}

static void test_both(struct dut *a, struct dut *b)
{
	uint16_t last;
	bool ea, eb;

	pattern(a->src, 65536, 11);
	pattern(b->src, 65536, 12);
	memset(a->dst, 0, 65536);
	memset(b->dst, 0, 65536);
	rte_dma_copy(a->id, 0, iova(a->src), iova(a->dst), 65536, 0);
	rte_dma_copy(b->id, 0, iova(b->src), iova(b->dst), 65536, 0);
	rte_dma_submit(b->id, 0);
	rte_dma_submit(a->id, 0);
	a->next_idx++;
	b->next_idx++;
	a->submitted++;
	b->submitted++;
	check(drain(a, 1, &last, &ea) == 1 && drain(b, 1, &last, &eb) == 1 &&
	      !ea && !eb, "two devices at once: completions");
	check(!memcmp(a->src, a->dst, 65536) && !memcmp(b->src, b->dst, 65536),
	      "two devices at once: data differs");
}

/* false: the device could not be started, and nothing more is tried */
static bool test_device(struct dut *d)
{
	test_info(d);
	if (!setup(d))
		return false;
	test_copy_sizes(d);
	if (!d->stuck)
		test_burst(d);
	if (!d->stuck)
		test_completed_status(d);
	test_fill(d);
	if (!d->stuck)
		test_error(d);
	if (!d->stuck)
		test_stats(d);
	return !d->stuck;
}

static void finish(struct dut *d)
{
	int rc;

	rc = rte_dma_stop(d->id);
	check(rc == 0, "%s: rte_dma_stop: %d", d->name, rc);
	rc = rte_dma_close(d->id);
	check(rc == 0, "%s: rte_dma_close: %d", d->name, rc);
}

/*
 * A fault nobody handled (uvfio's MMIO trap passes on what is not a
 * register access it can complete): say where, then die of it.
 */
static void on_fault(int sig, siginfo_t *si, void *ctx)
{
	const ucontext_t *uc = ctx;
	void *pc = (void *)uc->uc_mcontext.gregs[REG_RIP];
	void *frames[32];
	Dl_info dl;
	int n;

	memset(&dl, 0, sizeof(dl));
	dladdr(pc, &dl);
	fprintf(stderr, "FAIL: signal %d at address %p, pc %p (%s+0x%lx)\n",
		sig, si->si_addr, pc, dl.dli_fname ? dl.dli_fname : "?",
		(unsigned long)((char *)pc - (char *)dl.dli_fbase));
	n = backtrace(frames, 32);
	backtrace_symbols_fd(frames, n, STDERR_FILENO);
	printf("%u passed, %u failed\n", passed, failed + 1);
	fflush(stdout);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_faults(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

/* The first CPU we may run on: the EAL's one lcore. */
static int first_cpu(void)
{
	cpu_set_t set;
	int i;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			return i;
	return 0;
}

static int eal_init(int ndev, char **names)
{
	static char lcore[16], levels[256];
	char *args[32 + 2 * MAX_DEVS + MAX_LEVELS], *tok, *save = NULL;
	const char *env = getenv("DPDK_TEST_LOG_LEVEL");
	int n = 0, i;

	snprintf(lcore, sizeof(lcore), "%d", first_cpu());
	args[n++] = "ioat-dmadev";
	args[n++] = "-l";
	args[n++] = lcore;
	args[n++] = "--no-huge";
	args[n++] = "-m";
	args[n++] = "128";
	args[n++] = "--no-shconf";
	args[n++] = "--iova-mode=va";
	args[n++] = "--no-telemetry";
	snprintf(levels, sizeof(levels), "%s", env ? env : "notice");
	for (tok = strtok_r(levels, " ", &save), i = 0; tok && i < MAX_LEVELS;
	     tok = strtok_r(NULL, " ", &save), i++) {
		args[n++] = "--log-level";
		args[n++] = tok;
	}
	for (i = 0; i < ndev; i++) {
		args[n++] = "-a";
		args[n++] = names[i];
	}
	args[n] = NULL;
	return rte_eal_init(n, args);
}

static int summary(void)
{
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	static char *defaults[] = { "0000:00:04.0", "0000:00:05.0" };
	struct dut devs[MAX_DEVS];
	char **names = defaults;
	int ndev = 2, i, rc, ready = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	catch_faults();
	if (argc > 1) {
		names = argv + 1;
		ndev = argc - 1 > MAX_DEVS ? MAX_DEVS : argc - 1;
	}
	rc = eal_init(ndev, names);
	check(rc >= 0, "rte_eal_init: %s (run this under `uvfio run --machine "
	      "machines/ioat.json`; DPDK_TEST_LOG_LEVEL=lib.eal:debug "
	      "shows why)",
	      rte_strerror(rte_errno));
	if (rc < 0)
		return summary();
	check(rte_dma_count_avail() == ndev, "%u dmadevs found, expected %d: "
	      "is each function bound to vfio-pci and its ioat PMD loaded?",
	      rte_dma_count_avail(), ndev);

	memset(devs, 0, sizeof(devs));
	for (i = 0; i < ndev; i++) {
		struct dut *d = &devs[ready];

		memset(d, 0, sizeof(*d));
		d->name = names[i];
		rc = rte_dma_get_dev_id_by_name(d->name);
		check(rc >= 0, "%s: no dmadev of that name (%d)", d->name, rc);
		if (rc < 0)
			continue;
		d->id = (int16_t)rc;
		d->src = rte_malloc(NULL, MAX_COPY + SLOT, 4096);
		d->dst = rte_malloc(NULL, MAX_COPY + SLOT, 4096);
		check(d->src && d->dst, "%s: rte_malloc of 2 MiB failed", d->name);
		if (!d->src || !d->dst) {
			rte_free(d->src);
			rte_free(d->dst);
			continue;
		}
		check(iova(d->src) == (rte_iova_t)(uintptr_t)d->src,
		      "IOVA-as-VA: rte_malloc memory at %p has IOVA 0x%" PRIx64,
		      (void *)d->src, iova(d->src));
		if (test_device(d)) {
			ready++;
			continue;
		}
		rte_dma_stop(d->id);
		rte_dma_close(d->id);
		rte_free(d->src);
		rte_free(d->dst);
	}
	if (ready >= 2)
		test_both(&devs[0], &devs[1]);
	for (i = 0; i < ready; i++)
		test_restart(&devs[i]);
	for (i = 0; i < ready; i++) {
		finish(&devs[i]);
		rte_free(devs[i].src);
		rte_free(devs[i].dst);
	}
	rc = rte_eal_cleanup();
	check(rc == 0, "rte_eal_cleanup: %d", rc);
	return summary();
}
