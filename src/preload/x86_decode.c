// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86-64 decoder for the instructions that touch a trapped MMIO page. It
 * owns exactly one question: given the bytes at a faulting rip, what does
 * the instruction do to memory and to which register, so that the trap
 * layer can complete it as a hypervisor completes an MMIO exit. It covers
 * what compilers emit for volatile 1/2/4/8-byte accesses (mov and its
 * extending forms, ALU ops with a memory operand, shifts, setcc, cmov,
 * xchg), the non-temporal and direct stores, and the SSE moves of a
 * general value. It is pure (no globals, no libc beyond errno values) so
 * that it can run inside a signal handler and be tested byte by byte.
 */
#include <errno.h>
#include <string.h>

#include "preload/x86_decode.h"

#define REX_W	0x8
#define REX_R	0x4
#define REX_X	0x2
#define REX_B	0x1

struct dec {
	const uint8_t *code;
	size_t avail;
	size_t pos;
	uint8_t rex;
	uint8_t rep;		/* last of 0xf2/0xf3, or 0 */
	bool opsize;		/* 0x66 */
	bool addr32;		/* 0x67 */
	bool lock;
	bool fsgs;
	uint8_t regf;		/* ModRM.reg, 3 bits, no REX.R */
};

static int fetch(struct dec *d, uint8_t *b)
{
	if (d->pos >= d->avail || d->pos >= X86_MAX_INSN_LEN)
		return -EINVAL;
	*b = d->code[d->pos++];
	return 0;
}

/* Little endian, n = 1, 2, 4 or 8 bytes, sign-extended to 64 bits. */
static int fetch_imm(struct dec *d, unsigned int n, int64_t *imm)
{
	uint64_t v = 0;
	unsigned int i;
	uint8_t b;

	for (i = 0; i < n; i++) {
		if (fetch(d, &b))
			return -EINVAL;
		v |= (uint64_t)b << (8 * i);
	}
	if (n < 8 && (v >> (8 * n - 1)) & 1)
		v |= ~0ULL << (8 * n);
	*imm = (int64_t)v;
	return 0;
}

static bool rex(const struct dec *d, uint8_t bit)
{
	return d->rex & bit;
}

/* Operand size of a non-byte instruction. */
static unsigned int osz(const struct dec *d)
{
	if (rex(d, REX_W))
		return 8;
	return d->opsize ? 2 : 4;
}

static int prefixes(struct dec *d, uint8_t *opcode)
{
	uint8_t b;

	for (;;) {
		if (fetch(d, &b))
			return -EINVAL;
		if ((b & 0xf0) == 0x40) {
			d->rex = b;
			continue;
		}
		switch (b) {
		case 0x66:
			d->opsize = true;
			break;
		case 0x67:
			d->addr32 = true;
			break;
		case 0xf0:
			d->lock = true;
			break;
		case 0xf2:
		case 0xf3:
			d->rep = b;
			break;
		case 0x64:
		case 0x65:
			d->fsgs = true;
			break;
		case 0x26:
		case 0x2e:
		case 0x36:
		case 0x3e:
			/* es cs ss ds: no effect in 64-bit mode */
			break;
		default:
			*opcode = b;
			return 0;
		}
		/* A REX prefix only counts right before the opcode. */
		d->rex = 0;
	}
}

static int sib(struct dec *d, unsigned int mod, struct x86_mem *m)
{
	unsigned int base, index;
	uint8_t b;

	if (fetch(d, &b))
		return -EINVAL;
	m->scale = 1u << (b >> 6);
	index = ((b >> 3) & 7) | (rex(d, REX_X) ? 8 : 0);
	if (index != 4)
		m->index = (int8_t)index;
	base = b & 7;
	if (base == 5 && mod == 0)
		return fetch_imm(d, 4, &m->disp);
	m->base = (int8_t)(base | (rex(d, REX_B) ? 8 : 0));
	return 0;
}

/* ModRM and what follows it up to the immediate; register forms are -EINVAL. */
static int modrm(struct dec *d, struct x86_mem *m)
{
	unsigned int mod, rm;
	uint8_t b;
	int ret = 0;

	if (fetch(d, &b))
		return -EINVAL;
	mod = b >> 6;
	d->regf = (b >> 3) & 7;
	rm = b & 7;
	if (mod == 3)
		return -EINVAL;
	m->base = X86_BASE_NONE;
	m->index = X86_BASE_NONE;
	m->scale = 1;
	m->addr32 = d->addr32;
	m->disp = 0;
	if (rm == 4) {
		ret = sib(d, mod, m);
	} else if (rm == 5 && mod == 0) {
		m->base = X86_BASE_RIP;
		return fetch_imm(d, 4, &m->disp);
	} else {
		m->base = (int8_t)(rm | (rex(d, REX_B) ? 8 : 0));
	}
	if (ret)
		return ret;
	if (mod == 1)
		return fetch_imm(d, 1, &m->disp);
	if (mod == 2)
		return fetch_imm(d, 4, &m->disp);
	return 0;
}

/* The ModRM.reg general register at a given width. */
static void gpr(const struct dec *d, struct x86_insn *in, unsigned int width)
{
	unsigned int num = d->regf | (rex(d, REX_R) ? 8 : 0);

	in->reg.width = (uint8_t)width;
	in->reg.xmm = false;
	in->reg.high8 = width == 1 && !d->rex && num >= 4;
	in->reg.num = (uint8_t)(in->reg.high8 ? num - 4 : num);
}

static void xmm(const struct dec *d, struct x86_insn *in, unsigned int width)
{
	in->reg.num = (uint8_t)(d->regf | (rex(d, REX_R) ? 8 : 0));
	in->reg.width = (uint8_t)width;
	in->reg.high8 = false;
	in->reg.xmm = true;
}

static void set_kind(struct x86_insn *in, enum x86_kind kind, unsigned int size,
		     enum x86_src src)
{
	in->kind = (uint8_t)kind;
	in->size = (uint8_t)size;
	in->src = (uint8_t)src;
}

/*
 * The start of most one-byte opcodes with a ModRM operand: bit 0 of the
 * opcode picks a byte or the operand size, then the memory operand.
 */
static int modrm_sized(struct dec *d, uint8_t opc, struct x86_insn *in,
		       unsigned int *size)
{
	*size = (opc & 1) ? osz(d) : 1;
	return modrm(d, &in->mem);
}

/* 00-3b: the eight ALU ops in their r/m,reg and reg,r/m forms. */
static int op_alu(struct dec *d, uint8_t opc, struct x86_insn *in)
{
	unsigned int size;
	bool to_reg = opc & 2;
	int ret;

	ret = modrm_sized(d, opc, in, &size);
	if (ret)
		return ret;
	gpr(d, in, size);
	in->op = opc >> 3;
	if (in->op == X86_OP_CMP) {
		set_kind(in, X86_CMP, size, X86_SRC_REG);
		in->mem_first = !to_reg;
	} else {
		set_kind(in, to_reg ? X86_ALU_LOAD : X86_RMW, size, X86_SRC_REG);
	}
	return 0;
}

/* 80 81 83: group 1 with an immediate. */
static int op_grp1(struct dec *d, uint8_t opc, struct x86_insn *in)
{
	unsigned int size = opc == 0x80 ? 1 : osz(d);
	unsigned int isz = (opc == 0x81) ? (size == 2 ? 2 : 4) : 1;
	int ret;

	ret = modrm(d, &in->mem);
	if (!ret)
		ret = fetch_imm(d, isz, &in->imm);
	if (ret)
		return ret;
	in->op = d->regf;
	set_kind(in, in->op == X86_OP_CMP ? X86_CMP : X86_RMW, size, X86_SRC_IMM);
	in->mem_first = in->op == X86_OP_CMP;
	return 0;
}

/* c0 c1 d0-d3: group 2 shifts and rotates. */
static int op_grp2(struct dec *d, uint8_t opc, struct x86_insn *in)
{
	unsigned int size;
	enum x86_src src = X86_SRC_IMM;
	int ret;

	ret = modrm_sized(d, opc, in, &size);
	if (ret)
		return ret;
	if (opc == 0xc0 || opc == 0xc1)
		ret = fetch_imm(d, 1, &in->imm);
	else if (opc == 0xd2 || opc == 0xd3)
		src = X86_SRC_CL;
	else
		in->imm = 1;
	if (ret)
		return ret;
	/* /6 is an undocumented alias of shl */
	if (d->regf == 6)
		in->op = X86_OP_SHL;
	else if (d->regf == 7)
		in->op = X86_OP_SAR;
	else
		in->op = X86_OP_ROL + d->regf;
	set_kind(in, X86_RMW, size, src);
	return 0;
}

/* f6 f7: test imm, not, neg; mul and div have implicit rdx:rax. */
static int op_grp3(struct dec *d, uint8_t opc, struct x86_insn *in)
{
	unsigned int size;
	int ret;

	ret = modrm_sized(d, opc, in, &size);
	if (ret)
		return ret;
	switch (d->regf) {
	case 0:
	case 1:
		ret = fetch_imm(d, size == 1 ? 1 : (size == 2 ? 2 : 4), &in->imm);
		if (ret)
			return ret;
		in->op = X86_OP_TEST;
		in->mem_first = true;
		set_kind(in, X86_CMP, size, X86_SRC_IMM);
		return 0;
	case 2:
	case 3:
		in->op = d->regf == 2 ? X86_OP_NOT : X86_OP_NEG;
		set_kind(in, X86_RMW, size, X86_SRC_NONE);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/* fe ff: inc and dec; the rest of ff is call/jmp/push through memory. */
static int op_grp45(struct dec *d, uint8_t opc, struct x86_insn *in)
{
	unsigned int size;
	int ret;

	ret = modrm_sized(d, opc, in, &size);
	if (ret)
		return ret;
	if (d->regf > 1)
		return (opc == 0xff && d->regf < 7) ? -EOPNOTSUPP : -EINVAL;
	in->op = d->regf ? X86_OP_DEC : X86_OP_INC;
	set_kind(in, X86_RMW, size, X86_SRC_NONE);
	return 0;
}

/* 88-8b: mov in both directions. */
static int op_mov(struct dec *d, uint8_t opc, struct x86_insn *in)
{
	unsigned int size;
	int ret;

	ret = modrm_sized(d, opc, in, &size);
	if (ret)
		return ret;
	gpr(d, in, size);
	if (opc & 2)
		set_kind(in, X86_LOAD, size, X86_SRC_NONE);
	else
		set_kind(in, X86_STORE, size, X86_SRC_REG);
	return 0;
}

/* c6 c7 /0: mov of an immediate; imm32 is sign-extended for REX.W. */
static int op_mov_imm(struct dec *d, uint8_t opc, struct x86_insn *in)
{
	unsigned int size;
	int ret;

	ret = modrm_sized(d, opc, in, &size);
	if (ret)
		return ret;
	if (d->regf != 0)
		return -EINVAL;
	ret = fetch_imm(d, size > 4 ? 4 : size, &in->imm);
	if (ret)
		return ret;
	set_kind(in, X86_STORE, size, X86_SRC_IMM);
	return 0;
}

/* a0-a3: mov between al/ax/eax/rax and an absolute address. */
static int op_moffs(struct dec *d, uint8_t opc, struct x86_insn *in)
{
	unsigned int size = (opc & 1) ? osz(d) : 1;
	int ret;

	in->mem.base = X86_BASE_NONE;
	in->mem.index = X86_BASE_NONE;
	in->mem.scale = 1;
	in->mem.addr32 = d->addr32;
	ret = fetch_imm(d, d->addr32 ? 4 : 8, &in->mem.disp);
	if (ret)
		return ret;
	if (d->addr32)
		in->mem.disp = (int64_t)(uint32_t)in->mem.disp;
	d->regf = 0;
	d->rex &= (uint8_t)~REX_R;
	gpr(d, in, size);
	set_kind(in, (opc & 2) ? X86_STORE : X86_LOAD, size,
		 (opc & 2) ? X86_SRC_REG : X86_SRC_NONE);
	return 0;
}

/* 63 with REX.W sign-extends a dword; without it, it is a plain mov. */
static int op_movsxd(struct dec *d, struct x86_insn *in)
{
	unsigned int width = osz(d);
	int ret;

	ret = modrm(d, &in->mem);
	if (ret)
		return ret;
	gpr(d, in, width);
	set_kind(in, X86_LOAD, width == 8 ? 4 : width, X86_SRC_NONE);
	if (width == 8)
		in->ext = X86_EXT_SIGN;
	return 0;
}

/* 69 6b: imul reg, r/m, imm. */
static int op_imul3(struct dec *d, uint8_t opc, struct x86_insn *in)
{
	unsigned int size = osz(d);
	unsigned int isz = opc == 0x6b ? 1 : (size == 2 ? 2 : 4);
	int ret;

	ret = modrm(d, &in->mem);
	if (!ret)
		ret = fetch_imm(d, isz, &in->imm);
	if (ret)
		return ret;
	gpr(d, in, size);
	in->op = X86_OP_IMUL;
	set_kind(in, X86_ALU_LOAD, size, X86_SRC_IMM);
	return 0;
}

/* 84 85 test, 86 87 xchg: r/m, reg. */
static int op_test_xchg(struct dec *d, uint8_t opc, struct x86_insn *in)
{
	unsigned int size;
	int ret;

	ret = modrm_sized(d, opc, in, &size);
	if (ret)
		return ret;
	gpr(d, in, size);
	if (opc < 0x86) {
		in->op = X86_OP_TEST;
		in->mem_first = true;
		set_kind(in, X86_CMP, size, X86_SRC_REG);
	} else {
		set_kind(in, X86_XCHG, size, X86_SRC_REG);
	}
	return 0;
}

/* The mandatory-prefix-selected SSE moves of 0f 10/11/2a/6e/7e/d6. */
static int op_sse(struct dec *d, uint8_t opc, struct x86_insn *in)
{
	uint8_t mp = d->rep ? d->rep : (d->opsize ? 0x66 : 0);
	unsigned int dq = rex(d, REX_W) ? 8 : 4;
	int ret;

	if (d->rep && d->opsize)
		return -EOPNOTSUPP;
	ret = modrm(d, &in->mem);
	if (ret)
		return ret;
	switch (opc << 8 | mp) {
	case 0x10f3:	/* movss xmm, m32 */
	case 0x10f2:	/* movsd xmm, m64 */
		xmm(d, in, 16);
		set_kind(in, X86_LOAD, mp == 0xf3 ? 4 : 8, X86_SRC_NONE);
		return 0;
	case 0x11f3:	/* movss m32, xmm */
	case 0x11f2:	/* movsd m64, xmm */
		xmm(d, in, mp == 0xf3 ? 4 : 8);
		set_kind(in, X86_STORE, in->reg.width, X86_SRC_REG);
		return 0;
	case 0x2af3:	/* cvtsi2ss xmm, r/m32/64 */
	case 0x2af2:	/* cvtsi2sd xmm, r/m32/64 */
		xmm(d, in, mp == 0xf3 ? 4 : 8);
		set_kind(in, X86_LOAD, dq, X86_SRC_NONE);
		in->ext = X86_EXT_CVT;
		return 0;
	case 0x6e66:	/* movd/movq xmm, r/m32/64 */
		xmm(d, in, 16);
		set_kind(in, X86_LOAD, dq, X86_SRC_NONE);
		return 0;
	case 0x7e66:	/* movd/movq r/m32/64, xmm */
		xmm(d, in, dq);
		set_kind(in, X86_STORE, dq, X86_SRC_REG);
		return 0;
	case 0x7ef3:	/* movq xmm, m64 */
		xmm(d, in, 16);
		set_kind(in, X86_LOAD, 8, X86_SRC_NONE);
		return 0;
	case 0xd666:	/* movq m64, xmm */
		xmm(d, in, 8);
		set_kind(in, X86_STORE, 8, X86_SRC_REG);
		return 0;
	default:
		/* MMX, 16-byte moves, and the rest */
		return -EOPNOTSUPP;
	}
}

/* 0f 38 f0/f1 movbe, f8 movdir64b, f9 movdiri. */
static int op_0f38(struct dec *d, struct x86_insn *in)
{
	unsigned int size;
	uint8_t opc;
	int ret;

	if (fetch(d, &opc))
		return -EINVAL;
	if (opc != 0xf0 && opc != 0xf1 && opc != 0xf8 && opc != 0xf9)
		return -EOPNOTSUPP;
	/* f2/f3 select crc32, enqcmd and enqcmds */
	if (d->rep)
		return -EOPNOTSUPP;
	ret = modrm(d, &in->mem);
	if (ret)
		return ret;
	switch (opc) {
	case 0xf0:
	case 0xf1:
		size = osz(d);
		gpr(d, in, size);
		set_kind(in, opc == 0xf0 ? X86_LOAD : X86_STORE, size,
			 opc == 0xf0 ? X86_SRC_NONE : X86_SRC_REG);
		in->ext = X86_EXT_BSWAP;
		return 0;
	case 0xf8:
		if (!d->opsize)
			return -EINVAL;
		gpr(d, in, d->addr32 ? 4 : 8);
		set_kind(in, X86_MOVDIR64B, 64, X86_SRC_NONE);
		return 0;
	default:
		if (d->opsize)
			return -EINVAL;
		size = rex(d, REX_W) ? 8 : 4;
		gpr(d, in, size);
		set_kind(in, X86_STORE, size, X86_SRC_REG);
		return 0;
	}
}

/* 0f b6 b7 be bf: movzx and movsx from a byte or word. */
static int op_movx(struct dec *d, uint8_t opc, struct x86_insn *in)
{
	int ret;

	ret = modrm(d, &in->mem);
	if (ret)
		return ret;
	gpr(d, in, osz(d));
	set_kind(in, X86_LOAD, (opc & 1) ? 2 : 1, X86_SRC_NONE);
	in->ext = (opc & 8) ? X86_EXT_SIGN : X86_EXT_ZERO;
	return 0;
}

/* 0f 40-4f cmovcc, 0f 90-9f setcc, 0f af imul, 0f c3 movnti. */
static int op_0f_gpr(struct dec *d, uint8_t opc, struct x86_insn *in)
{
	int ret;

	ret = modrm(d, &in->mem);
	if (ret)
		return ret;
	if ((opc & 0xf0) == 0x40) {
		gpr(d, in, osz(d));
		set_kind(in, X86_LOAD, osz(d), X86_SRC_NONE);
		in->cond = opc & 0xf;
		in->has_cond = true;
	} else if ((opc & 0xf0) == 0x90) {
		set_kind(in, X86_STORE, 1, X86_SRC_COND);
		in->cond = opc & 0xf;
	} else if (opc == 0xaf) {
		gpr(d, in, osz(d));
		in->op = X86_OP_IMUL;
		set_kind(in, X86_ALU_LOAD, osz(d), X86_SRC_REG);
	} else {
		if (d->opsize)
			return -EINVAL;
		gpr(d, in, rex(d, REX_W) ? 8 : 4);
		set_kind(in, X86_STORE, in->reg.width, X86_SRC_REG);
	}
	return 0;
}

static int op_0f(struct dec *d, struct x86_insn *in)
{
	uint8_t opc;

	if (fetch(d, &opc))
		return -EINVAL;
	switch (opc) {
	case 0x10:
	case 0x11:
	case 0x2a:
	case 0x6e:
	case 0x7e:
	case 0xd6:
		return op_sse(d, opc, in);
	case 0x38:
		return op_0f38(d, in);
	default:
		break;
	}
	/* With f2/f3 the remaining opcodes become popcnt, tzcnt, ... */
	if (d->rep)
		return -EOPNOTSUPP;
	if (opc == 0xb6 || opc == 0xb7 || opc == 0xbe || opc == 0xbf)
		return op_movx(d, opc, in);
	if ((opc & 0xf0) == 0x40 || (opc & 0xf0) == 0x90 || opc == 0xaf ||
	    opc == 0xc3)
		return op_0f_gpr(d, opc, in);
	return -EOPNOTSUPP;
}

static int op_one_byte(struct dec *d, uint8_t opc, struct x86_insn *in)
{
	if (opc <= 0x3b && (opc & 7) < 4)
		return op_alu(d, opc, in);
	switch (opc) {
	case 0x0f:
		return op_0f(d, in);
	case 0x63:
		return op_movsxd(d, in);
	case 0x69:
	case 0x6b:
		return op_imul3(d, opc, in);
	case 0x80:
	case 0x81:
	case 0x83:
		return op_grp1(d, opc, in);
	case 0x84:
	case 0x85:
	case 0x86:
	case 0x87:
		return op_test_xchg(d, opc, in);
	case 0x88:
	case 0x89:
	case 0x8a:
	case 0x8b:
		return op_mov(d, opc, in);
	case 0xa0:
	case 0xa1:
	case 0xa2:
	case 0xa3:
		return op_moffs(d, opc, in);
	case 0xc0:
	case 0xc1:
	case 0xd0:
	case 0xd1:
	case 0xd2:
	case 0xd3:
		return op_grp2(d, opc, in);
	case 0xc6:
	case 0xc7:
		return op_mov_imm(d, opc, in);
	case 0xf6:
	case 0xf7:
		return op_grp3(d, opc, in);
	case 0xfe:
	case 0xff:
		return op_grp45(d, opc, in);
	default:
		/* string ops, vex/evex, x87, push/pop, ... */
		return -EOPNOTSUPP;
	}
}

static bool lockable(const struct x86_insn *in)
{
	if (in->kind == X86_XCHG)
		return true;
	if (in->kind != X86_RMW)
		return false;
	return in->op <= X86_OP_XOR || in->op == X86_OP_NOT ||
	       in->op == X86_OP_NEG || in->op == X86_OP_INC ||
	       in->op == X86_OP_DEC;
}

/*
 * Lock is legal only on read-modify-write forms (the CPU raises #UD for
 * anything else). f2/f3 on a one-byte opcode is either an xacquire/xrelease
 * hint (locked ops, xchg, and xrelease on a mov store) or a string prefix.
 */
static int check_prefixes(const struct dec *d, uint8_t opc,
			  const struct x86_insn *in)
{
	bool mov_store = opc == 0x88 || opc == 0x89 || opc == 0xc6 ||
			 opc == 0xc7;

	if (d->lock && !lockable(in))
		return -EINVAL;
	if (!d->rep || opc == 0x0f)
		return 0;
	if ((d->lock && lockable(in)) || in->kind == X86_XCHG)
		return 0;
	if (d->rep == 0xf3 && mov_store)
		return 0;
	return -EOPNOTSUPP;
}

int x86_decode_mem_insn(const uint8_t *code, size_t avail, struct x86_insn *out)
{
	struct dec d;
	struct x86_insn in;
	uint8_t opc;
	int ret;

	memset(&d, 0, sizeof(d));
	memset(&in, 0, sizeof(in));
	d.code = code;
	d.avail = avail;
	in.op = X86_OP_NONE;
	ret = prefixes(&d, &opc);
	if (ret)
		return ret;
	if (d.fsgs)
		return -EOPNOTSUPP;
	ret = op_one_byte(&d, opc, &in);
	if (ret)
		return ret;
	ret = check_prefixes(&d, opc, &in);
	if (ret)
		return ret;
	in.lock = d.lock;
	in.len = (uint8_t)d.pos;
	*out = in;
	return 0;
}

uint64_t x86_mem_addr(const struct x86_insn *in, const uint64_t gpr[X86_NR_GPRS],
		      uint64_t rip)
{
	const struct x86_mem *m = &in->mem;
	uint64_t ea = (uint64_t)m->disp;

	if (m->base == X86_BASE_RIP)
		ea += rip + in->len;
	else if (m->base >= 0)
		ea += gpr[m->base];
	if (m->index >= 0)
		ea += gpr[m->index] * m->scale;
	return m->addr32 ? (uint32_t)ea : ea;
}

bool x86_cond_true(unsigned int cc, uint64_t rflags)
{
	bool cf = rflags & X86_FLAGS_CF;
	bool pf = rflags & X86_FLAGS_PF;
	bool zf = rflags & X86_FLAGS_ZF;
	bool sf = rflags & X86_FLAGS_SF;
	bool of = rflags & X86_FLAGS_OF;
	bool r;

	switch ((cc >> 1) & 7) {
	case 0:
		r = of;
		break;
	case 1:
		r = cf;
		break;
	case 2:
		r = zf;
		break;
	case 3:
		r = cf || zf;
		break;
	case 4:
		r = sf;
		break;
	case 5:
		r = pf;
		break;
	case 6:
		r = sf != of;
		break;
	default:
		r = zf || sf != of;
		break;
	}
	return (cc & 1) ? !r : r;
}

static uint64_t mask_of(unsigned int width)
{
	return width >= 8 ? ~0ULL : (1ULL << (8 * width)) - 1;
}

uint64_t x86_gpr_get(const struct x86_reg *r, uint64_t full)
{
	if (r->high8)
		return (full >> 8) & 0xff;
	return full & mask_of(r->width);
}

uint64_t x86_gpr_put(const struct x86_reg *r, uint64_t full, uint64_t val)
{
	if (r->high8)
		return (full & ~0xff00ULL) | ((val & 0xff) << 8);
	switch (r->width) {
	case 1:
	case 2:
		return (full & ~mask_of(r->width)) | (val & mask_of(r->width));
	case 4:
		return (uint32_t)val;
	default:
		return val;
	}
}

static uint64_t bswap(uint64_t v, unsigned int size)
{
	switch (size) {
	case 2:
		return __builtin_bswap16((uint16_t)v);
	case 4:
		return __builtin_bswap32((uint32_t)v);
	case 8:
		return __builtin_bswap64(v);
	default:
		return v;
	}
}

uint64_t x86_load_value(const struct x86_insn *in, uint64_t raw)
{
	unsigned int bits = 8 * in->size;

	if (in->size < 8)
		raw &= mask_of(in->size);
	switch (in->ext) {
	case X86_EXT_SIGN:
	case X86_EXT_CVT:
		if (bits < 64 && (raw >> (bits - 1)) & 1)
			raw |= ~0ULL << bits;
		return raw;
	case X86_EXT_BSWAP:
		return bswap(raw, in->size);
	default:
		return raw;
	}
}

uint64_t x86_store_value(const struct x86_insn *in, uint64_t val)
{
	if (in->size < 8)
		val &= mask_of(in->size);
	if (in->ext == X86_EXT_BSWAP)
		val = bswap(val, in->size);
	return val;
}
