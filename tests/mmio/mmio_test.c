// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shared by the mmio tests: pass/fail counting, a fake device that keeps
 * a log of every access it sees, and a trampoline that runs one machine
 * instruction with all general, flag and xmm registers taken from and
 * saved to a struct cpu_state, so that a trapped run of some bytes can be
 * compared with a native run of the very same bytes.
 */
#include <assert.h>
#include <cpuid.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "mmio_test.h"

unsigned int mt_passed, mt_failed;

static_assert(offsetof(struct cpu_state, rflags) == 128, "asm offsets");
static_assert(offsetof(struct cpu_state, xmm) == 144, "asm offsets");
static_assert(offsetof(struct cpu_state, mxcsr) == 400, "asm offsets");

bool mt_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		mt_passed++;
		return true;
	}
	mt_failed++;
	fprintf(stderr, "FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return false;
}

int mt_finish(void)
{
	printf("%u passed, %u failed\n", mt_passed, mt_failed);
	fflush(stdout);
	return mt_failed ? 1 : 0;
}

/* ---- fake device ---- */

static void fake_log(struct fake_dev *dev, char dir, uint64_t off,
		     unsigned int size, const void *val)
{
	struct fake_access *a;

	if (dev->nlog >= FAKE_LOG_MAX)
		return;
	a = &dev->log[dev->nlog++];
	a->dir = dir;
	a->off = off;
	a->size = size;
	a->val = 0;
	memcpy(&a->val, val, size < 8 ? size : 8);
}

static int fake_read(void *ctx, uint64_t off, unsigned int size, void *val)
{
	struct fake_dev *dev = ctx;

	if (dev->fail)
		return dev->fail;
	if (off + size > PAGE_SIZE)
		return -22;
	memcpy(val, dev->mem + off, size);
	fake_log(dev, 'R', off, size, val);
	return 0;
}

static int fake_write(void *ctx, uint64_t off, unsigned int size, const void *val)
{
	struct fake_dev *dev = ctx;

	if (dev->fail)
		return dev->fail;
	if (off + size > PAGE_SIZE)
		return -22;
	memcpy(dev->mem + off, val, size);
	fake_log(dev, 'W', off, size, val);
	return 0;
}

const struct mmio_trap_ops fake_ops = {
	.read = fake_read,
	.write = fake_write,
};

void fake_reset_log(struct fake_dev *dev)
{
	dev->nlog = 0;
}

bool fake_log_is(const struct fake_dev *dev, unsigned int i, char dir,
		 uint64_t off, unsigned int size)
{
	const struct fake_access *a = &dev->log[i];

	if (i >= dev->nlog) {
		fprintf(stderr, "  log: no entry %u (have %u)\n", i, dev->nlog);
		return false;
	}
	if (a->dir == dir && a->off == off && a->size == size)
		return true;
	fprintf(stderr, "  log[%u]: %c off %#llx size %u, want %c off %#llx size %u\n",
		i, a->dir, (unsigned long long)a->off, a->size, dir,
		(unsigned long long)off, size);
	return false;
}

/* ---- misc ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

void mt_srand(uint64_t seed)
{
	rng_state = seed ? seed : 1;
}

uint64_t mt_rand(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

bool mt_cpu_has_movdir64b(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return false;
	return c & (1u << 28);
}

bool mt_cpu_has_movdiri(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return false;
	return c & (1u << 27);
}

bool mt_cpu_has_movbe(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return false;
	return c & (1u << 22);
}

/* ---- native against trapped ---- */

#define AREA_HINT	0x50000000UL

uint8_t *mt_area_code, *mt_area_data, *mt_area_aux;
bool mt_area_low;

int mt_area_map(void)
{
	uint8_t *p;

	p = mmap((void *)AREA_HINT, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED || (uintptr_t)p != AREA_HINT) {
		if (p != MAP_FAILED)
			munmap(p, 3 * PAGE_SIZE);
		p = mmap(NULL, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -1;
		printf("no low mapping: absolute and 32-bit address forms skipped\n");
	} else {
		mt_area_low = true;
	}
	mt_area_code = p;
	mt_area_data = p + PAGE_SIZE;
	mt_area_aux = p + 2 * PAGE_SIZE;
	return 0;
}

static struct fake_dev diff_dev;
static uint8_t ref_page[PAGE_SIZE];
static unsigned int diff_reported;

static void set_code(const uint8_t *code, unsigned int len)
{
	mprotect(mt_area_code, PAGE_SIZE, PROT_READ | PROT_WRITE);
	memcpy(mt_area_code, code, len);
	mt_area_code[len] = 0xc3;	/* ret */
	mprotect(mt_area_code, PAGE_SIZE, PROT_READ | PROT_EXEC);
}

static void report(const struct mt_diff *d, const char *what)
{
	char hex[64];
	unsigned int i, n = 0;

	if (diff_reported++ > 30)
		return;
	for (i = 0; i < d->len && n < sizeof(hex) - 4; i++)
		n += (unsigned int)snprintf(hex + n, sizeof(hex) - n, "%02x ", d->code[i]);
	fprintf(stderr, "  %s [%s] off %#llx: %s\n", d->name, hex,
		(unsigned long long)d->off, what);
}

static bool same_state(const struct mt_diff *d, const struct cpu_state *a,
		       const struct cpu_state *b)
{
	char what[96];
	unsigned int i;

	for (i = 0; i < 16; i++) {
		if (a->gpr[i] != b->gpr[i]) {
			snprintf(what, sizeof(what), "gpr %u native %#llx trapped %#llx", i,
				 (unsigned long long)a->gpr[i], (unsigned long long)b->gpr[i]);
			report(d, what);
			return false;
		}
	}
	if (a->rflags != b->rflags) {
		snprintf(what, sizeof(what), "rflags native %#llx trapped %#llx",
			 (unsigned long long)a->rflags, (unsigned long long)b->rflags);
		report(d, what);
		return false;
	}
	if (memcmp(a->xmm, b->xmm, sizeof(a->xmm)) || a->mxcsr != b->mxcsr) {
		report(d, "xmm/mxcsr");
		return false;
	}
	return true;
}

static bool log_matches(const struct mt_diff *d)
{
	unsigned int i, n = (unsigned int)strlen(d->acc);

	if (diff_dev.nlog != n) {
		report(d, "number of accesses");
		return false;
	}
	for (i = 0; i < n; i++) {
		if (!fake_log_is(&diff_dev, i, d->acc[i], d->off, d->size)) {
			report(d, "access");
			return false;
		}
	}
	return true;
}

bool mt_diff_run(const struct mt_diff *d)
{
	struct cpu_state ref, got;
	bool ok;
	int ret;

	set_code(d->code, d->len);
	memcpy(mt_area_data, d->mem, PAGE_SIZE);
	ref = *d->init;
	mt_run_insn(&ref, mt_area_code);
	memcpy(ref_page, mt_area_data, PAGE_SIZE);

	memcpy(diff_dev.mem, d->mem, PAGE_SIZE);
	fake_reset_log(&diff_dev);
	mprotect(mt_area_data, PAGE_SIZE, PROT_NONE);
	ret = mmio_trap_register(mt_area_data, PAGE_SIZE, &fake_ops, &diff_dev);
	got = *d->init;
	mt_run_insn(&got, mt_area_code);
	mmio_trap_unregister(mt_area_data);
	mprotect(mt_area_data, PAGE_SIZE, PROT_READ | PROT_WRITE);

	ok = ret == 0 && same_state(d, &ref, &got) && log_matches(d);
	if (ok && memcmp(ref_page, diff_dev.mem, PAGE_SIZE)) {
		report(d, "memory");
		ok = false;
	}
	if (ok)
		mt_passed++;
	else
		mt_failed++;
	return ok;
}

/* ---- the trampoline ---- */

/*
 * mt_run_insn(st, code): the state pointer and the code address live on
 * the stack while the instruction runs, so that every register can carry
 * a test value and no symbol is named (which link-time optimisation would
 * be free to rename).
 */
#define LOAD_XMM(n)	"movdqu 144+16*" #n "(%rdi), %xmm" #n "\n\t"
#define SAVE_XMM(n)	"movdqu %xmm" #n ", 144+16*" #n "(%rdi)\n\t"

asm(".text\n\t"
    ".globl mt_run_insn\n\t"
    ".type mt_run_insn, @function\n"
    "mt_run_insn:\n\t"
    "push %rbx\n\t"
    "push %rbp\n\t"
    "push %r12\n\t"
    "push %r13\n\t"
    "push %r14\n\t"
    "push %r15\n\t"
    "sub $8, %rsp\n\t"
    "stmxcsr (%rsp)\n\t"
    "push %rdi\n\t"
    "push %rsi\n\t"
    "ldmxcsr 400(%rdi)\n\t"
    LOAD_XMM(0) LOAD_XMM(1) LOAD_XMM(2) LOAD_XMM(3)
    LOAD_XMM(4) LOAD_XMM(5) LOAD_XMM(6) LOAD_XMM(7)
    LOAD_XMM(8) LOAD_XMM(9) LOAD_XMM(10) LOAD_XMM(11)
    LOAD_XMM(12) LOAD_XMM(13) LOAD_XMM(14) LOAD_XMM(15)
    "pushq 128(%rdi)\n\t"
    "popfq\n\t"
    "mov 0(%rdi), %rax\n\t"
    "mov 8(%rdi), %rcx\n\t"
    "mov 16(%rdi), %rdx\n\t"
    "mov 24(%rdi), %rbx\n\t"
    "mov 40(%rdi), %rbp\n\t"
    "mov 48(%rdi), %rsi\n\t"
    "mov 64(%rdi), %r8\n\t"
    "mov 72(%rdi), %r9\n\t"
    "mov 80(%rdi), %r10\n\t"
    "mov 88(%rdi), %r11\n\t"
    "mov 96(%rdi), %r12\n\t"
    "mov 104(%rdi), %r13\n\t"
    "mov 112(%rdi), %r14\n\t"
    "mov 120(%rdi), %r15\n\t"
    "mov 56(%rdi), %rdi\n\t"
    "call *(%rsp)\n\t"
    "xchg %rdi, 8(%rsp)\n\t"
    "mov %rax, 0(%rdi)\n\t"
    "mov %rcx, 8(%rdi)\n\t"
    "mov %rdx, 16(%rdi)\n\t"
    "mov %rbx, 24(%rdi)\n\t"
    "mov %rsp, 32(%rdi)\n\t"
    "mov %rbp, 40(%rdi)\n\t"
    "mov %rsi, 48(%rdi)\n\t"
    "mov %r8, 64(%rdi)\n\t"
    "mov %r9, 72(%rdi)\n\t"
    "mov %r10, 80(%rdi)\n\t"
    "mov %r11, 88(%rdi)\n\t"
    "mov %r12, 96(%rdi)\n\t"
    "mov %r13, 104(%rdi)\n\t"
    "mov %r14, 112(%rdi)\n\t"
    "mov %r15, 120(%rdi)\n\t"
    "pushfq\n\t"
    "popq 128(%rdi)\n\t"
    "mov 8(%rsp), %rax\n\t"
    "mov %rax, 56(%rdi)\n\t"
    SAVE_XMM(0) SAVE_XMM(1) SAVE_XMM(2) SAVE_XMM(3)
    SAVE_XMM(4) SAVE_XMM(5) SAVE_XMM(6) SAVE_XMM(7)
    SAVE_XMM(8) SAVE_XMM(9) SAVE_XMM(10) SAVE_XMM(11)
    SAVE_XMM(12) SAVE_XMM(13) SAVE_XMM(14) SAVE_XMM(15)
    "stmxcsr 400(%rdi)\n\t"
    "cld\n\t"
    "add $16, %rsp\n\t"
    "ldmxcsr (%rsp)\n\t"
    "add $8, %rsp\n\t"
    "pop %r15\n\t"
    "pop %r14\n\t"
    "pop %r13\n\t"
    "pop %r12\n\t"
    "pop %rbp\n\t"
    "pop %rbx\n\t"
    "ret\n\t"
    ".size mt_run_insn, .-mt_run_insn\n\t");
