// SPDX-License-Identifier: GPL-2.0-only
/*
 * RFLAGS after trapped ALU instructions. A driver branches on the flags
 * of a cmp or test against a register it just read, so they must be the
 * ones the CPU would have produced: checked directly for cmp/test/and
 * against the same operation on registers, then for every ALU operation,
 * width, operand order and boundary value against the native memory form.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "mmio_test.h"
#include "preload/x86_decode.h"

static struct fake_dev dev;
static uint8_t *bar;

static const uint64_t edge_values[] = {
	0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
	0xffffffff, 0x7fffffffffffffffULL, 0x8000000000000000ULL, 0xffffffffffffffffULL,
	0x5a5a5a5a5a5a5a5aULL, 0x0123456789abcdefULL,
};

#define NVAL	(sizeof(edge_values) / sizeof(edge_values[0]))

/* ---- direct: trapped memory operand against register operand ---- */

#define FL_PRE	"lea -128(%%rsp), %%rsp\n\t"
#define FL_POST	"\n\tpushfq\n\tpopq %[f]\n\tlea 128(%%rsp), %%rsp"

#define DIRECT(name, insn, sfx, m, t)					\
static uint64_t name##_reg(t a, t b)					\
{									\
	uint64_t f;							\
	asm volatile(FL_PRE insn sfx " %" m "[b], %" m "[a]" FL_POST	\
		     : [f] "=r"(f) : [a] "r"(a), [b] "r"(b) : "cc");	\
	return f & X86_FLAGS_ARITH;					\
}									\
static uint64_t name##_mem(volatile t *p, t b)				\
{									\
	uint64_t f;							\
	asm volatile(FL_PRE insn sfx " %" m "[b], (%[p])" FL_POST	\
		     : [f] "=r"(f) : [p] "r"(p), [b] "r"(b) : "cc", "memory"); \
	return f & X86_FLAGS_ARITH;					\
}

DIRECT(cmp8, "cmp", "b", "b", uint8_t)
DIRECT(cmp16, "cmp", "w", "w", uint16_t)
DIRECT(cmp32, "cmp", "l", "k", uint32_t)
DIRECT(cmp64, "cmp", "q", "q", uint64_t)
DIRECT(test8, "test", "b", "b", uint8_t)
DIRECT(test16, "test", "w", "w", uint16_t)
DIRECT(test32, "test", "l", "k", uint32_t)
DIRECT(test64, "test", "q", "q", uint64_t)
DIRECT(and8, "and", "b", "b", uint8_t)
DIRECT(and16, "and", "w", "w", uint16_t)
DIRECT(and32, "and", "l", "k", uint32_t)
DIRECT(and64, "and", "q", "q", uint64_t)

#define CASE(name, t, off)						\
	do {								\
		volatile t *p = (volatile t *)(bar + (off));		\
		memcpy(dev.mem + (off), &a, sizeof(t));			\
		bad += name##_mem(p, (t)b) != name##_reg((t)a, (t)b);	\
		n++;							\
	} while (0)

static void test_direct(void)
{
	unsigned int i, j, bad = 0, n = 0;
	uint64_t a, b, want;

	for (i = 0; i < NVAL; i++) {
		for (j = 0; j < NVAL; j++) {
			a = edge_values[i];
			b = edge_values[j];
			CASE(cmp8, uint8_t, 1);
			CASE(cmp16, uint16_t, 2);
			CASE(cmp32, uint32_t, 4);
			CASE(cmp64, uint64_t, 8);
			CASE(test8, uint8_t, 17);
			CASE(test16, uint16_t, 18);
			CASE(test32, uint32_t, 20);
			CASE(test64, uint64_t, 24);
			CASE(and8, uint8_t, 33);
			CASE(and16, uint16_t, 34);
			CASE(and32, uint32_t, 36);
			CASE(and64, uint64_t, 40);
			want = a & b;
			bad += memcmp(dev.mem + 40, &want, 8) != 0;
		}
	}
	CHECK(bad == 0, "cmp/test/and: %u of %u trapped flags differ from register flags",
	      bad, n);
}

/* ---- differential: every ALU operation, native memory form ---- */

static const char *const alu_names[8] = {
	"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp",
};

struct enc {
	uint8_t b[16];
	unsigned int n;
};

static void prefix(struct enc *e, unsigned int size)
{
	if (size == 2)
		e->b[e->n++] = 0x66;
	if (size == 8)
		e->b[e->n++] = 0x48;
}

static void imm_bytes(struct enc *e, uint64_t v, unsigned int n)
{
	memcpy(e->b + e->n, &v, n);
	e->n += n;
}

static void diff(const char *what, unsigned int size, const struct enc *e,
		 uint64_t mval, uint64_t rax, uint64_t rflags, const char *acc)
{
	static uint8_t mem[PAGE_SIZE];
	struct cpu_state st;
	struct mt_diff d = {
		.name = what, .code = e->b, .len = e->n, .init = &st, .mem = mem,
		.off = 64, .size = size, .acc = acc,
	};
	unsigned int i;

	memset(&st, 0, sizeof(st));
	for (i = 0; i < 16; i++)
		st.gpr[i] = 0x1111111111111111ULL * i;
	st.gpr[0] = rax;
	st.gpr[1] = rax;		/* cl, for shifts */
	st.gpr[7] = (uint64_t)(uintptr_t)mt_area_data + 64;
	st.rflags = 0x202 | rflags;
	st.mxcsr = 0x1f80;
	memset(mem, 0xee, sizeof(mem));
	memcpy(mem + 64, &mval, 8);
	mt_diff_run(&d);
}

static void test_alu(void)
{
	static const unsigned int sizes[4] = { 1, 2, 4, 8 };
	unsigned int op, s, i, j, size, before = mt_failed, cases = mt_passed + mt_failed;
	uint64_t a, b, fl;
	const char *acc;
	char what[48];
	struct enc e;

	for (op = 0; op < 8; op++) {
		for (s = 0; s < 4; s++) {
			size = sizes[s];
			acc = op == 7 ? "R" : "RW";
			for (i = 0; i < NVAL; i++) {
				for (j = 0; j < NVAL; j++) {
					a = edge_values[i];
					b = edge_values[j];
					fl = (i + j) % 2 ? X86_FLAGS_CF : 0;
					fl |= (i * 7 + j) % 3 ? 0 : X86_FLAGS_ARITH;
					/* op %rax,(%rdi) */
					e.n = 0;
					prefix(&e, size);
					e.b[e.n++] = (uint8_t)(op * 8 + (size > 1));
					e.b[e.n++] = 0x07;
					snprintf(what, sizeof(what), "%s r,m/%u",
						 alu_names[op], size * 8);
					diff(what, size, &e, a, b, fl, acc);
					/* op (%rdi),%rax */
					e.b[e.n - 2] += 2;
					snprintf(what, sizeof(what), "%s m,r/%u",
						 alu_names[op], size * 8);
					diff(what, size, &e, a, b, fl, "R");
					/* op $imm,(%rdi), imm8 or imm32 */
					e.n = 0;
					prefix(&e, size);
					e.b[e.n++] = size == 1 ? 0x80 : 0x81;
					e.b[e.n++] = (uint8_t)(op << 3 | 7);
					imm_bytes(&e, b, size == 1 ? 1 : size == 2 ? 2 : 4);
					snprintf(what, sizeof(what), "%s imm,m/%u",
						 alu_names[op], size * 8);
					diff(what, size, &e, a, b, fl, acc);
				}
			}
		}
	}
	for (s = 0; s < 4; s++) {
		size = sizes[s];
		for (i = 0; i < NVAL; i++) {
			for (j = 0; j < NVAL; j++) {
				e.n = 0;
				prefix(&e, size);
				e.b[e.n++] = size == 1 ? 0x84 : 0x85;
				e.b[e.n++] = 0x07;
				diff("test r,m", size, &e, edge_values[i], edge_values[j],
				     j % 2 ? X86_FLAGS_ARITH : 0, "R");
				e.n = 0;
				prefix(&e, size);
				e.b[e.n++] = size == 1 ? 0xf6 : 0xf7;
				e.b[e.n++] = 0x07;
				imm_bytes(&e, edge_values[j], size == 1 ? 1 : size == 2 ? 2 : 4);
				diff("test imm,m", size, &e, edge_values[i], 0,
				     i % 2 ? X86_FLAGS_ARITH : 0, "R");
			}
		}
	}
	printf("alu: %u cases, %u failed\n", mt_passed + mt_failed - cases, mt_failed - before);
}

/* Shifts and rotates by every count (flags for count 0 and 1 differ). */
static void test_shifts(void)
{
	static const unsigned int sizes[4] = { 1, 2, 4, 8 };
	static const uint64_t vals[] = { 1, 0x80, 0x8001, 0x80000001, 0xc000000000000001ULL,
					 0x5a5a5a5a5a5a5a5aULL };
	unsigned int d, s, i, count, size, before = mt_failed, cases = mt_passed + mt_failed;
	struct enc e;

	for (d = 0; d < 8; d++) {
		for (s = 0; s < 4; s++) {
			size = sizes[s];
			for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
				for (count = 0; count < 66; count++) {
					e.n = 0;
					prefix(&e, size);
					e.b[e.n++] = size == 1 ? 0xd2 : 0xd3;
					e.b[e.n++] = (uint8_t)(d << 3 | 7);
					diff("shift by cl", size, &e, vals[i], count,
					     count % 2 ? X86_FLAGS_ARITH : X86_FLAGS_CF, "RW");
				}
			}
		}
	}
	printf("shifts: %u cases, %u failed\n", mt_passed + mt_failed - cases,
	       mt_failed - before);
}

static void test_unary(void)
{
	static const unsigned int sizes[4] = { 1, 2, 4, 8 };
	static const uint8_t ops[4][2] = {
		{ 0xfe, 0 }, { 0xfe, 1 }, { 0xf6, 2 }, { 0xf6, 3 },	/* inc dec not neg */
	};
	unsigned int o, s, i, f, size;
	struct enc e;

	for (o = 0; o < 4; o++) {
		for (s = 0; s < 4; s++) {
			size = sizes[s];
			for (i = 0; i < NVAL; i++) {
				for (f = 0; f < 2; f++) {
					e.n = 0;
					prefix(&e, size);
					e.b[e.n++] = (uint8_t)(ops[o][0] + (size > 1));
					e.b[e.n++] = (uint8_t)(ops[o][1] << 3 | 7);
					diff("inc/dec/not/neg", size, &e, edge_values[i], 0,
					     f ? X86_FLAGS_ARITH : 0, "RW");
				}
			}
		}
	}
}

int main(void)
{
	bar = mmap(NULL, PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (bar == MAP_FAILED || mt_area_map())
		return 1;
	if (!CHECK(mmio_trap_register(bar, PAGE_SIZE, &fake_ops, &dev) == 0, "register"))
		return mt_finish();
	test_direct();
	mmio_trap_unregister(bar);
	test_alu();
	test_shifts();
	test_unary();
	return mt_finish();
}
