// SPDX-License-Identifier: GPL-2.0-only
/*
 * Trapped MMIO end to end. Built at several optimisation levels so that
 * the C part sees whatever loads and stores the compiler picks for
 * volatile accesses; the generated part runs every encoding the decoder
 * claims, with every register and addressing form, once natively on a
 * plain page and once trapped on a fake device, and requires the same
 * registers, flags, xmm state and memory afterwards, and the expected
 * device accesses (direction, offset, size, order).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "mmio_test.h"
#include "preload/x86_decode.h"

static struct fake_dev dev;
static uint8_t *bar;			/* PROT_NONE, trapped to dev */

#define LOG_IS(i, dir, off, size) \
	CHECK(fake_log_is(&dev, (i), (dir), (off), (size)), "access %u", (unsigned int)(i))

/* Pseudo-random contents that do not disturb the main random sequence. */
static void dev_fill_buf(uint8_t *mem, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
	unsigned int i;

	for (i = 0; i < PAGE_SIZE; i += 8) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		x *= 0x2545f4914f6cdd1dULL;
		memcpy(mem + i, &x, 8);
	}
}

static void dev_fill(struct fake_dev *d, uint64_t seed)
{
	dev_fill_buf(d->mem, seed);
	mt_barrier();
}

static uint64_t dev_get(unsigned int off, unsigned int size)
{
	uint64_t v = 0;

	mt_barrier();
	memcpy(&v, dev.mem + off, size);
	return v;
}

/* ---------------------------------------------------------------- */
/* What the compiler emits for volatile accesses                    */

static void test_c_widths(void)
{
	volatile uint8_t *r8 = bar;
	volatile uint16_t *r16 = (volatile uint16_t *)bar;
	volatile uint32_t *r32 = (volatile uint32_t *)bar;
	volatile uint64_t *r64 = (volatile uint64_t *)bar;
	uint64_t v;

	dev_fill(&dev, 1);
	fake_reset_log(&dev);
	r8[3] = 0x5a;
	r16[5] = 0xbeef;
	r32[7] = 0xdeadbeef;
	r64[9] = 0x0123456789abcdefULL;
	mt_barrier();
	LOG_IS(0, 'W', 3, 1);
	LOG_IS(1, 'W', 10, 2);
	LOG_IS(2, 'W', 28, 4);
	LOG_IS(3, 'W', 72, 8);
	CHECK(dev.nlog == 4, "4 stores, %u accesses", dev.nlog);
	CHECK(dev_get(3, 1) == 0x5a && dev_get(10, 2) == 0xbeef &&
	      dev_get(28, 4) == 0xdeadbeef && dev_get(72, 8) == 0x0123456789abcdefULL,
	      "stored values");

	fake_reset_log(&dev);
	v = r8[3];
	CHECK(v == 0x5a, "u8 load %#llx", (unsigned long long)v);
	v = r16[5];
	CHECK(v == 0xbeef, "u16 load %#llx", (unsigned long long)v);
	v = r32[7];
	CHECK(v == 0xdeadbeef, "u32 load %#llx", (unsigned long long)v);
	v = r64[9];
	mt_barrier();
	CHECK(v == 0x0123456789abcdefULL, "u64 load %#llx", (unsigned long long)v);
	LOG_IS(0, 'R', 3, 1);
	LOG_IS(1, 'R', 10, 2);
	LOG_IS(2, 'R', 28, 4);
	LOG_IS(3, 'R', 72, 8);
}

static void test_c_signed(void)
{
	volatile int8_t *s8 = (volatile int8_t *)bar;
	volatile int16_t *s16 = (volatile int16_t *)bar;
	volatile int32_t *s32 = (volatile int32_t *)bar;
	int64_t a, b, c;
	int d, e;

	memset(dev.mem, 0x80, 64);
	fake_reset_log(&dev);
	mt_barrier();
	a = s8[1];
	b = s16[2];
	c = s32[3];
	d = s8[4];
	e = s16[5];
	mt_barrier();
	CHECK(a == -128, "s8 -> s64: %lld", (long long)a);
	CHECK(b == -32640, "s16 -> s64: %lld", (long long)b);
	CHECK(c == (int32_t)0x80808080, "s32 -> s64: %lld", (long long)c);
	CHECK(d == -128 && e == -32640, "sign into int: %d %d", d, e);
	LOG_IS(0, 'R', 1, 1);
	LOG_IS(1, 'R', 4, 2);
	LOG_IS(2, 'R', 12, 4);
	CHECK(dev.nlog == 5, "5 loads, %u accesses", dev.nlog);
}

#define REP16(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) \
		 X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)

/*
 * Sixteen values alive at once: the compiler has to use every register
 * it can for the destinations, and a different base for each width.
 */
static void test_c_many(void)
{
	volatile uint64_t *q = (volatile uint64_t *)bar;
	volatile uint32_t *l = (volatile uint32_t *)(bar + 256);
	volatile uint16_t *w = (volatile uint16_t *)(bar + 512);
	volatile uint8_t *b = bar + 768;
	unsigned int bad = 0;

	dev_fill(&dev, 2);
	fake_reset_log(&dev);
	{
#define LD(i) uint64_t q##i = q[i]; uint32_t l##i = l[i]; \
	      uint16_t w##i = w[i]; uint8_t b##i = b[i];
		REP16(LD)
#undef LD
		mt_barrier();
#define CK(i) bad += q##i != dev_get(8 * i, 8);			\
	      bad += l##i != dev_get(256 + 4 * i, 4);		\
	      bad += w##i != dev_get(512 + 2 * i, 2);		\
	      bad += b##i != dev_get(768 + i, 1);
		REP16(CK)
#undef CK
		CHECK(bad == 0, "%u of 64 loads wrong", bad);
		CHECK(dev.nlog == 64, "64 loads, %u accesses", dev.nlog);
#define ST(i) q[16 + i] = q##i ^ 0x5555; l[16 + i] = l##i + 7;	\
	      w[16 + i] = (uint16_t)(w##i - 3); b[16 + i] = (uint8_t)~b##i;
		REP16(ST)
#undef ST
		mt_barrier();
		bad = 0;
#define CK(i) bad += dev_get(8 * (16 + i), 8) != (q##i ^ 0x5555);	\
	      bad += dev_get(256 + 4 * (16 + i), 4) != (uint32_t)(l##i + 7); \
	      bad += dev_get(512 + 2 * (16 + i), 2) != (uint16_t)(w##i - 3); \
	      bad += dev_get(768 + 16 + i, 1) != (uint8_t)~b##i;
		REP16(CK)
#undef CK
		CHECK(bad == 0, "%u of 64 stores wrong", bad);
	}
}

/* Loops give the compiler base+index*scale forms. */
static void test_c_loops(void)
{
	volatile uint32_t *r = (volatile uint32_t *)bar;
	volatile uint16_t *h = (volatile uint16_t *)(bar + 1024);
	uint64_t sum = 0, want = 0;
	unsigned int i, bad = 0;

	dev_fill(&dev, 3);
	for (i = 0; i < 64; i++)
		want += dev_get(4 * i, 4);
	fake_reset_log(&dev);
	for (i = 0; i < 64; i++)
		sum += r[i];
	mt_barrier();
	CHECK(sum == want, "sum of 64 loads");
	for (i = 0; i < 64; i++)
		bad += !(dev.log[i].dir == 'R' && dev.log[i].off == 4 * i && dev.log[i].size == 4);
	CHECK(bad == 0, "loop accesses in order");
	for (i = 0; i < 256; i++)
		h[i] = (uint16_t)(i * 3);
	bad = 0;
	for (i = 0; i < 256; i++)
		bad += dev_get(1024 + 2 * i, 2) != (uint16_t)(i * 3);
	CHECK(bad == 0, "loop stores");
}

/* Read-modify-write expressions: one read, then one write, same size. */
static void test_c_rmw(void)
{
	volatile uint32_t *r = (volatile uint32_t *)bar;
	volatile uint8_t *c = bar;
	volatile uint64_t *q = (volatile uint64_t *)bar;
	volatile uint16_t *h = (volatile uint16_t *)bar;
	unsigned int sh = 3;

	memset(dev.mem, 0, 256);
	dev.mem[0x40] = 0x0f;
	memcpy(dev.mem + 0x80, "\x01\x00\x00\x00\x00\x00\x00\x80", 8);
	fake_reset_log(&dev);
	mt_barrier();
	r[0x10 / 4] |= 0x100;
	mt_barrier();
	LOG_IS(0, 'R', 0x10, 4);
	LOG_IS(1, 'W', 0x10, 4);
	r[0x10 / 4] &= ~0x100u;
	r[0x14 / 4] += 5;
	r[0x14 / 4]++;
	c[0x40] <<= 1;
	c[0x41]--;
	q[0x80 / 8] >>= sh;
	h[0x30 / 2] = (uint16_t)-h[0x30 / 2];
	h[0x32 / 2] = (uint16_t)~h[0x32 / 2];
	mt_barrier();
	CHECK(dev.nlog == 18, "9 read-modify-writes, %u accesses", dev.nlog);
	CHECK(dev_get(0x10, 4) == 0, "or then and");
	CHECK(dev_get(0x14, 4) == 6, "add then inc");
	CHECK(dev.mem[0x40] == 0x1e && dev.mem[0x41] == 0xff, "shl, dec");
	CHECK(dev_get(0x80, 8) == 0x1000000000000000ULL, "shr");
	CHECK(dev_get(0x30, 2) == 0 && dev_get(0x32, 2) == 0xffff, "neg, not");
	LOG_IS(16, 'R', 0x32, 2);
	LOG_IS(17, 'W', 0x32, 2);
}

/* Comparisons and tests on registers, as drivers poll status bits. */
static int test_c_cmp_one(volatile uint32_t *r, volatile uint8_t *c)
{
	int n = 0;

	if (*r == 5)
		n |= 1;
	if (*r & 0x4)
		n |= 2;
	if (*c > 0x7f)
		n |= 4;
	if ((int8_t)*c < 0)
		n |= 8;
	while (!(*c & 0x80))
		;
	return n;
}

static void test_c_cmp(void)
{
	int n;

	memset(dev.mem, 0, 64);
	dev.mem[0] = 5;
	dev.mem[8] = 0x81;
	fake_reset_log(&dev);
	mt_barrier();
	n = test_c_cmp_one((volatile uint32_t *)bar, bar + 8);
	mt_barrier();
	CHECK(n == 15, "comparisons on loaded values: %#x", n);
	CHECK(dev.nlog == 5, "five reads, %u", dev.nlog);
}

/* ---------------------------------------------------------------- */
/* Encodings the compiler may not pick, written out                 */

static void test_asm_explicit(void)
{
	uint64_t out = 0, flags;
	uint8_t src[64] __attribute__((aligned(64)));
	unsigned int i;

	dev_fill(&dev, 4);
	fake_reset_log(&dev);
	asm volatile("movq $-1, %%rax\n\tmovb 5(%1), %%ah\n\tmov %%rax, %0"
		     : "=r"(out) : "r"(bar) : "rax", "memory");
	CHECK(out == (0xffffffffffff00ffULL | (uint64_t)dev.mem[5] << 8), "mov to ah");
	asm volatile("mov %1, %%r15\n\tmovsbq 7(%%r15), %%r15\n\tmov %%r15, %0"
		     : "=r"(out) : "r"(bar) : "r15", "memory");
	CHECK(out == (uint64_t)(int64_t)(int8_t)dev.mem[7], "movsbq to r15");
	asm volatile("movl $0x80, 0x20(%0)\n\tlock orl $0x3, 0x20(%0)"
		     : : "r"(bar) : "memory", "cc");
	CHECK(dev_get(0x20, 4) == 0x83, "lock or");
	asm volatile("cmpl $0x83, 0x20(%1)\n\tpushfq\n\tpopq %0"
		     : "=r"(flags) : "r"(bar) : "memory", "cc");
	CHECK((flags & X86_FLAGS_ZF) && !(flags & X86_FLAGS_CF), "cmp flags %#llx",
	      (unsigned long long)flags);
	out = 0x1122334455667788ULL;
	asm volatile("xchg %0, 0x28(%1)" : "+r"(out) : "r"(bar) : "memory");
	CHECK(dev_get(0x28, 8) == 0x1122334455667788ULL, "xchg stored");
	if (!mt_cpu_has_movdir64b())
		return;
	for (i = 0; i < 64; i++)
		src[i] = (uint8_t)(i * 7);
	fake_reset_log(&dev);
	asm volatile("movdir64b (%1), %0" : : "r"(bar + 128), "r"(src) : "memory");
	mt_barrier();
	CHECK(dev.nlog == 1, "movdir64b is one access, %u", dev.nlog);
	LOG_IS(0, 'W', 128, 64);
	CHECK(!memcmp(dev.mem + 128, src, 64), "movdir64b data");
}

/* ---------------------------------------------------------------- */
/* Every encoding, every register, native against trapped           */

enum {
	RK_GPR,		/* ModRM.reg is a general register */
	RK_XMM,
	RK_DIGIT,	/* ModRM.reg is an opcode extension */
};

#define T_BYTE		0x01	/* byte register: ah..bh without REX */
#define T_DST		0x02	/* the register is written */
#define T_ALIGN		0x04	/* keep the access aligned (locked ops) */
#define T_MXCSR		0x08	/* vary the rounding mode */

struct tmpl {
	char name[40];
	uint8_t pfx[2];
	uint8_t npfx;
	bool w;
	uint8_t opc[3];
	uint8_t nopc;
	uint8_t rk;
	uint8_t digit;
	uint8_t imm;		/* immediate bytes */
	uint8_t size;		/* memory access size */
	char acc[3];		/* expected accesses: "R", "W", "RW" */
	uint8_t flags;
};

#define MAX_TMPL	1024
static struct tmpl tmpls[MAX_TMPL];
static unsigned int ntmpl;

static void tadd(const char *name, uint8_t pfx, bool w, const uint8_t *opc,
		 unsigned int nopc, int rk, int digit, unsigned int imm,
		 unsigned int size, const char *acc, unsigned int flags)
{
	struct tmpl *t;

	if (ntmpl == MAX_TMPL)
		return;
	t = &tmpls[ntmpl++];
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	if (pfx)
		t->pfx[t->npfx++] = pfx;
	t->w = w;
	memcpy(t->opc, opc, nopc);
	t->nopc = (uint8_t)nopc;
	t->rk = (uint8_t)rk;
	t->digit = (uint8_t)digit;
	t->imm = (uint8_t)imm;
	t->size = (uint8_t)size;
	snprintf(t->acc, sizeof(t->acc), "%s", acc);
	t->flags = (uint8_t)flags;
}

#define OPC(...)	(const uint8_t[]){ __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ })

enum { IMM_0, IMM_B, IMM_Z };

/*
 * The 16/32/64-bit forms of one opcode. size 0: the access is the operand
 * size; otherwise it is fixed (movzx and friends).
 */
static void tadd_v(const char *name, const uint8_t *opc, unsigned int nopc, int rk,
		   int digit, int immk, unsigned int size, const char *acc,
		   unsigned int flags)
{
	static const unsigned int osz[3] = { 2, 4, 8 };
	char buf[40];
	unsigned int i, imm;

	for (i = 0; i < 3; i++) {
		imm = immk == IMM_B ? 1 : immk == IMM_Z ? (osz[i] == 2 ? 2 : 4) : 0;
		snprintf(buf, sizeof(buf), "%s/%u", name, osz[i] * 8);
		tadd(buf, i == 0 ? 0x66 : 0, i == 2, opc, nopc, rk, digit, imm,
		     size ? size : osz[i], acc, flags);
	}
}

static void build_alu(void)
{
	static const char *const names[8] = {
		"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp",
	};
	const char *rmw;
	char buf[32];
	unsigned int op, d;

	for (op = 0; op < 8; op++) {
		rmw = op == 7 ? "R" : "RW";
		snprintf(buf, sizeof(buf), "%s r8,m", names[op]);
		tadd(buf, 0, false, OPC((uint8_t)(op * 8)), RK_GPR, 0, 0, 1, rmw, T_BYTE);
		snprintf(buf, sizeof(buf), "%s r,m", names[op]);
		tadd_v(buf, OPC((uint8_t)(op * 8 + 1)), RK_GPR, 0, IMM_0, 0, rmw, 0);
		snprintf(buf, sizeof(buf), "%s m,r8", names[op]);
		tadd(buf, 0, false, OPC((uint8_t)(op * 8 + 2)), RK_GPR, 0, 0, 1, "R",
		     T_BYTE | (op == 7 ? 0 : T_DST));
		snprintf(buf, sizeof(buf), "%s m,r", names[op]);
		tadd_v(buf, OPC((uint8_t)(op * 8 + 3)), RK_GPR, 0, IMM_0, 0, "R",
		       op == 7 ? 0 : T_DST);
		snprintf(buf, sizeof(buf), "%s m8,imm", names[op]);
		tadd(buf, 0, false, OPC(0x80), RK_DIGIT, (int)op, 1, 1, rmw, 0);
		snprintf(buf, sizeof(buf), "%s m,imm", names[op]);
		tadd_v(buf, OPC(0x81), RK_DIGIT, (int)op, IMM_Z, 0, rmw, 0);
		snprintf(buf, sizeof(buf), "%s m,imm8", names[op]);
		tadd_v(buf, OPC(0x83), RK_DIGIT, (int)op, IMM_B, 0, rmw, 0);
		if (op == 7)
			continue;
		snprintf(buf, sizeof(buf), "lock %s r,m", names[op]);
		tadd(buf, 0xf0, false, OPC((uint8_t)(op * 8 + 1)), RK_GPR, 0, 0, 4, rmw,
		     T_ALIGN);
		snprintf(buf, sizeof(buf), "lock %s m,imm8", names[op]);
		tadd(buf, 0xf0, true, OPC(0x83), RK_DIGIT, (int)op, 1, 8, rmw, T_ALIGN);
	}
	for (d = 0; d < 8; d++) {
		snprintf(buf, sizeof(buf), "grp2/%u by 1", d);
		tadd(buf, 0, false, OPC(0xd0), RK_DIGIT, (int)d, 0, 1, "RW", 0);
		tadd_v(buf, OPC(0xd1), RK_DIGIT, (int)d, IMM_0, 0, "RW", 0);
		snprintf(buf, sizeof(buf), "grp2/%u by cl", d);
		tadd(buf, 0, false, OPC(0xd2), RK_DIGIT, (int)d, 0, 1, "RW", 0);
		tadd_v(buf, OPC(0xd3), RK_DIGIT, (int)d, IMM_0, 0, "RW", 0);
		snprintf(buf, sizeof(buf), "grp2/%u by imm", d);
		tadd(buf, 0, false, OPC(0xc0), RK_DIGIT, (int)d, 1, 1, "RW", 0);
		tadd_v(buf, OPC(0xc1), RK_DIGIT, (int)d, IMM_B, 0, "RW", 0);
	}
}

static void build_other(void)
{
	unsigned int cc;
	char buf[32];

	/* mov */
	tadd("mov r8,m", 0, false, OPC(0x88), RK_GPR, 0, 0, 1, "W", T_BYTE);
	tadd_v("mov r,m", OPC(0x89), RK_GPR, 0, IMM_0, 0, "W", 0);
	tadd("mov m,r8", 0, false, OPC(0x8a), RK_GPR, 0, 0, 1, "R", T_BYTE | T_DST);
	tadd_v("mov m,r", OPC(0x8b), RK_GPR, 0, IMM_0, 0, "R", T_DST);
	tadd("mov imm,m8", 0, false, OPC(0xc6), RK_DIGIT, 0, 1, 1, "W", 0);
	tadd_v("mov imm,m", OPC(0xc7), RK_DIGIT, 0, IMM_Z, 0, "W", 0);
	tadd("xrelease mov", 0xf3, false, OPC(0x89), RK_GPR, 0, 0, 4, "W", 0);
	/* extending loads */
	tadd_v("movzb", OPC(0x0f, 0xb6), RK_GPR, 0, IMM_0, 1, "R", T_DST);
	tadd_v("movzw", OPC(0x0f, 0xb7), RK_GPR, 0, IMM_0, 2, "R", T_DST);
	tadd_v("movsb", OPC(0x0f, 0xbe), RK_GPR, 0, IMM_0, 1, "R", T_DST);
	tadd_v("movsw", OPC(0x0f, 0xbf), RK_GPR, 0, IMM_0, 2, "R", T_DST);
	tadd("movslq", 0, true, OPC(0x63), RK_GPR, 0, 0, 4, "R", T_DST);
	tadd("movsxd r32", 0, false, OPC(0x63), RK_GPR, 0, 0, 4, "R", T_DST);
	/* test, not, neg, inc, dec */
	tadd("test r8,m", 0, false, OPC(0x84), RK_GPR, 0, 0, 1, "R", T_BYTE);
	tadd_v("test r,m", OPC(0x85), RK_GPR, 0, IMM_0, 0, "R", 0);
	tadd("test imm,m8", 0, false, OPC(0xf6), RK_DIGIT, 0, 1, 1, "R", 0);
	tadd_v("test imm,m", OPC(0xf7), RK_DIGIT, 0, IMM_Z, 0, "R", 0);
	tadd("not m8", 0, false, OPC(0xf6), RK_DIGIT, 2, 0, 1, "RW", 0);
	tadd_v("not m", OPC(0xf7), RK_DIGIT, 2, IMM_0, 0, "RW", 0);
	tadd("neg m8", 0, false, OPC(0xf6), RK_DIGIT, 3, 0, 1, "RW", 0);
	tadd_v("neg m", OPC(0xf7), RK_DIGIT, 3, IMM_0, 0, "RW", 0);
	tadd("inc m8", 0, false, OPC(0xfe), RK_DIGIT, 0, 0, 1, "RW", 0);
	tadd_v("inc m", OPC(0xff), RK_DIGIT, 0, IMM_0, 0, "RW", 0);
	tadd("dec m8", 0, false, OPC(0xfe), RK_DIGIT, 1, 0, 1, "RW", 0);
	tadd_v("dec m", OPC(0xff), RK_DIGIT, 1, IMM_0, 0, "RW", 0);
	tadd("lock inc", 0xf0, false, OPC(0xff), RK_DIGIT, 0, 0, 4, "RW", T_ALIGN);
	tadd("lock neg", 0xf0, true, OPC(0xf7), RK_DIGIT, 3, 0, 8, "RW", T_ALIGN);
	/* imul */
	tadd("imul m,r/16", 0x66, false, OPC(0x0f, 0xaf), RK_GPR, 0, 0, 2, "R", T_DST);
	tadd("imul m,r/32", 0, false, OPC(0x0f, 0xaf), RK_GPR, 0, 0, 4, "R", T_DST);
	tadd("imul m,r/64", 0, true, OPC(0x0f, 0xaf), RK_GPR, 0, 0, 8, "R", T_DST);
	tadd_v("imul imm8,m,r", OPC(0x6b), RK_GPR, 0, IMM_B, 0, "R", T_DST);
	tadd_v("imul imm,m,r", OPC(0x69), RK_GPR, 0, IMM_Z, 0, "R", T_DST);
	/* xchg */
	tadd("xchg r8,m", 0, false, OPC(0x86), RK_GPR, 0, 0, 1, "RW", T_BYTE | T_DST | T_ALIGN);
	tadd_v("xchg r,m", OPC(0x87), RK_GPR, 0, IMM_0, 0, "RW", T_DST | T_ALIGN);
	/* setcc, cmovcc */
	for (cc = 0; cc < 16; cc++) {
		snprintf(buf, sizeof(buf), "set%u", cc);
		tadd(buf, 0, false, OPC(0x0f, (uint8_t)(0x90 + cc)), RK_DIGIT, 0, 0, 1, "W", 0);
		snprintf(buf, sizeof(buf), "cmov%u", cc);
		tadd_v(buf, OPC(0x0f, (uint8_t)(0x40 + cc)), RK_GPR, 0, IMM_0, 0, "R", T_DST);
	}
	/* stores that bypass the cache */
	tadd("movnti/32", 0, false, OPC(0x0f, 0xc3), RK_GPR, 0, 0, 4, "W", 0);
	tadd("movnti/64", 0, true, OPC(0x0f, 0xc3), RK_GPR, 0, 0, 8, "W", 0);
	if (mt_cpu_has_movdiri()) {
		tadd("movdiri/32", 0, false, OPC(0x0f, 0x38, 0xf9), RK_GPR, 0, 0, 4, "W", T_ALIGN);
		tadd("movdiri/64", 0, true, OPC(0x0f, 0x38, 0xf9), RK_GPR, 0, 0, 8, "W", T_ALIGN);
	}
	if (mt_cpu_has_movbe()) {
		tadd_v("movbe m,r", OPC(0x0f, 0x38, 0xf0), RK_GPR, 0, IMM_0, 0, "R", T_DST);
		tadd_v("movbe r,m", OPC(0x0f, 0x38, 0xf1), RK_GPR, 0, IMM_0, 0, "W", 0);
	}
	/* SSE */
	tadd("movd m,xmm", 0x66, false, OPC(0x0f, 0x6e), RK_XMM, 0, 0, 4, "R", 0);
	tadd("movq m,xmm (6e)", 0x66, true, OPC(0x0f, 0x6e), RK_XMM, 0, 0, 8, "R", 0);
	tadd("movd xmm,m", 0x66, false, OPC(0x0f, 0x7e), RK_XMM, 0, 0, 4, "W", 0);
	tadd("movq xmm,m (7e)", 0x66, true, OPC(0x0f, 0x7e), RK_XMM, 0, 0, 8, "W", 0);
	tadd("movq m,xmm (f3 7e)", 0xf3, false, OPC(0x0f, 0x7e), RK_XMM, 0, 0, 8, "R", 0);
	tadd("movq xmm,m (d6)", 0x66, false, OPC(0x0f, 0xd6), RK_XMM, 0, 0, 8, "W", 0);
	tadd("movss m,xmm", 0xf3, false, OPC(0x0f, 0x10), RK_XMM, 0, 0, 4, "R", 0);
	tadd("movsd m,xmm", 0xf2, false, OPC(0x0f, 0x10), RK_XMM, 0, 0, 8, "R", 0);
	tadd("movss xmm,m", 0xf3, false, OPC(0x0f, 0x11), RK_XMM, 0, 0, 4, "W", 0);
	tadd("movsd xmm,m", 0xf2, false, OPC(0x0f, 0x11), RK_XMM, 0, 0, 8, "W", 0);
	tadd("cvtsi2sdl", 0xf2, false, OPC(0x0f, 0x2a), RK_XMM, 0, 0, 4, "R", T_MXCSR);
	tadd("cvtsi2sdq", 0xf2, true, OPC(0x0f, 0x2a), RK_XMM, 0, 0, 8, "R", T_MXCSR);
	tadd("cvtsi2ssl", 0xf3, false, OPC(0x0f, 0x2a), RK_XMM, 0, 0, 4, "R", T_MXCSR);
	tadd("cvtsi2ssq", 0xf3, true, OPC(0x0f, 0x2a), RK_XMM, 0, 0, 8, "R", T_MXCSR);
}

enum form {
	F_BASE,
	F_BASE_D8,
	F_BASE_D32,
	F_SIB,
	F_SIB_NOBASE,
	F_ABS,
	F_RIP,
	F_A32,
	F_NFORMS,
};

struct gen {
	const struct tmpl *t;
	unsigned int reg;	/* ModRM.reg register */
	bool rex;		/* force a REX prefix */
	enum form form;
	unsigned int base, index, scale;
	uint64_t off;		/* offset of the access in the data page */
	uint8_t code[16];
	unsigned int len;
	struct cpu_state init;
};

static void put32(uint8_t *p, unsigned int *n, uint32_t v)
{
	memcpy(p + *n, &v, 4);
	*n += 4;
}

static void put_imm(struct gen *g, unsigned int *n)
{
	uint64_t imm = mt_rand();

	/* small shift counts are the interesting ones */
	if (g->t->rk == RK_DIGIT && (g->t->opc[0] == 0xc0 || g->t->opc[0] == 0xc1))
		imm &= 0x3f;
	memcpy(g->code + *n, &imm, g->t->imm);
	*n += g->t->imm;
}

static bool uses_base(enum form f)
{
	return f == F_BASE || f == F_BASE_D8 || f == F_BASE_D32 || f == F_SIB || f == F_A32;
}

static bool uses_index(enum form f)
{
	return f == F_SIB || f == F_SIB_NOBASE;
}

/* ModRM, SIB and displacement for the chosen form; the register values. */
static void encode_mem(struct gen *g, unsigned int *n, uint8_t regf)
{
	uint64_t target = (uint64_t)(uintptr_t)mt_area_data + g->off;
	uint8_t *c = g->code;
	unsigned int sl = g->scale == 1 ? 0 : g->scale == 2 ? 1 : g->scale == 4 ? 2 : 3;
	uint64_t ival = mt_rand() & 0xff;
	int32_t disp = 0;
	uint8_t mod = 0;

	switch (g->form) {
	case F_BASE:
	case F_A32:
		mod = (g->base & 7) == 5 ? 1 : 0;
		break;
	case F_BASE_D8:
	case F_SIB:
		mod = 1;
		disp = (int8_t)mt_rand();
		break;
	case F_BASE_D32:
		mod = 2;
		disp = (int32_t)(mt_rand() % 0x100000) - 0x80000;
		break;
	default:
		break;
	}
	if (g->form == F_SIB || g->form == F_SIB_NOBASE) {
		c[(*n)++] = (uint8_t)(mod << 6 | regf << 3 | 4);
		c[(*n)++] = (uint8_t)(sl << 6 | (g->index & 7) << 3 |
				      (g->form == F_SIB ? g->base & 7 : 5));
	} else if (g->form == F_ABS) {
		c[(*n)++] = (uint8_t)(regf << 3 | 4);
		c[(*n)++] = 0x25;
	} else if (g->form == F_RIP) {
		c[(*n)++] = (uint8_t)(regf << 3 | 5);
	} else if ((g->base & 7) == 4) {
		c[(*n)++] = (uint8_t)(mod << 6 | regf << 3 | 4);
		c[(*n)++] = 0x24;
	} else {
		c[(*n)++] = (uint8_t)(mod << 6 | regf << 3 | (g->base & 7));
	}
	if (mod == 1)
		c[(*n)++] = (uint8_t)disp;
	else if (mod == 2)
		put32(c, n, (uint32_t)disp);
	if (g->form == F_SIB_NOBASE || g->form == F_ABS) {
		disp = (int32_t)(target - (uses_index(g->form) ? ival * g->scale : 0));
		put32(c, n, (uint32_t)disp);
	}
	if (g->form == F_RIP) {
		put32(c, n, 0);
		disp = (int32_t)(target - ((uint64_t)(uintptr_t)mt_area_code + *n + g->t->imm));
		memcpy(c + *n - 4, &disp, 4);
	}
	if (uses_index(g->form))
		g->init.gpr[g->index] = ival;
	if (uses_base(g->form))
		g->init.gpr[g->base] = target - (uint64_t)(int64_t)disp -
				       (uses_index(g->form) ? ival * g->scale : 0);
	if (g->form == F_A32)
		g->init.gpr[g->base] = (mt_rand() << 32) | (uint32_t)g->init.gpr[g->base];
}

static void encode(struct gen *g)
{
	const struct tmpl *t = g->t;
	uint8_t regf = t->rk == RK_DIGIT ? t->digit : (uint8_t)(g->reg & 7);
	uint8_t rex = 0x40;
	unsigned int n = 0, i;

	if (g->form == F_A32)
		g->code[n++] = 0x67;
	for (i = 0; i < t->npfx; i++)
		g->code[n++] = t->pfx[i];
	if (t->w)
		rex |= 8;
	if (t->rk != RK_DIGIT && g->reg >= 8)
		rex |= 4;
	if (uses_index(g->form) && g->index >= 8)
		rex |= 2;
	if (uses_base(g->form) && g->base >= 8)
		rex |= 1;
	if (rex != 0x40 || g->rex)
		g->code[n++] = rex;
	memcpy(g->code + n, t->opc, t->nopc);
	n += t->nopc;
	encode_mem(g, &n, regf);
	put_imm(g, &n);
	g->len = n;
}

/* Whether the instruction would write rsp, which the trampoline needs. */
static bool writes_rsp(const struct gen *g)
{
	const struct tmpl *t = g->t;
	bool rex = g->rex || t->w || g->reg >= 8 ||
		   (uses_index(g->form) && g->index >= 8) ||
		   (uses_base(g->form) && g->base >= 8);

	if (t->rk != RK_GPR || !(t->flags & T_DST) || g->reg != 4)
		return false;
	/* without REX, byte register 4 is ah */
	return !(t->flags & T_BYTE) || rex;
}

static void random_state(struct cpu_state *s, const struct tmpl *t)
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		s->gpr[i] = mt_rand();
	/* make small values and sign boundaries common */
	if (mt_rand() % 4 == 0)
		s->gpr[mt_rand() % 16] &= 0xff;
	s->rflags = 0x202 | (mt_rand() & X86_FLAGS_ARITH);
	for (i = 0; i < 16; i++) {
		uint64_t a = mt_rand(), b = mt_rand();

		memcpy(s->xmm[i], &a, 8);
		memcpy(s->xmm[i] + 8, &b, 8);
	}
	s->mxcsr = 0x1f80;
	if (t->flags & T_MXCSR)
		s->mxcsr |= (uint32_t)(mt_rand() & 3) << 13;
}

static void run_both(const struct gen *g)
{
	static uint8_t mem[PAGE_SIZE];
	struct mt_diff d = {
		.code = g->code, .len = g->len, .init = &g->init, .mem = mem,
		.off = g->off, .size = g->t->size, .acc = g->t->acc,
	};
	char name[96];

	snprintf(name, sizeof(name), "%s reg %u form %d base %u index %u scale %u",
		 g->t->name, g->reg, g->form, g->base, g->index, g->scale);
	d.name = name;
	dev_fill_buf(mem, g->off * 31 + g->len);
	mt_diff_run(&d);
}

static bool form_ok(const struct gen *g)
{
	if (!mt_area_low && (g->form == F_SIB_NOBASE || g->form == F_ABS || g->form == F_A32))
		return false;
	if (uses_base(g->form) && g->base == 4)
		return false;
	if (uses_index(g->form) && (g->index == 4 || (uses_base(g->form) && g->index == g->base)))
		return false;
	return true;
}

static void gen_one(const struct tmpl *t, unsigned int reg, enum form form, bool rex)
{
	struct gen g;
	unsigned int align;

	memset(&g, 0, sizeof(g));
	g.t = t;
	g.reg = reg;
	g.rex = rex;
	g.form = form;
	g.base = (unsigned int)(mt_rand() % 16);
	g.index = (unsigned int)(mt_rand() % 16);
	g.scale = 1u << (mt_rand() % 4);
	if (!form_ok(&g))
		return;
	align = (t->flags & T_ALIGN) || mt_rand() % 2 ? t->size : 1;
	g.off = (mt_rand() % (PAGE_SIZE - 64)) & ~(uint64_t)(align - 1);
	random_state(&g.init, t);
	encode(&g);
	if (writes_rsp(&g))
		return;
	run_both(&g);
}

static void test_generated(void)
{
	unsigned int i, reg, f, before = mt_failed, cases = mt_passed + mt_failed;
	const char *seed = getenv("MMIO_TEST_SEED");

	/* A fixed sequence by default; MMIO_TEST_SEED=n explores others. */
	mt_srand(seed ? strtoull(seed, NULL, 0) : 0x1234);
	ntmpl = 0;
	build_alu();
	build_other();
	for (i = 0; i < ntmpl; i++) {
		for (reg = 0; reg < 16; reg++) {
			gen_one(&tmpls[i], reg, (enum form)(mt_rand() % F_NFORMS), false);
			if ((tmpls[i].flags & T_BYTE) && reg >= 4 && reg < 8)
				gen_one(&tmpls[i], reg, F_BASE_D8, true);
		}
		for (f = 0; f < F_NFORMS; f++)
			gen_one(&tmpls[i], (unsigned int)(mt_rand() % 16), (enum form)f, false);
	}
	printf("generated: %u templates, %u cases, %u failed\n", ntmpl,
	       mt_passed + mt_failed - cases, mt_failed - before);
}

static void gen_moffs(uint8_t opc, bool w, bool p66, bool a32)
{
	static const char *const acc[4] = { "R", "R", "W", "W" };
	struct tmpl t;
	struct gen g;
	uint64_t addr;
	unsigned int n = 0;

	memset(&t, 0, sizeof(t));
	memset(&g, 0, sizeof(g));
	snprintf(t.name, sizeof(t.name), "moffs %02x%s%s%s", opc, w ? " w" : "",
		 p66 ? " 66" : "", a32 ? " a32" : "");
	t.size = (opc & 1) ? (w ? 8 : p66 ? 2 : 4) : 1;
	snprintf(t.acc, sizeof(t.acc), "%s", acc[opc - 0xa0]);
	g.t = &t;
	g.off = mt_rand() % (PAGE_SIZE - 8);
	addr = (uint64_t)(uintptr_t)mt_area_data + g.off;
	random_state(&g.init, &t);
	if (a32)
		g.code[n++] = 0x67;
	if (p66)
		g.code[n++] = 0x66;
	if (w)
		g.code[n++] = 0x48;
	g.code[n++] = opc;
	memcpy(g.code + n, &addr, a32 ? 4 : 8);
	g.len = n + (a32 ? 4 : 8);
	run_both(&g);
}

static void test_moffs(void)
{
	uint8_t opc;

	for (opc = 0xa0; opc <= 0xa3; opc++) {
		gen_moffs(opc, false, false, false);
		gen_moffs(opc, true, false, false);
		gen_moffs(opc, false, true, false);
		if (mt_area_low)
			gen_moffs(opc, false, false, true);
	}
}

/* movdir64b in both directions: trapped destination, trapped source. */
static void test_movdir64b_gen(void)
{
	struct tmpl t;
	struct gen g;
	unsigned int i, dreg, sreg;
	bool to_dev;

	if (!mt_cpu_has_movdir64b()) {
		printf("movdir64b: not supported by this CPU, skipped\n");
		return;
	}
	for (i = 0; i < 64; i++) {
		to_dev = i % 2 == 0;
		dreg = (unsigned int)(mt_rand() % 16);
		sreg = (unsigned int)(mt_rand() % 16);
		if (dreg == 4 || sreg == 4 || dreg == sreg)
			continue;
		memset(&t, 0, sizeof(t));
		memset(&g, 0, sizeof(g));
		snprintf(t.name, sizeof(t.name), "movdir64b %s", to_dev ? "to dev" : "from dev");
		t.size = 64;
		snprintf(t.acc, sizeof(t.acc), "%s", to_dev ? "W" : "R");
		g.t = &t;
		g.off = (mt_rand() % (PAGE_SIZE / 64)) * 64;
		random_state(&g.init, &t);
		g.init.gpr[dreg] = (uint64_t)(uintptr_t)(to_dev ? mt_area_data + g.off :
							 mt_area_aux + 64 * (i % 8));
		g.init.gpr[sreg] = (uint64_t)(uintptr_t)(to_dev ? mt_area_aux + (mt_rand() % 512) :
							 mt_area_data + g.off);
		g.code[0] = 0x66;
		g.code[1] = (uint8_t)(0x40 | (dreg >= 8 ? 4 : 0) | (sreg >= 8 ? 1 : 0));
		g.code[2] = 0x0f;
		g.code[3] = 0x38;
		g.code[4] = 0xf8;
		g.code[5] = (uint8_t)((dreg & 7) << 3 | (sreg & 7));
		g.len = 6;
		if ((sreg & 7) == 4 || (sreg & 7) == 5)
			continue;
		run_both(&g);
	}
}

/* ---------------------------------------------------------------- */
/* Threads, and unregister waiting for handlers in flight           */

struct thr {
	pthread_t tid;
	uint8_t *page;
	struct fake_dev *dev;
	unsigned int bad;
};

static int plain_read(void *ctx, uint64_t off, unsigned int size, void *val)
{
	memcpy(val, (uint8_t *)ctx + off, size);
	return 0;
}

static int plain_write(void *ctx, uint64_t off, unsigned int size, const void *val)
{
	memcpy((uint8_t *)ctx + off, val, size);
	return 0;
}

static const struct mmio_trap_ops plain_ops = { .read = plain_read, .write = plain_write };

static void *thr_main(void *arg)
{
	struct thr *t = arg;
	volatile uint32_t *r = (volatile uint32_t *)t->page;
	volatile uint64_t *q = (volatile uint64_t *)t->page;
	uint32_t i;

	for (i = 0; i < 20000; i++) {
		r[i % 512] = i;
		t->bad += r[i % 512] != i;
		q[(i + 7) % 256] = (uint64_t)i << 32 | i;
		t->bad += q[(i + 7) % 256] != ((uint64_t)i << 32 | i);
	}
	return NULL;
}

static void test_threads(void)
{
	static uint8_t backing[4][PAGE_SIZE];
	static uint8_t churn_mem[PAGE_SIZE];
	struct thr t[4];
	uint8_t *pages, *churn;
	unsigned int i, bad = 0, churns = 0;
	int ret = 0;

	pages = mmap(NULL, 5 * PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!CHECK(pages != MAP_FAILED, "mmap"))
		return;
	churn = pages + 4 * PAGE_SIZE;
	for (i = 0; i < 4; i++) {
		t[i].page = pages + i * PAGE_SIZE;
		t[i].bad = 0;
		ret |= mmio_trap_register(t[i].page, PAGE_SIZE, &plain_ops, backing[i]);
	}
	CHECK(ret == 0, "register 4 ranges");
	for (i = 0; i < 4; i++)
		pthread_create(&t[i].tid, NULL, thr_main, &t[i]);
	for (i = 0; i < 2000; i++) {
		ret |= mmio_trap_register(churn, PAGE_SIZE, &plain_ops, churn_mem);
		((volatile uint8_t *)churn)[i % PAGE_SIZE] = (uint8_t)i;
		mmio_trap_unregister(churn);
		churns++;
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i].tid, NULL);
		bad += t[i].bad;
		mmio_trap_unregister(t[i].page);
	}
	CHECK(ret == 0, "register/unregister while others trap");
	CHECK(bad == 0, "4 threads x 80000 accesses: %u wrong", bad);
	CHECK(churns == 2000, "churn");
	munmap(pages, 5 * PAGE_SIZE);
}

static atomic_int slow_state;

static int slow_read(void *ctx, uint64_t off, unsigned int size, void *val)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	(void)ctx;
	(void)off;
	atomic_store(&slow_state, 1);
	nanosleep(&ts, NULL);
	memset(val, 0x42, size);
	atomic_store(&slow_state, 2);
	return 0;
}

static const struct mmio_trap_ops slow_ops = { .read = slow_read, .write = plain_write };

static void *slow_reader(void *arg)
{
	return (void *)(uintptr_t)*(volatile uint32_t *)arg;
}

static void test_unregister_waits(void)
{
	static uint8_t mem[PAGE_SIZE];
	pthread_t tid;
	void *page, *res;

	page = mmap(NULL, PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!CHECK(page != MAP_FAILED, "mmap"))
		return;
	atomic_store(&slow_state, 0);
	CHECK(mmio_trap_register(page, PAGE_SIZE, &slow_ops, mem) == 0, "register");
	pthread_create(&tid, NULL, slow_reader, page);
	while (atomic_load(&slow_state) == 0)
		sched_yield();
	mmio_trap_unregister(page);
	CHECK(atomic_load(&slow_state) == 2, "unregister returned while a read was in flight");
	pthread_join(tid, &res);
	CHECK((uintptr_t)res == 0x42424242, "slow read value");
	munmap(page, PAGE_SIZE);
}

static void test_register_errors(void)
{
	uint8_t *p = bar;

	CHECK(mmio_trap_register(NULL, PAGE_SIZE, &fake_ops, &dev) == -EINVAL, "NULL addr");
	CHECK(mmio_trap_register(p + PAGE_SIZE, 0, &fake_ops, &dev) == -EINVAL, "len 0");
	CHECK(mmio_trap_register(p + PAGE_SIZE, 16, NULL, &dev) == -EINVAL, "no ops");
	CHECK(mmio_trap_register(p + 100, 16, &fake_ops, &dev) == -EEXIST, "overlap inside");
	CHECK(mmio_trap_register(p - 8, 16, &fake_ops, &dev) == -EEXIST, "overlap start");
	CHECK(mmio_trap_register((void *)~(uintptr_t)7, 16, &fake_ops, &dev) == -EINVAL,
	      "wraps");
	mmio_trap_unregister(p + 100);	/* not a registered start: no effect */
	((volatile uint8_t *)bar)[1] = 9;
	mt_barrier();
	CHECK(dev.mem[1] == 9, "range still trapped");
}

int main(void)
{
	bar = mmap(NULL, PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (bar == MAP_FAILED || mt_area_map()) {
		perror("mmap");
		return 1;
	}
	if (mmio_trap_register(bar, PAGE_SIZE, &fake_ops, &dev)) {
		fprintf(stderr, "mmio_trap_register failed\n");
		return 1;
	}
	test_c_widths();
	test_c_signed();
	test_c_many();
	test_c_loops();
	test_c_rmw();
	test_c_cmp();
	test_asm_explicit();
	test_register_errors();
	test_generated();
	test_moffs();
	test_movdir64b_gen();
	test_threads();
	test_unregister_waits();
	mmio_trap_unregister(bar);
	return mt_finish();
}
