// SPDX-License-Identifier: GPL-2.0-only
/*
 * Decoder unit tests: hand-written byte sequences for each encoding the
 * MMIO trap handles, and for the ones it must refuse, plus the small pure
 * helpers (effective address, conditions, register merge rules).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "mmio_test.h"
#include "preload/x86_decode.h"

#define N	X86_BASE_NONE
#define RIP	X86_BASE_RIP

#define B(...)		.b = { __VA_ARGS__ }, .n = sizeof((uint8_t[]){ __VA_ARGS__ })
#define M(bs, ix, sc, d) .mem = { .base = (bs), .index = (ix), .scale = (sc), .disp = (d) }
#define M32(bs, ix, sc, d) \
	.mem = { .base = (bs), .index = (ix), .scale = (sc), .disp = (d), .addr32 = true }
#define R(nr, w)	.reg = { .num = (nr), .width = (w) }
#define RH(nr)		.reg = { .num = (nr), .width = 1, .high8 = true }
#define X(nr, w)	.reg = { .num = (nr), .width = (w), .xmm = true }

#define LD(sz)		.kind = X86_LOAD, .size = (sz), .op = X86_OP_NONE, .src = X86_SRC_NONE
#define ST(sz, s)	.kind = X86_STORE, .size = (sz), .op = X86_OP_NONE, .src = (s)
#define RMW(sz, o, s)	.kind = X86_RMW, .size = (sz), .op = (o), .src = (s)
#define ALD(sz, o, s)	.kind = X86_ALU_LOAD, .size = (sz), .op = (o), .src = (s)
#define CMP(sz, o, s, first) \
	.kind = X86_CMP, .size = (sz), .op = (o), .src = (s), .mem_first = (first)

#define REG	X86_SRC_REG
#define IMM	X86_SRC_IMM

struct dcase {
	const char *name;
	uint8_t b[20];
	unsigned int n;
	int ret;
	struct x86_insn e;
};

static const struct dcase cases[] = {
	/* mov loads, every addressing form */
	{ "mov (%rdi),%eax", B(0x8b, 0x07), 0, { LD(4), R(0, 4), M(7, N, 1, 0) } },
	{ "mov (%rdi),%rax", B(0x48, 0x8b, 0x07), 0, { LD(8), R(0, 8), M(7, N, 1, 0) } },
	{ "mov (%rdi),%ax", B(0x66, 0x8b, 0x07), 0, { LD(2), R(0, 2), M(7, N, 1, 0) } },
	{ "mov (%rdi),%al", B(0x8a, 0x07), 0, { LD(1), R(0, 1), M(7, N, 1, 0) } },
	{ "mov (%rdi),%ah", B(0x8a, 0x27), 0, { LD(1), RH(0), M(7, N, 1, 0) } },
	{ "mov (%rdi),%ch", B(0x8a, 0x2f), 0, { LD(1), RH(1), M(7, N, 1, 0) } },
	{ "mov (%rdi),%dh", B(0x8a, 0x37), 0, { LD(1), RH(2), M(7, N, 1, 0) } },
	{ "mov (%rdi),%bh", B(0x8a, 0x3f), 0, { LD(1), RH(3), M(7, N, 1, 0) } },
	{ "mov (%rdi),%spl", B(0x40, 0x8a, 0x27), 0, { LD(1), R(4, 1), M(7, N, 1, 0) } },
	{ "mov (%rdi),%dil", B(0x40, 0x8a, 0x3f), 0, { LD(1), R(7, 1), M(7, N, 1, 0) } },
	{ "mov (%rdi),%r8b", B(0x44, 0x8a, 0x07), 0, { LD(1), R(8, 1), M(7, N, 1, 0) } },
	{ "mov (%r8),%ah is spl", B(0x41, 0x8a, 0x20), 0, { LD(1), R(4, 1), M(8, N, 1, 0) } },
	{ "mov (%rsp),%r15", B(0x4c, 0x8b, 0x3c, 0x24), 0, { LD(8), R(15, 8), M(4, N, 1, 0) } },
	{ "mov 0(%rbp),%eax", B(0x8b, 0x45, 0x00), 0, { LD(4), R(0, 4), M(5, N, 1, 0) } },
	{ "mov -8(%r13),%eax", B(0x41, 0x8b, 0x45, 0xf8), 0, { LD(4), R(0, 4), M(13, N, 1, -8) } },
	{ "mov (%r12),%eax", B(0x41, 0x8b, 0x04, 0x24), 0, { LD(4), R(0, 4), M(12, N, 1, 0) } },
	{ "mov 0x12345678(%rbx,%rcx,4),%eax", B(0x8b, 0x84, 0x8b, 0x78, 0x56, 0x34, 0x12), 0,
	  { LD(4), R(0, 4), M(3, 1, 4, 0x12345678) } },
	{ "mov -0x80(%rax,%rdx,2),%esi", B(0x8b, 0x74, 0x50, 0x80), 0,
	  { LD(4), R(6, 4), M(0, 2, 2, -0x80) } },
	{ "mov (%r12,%r12,8),%eax", B(0x43, 0x8b, 0x04, 0xe4), 0,
	  { LD(4), R(0, 4), M(12, 12, 8, 0) } },
	{ "mov (%r13,%r9,1),%r10d", B(0x47, 0x8b, 0x54, 0x0d, 0x00), 0,
	  { LD(4), R(10, 4), M(13, 9, 1, 0) } },
	{ "mov 0x1000(,%r12,1),%eax", B(0x42, 0x8b, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00), 0,
	  { LD(4), R(0, 4), M(N, 12, 1, 0x1000) } },
	{ "mov 0x1000(,%rbx,8),%eax", B(0x8b, 0x04, 0xdd, 0x00, 0x10, 0x00, 0x00), 0,
	  { LD(4), R(0, 4), M(N, 3, 8, 0x1000) } },
	{ "mov 0x1000,%eax (sib, no base)", B(0x8b, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00), 0,
	  { LD(4), R(0, 4), M(N, N, 1, 0x1000) } },
	{ "mov -0x10(%rbp,%riz),%eax (sib, no index)", B(0x8b, 0x44, 0x25, 0xf0), 0,
	  { LD(4), R(0, 4), M(5, N, 1, -0x10) } },
	{ "mov 0x10(%rip),%eax", B(0x8b, 0x05, 0x10, 0x00, 0x00, 0x00), 0,
	  { LD(4), R(0, 4), M(RIP, N, 1, 0x10) } },
	{ "mov -0x10(%rip),%rcx", B(0x48, 0x8b, 0x0d, 0xf0, 0xff, 0xff, 0xff), 0,
	  { LD(8), R(1, 8), M(RIP, N, 1, -0x10) } },
	{ "mov (%edi),%eax", B(0x67, 0x8b, 0x07), 0, { LD(4), R(0, 4), M32(7, N, 1, 0) } },
	{ "mov 4(%eip),%eax", B(0x67, 0x8b, 0x05, 0x04, 0x00, 0x00, 0x00), 0,
	  { LD(4), R(0, 4), M32(RIP, N, 1, 4) } },
	/* mov stores */
	{ "mov %eax,(%rdi)", B(0x89, 0x07), 0, { ST(4, REG), R(0, 4), M(7, N, 1, 0) } },
	{ "mov %ah,(%rdi)", B(0x88, 0x27), 0, { ST(1, REG), RH(0), M(7, N, 1, 0) } },
	{ "mov %bh,(%rdi)", B(0x88, 0x3f), 0, { ST(1, REG), RH(3), M(7, N, 1, 0) } },
	{ "mov %sil,(%rdi)", B(0x40, 0x88, 0x37), 0, { ST(1, REG), R(6, 1), M(7, N, 1, 0) } },
	{ "mov %r8b,(%r15)", B(0x45, 0x88, 0x07), 0, { ST(1, REG), R(8, 1), M(15, N, 1, 0) } },
	{ "mov %cx,(%rsi)", B(0x66, 0x89, 0x0e), 0, { ST(2, REG), R(1, 2), M(6, N, 1, 0) } },
	{ "mov %r11w,(%rsi)", B(0x66, 0x44, 0x89, 0x1e), 0,
	  { ST(2, REG), R(11, 2), M(6, N, 1, 0) } },
	{ "mov %rdx,8(%rsp)", B(0x48, 0x89, 0x54, 0x24, 0x08), 0,
	  { ST(8, REG), R(2, 8), M(4, N, 1, 8) } },
	{ "movb $0xab,(%rdi)", B(0xc6, 0x07, 0xab), 0,
	  { ST(1, IMM), .imm = -0x55, M(7, N, 1, 0) } },
	{ "movw $0x1234,(%rdi)", B(0x66, 0xc7, 0x07, 0x34, 0x12), 0,
	  { ST(2, IMM), .imm = 0x1234, M(7, N, 1, 0) } },
	{ "movl $0x12345678,(%rdi)", B(0xc7, 0x07, 0x78, 0x56, 0x34, 0x12), 0,
	  { ST(4, IMM), .imm = 0x12345678, M(7, N, 1, 0) } },
	{ "movq $-1,(%rdi)", B(0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0xff), 0,
	  { ST(8, IMM), .imm = -1, M(7, N, 1, 0) } },
	{ "movl $1,0x100(%rax)", B(0xc7, 0x80, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00), 0,
	  { ST(4, IMM), .imm = 1, M(0, N, 1, 0x100) } },
	{ "movl $2,0x20(%rip)", B(0xc7, 0x05, 0x20, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00), 0,
	  { ST(4, IMM), .imm = 2, M(RIP, N, 1, 0x20) } },
	/* moffs */
	{ "mov 0x1122334455667788,%eax", B(0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11), 0,
	  { LD(4), R(0, 4), M(N, N, 1, 0x1122334455667788) } },
	{ "mov 0x8877665544332211,%al", B(0xa0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88), 0,
	  { LD(1), R(0, 1), M(N, N, 1, (int64_t)0x8877665544332211ULL) } },
	{ "mov %rax,moffs", B(0x48, 0xa3, 8, 7, 6, 5, 4, 3, 2, 1), 0,
	  { ST(8, REG), R(0, 8), M(N, N, 1, 0x0102030405060708) } },
	{ "mov %ax,moffs", B(0x66, 0xa3, 8, 7, 6, 5, 4, 3, 2, 1), 0,
	  { ST(2, REG), R(0, 2), M(N, N, 1, 0x0102030405060708) } },
	{ "mov %al,moffs", B(0xa2, 8, 7, 6, 5, 4, 3, 2, 1), 0,
	  { ST(1, REG), R(0, 1), M(N, N, 1, 0x0102030405060708) } },
	{ "mov 0x81223344(addr32),%eax", B(0x67, 0xa1, 0x44, 0x33, 0x22, 0x81), 0,
	  { LD(4), R(0, 4), M32(N, N, 1, 0x81223344) } },
	/* movzx, movsx, movsxd */
	{ "movzbl (%rdi),%eax", B(0x0f, 0xb6, 0x07), 0,
	  { LD(1), .ext = X86_EXT_ZERO, R(0, 4), M(7, N, 1, 0) } },
	{ "movzbl (%rdi),%esp (not ah)", B(0x0f, 0xb6, 0x27), 0,
	  { LD(1), .ext = X86_EXT_ZERO, R(4, 4), M(7, N, 1, 0) } },
	{ "movzbw (%rdi),%ax", B(0x66, 0x0f, 0xb6, 0x07), 0,
	  { LD(1), .ext = X86_EXT_ZERO, R(0, 2), M(7, N, 1, 0) } },
	{ "movzwq (%rdi),%rax", B(0x48, 0x0f, 0xb7, 0x07), 0,
	  { LD(2), .ext = X86_EXT_ZERO, R(0, 8), M(7, N, 1, 0) } },
	{ "movzwl (%rdi),%r14d", B(0x44, 0x0f, 0xb7, 0x37), 0,
	  { LD(2), .ext = X86_EXT_ZERO, R(14, 4), M(7, N, 1, 0) } },
	{ "movsbl (%rdi),%eax", B(0x0f, 0xbe, 0x07), 0,
	  { LD(1), .ext = X86_EXT_SIGN, R(0, 4), M(7, N, 1, 0) } },
	{ "movsbq (%rdi),%rax", B(0x48, 0x0f, 0xbe, 0x07), 0,
	  { LD(1), .ext = X86_EXT_SIGN, R(0, 8), M(7, N, 1, 0) } },
	{ "movswq (%rdi),%r9", B(0x4c, 0x0f, 0xbf, 0x0f), 0,
	  { LD(2), .ext = X86_EXT_SIGN, R(9, 8), M(7, N, 1, 0) } },
	{ "movswl 2(%rsi),%edx", B(0x0f, 0xbf, 0x56, 0x02), 0,
	  { LD(2), .ext = X86_EXT_SIGN, R(2, 4), M(6, N, 1, 2) } },
	{ "movslq (%rdi),%rax", B(0x48, 0x63, 0x07), 0,
	  { LD(4), .ext = X86_EXT_SIGN, R(0, 8), M(7, N, 1, 0) } },
	{ "movslq (%r8,%rcx,4),%r11", B(0x4d, 0x63, 0x1c, 0x88), 0,
	  { LD(4), .ext = X86_EXT_SIGN, R(11, 8), M(8, 1, 4, 0) } },
	{ "movsxd (%rdi),%eax (no REX.W)", B(0x63, 0x07), 0, { LD(4), R(0, 4), M(7, N, 1, 0) } },
	/* ALU, r/m,reg and reg,r/m */
	{ "add %eax,(%rdi)", B(0x01, 0x07), 0,
	  { RMW(4, X86_OP_ADD, REG), R(0, 4), M(7, N, 1, 0) } },
	{ "add %al,(%rdi)", B(0x00, 0x07), 0, { RMW(1, X86_OP_ADD, REG), R(0, 1), M(7, N, 1, 0) } },
	{ "add (%rdi),%eax", B(0x03, 0x07), 0,
	  { ALD(4, X86_OP_ADD, REG), R(0, 4), M(7, N, 1, 0) } },
	{ "add (%rdi),%bh", B(0x02, 0x3f), 0, { ALD(1, X86_OP_ADD, REG), RH(3), M(7, N, 1, 0) } },
	{ "or %ah,(%rdi)", B(0x08, 0x27), 0, { RMW(1, X86_OP_OR, REG), RH(0), M(7, N, 1, 0) } },
	{ "or (%rdi),%cx", B(0x66, 0x0b, 0x0f), 0,
	  { ALD(2, X86_OP_OR, REG), R(1, 2), M(7, N, 1, 0) } },
	{ "adc %edx,(%rdi)", B(0x11, 0x17), 0,
	  { RMW(4, X86_OP_ADC, REG), R(2, 4), M(7, N, 1, 0) } },
	{ "sbb (%rdi),%r9", B(0x4c, 0x1b, 0x0f), 0,
	  { ALD(8, X86_OP_SBB, REG), R(9, 8), M(7, N, 1, 0) } },
	{ "and %eax,(%rdi)", B(0x21, 0x07), 0,
	  { RMW(4, X86_OP_AND, REG), R(0, 4), M(7, N, 1, 0) } },
	{ "sub %rsi,(%rdi)", B(0x48, 0x29, 0x37), 0,
	  { RMW(8, X86_OP_SUB, REG), R(6, 8), M(7, N, 1, 0) } },
	{ "xor %r10b,(%rdi)", B(0x44, 0x30, 0x17), 0,
	  { RMW(1, X86_OP_XOR, REG), R(10, 1), M(7, N, 1, 0) } },
	{ "xor (%rdi),%esi", B(0x33, 0x37), 0,
	  { ALD(4, X86_OP_XOR, REG), R(6, 4), M(7, N, 1, 0) } },
	{ "cmp %eax,(%rdi)", B(0x39, 0x07), 0,
	  { CMP(4, X86_OP_CMP, REG, true), R(0, 4), M(7, N, 1, 0) } },
	{ "cmp (%rdi),%eax", B(0x3b, 0x07), 0,
	  { CMP(4, X86_OP_CMP, REG, false), R(0, 4), M(7, N, 1, 0) } },
	{ "cmp %ah,(%rdi)", B(0x38, 0x27), 0,
	  { CMP(1, X86_OP_CMP, REG, true), RH(0), M(7, N, 1, 0) } },
	{ "cmp (%rdi),%al", B(0x3a, 0x07), 0,
	  { CMP(1, X86_OP_CMP, REG, false), R(0, 1), M(7, N, 1, 0) } },
	{ "lock add %eax,(%rdi)", B(0xf0, 0x01, 0x07), 0,
	  { RMW(4, X86_OP_ADD, REG), .lock = true, R(0, 4), M(7, N, 1, 0) } },
	/* group 1 with immediates */
	{ "orb $4,(%rdi)", B(0x80, 0x0f, 0x04), 0,
	  { RMW(1, X86_OP_OR, IMM), .imm = 4, M(7, N, 1, 0) } },
	{ "andl $0xfbffffff,(%rdi)", B(0x81, 0x27, 0xff, 0xff, 0xff, 0xfb), 0,
	  { RMW(4, X86_OP_AND, IMM), .imm = -0x4000001, M(7, N, 1, 0) } },
	{ "addw $0x1234,(%rdi)", B(0x66, 0x81, 0x07, 0x34, 0x12), 0,
	  { RMW(2, X86_OP_ADD, IMM), .imm = 0x1234, M(7, N, 1, 0) } },
	{ "addq $-1,(%rdi)", B(0x48, 0x83, 0x07, 0xff), 0,
	  { RMW(8, X86_OP_ADD, IMM), .imm = -1, M(7, N, 1, 0) } },
	{ "subw $-2,(%rdi)", B(0x66, 0x83, 0x2f, 0xfe), 0,
	  { RMW(2, X86_OP_SUB, IMM), .imm = -2, M(7, N, 1, 0) } },
	{ "adcb $1,8(%rdi)", B(0x80, 0x57, 0x08, 0x01), 0,
	  { RMW(1, X86_OP_ADC, IMM), .imm = 1, M(7, N, 1, 8) } },
	{ "sbbl $0x7f,(%rdi)", B(0x83, 0x1f, 0x7f), 0,
	  { RMW(4, X86_OP_SBB, IMM), .imm = 0x7f, M(7, N, 1, 0) } },
	{ "xorq $0x1234,(%rdi)", B(0x48, 0x81, 0x37, 0x34, 0x12, 0x00, 0x00), 0,
	  { RMW(8, X86_OP_XOR, IMM), .imm = 0x1234, M(7, N, 1, 0) } },
	{ "cmpl $5,(%rdi)", B(0x83, 0x3f, 0x05), 0,
	  { CMP(4, X86_OP_CMP, IMM, true), .imm = 5, M(7, N, 1, 0) } },
	{ "cmpq $-0x80000000,(%rdi)", B(0x48, 0x81, 0x3f, 0x00, 0x00, 0x00, 0x80), 0,
	  { CMP(8, X86_OP_CMP, IMM, true), .imm = -0x80000000LL, M(7, N, 1, 0) } },
	{ "cmpb $0x80,0x10(%rip)", B(0x80, 0x3d, 0x10, 0x00, 0x00, 0x00, 0x80), 0,
	  { CMP(1, X86_OP_CMP, IMM, true), .imm = -0x80, M(RIP, N, 1, 0x10) } },
	{ "lock addl $1,(%rdi)", B(0xf0, 0x83, 0x07, 0x01), 0,
	  { RMW(4, X86_OP_ADD, IMM), .lock = true, .imm = 1, M(7, N, 1, 0) } },
	/* test */
	{ "test %eax,(%rdi)", B(0x85, 0x07), 0,
	  { CMP(4, X86_OP_TEST, REG, true), R(0, 4), M(7, N, 1, 0) } },
	{ "test %ah,(%rdi)", B(0x84, 0x27), 0,
	  { CMP(1, X86_OP_TEST, REG, true), RH(0), M(7, N, 1, 0) } },
	{ "testb $8,(%rdi)", B(0xf6, 0x07, 0x08), 0,
	  { CMP(1, X86_OP_TEST, IMM, true), .imm = 8, M(7, N, 1, 0) } },
	{ "testb $1,(%rdi) (/1 alias)", B(0xf6, 0x0f, 0x01), 0,
	  { CMP(1, X86_OP_TEST, IMM, true), .imm = 1, M(7, N, 1, 0) } },
	{ "testw $0x1234,(%rdi)", B(0x66, 0xf7, 0x07, 0x34, 0x12), 0,
	  { CMP(2, X86_OP_TEST, IMM, true), .imm = 0x1234, M(7, N, 1, 0) } },
	{ "testl $0x80000000,(%rdi)", B(0xf7, 0x07, 0x00, 0x00, 0x00, 0x80), 0,
	  { CMP(4, X86_OP_TEST, IMM, true), .imm = -0x80000000LL, M(7, N, 1, 0) } },
	{ "testq $-1,(%rdi)", B(0x48, 0xf7, 0x07, 0xff, 0xff, 0xff, 0xff), 0,
	  { CMP(8, X86_OP_TEST, IMM, true), .imm = -1, M(7, N, 1, 0) } },
	/* not neg inc dec */
	{ "notb (%rdi)", B(0xf6, 0x17), 0, { RMW(1, X86_OP_NOT, X86_SRC_NONE), M(7, N, 1, 0) } },
	{ "negq (%rdi)", B(0x48, 0xf7, 0x1f), 0,
	  { RMW(8, X86_OP_NEG, X86_SRC_NONE), M(7, N, 1, 0) } },
	{ "notw (%rdi)", B(0x66, 0xf7, 0x17), 0,
	  { RMW(2, X86_OP_NOT, X86_SRC_NONE), M(7, N, 1, 0) } },
	{ "incb (%rdi)", B(0xfe, 0x07), 0, { RMW(1, X86_OP_INC, X86_SRC_NONE), M(7, N, 1, 0) } },
	{ "decl (%rdi)", B(0xff, 0x0f), 0, { RMW(4, X86_OP_DEC, X86_SRC_NONE), M(7, N, 1, 0) } },
	{ "incw (%rdi)", B(0x66, 0xff, 0x07), 0,
	  { RMW(2, X86_OP_INC, X86_SRC_NONE), M(7, N, 1, 0) } },
	{ "incq 8(%r9)", B(0x49, 0xff, 0x41, 0x08), 0,
	  { RMW(8, X86_OP_INC, X86_SRC_NONE), M(9, N, 1, 8) } },
	{ "lock decl (%rdi)", B(0xf0, 0xff, 0x0f), 0,
	  { RMW(4, X86_OP_DEC, X86_SRC_NONE), .lock = true, M(7, N, 1, 0) } },
	/* group 2 */
	{ "shlb (%rdi)", B(0xd0, 0x27), 0, { RMW(1, X86_OP_SHL, IMM), .imm = 1, M(7, N, 1, 0) } },
	{ "sarl (%rdi)", B(0xd1, 0x3f), 0, { RMW(4, X86_OP_SAR, IMM), .imm = 1, M(7, N, 1, 0) } },
	{ "sal (%rdi) (/6 alias)", B(0xd1, 0x37), 0,
	  { RMW(4, X86_OP_SHL, IMM), .imm = 1, M(7, N, 1, 0) } },
	{ "shrl $3,(%rdi)", B(0xc1, 0x2f, 0x03), 0,
	  { RMW(4, X86_OP_SHR, IMM), .imm = 3, M(7, N, 1, 0) } },
	{ "shlw $15,(%rdi)", B(0x66, 0xc1, 0x27, 0x0f), 0,
	  { RMW(2, X86_OP_SHL, IMM), .imm = 15, M(7, N, 1, 0) } },
	{ "shlq %cl,(%rdi)", B(0x48, 0xd3, 0x27), 0,
	  { RMW(8, X86_OP_SHL, X86_SRC_CL), M(7, N, 1, 0) } },
	{ "rolb %cl,(%rdi)", B(0xd2, 0x07), 0, { RMW(1, X86_OP_ROL, X86_SRC_CL), M(7, N, 1, 0) } },
	{ "rorl %cl,(%rdi)", B(0xd3, 0x0f), 0, { RMW(4, X86_OP_ROR, X86_SRC_CL), M(7, N, 1, 0) } },
	{ "rcll (%rdi)", B(0xd1, 0x17), 0, { RMW(4, X86_OP_RCL, IMM), .imm = 1, M(7, N, 1, 0) } },
	{ "rcrb $2,(%rdi)", B(0xc0, 0x1f, 0x02), 0,
	  { RMW(1, X86_OP_RCR, IMM), .imm = 2, M(7, N, 1, 0) } },
	/* imul */
	{ "imul (%rdi),%eax", B(0x0f, 0xaf, 0x07), 0,
	  { ALD(4, X86_OP_IMUL, REG), R(0, 4), M(7, N, 1, 0) } },
	{ "imul (%rdi),%r12", B(0x4c, 0x0f, 0xaf, 0x27), 0,
	  { ALD(8, X86_OP_IMUL, REG), R(12, 8), M(7, N, 1, 0) } },
	{ "imul (%rdi),%sp", B(0x66, 0x0f, 0xaf, 0x27), 0,
	  { ALD(2, X86_OP_IMUL, REG), R(4, 2), M(7, N, 1, 0) } },
	{ "imul $10,(%rdi),%eax", B(0x6b, 0x07, 0x0a), 0,
	  { ALD(4, X86_OP_IMUL, IMM), .imm = 10, R(0, 4), M(7, N, 1, 0) } },
	{ "imul $256,(%rdi),%ecx", B(0x69, 0x0f, 0x00, 0x01, 0x00, 0x00), 0,
	  { ALD(4, X86_OP_IMUL, IMM), .imm = 256, R(1, 4), M(7, N, 1, 0) } },
	{ "imul $0x8234,(%rdi),%ax", B(0x66, 0x69, 0x07, 0x34, 0x82), 0,
	  { ALD(2, X86_OP_IMUL, IMM), .imm = -0x7dcc, R(0, 2), M(7, N, 1, 0) } },
	/* xchg */
	{ "xchg %eax,(%rdi)", B(0x87, 0x07), 0, { .kind = X86_XCHG, .size = 4, .op = X86_OP_NONE,
	  .src = REG, R(0, 4), M(7, N, 1, 0) } },
	{ "xchg %ah,(%rdi)", B(0x86, 0x27), 0, { .kind = X86_XCHG, .size = 1, .op = X86_OP_NONE,
	  .src = REG, RH(0), M(7, N, 1, 0) } },
	{ "lock xchg %rax,(%rdi)", B(0xf0, 0x48, 0x87, 0x07), 0, { .kind = X86_XCHG, .size = 8,
	  .op = X86_OP_NONE, .src = REG, .lock = true, R(0, 8), M(7, N, 1, 0) } },
	/* setcc, cmovcc */
	{ "sete (%rdi)", B(0x0f, 0x94, 0x07), 0,
	  { ST(1, X86_SRC_COND), .cond = 4, M(7, N, 1, 0) } },
	{ "setl 3(%rsi)", B(0x0f, 0x9c, 0x46, 0x03), 0,
	  { ST(1, X86_SRC_COND), .cond = 0xc, M(6, N, 1, 3) } },
	{ "cmove (%rdi),%eax", B(0x0f, 0x44, 0x07), 0,
	  { LD(4), .has_cond = true, .cond = 4, R(0, 4), M(7, N, 1, 0) } },
	{ "cmovg (%rdi),%rax", B(0x48, 0x0f, 0x4f, 0x07), 0,
	  { LD(8), .has_cond = true, .cond = 0xf, R(0, 8), M(7, N, 1, 0) } },
	{ "cmovb (%rdi),%r8w", B(0x66, 0x44, 0x0f, 0x42, 0x07), 0,
	  { LD(2), .has_cond = true, .cond = 2, R(8, 2), M(7, N, 1, 0) } },
	/* non-temporal and direct stores */
	{ "movnti %eax,(%rdi)", B(0x0f, 0xc3, 0x07), 0, { ST(4, REG), R(0, 4), M(7, N, 1, 0) } },
	{ "movnti %r9,(%rdi)", B(0x4c, 0x0f, 0xc3, 0x0f), 0,
	  { ST(8, REG), R(9, 8), M(7, N, 1, 0) } },
	{ "movdiri %eax,(%rdi)", B(0x0f, 0x38, 0xf9, 0x07), 0,
	  { ST(4, REG), R(0, 4), M(7, N, 1, 0) } },
	{ "movdiri %rax,(%rdi)", B(0x48, 0x0f, 0x38, 0xf9, 0x07), 0,
	  { ST(8, REG), R(0, 8), M(7, N, 1, 0) } },
	{ "movdir64b (%rdi),%rax", B(0x66, 0x0f, 0x38, 0xf8, 0x07), 0,
	  { .kind = X86_MOVDIR64B, .size = 64, .op = X86_OP_NONE, R(0, 8), M(7, N, 1, 0) } },
	{ "movdir64b (%rsi),%r9", B(0x66, 0x44, 0x0f, 0x38, 0xf8, 0x0e), 0,
	  { .kind = X86_MOVDIR64B, .size = 64, .op = X86_OP_NONE, R(9, 8), M(6, N, 1, 0) } },
	{ "movdir64b 0x40(%rip),%rdx", B(0x66, 0x0f, 0x38, 0xf8, 0x15, 0x40, 0x00, 0x00, 0x00), 0,
	  { .kind = X86_MOVDIR64B, .size = 64, .op = X86_OP_NONE, R(2, 8), M(RIP, N, 1, 0x40) } },
	{ "movdir64b (%edi),%eax", B(0x67, 0x66, 0x0f, 0x38, 0xf8, 0x07), 0,
	  { .kind = X86_MOVDIR64B, .size = 64, .op = X86_OP_NONE, R(0, 4), M32(7, N, 1, 0) } },
	/* movbe */
	{ "movbe (%rdi),%eax", B(0x0f, 0x38, 0xf0, 0x07), 0,
	  { LD(4), .ext = X86_EXT_BSWAP, R(0, 4), M(7, N, 1, 0) } },
	{ "movbe (%rdi),%ax", B(0x66, 0x0f, 0x38, 0xf0, 0x07), 0,
	  { LD(2), .ext = X86_EXT_BSWAP, R(0, 2), M(7, N, 1, 0) } },
	{ "movbe %rax,(%rdi)", B(0x48, 0x0f, 0x38, 0xf1, 0x07), 0,
	  { ST(8, REG), .ext = X86_EXT_BSWAP, R(0, 8), M(7, N, 1, 0) } },
	/* SSE */
	{ "movd (%rdi),%xmm0", B(0x66, 0x0f, 0x6e, 0x07), 0, { LD(4), X(0, 16), M(7, N, 1, 0) } },
	{ "movq (%rdi),%xmm0 (66 REX.W 6e)", B(0x66, 0x48, 0x0f, 0x6e, 0x07), 0,
	  { LD(8), X(0, 16), M(7, N, 1, 0) } },
	{ "movd (%rdi),%xmm15", B(0x66, 0x44, 0x0f, 0x6e, 0x3f), 0,
	  { LD(4), X(15, 16), M(7, N, 1, 0) } },
	{ "movd %xmm0,(%rdi)", B(0x66, 0x0f, 0x7e, 0x07), 0,
	  { ST(4, REG), X(0, 4), M(7, N, 1, 0) } },
	{ "movq %xmm1,(%rdi) (66 REX.W 7e)", B(0x66, 0x48, 0x0f, 0x7e, 0x0f), 0,
	  { ST(8, REG), X(1, 8), M(7, N, 1, 0) } },
	{ "movq (%rdi),%xmm0 (f3 7e)", B(0xf3, 0x0f, 0x7e, 0x07), 0,
	  { LD(8), X(0, 16), M(7, N, 1, 0) } },
	{ "movq %xmm9,(%rdi) (66 d6)", B(0x66, 0x44, 0x0f, 0xd6, 0x0f), 0,
	  { ST(8, REG), X(9, 8), M(7, N, 1, 0) } },
	{ "movss (%rdi),%xmm0", B(0xf3, 0x0f, 0x10, 0x07), 0, { LD(4), X(0, 16), M(7, N, 1, 0) } },
	{ "movsd (%rdi),%xmm2", B(0xf2, 0x0f, 0x10, 0x17), 0, { LD(8), X(2, 16), M(7, N, 1, 0) } },
	{ "movss %xmm0,(%rdi)", B(0xf3, 0x0f, 0x11, 0x07), 0,
	  { ST(4, REG), X(0, 4), M(7, N, 1, 0) } },
	{ "movsd %xmm1,(%rdi)", B(0xf2, 0x0f, 0x11, 0x0f), 0,
	  { ST(8, REG), X(1, 8), M(7, N, 1, 0) } },
	{ "cvtsi2sdl (%rdi),%xmm0", B(0xf2, 0x0f, 0x2a, 0x07), 0,
	  { LD(4), .ext = X86_EXT_CVT, X(0, 8), M(7, N, 1, 0) } },
	{ "cvtsi2sdq (%rdi),%xmm0", B(0xf2, 0x48, 0x0f, 0x2a, 0x07), 0,
	  { LD(8), .ext = X86_EXT_CVT, X(0, 8), M(7, N, 1, 0) } },
	{ "cvtsi2ssl (%rdi),%xmm3", B(0xf3, 0x0f, 0x2a, 0x1f), 0,
	  { LD(4), .ext = X86_EXT_CVT, X(3, 4), M(7, N, 1, 0) } },
	/* prefixes that change nothing or something */
	{ "ds mov (%rdi),%eax", B(0x3e, 0x8b, 0x07), 0, { LD(4), R(0, 4), M(7, N, 1, 0) } },
	{ "cs es ss mov (%rdi),%eax", B(0x2e, 0x26, 0x36, 0x8b, 0x07), 0,
	  { LD(4), R(0, 4), M(7, N, 1, 0) } },
	{ "REX then 66: REX ignored", B(0x48, 0x66, 0x8b, 0x07), 0,
	  { LD(2), R(0, 2), M(7, N, 1, 0) } },
	{ "REX then 66: mov (%rdi),%ah", B(0x48, 0x66, 0x8a, 0x27), 0,
	  { LD(1), RH(0), M(7, N, 1, 0) } },
	{ "66 then REX.W: 64-bit", B(0x66, 0x48, 0x8b, 0x07), 0,
	  { LD(8), R(0, 8), M(7, N, 1, 0) } },
	{ "xrelease mov %eax,(%rdi)", B(0xf3, 0x89, 0x07), 0,
	  { ST(4, REG), R(0, 4), M(7, N, 1, 0) } },
	{ "xacquire lock add", B(0xf2, 0xf0, 0x01, 0x07), 0,
	  { RMW(4, X86_OP_ADD, REG), .lock = true, R(0, 4), M(7, N, 1, 0) } },
	{ "14 bytes of ds, then mov: 15", B(0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e,
	  0x3e, 0x3e, 0x3e, 0x3e, 0x8b, 0x07), 0, { LD(4), R(0, 4), M(7, N, 1, 0) } },
	/* refused */
	{ "16 bytes", B(0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e,
	  0x3e, 0x3e, 0x8b, 0x07), -EINVAL, {} },
	{ "fs mov", B(0x64, 0x8b, 0x07), -EOPNOTSUPP, {} },
	{ "gs mov", B(0x65, 0x48, 0x8b, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00), -EOPNOTSUPP, {} },
	{ "rep movsb", B(0xf3, 0xa4), -EOPNOTSUPP, {} },
	{ "movsl", B(0xa5), -EOPNOTSUPP, {} },
	{ "rep stosq", B(0xf3, 0x48, 0xab), -EOPNOTSUPP, {} },
	{ "lodsb", B(0xac), -EOPNOTSUPP, {} },
	{ "lock mov", B(0xf0, 0x8b, 0x07), -EINVAL, {} },
	{ "lock cmp", B(0xf0, 0x39, 0x07), -EINVAL, {} },
	{ "lock shl", B(0xf0, 0xd1, 0x27), -EINVAL, {} },
	{ "lock movzx", B(0xf0, 0x0f, 0xb6, 0x07), -EINVAL, {} },
	{ "rep mov load", B(0xf3, 0x8b, 0x07), -EOPNOTSUPP, {} },
	{ "repne add", B(0xf2, 0x01, 0x07), -EOPNOTSUPP, {} },
	{ "popcnt", B(0xf3, 0x0f, 0xb8, 0x07), -EOPNOTSUPP, {} },
	{ "tzcnt", B(0xf3, 0x0f, 0xbc, 0x07), -EOPNOTSUPP, {} },
	{ "register form mov", B(0x89, 0xc0), -EINVAL, {} },
	{ "register form add imm", B(0x83, 0xc0, 0x01), -EINVAL, {} },
	{ "truncated opcode", B(0x66), -EINVAL, {} },
	{ "truncated modrm", B(0x8b), -EINVAL, {} },
	{ "truncated sib", B(0x8b, 0x04), -EINVAL, {} },
	{ "truncated disp", B(0x8b, 0x84, 0x8b, 0x78, 0x56), -EINVAL, {} },
	{ "truncated imm", B(0xc7, 0x07, 0x78, 0x56, 0x34), -EINVAL, {} },
	{ "vmovd (vex2)", B(0xc5, 0xf9, 0x6e, 0x07), -EOPNOTSUPP, {} },
	{ "vmovq (vex3)", B(0xc4, 0xe1, 0xf9, 0x6e, 0x07), -EOPNOTSUPP, {} },
	{ "evex", B(0x62, 0xf1, 0x7d, 0x08, 0x6e, 0x07), -EOPNOTSUPP, {} },
	{ "movd (%rdi),%mm0", B(0x0f, 0x6e, 0x07), -EOPNOTSUPP, {} },
	{ "movups", B(0x0f, 0x10, 0x07), -EOPNOTSUPP, {} },
	{ "movdqa", B(0x66, 0x0f, 0x6f, 0x07), -EOPNOTSUPP, {} },
	{ "66 f3 0f 7e", B(0x66, 0xf3, 0x0f, 0x7e, 0x07), -EOPNOTSUPP, {} },
	{ "call *(%rdi)", B(0xff, 0x17), -EOPNOTSUPP, {} },
	{ "jmp *(%rdi)", B(0xff, 0x27), -EOPNOTSUPP, {} },
	{ "push (%rdi)", B(0xff, 0x37), -EOPNOTSUPP, {} },
	{ "ff /7", B(0xff, 0x3f), -EINVAL, {} },
	{ "fe /2", B(0xfe, 0x17), -EINVAL, {} },
	{ "pop (%rdi)", B(0x8f, 0x07), -EOPNOTSUPP, {} },
	{ "mull (%rdi)", B(0xf7, 0x27), -EOPNOTSUPP, {} },
	{ "divl (%rdi)", B(0xf7, 0x37), -EOPNOTSUPP, {} },
	{ "c6 /1", B(0xc6, 0x0f, 0x00), -EINVAL, {} },
	{ "c7 /1", B(0xc7, 0x0f, 0x00, 0x00, 0x00, 0x00), -EINVAL, {} },
	{ "cmpxchg", B(0x0f, 0xb1, 0x0f), -EOPNOTSUPP, {} },
	{ "lock xadd", B(0xf0, 0x0f, 0xc1, 0x07), -EOPNOTSUPP, {} },
	{ "bt $1,(%rdi)", B(0x0f, 0xba, 0x27, 0x01), -EOPNOTSUPP, {} },
	{ "enqcmd", B(0xf2, 0x0f, 0x38, 0xf8, 0x07), -EOPNOTSUPP, {} },
	{ "enqcmds", B(0xf3, 0x0f, 0x38, 0xf8, 0x07), -EOPNOTSUPP, {} },
	{ "crc32", B(0xf2, 0x0f, 0x38, 0xf0, 0x07), -EOPNOTSUPP, {} },
	{ "0f 38 f8 without 66", B(0x0f, 0x38, 0xf8, 0x07), -EINVAL, {} },
	{ "66 0f c3", B(0x66, 0x0f, 0xc3, 0x07), -EINVAL, {} },
	{ "66 0f 38 f9", B(0x66, 0x0f, 0x38, 0xf9, 0x07), -EINVAL, {} },
	{ "fld (%rdi)", B(0xd9, 0x07), -EOPNOTSUPP, {} },
	{ "nop", B(0x90), -EOPNOTSUPP, {} },
};

#define FIELD(f)							\
	do {								\
		if ((int64_t)got->f != (int64_t)want->f) {		\
			fprintf(stderr, "  %s: " #f " = %lld, want %lld\n", \
				name, (long long)got->f, (long long)want->f); \
			ok = false;					\
		}							\
	} while (0)

static bool insn_equal(const char *name, const struct x86_insn *got,
		       const struct x86_insn *want)
{
	bool ok = true;

	FIELD(len);
	FIELD(kind);
	FIELD(size);
	FIELD(op);
	FIELD(src);
	FIELD(ext);
	FIELD(cond);
	FIELD(has_cond);
	FIELD(mem_first);
	FIELD(lock);
	FIELD(reg.num);
	FIELD(reg.width);
	FIELD(reg.high8);
	FIELD(reg.xmm);
	FIELD(imm);
	FIELD(mem.base);
	FIELD(mem.index);
	FIELD(mem.scale);
	FIELD(mem.addr32);
	FIELD(mem.disp);
	return ok;
}

/* Bytes placed right before an inaccessible page: reading past them faults. */
static uint8_t *edge;

static void test_case(const struct dcase *c)
{
	struct x86_insn got, want = c->e;
	uint8_t *p = edge + PAGE_SIZE - c->n;
	int ret;

	want.len = (uint8_t)c->n;
	memcpy(p, c->b, c->n);
	memset(&got, 0x5a, sizeof(got));
	/*
	 * A valid instruction must decode with the page ending right after
	 * it; a refused one is given only its own bytes.
	 */
	ret = x86_decode_mem_insn(p, c->ret ? c->n : X86_MAX_INSN_LEN, &got);
	if (!CHECK(ret == c->ret, "%s: returned %d, want %d", c->name, ret, c->ret))
		return;
	if (ret)
		return;
	CHECK(insn_equal(c->name, &got, &want), "%s: fields", c->name);
	/* Every byte is needed: one fewer must not decode. */
	ret = x86_decode_mem_insn(p, c->n - 1, &got);
	CHECK(ret == -EINVAL, "%s: truncated to %u returned %d", c->name, c->n - 1, ret);
}

static void test_mem_addr(void)
{
	uint64_t gpr[X86_NR_GPRS];
	struct x86_insn in;
	unsigned int i;
	static const uint8_t sib[] = { 0x8b, 0x84, 0x8b, 0x78, 0x56, 0x34, 0x12 };
	static const uint8_t ripr[] = { 0x48, 0x8b, 0x0d, 0xf0, 0xff, 0xff, 0xff };
	static const uint8_t a32[] = { 0x67, 0x8b, 0x44, 0x24, 0x10 };
	static const uint8_t r12x[] = { 0x43, 0x8b, 0x04, 0xe4 };
	static const uint8_t moffs[] = { 0xa1, 8, 7, 6, 5, 4, 3, 2, 1 };

	for (i = 0; i < X86_NR_GPRS; i++)
		gpr[i] = 0x1000 * (i + 1);
	CHECK(!x86_decode_mem_insn(sib, sizeof(sib), &in), "decode sib");
	CHECK(x86_mem_addr(&in, gpr, 0) == 0x4000 + 0x2000 * 4 + 0x12345678,
	      "sib address");
	CHECK(!x86_decode_mem_insn(ripr, sizeof(ripr), &in), "decode rip");
	CHECK(x86_mem_addr(&in, gpr, 0x400000) == 0x400000 + 7 - 16, "rip address");
	gpr[4] = 0xffffffff00000ff0ULL;
	CHECK(!x86_decode_mem_insn(a32, sizeof(a32), &in), "decode addr32");
	CHECK(x86_mem_addr(&in, gpr, 0) == 0x1000, "addr32 wraps: %#llx",
	      (unsigned long long)x86_mem_addr(&in, gpr, 0));
	CHECK(!x86_decode_mem_insn(r12x, sizeof(r12x), &in), "decode r12,r12");
	CHECK(x86_mem_addr(&in, gpr, 0) == 0xd000 * 9, "r12 index");
	CHECK(!x86_decode_mem_insn(moffs, sizeof(moffs), &in), "decode moffs");
	CHECK(x86_mem_addr(&in, gpr, 0x1234) == 0x0102030405060708ULL, "moffs address");
}

/* The condition evaluator against the CPU's own setcc. */
static bool native_cond(unsigned int cc, uint64_t fl)
{
	uint8_t r = 0;

#define SETCC(n, mn)							\
	case n:								\
		asm("lea -128(%%rsp), %%rsp\n\tpushq %1\n\tpopfq\n\t"	\
		    mn " %0\n\tlea 128(%%rsp), %%rsp"			\
		    : "=q"(r) : "r"(fl) : "cc");			\
		break
	switch (cc) {
	SETCC(0, "seto"); SETCC(1, "setno"); SETCC(2, "setb"); SETCC(3, "setae");
	SETCC(4, "sete"); SETCC(5, "setne"); SETCC(6, "setbe"); SETCC(7, "seta");
	SETCC(8, "sets"); SETCC(9, "setns"); SETCC(10, "setp"); SETCC(11, "setnp");
	SETCC(12, "setl"); SETCC(13, "setge"); SETCC(14, "setle"); SETCC(15, "setg");
	}
#undef SETCC
	return r;
}

static void test_cond(void)
{
	unsigned int cc, bits, bad = 0;
	uint64_t fl;

	for (bits = 0; bits < 32; bits++) {
		fl = 0x2 | ((bits & 1) ? X86_FLAGS_CF : 0) | ((bits & 2) ? X86_FLAGS_PF : 0) |
		     ((bits & 4) ? X86_FLAGS_ZF : 0) | ((bits & 8) ? X86_FLAGS_SF : 0) |
		     ((bits & 16) ? X86_FLAGS_OF : 0);
		for (cc = 0; cc < 16; cc++)
			bad += x86_cond_true(cc, fl) != native_cond(cc, fl);
	}
	CHECK(bad == 0, "%u condition/flag combinations differ from setcc", bad);
}

static void test_gpr_rules(void)
{
	const uint64_t old = 0x1122334455667788ULL;
	struct x86_reg r8 = { .width = 1 }, r16 = { .width = 2 };
	struct x86_reg r32 = { .width = 4 }, r64 = { .width = 8 };
	struct x86_reg ah = { .width = 1, .high8 = true };

	CHECK(x86_gpr_put(&r8, old, 0xaabb) == 0x11223344556677bbULL, "8-bit merge");
	CHECK(x86_gpr_put(&r16, old, 0xccaabb) == 0x112233445566aabbULL, "16-bit merge");
	CHECK(x86_gpr_put(&r32, old, 0xffffffffaabbccddULL) == 0xaabbccddULL,
	      "32-bit zero-extends");
	CHECK(x86_gpr_put(&r64, old, 0x99) == 0x99, "64-bit replaces");
	CHECK(x86_gpr_put(&ah, old, 0x1ee) == 0x112233445566ee88ULL, "ah merge");
	CHECK(x86_gpr_get(&ah, old) == 0x77, "ah read");
	CHECK(x86_gpr_get(&r16, old) == 0x7788, "16-bit read");
	CHECK(x86_gpr_get(&r32, old) == 0x55667788, "32-bit read");
}

static void test_values(void)
{
	struct x86_insn in = { .size = 1, .ext = X86_EXT_SIGN };

	CHECK(x86_load_value(&in, 0xff80) == 0xffffffffffffff80ULL, "sign 8");
	in.size = 2;
	CHECK(x86_load_value(&in, 0x17fff) == 0x7fff, "sign 16 positive");
	CHECK(x86_load_value(&in, 0x8000) == 0xffffffffffff8000ULL, "sign 16");
	in.size = 4;
	CHECK(x86_load_value(&in, 0x80000000) == 0xffffffff80000000ULL, "sign 32");
	in.ext = X86_EXT_ZERO;
	in.size = 1;
	CHECK(x86_load_value(&in, 0xff80) == 0x80, "zero 8");
	in.ext = X86_EXT_BSWAP;
	in.size = 4;
	CHECK(x86_load_value(&in, 0x11223344) == 0x44332211, "bswap 32 load");
	CHECK(x86_store_value(&in, 0x5511223344ULL) == 0x44332211, "bswap 32 store");
	in.size = 2;
	CHECK(x86_store_value(&in, 0x1234) == 0x3412, "bswap 16 store");
	in.size = 8;
	CHECK(x86_load_value(&in, 0x0102030405060708ULL) == 0x0807060504030201ULL,
	      "bswap 64");
	in.ext = X86_EXT_NONE;
	in.size = 2;
	CHECK(x86_store_value(&in, 0xabcdef) == 0xcdef, "store truncates");
}

int main(void)
{
	unsigned int i;

	edge = mmap(NULL, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (edge == MAP_FAILED || mprotect(edge + PAGE_SIZE, PAGE_SIZE, PROT_NONE)) {
		perror("mmap");
		return 1;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_case(&cases[i]);
	test_mem_addr();
	test_cond();
	test_gpr_rules();
	test_values();
	return mt_finish();
}
