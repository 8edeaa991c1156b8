/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef UVFIO_PRELOAD_X86_DECODE_H
#define UVFIO_PRELOAD_X86_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest legal x86 instruction. */
#define X86_MAX_INSN_LEN	15

/* RFLAGS bits an emulated ALU instruction may change: CF PF AF ZF SF OF. */
#define X86_FLAGS_CF		0x001
#define X86_FLAGS_PF		0x004
#define X86_FLAGS_AF		0x010
#define X86_FLAGS_ZF		0x040
#define X86_FLAGS_SF		0x080
#define X86_FLAGS_OF		0x800
#define X86_FLAGS_ARITH		0x8d5

/* Register numbers are the hardware ones: rax rcx rdx rbx rsp rbp rsi rdi r8-r15. */
#define X86_NR_GPRS		16
#define X86_BASE_NONE		(-1)
#define X86_BASE_RIP		16

enum x86_kind {
	X86_LOAD,	/* reg = ext(mem) (CMOVcc: only if the condition holds) */
	X86_STORE,	/* mem = reg, immediate or condition (SETcc) */
	X86_RMW,	/* mem = mem op src; RFLAGS updated */
	X86_ALU_LOAD,	/* reg = reg op mem, or reg = mem op imm (IMUL3) */
	X86_CMP,	/* RFLAGS only: CMP or TEST, see mem_first */
	X86_XCHG,	/* tmp = mem; mem = reg; reg = tmp */
	X86_MOVDIR64B,	/* 64 bytes from mem to the address held in reg */
};

/* The first eight are the group-1 encodings (opcode bits 5:3 or ModRM.reg). */
enum x86_op {
	X86_OP_ADD,
	X86_OP_OR,
	X86_OP_ADC,
	X86_OP_SBB,
	X86_OP_AND,
	X86_OP_SUB,
	X86_OP_XOR,
	X86_OP_CMP,
	X86_OP_TEST,
	X86_OP_ROL,	/* group 2, in ModRM.reg order */
	X86_OP_ROR,
	X86_OP_RCL,
	X86_OP_RCR,
	X86_OP_SHL,
	X86_OP_SHR,
	X86_OP_SAR,
	X86_OP_NOT,
	X86_OP_NEG,
	X86_OP_INC,
	X86_OP_DEC,
	X86_OP_IMUL,
	X86_OP_NONE,
};

/* What the operand that is not memory is. */
enum x86_src {
	X86_SRC_NONE,	/* unary op, or a load */
	X86_SRC_REG,	/* insn.reg */
	X86_SRC_IMM,	/* insn.imm (shift by 1 is an immediate 1) */
	X86_SRC_CL,	/* shift count in cl */
	X86_SRC_COND,	/* SETcc: 1 if insn.cond holds, else 0 */
};

/* How a value read from memory becomes the register value. */
enum x86_ext {
	X86_EXT_NONE,	/* same width */
	X86_EXT_ZERO,	/* movzx */
	X86_EXT_SIGN,	/* movsx, movsxd */
	X86_EXT_BSWAP,	/* movbe, both directions */
	X86_EXT_CVT,	/* cvtsi2ss/sd: signed integer to float (reg.width 4) or double (8) */
};

/*
 * A register operand. For a general register, the write rules follow from
 * width: 8 replaces it, 4 zero-extends into bits 63:32, 2 and 1 keep the
 * bits above, and high8 (ah ch dh bh, legal only without REX) is bits 15:8.
 * For an xmm register, width 16 means the bits above the loaded value are
 * zeroed up to bit 127 (movd, movq, movss, movsd from memory); width 4 or
 * 8 means only that many low bytes change (cvtsi2ss, cvtsi2sd). Bits above
 * 127 (ymm/zmm) are untouched by these legacy-SSE encodings.
 */
struct x86_reg {
	uint8_t num;
	uint8_t width;
	bool high8;
	bool xmm;
};

/* ea = base + index * scale + disp, truncated to 32 bits if addr32. */
struct x86_mem {
	int8_t base;		/* 0-15, X86_BASE_RIP (next insn) or X86_BASE_NONE */
	int8_t index;		/* 0-15 or X86_BASE_NONE */
	uint8_t scale;
	bool addr32;		/* 0x67 prefix */
	int64_t disp;		/* moffs forms: the whole address */
};

struct x86_insn {
	uint8_t len;		/* bytes, including prefixes and immediate */
	uint8_t kind;		/* enum x86_kind */
	uint8_t size;		/* memory access size: 1, 2, 4, 8, or 64 */
	uint8_t op;		/* enum x86_op, for RMW, ALU_LOAD and CMP */
	uint8_t src;		/* enum x86_src */
	uint8_t ext;		/* enum x86_ext, for loads (and bswap on stores) */
	uint8_t cond;		/* condition code 0-15 for SETcc and CMOVcc */
	bool has_cond;		/* CMOVcc: the load lands only if cond holds */
	bool mem_first;		/* CMP/TEST: memory is the left operand */
	bool lock;		/* 0xf0; the emulation is not atomic anyway */
	struct x86_reg reg;	/* register operand (movdir64b: destination address) */
	int64_t imm;		/* sign-extended as the encoding defines */
	struct x86_mem mem;
};

/*
 * Decode one instruction that accesses memory through its ModRM or moffs
 * operand. Reads code[] strictly in order and never past the end of the
 * instruction, so a caller may pass avail = X86_MAX_INSN_LEN for code the
 * CPU has just fetched. Returns 0, -EINVAL for bytes that are not (or not
 * entirely) a memory-accessing instruction, -EOPNOTSUPP for memory
 * instructions this emulator does not handle (string ops, VEX/EVEX, fs/gs
 * segments, x87, indirect branches, ...).
 */
int x86_decode_mem_insn(const uint8_t *code, size_t avail, struct x86_insn *out);

/* The effective address; rip is the address of the instruction itself. */
uint64_t x86_mem_addr(const struct x86_insn *in, const uint64_t gpr[X86_NR_GPRS],
		      uint64_t rip);

/* Whether condition code cc (the low nibble of Jcc/SETcc/CMOVcc) holds. */
bool x86_cond_true(unsigned int cc, uint64_t rflags);

/* A register operand's value, as an instruction reading it sees it. */
uint64_t x86_gpr_get(const struct x86_reg *r, uint64_t full);

/* The full register after an instruction writes val (low width bytes) to it. */
uint64_t x86_gpr_put(const struct x86_reg *r, uint64_t full, uint64_t val);

/* Memory bytes (size of them, little endian in raw) to the value loaded. */
uint64_t x86_load_value(const struct x86_insn *in, uint64_t raw);

/* The value a store writes, given the source operand's value. */
uint64_t x86_store_value(const struct x86_insn *in, uint64_t val);

#endif
