// SPDX-License-Identifier: GPL-2.0-only
/*
 * Trapped MMIO. A register BAR is mapped PROT_NONE, so each load or store
 * a driver makes to it faults; this layer owns the SIGSEGV handler that
 * turns such a fault into a device access, the way a hypervisor completes
 * an MMIO exit: decode the instruction at rip, call the range's read or
 * write, put the result into the saved registers and flags, skip the
 * instruction. Every access is seen, in order, which shared memory could
 * not give (write-1-to-clear, doorbells, the same value written twice).
 *
 * The range table is a fixed array read lock-free from the handler; a
 * per-slot user count lets unregister wait out handlers still using a
 * range. Faults that are not ours go to the action that was installed
 * before us (or that the program set later through mmio_trap_sigaction),
 * delivered the way the kernel would have delivered them.
 *
 * ALU instructions are completed by running the same instruction on the
 * loaded value with the program's flags, so results and RFLAGS (including
 * the odd corners of shifts, adc/sbb and inc/dec) are the hardware's own.
 *
 * The same handler serves one more user, the DMA agent (dma_agent.c):
 * its fault hook sees every SIGSEGV and SIGBUS first, and takes back the
 * faults of its own copies. SIGBUS is chained the same way as SIGSEGV.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

#include "preload/mmio_trap.h"
#include "preload/x86_decode.h"

#define TRAP_SLOTS	256

enum slot_state {
	SLOT_FREE,
	SLOT_LIVE,
	SLOT_DYING,
};

struct trap_slot {
	atomic_int state;
	atomic_int users;
	_Atomic uintptr_t start;
	_Atomic size_t len;
	const struct mmio_trap_ops *ops;	/* stable while LIVE */
	void *ctx;
};

static struct trap_slot slots[TRAP_SLOTS];
static atomic_int slots_used;		/* high-water mark of the table */
static pthread_mutex_t trap_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The signals whose handler we own: SIGSEGV from the first trapped range
 * on, SIGBUS only once a fault hook asks for it. For each, the action
 * faults are chained to: a seqlock, readable from the handler.
 */
enum { CHAIN_SEGV, CHAIN_BUS, NR_CHAINS };

struct chain_state {
	atomic_bool installed;
	struct sigaction act;
	atomic_uint seq;
	atomic_bool reset;		/* SA_RESETHAND fired: now SIG_DFL */
};

static struct chain_state chains[NR_CHAINS];
static bool (*_Atomic fault_hook)(int sig, siginfo_t *si, void *uc);

/* The chain of sig, or NULL for a signal we never take over. */
static struct chain_state *chain_of(int sig)
{
	if (sig == SIGSEGV)
		return &chains[CHAIN_SEGV];
	if (sig == SIGBUS)
		return &chains[CHAIN_BUS];
	return NULL;
}

static const int greg_of[X86_NR_GPRS] = {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

/*
 * All signals are blocked while the lock is held, so that a handler (ours
 * or the program's, calling sigaction) cannot interrupt its holder.
 */
static void lock(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, old);
	pthread_mutex_lock(&trap_lock);
}

static void unlock(const sigset_t *old)
{
	pthread_mutex_unlock(&trap_lock);
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

static bool slot_covers(struct trap_slot *s, uintptr_t addr, size_t size)
{
	uintptr_t start = atomic_load_explicit(&s->start, memory_order_relaxed);
	size_t len = atomic_load_explicit(&s->len, memory_order_relaxed);

	return addr >= start && addr - start < len && size <= len - (addr - start);
}

/* Find the live range holding [addr, addr + size) and pin it. */
static struct trap_slot *slot_get(uintptr_t addr, size_t size)
{
	int n = atomic_load_explicit(&slots_used, memory_order_acquire);
	struct trap_slot *s;
	int i;

	for (i = 0; i < n; i++) {
		s = &slots[i];
		if (atomic_load_explicit(&s->state, memory_order_relaxed) != SLOT_LIVE ||
		    !slot_covers(s, addr, size))
			continue;
		/* Pairs with the state store and users load in unregister. */
		atomic_fetch_add(&s->users, 1);
		if (atomic_load(&s->state) == SLOT_LIVE && slot_covers(s, addr, size))
			return s;
		atomic_fetch_sub(&s->users, 1);
	}
	return NULL;
}

static void slot_put(struct trap_slot *s)
{
	if (s)
		atomic_fetch_sub_explicit(&s->users, 1, memory_order_release);
}

/*
 * How many bytes at rip the decoder may read without itself touching a
 * trapped page (which would fault again, now inside the handler).
 */
static size_t code_avail(uintptr_t rip)
{
	int n = atomic_load_explicit(&slots_used, memory_order_acquire);
	size_t avail = X86_MAX_INSN_LEN;
	uintptr_t start, end;
	int i;

	for (i = 0; i < n; i++) {
		if (atomic_load_explicit(&slots[i].state, memory_order_relaxed) == SLOT_FREE)
			continue;
		start = atomic_load_explicit(&slots[i].start, memory_order_relaxed);
		end = start + atomic_load_explicit(&slots[i].len, memory_order_relaxed);
		if (rip >= start && rip < end)
			return 0;
		if (start > rip && start - rip < avail)
			avail = start - rip;
	}
	return avail;
}

static void chain_load(struct chain_state *c, struct sigaction *out)
{
	unsigned int s1, s2;

	do {
		s1 = atomic_load_explicit(&c->seq, memory_order_acquire);
		memcpy(out, &c->act, sizeof(*out));
		atomic_thread_fence(memory_order_acquire);
		s2 = atomic_load_explicit(&c->seq, memory_order_relaxed);
	} while ((s1 & 1) || s1 != s2);
	if (atomic_load(&c->reset)) {
		out->sa_handler = SIG_DFL;
		out->sa_flags &= ~(SA_SIGINFO | SA_RESETHAND);
	}
}

/* Called with the lock held, hence one writer at a time. */
static void chain_store(struct chain_state *c, const struct sigaction *in)
{
	unsigned int seq = atomic_load_explicit(&c->seq, memory_order_relaxed);

	atomic_store_explicit(&c->seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	memcpy(&c->act, in, sizeof(c->act));
	atomic_store_explicit(&c->seq, seq + 2, memory_order_release);
	atomic_store(&c->reset, false);
}

/* Memory outside trapped ranges, read without risking a nested fault. */
static int self_copy(void *dst, const void *src, size_t len, bool write)
{
	struct iovec local = { .iov_base = write ? (void *)src : dst, .iov_len = len };
	struct iovec remote = { .iov_base = write ? dst : (void *)src, .iov_len = len };
	ssize_t n;

	if (write)
		n = process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
	else
		n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	if (n < 0 && (errno == ENOSYS || errno == EPERM)) {
		/* Sandboxed: fall back to a plain copy. */
		memcpy(dst, src, len);
		return 0;
	}
	return -EFAULT;
}

/* ------------------------------------------------------------------ */
/* Native ALU execution                                                */

/*
 * Run the instruction on registers with the program's arithmetic flags
 * loaded, and read the flags back. The asm pushes, so it first steps over
 * the 128-byte red zone the compiler may be using below rsp.
 */
#define FL_PRE	"lea -128(%%rsp), %%rsp\n\tpushq %[f]\n\tpopfq\n\t"
#define FL_POST	"\n\tpushfq\n\tpopq %[f]\n\tlea 128(%%rsp), %%rsp"

#define ASM_BIN(insn, bm, am, bcon)					\
	asm(FL_PRE insn " %" bm "[b], %" am "[a]" FL_POST		\
	    : [a] "+r"(a), [f] "+r"(f) : [b] bcon(b) : "cc")

#define ALU_BIN(mn, bcon)						\
	do {								\
		switch (size) {						\
		case 1: ASM_BIN(mn "b", "b", "b", bcon); break;		\
		case 2: ASM_BIN(mn "w", "w", "w", bcon); break;		\
		case 4: ASM_BIN(mn "l", "k", "k", bcon); break;		\
		default: ASM_BIN(mn "q", "q", "q", bcon); break;	\
		}							\
	} while (0)

/* Shift counts are in cl whatever the operand size. */
#define ALU_SHIFT(mn)							\
	do {								\
		switch (size) {						\
		case 1: ASM_BIN(mn "b", "b", "b", "c"); break;		\
		case 2: ASM_BIN(mn "w", "b", "w", "c"); break;		\
		case 4: ASM_BIN(mn "l", "b", "k", "c"); break;		\
		default: ASM_BIN(mn "q", "b", "q", "c"); break;		\
		}							\
	} while (0)

#define ASM_UN(insn, am)						\
	asm(FL_PRE insn " %" am "[a]" FL_POST				\
	    : [a] "+r"(a), [f] "+r"(f) : : "cc")

#define ALU_UN(mn)							\
	do {								\
		switch (size) {						\
		case 1: ASM_UN(mn "b", "b"); break;			\
		case 2: ASM_UN(mn "w", "w"); break;			\
		case 4: ASM_UN(mn "l", "k"); break;			\
		default: ASM_UN(mn "q", "q"); break;			\
		}							\
	} while (0)

static uint64_t alu_arith(unsigned int op, unsigned int size, uint64_t a,
			  uint64_t b, uint64_t *flags)
{
	uint64_t f = *flags;

	switch (op) {
	case X86_OP_ADD: ALU_BIN("add", "r"); break;
	case X86_OP_OR: ALU_BIN("or", "r"); break;
	case X86_OP_ADC: ALU_BIN("adc", "r"); break;
	case X86_OP_SBB: ALU_BIN("sbb", "r"); break;
	case X86_OP_AND: ALU_BIN("and", "r"); break;
	case X86_OP_SUB: ALU_BIN("sub", "r"); break;
	case X86_OP_XOR: ALU_BIN("xor", "r"); break;
	case X86_OP_CMP: ALU_BIN("cmp", "r"); break;
	case X86_OP_TEST: ALU_BIN("test", "r"); break;
	default: break;
	}
	*flags = f;
	return a;
}

static uint64_t alu_shift(unsigned int op, unsigned int size, uint64_t a,
			  uint64_t b, uint64_t *flags)
{
	uint64_t f = *flags;

	switch (op) {
	case X86_OP_ROL: ALU_SHIFT("rol"); break;
	case X86_OP_ROR: ALU_SHIFT("ror"); break;
	case X86_OP_RCL: ALU_SHIFT("rcl"); break;
	case X86_OP_RCR: ALU_SHIFT("rcr"); break;
	case X86_OP_SHL: ALU_SHIFT("shl"); break;
	case X86_OP_SHR: ALU_SHIFT("shr"); break;
	default: ALU_SHIFT("sar"); break;
	}
	*flags = f;
	return a;
}

static uint64_t alu_misc(unsigned int op, unsigned int size, uint64_t a,
			  uint64_t b, uint64_t *flags)
{
	uint64_t f = *flags;

	switch (op) {
	case X86_OP_NOT: ALU_UN("not"); break;
	case X86_OP_NEG: ALU_UN("neg"); break;
	case X86_OP_INC: ALU_UN("inc"); break;
	case X86_OP_DEC: ALU_UN("dec"); break;
	default:
		/* imul has no byte form with two operands */
		if (size == 2)
			ASM_BIN("imulw", "w", "w", "r");
		else if (size == 4)
			ASM_BIN("imull", "k", "k", "r");
		else
			ASM_BIN("imulq", "q", "q", "r");
		break;
	}
	*flags = f;
	return a;
}

/*
 * a op b at the given width; rflags in and out, only arithmetic flags are
 * taken from or given to the program.
 */
static uint64_t alu_exec(unsigned int op, unsigned int size, uint64_t a,
			 uint64_t b, uint64_t *rflags)
{
	uint64_t f = (*rflags & X86_FLAGS_ARITH) | 0x2;
	uint64_t r;

	if (op <= X86_OP_TEST)
		r = alu_arith(op, size, a, b, &f);
	else if (op <= X86_OP_SAR)
		r = alu_shift(op, size, a, b, &f);
	else
		r = alu_misc(op, size, a, b, &f);
	*rflags = (*rflags & ~(uint64_t)X86_FLAGS_ARITH) | (f & X86_FLAGS_ARITH);
	return r;
}

/* ------------------------------------------------------------------ */
/* Completing the instruction in the saved context                     */

struct trap {
	ucontext_t *uc;
	greg_t *g;
	const struct x86_insn *in;
	struct trap_slot *slot;
	uint64_t off;
};

static int dev_read(const struct trap *t, uint64_t *val)
{
	*val = 0;
	return t->slot->ops->read(t->slot->ctx, t->off, t->in->size, val);
}

static int dev_write(const struct trap *t, uint64_t val)
{
	return t->slot->ops->write(t->slot->ctx, t->off, t->in->size, &val);
}

static uint32_t *xmm_words(const struct trap *t)
{
	fpregset_t fp = t->uc->uc_mcontext.fpregs;

	return fp ? fp->_xmm[t->in->reg.num].element : NULL;
}

/* The value of the non-memory operand. */
static uint64_t src_value(const struct trap *t)
{
	const struct x86_insn *in = t->in;
	uint32_t *x;

	switch (in->src) {
	case X86_SRC_REG:
		if (in->reg.xmm) {
			x = xmm_words(t);
			return x ? x[0] | (uint64_t)x[1] << 32 : 0;
		}
		return x86_gpr_get(&in->reg, (uint64_t)t->g[greg_of[in->reg.num]]);
	case X86_SRC_IMM:
		return (uint64_t)in->imm;
	case X86_SRC_CL:
		return (uint64_t)t->g[REG_RCX] & 0xff;
	case X86_SRC_COND:
		return x86_cond_true(in->cond, (uint64_t)t->g[REG_EFL]);
	default:
		return 0;
	}
}

static void gpr_write(const struct trap *t, uint64_t val)
{
	greg_t *r = &t->g[greg_of[t->in->reg.num]];

	*r = (greg_t)x86_gpr_put(&t->in->reg, (uint64_t)*r, val);
}

/*
 * Signed integer to float or double in the program's rounding mode; its
 * exception flags are sticky, so they are added to its mxcsr. Exceptions
 * are masked here: an unmasked precision exception is not raised.
 */
static uint64_t cvt_int(uint64_t v, unsigned int isize, bool dbl, uint32_t *mxcsr)
{
	uint32_t mine, prog = *mxcsr | 0x1f80, after;
	double d = 0;
	float s = 0;
	uint64_t out = 0;

	asm volatile("stmxcsr %0\n\tldmxcsr %1" : "=m"(mine) : "m"(prog));
	if (dbl && isize == 8)
		asm volatile("cvtsi2sdq %1, %0" : "=x"(d) : "r"(v));
	else if (dbl)
		asm volatile("cvtsi2sdl %k1, %0" : "=x"(d) : "r"(v));
	else if (isize == 8)
		asm volatile("cvtsi2ssq %1, %0" : "=x"(s) : "r"(v));
	else
		asm volatile("cvtsi2ssl %k1, %0" : "=x"(s) : "r"(v));
	asm volatile("stmxcsr %0\n\tldmxcsr %1" : "=m"(after) : "m"(mine));
	*mxcsr |= after & 0x3f;
	if (dbl)
		memcpy(&out, &d, 8);
	else
		memcpy(&out, &s, 4);
	return out;
}

static int xmm_load(const struct trap *t, uint64_t val)
{
	const struct x86_insn *in = t->in;
	uint32_t *x = xmm_words(t);

	if (!x)
		return -EFAULT;
	if (in->ext == X86_EXT_CVT)
		val = cvt_int(val, in->size, in->reg.width == 8,
			      &t->uc->uc_mcontext.fpregs->mxcsr);
	if (in->reg.width == 16) {
		x[1] = x[2] = x[3] = 0;
		if (in->size == 8)
			x[1] = (uint32_t)(val >> 32);
	} else if (in->reg.width == 8) {
		x[1] = (uint32_t)(val >> 32);
	}
	x[0] = (uint32_t)val;
	return 0;
}

static int do_load(const struct trap *t)
{
	const struct x86_insn *in = t->in;
	uint64_t raw, val;
	int ret;

	ret = dev_read(t, &raw);
	if (ret)
		return ret;
	val = x86_load_value(in, raw);
	if (in->reg.xmm)
		return xmm_load(t, val);
	/* A false cmov still writes: a 32-bit one clears bits 63:32. */
	if (in->has_cond && !x86_cond_true(in->cond, (uint64_t)t->g[REG_EFL]))
		val = (uint64_t)t->g[greg_of[in->reg.num]];
	gpr_write(t, val);
	return 0;
}

static int do_alu(const struct trap *t)
{
	const struct x86_insn *in = t->in;
	uint64_t fl = (uint64_t)t->g[REG_EFL];
	uint64_t mem, res;
	int ret;

	ret = dev_read(t, &mem);
	if (ret)
		return ret;
	switch (in->kind) {
	case X86_RMW:
		res = alu_exec(in->op, in->size, mem, src_value(t), &fl);
		ret = dev_write(t, res);
		break;
	case X86_ALU_LOAD:
		if (in->src == X86_SRC_IMM)
			res = alu_exec(in->op, in->size, mem, (uint64_t)in->imm, &fl);
		else
			res = alu_exec(in->op, in->size, src_value(t), mem, &fl);
		gpr_write(t, res);
		break;
	default:
		if (in->mem_first)
			alu_exec(in->op, in->size, mem, src_value(t), &fl);
		else
			alu_exec(in->op, in->size, src_value(t), mem, &fl);
		break;
	}
	if (!ret)
		t->g[REG_EFL] = (greg_t)fl;
	return ret;
}

static int do_xchg(const struct trap *t)
{
	uint64_t old;
	int ret;

	ret = dev_read(t, &old);
	if (!ret)
		ret = dev_write(t, src_value(t));
	if (!ret)
		gpr_write(t, old);
	return ret;
}

/*
 * movdir64b: destination address in a register, source the memory operand.
 * Either side may be the trapped one; the write is one 64-byte access.
 */
static int do_movdir64b(const struct trap *t, uint64_t src)
{
	uint64_t dst = x86_gpr_get(&t->in->reg, (uint64_t)t->g[greg_of[t->in->reg.num]]);
	struct trap_slot *ds, *ss;
	uint8_t buf[64];
	int ret = -EFAULT;

	if (dst & 63)
		return -EFAULT;
	ds = slot_get(dst, 64);
	ss = slot_get(src, 64);
	if (!ds && !ss)
		goto out;
	if (ss)
		ret = ss->ops->read(ss->ctx, src - ss->start, 64, buf);
	else
		ret = self_copy(buf, (const void *)src, 64, false);
	if (ret)
		goto out;
	if (ds)
		ret = ds->ops->write(ds->ctx, dst - ds->start, 64, buf);
	else
		ret = self_copy((void *)dst, buf, 64, true);
out:
	slot_put(ss);
	slot_put(ds);
	return ret;
}

static int emulate(ucontext_t *uc, struct trap_slot *slot)
{
	greg_t *g = uc->uc_mcontext.gregs;
	uint64_t rip = (uint64_t)g[REG_RIP];
	uint64_t gpr[X86_NR_GPRS], ea;
	struct x86_insn in;
	struct trap t = { .uc = uc, .g = g, .in = &in, .slot = slot };
	int i, ret;

	ret = x86_decode_mem_insn((const uint8_t *)rip, code_avail(rip), &in);
	if (ret)
		return ret;
	for (i = 0; i < X86_NR_GPRS; i++)
		gpr[i] = (uint64_t)g[greg_of[i]];
	ea = x86_mem_addr(&in, gpr, rip);
	if (in.kind == X86_MOVDIR64B) {
		ret = do_movdir64b(&t, ea);
	} else if (!slot_covers(slot, ea, in.size)) {
		/* e.g. an access straddling into the range from below */
		ret = -EFAULT;
	} else {
		t.off = ea - slot->start;
		switch (in.kind) {
		case X86_LOAD:
			ret = do_load(&t);
			break;
		case X86_STORE:
			ret = dev_write(&t, x86_store_value(&in, src_value(&t)));
			break;
		case X86_XCHG:
			ret = do_xchg(&t);
			break;
		default:
			ret = do_alu(&t);
			break;
		}
	}
	if (!ret)
		g[REG_RIP] = (greg_t)(rip + in.len);
	return ret;
}

static char *put_hex(char *p, uint64_t v, int digits)
{
	while (digits-- > 0)
		*p++ = "0123456789abcdef"[(v >> (4 * digits)) & 0xf];
	return p;
}

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

/*
 * The fault was in a trapped range but could not be completed: say where
 * and why before the program gets its SIGSEGV. Signal-safe.
 */
static void report_failure(uintptr_t rip, uintptr_t addr, int err)
{
	bool undecoded = err == -EINVAL || err == -EOPNOTSUPP;
	size_t avail = code_avail(rip), i;
	char buf[320], *p = buf;

	p = put_str(p, "uvfio: cannot emulate the MMIO access to 0x");
	p = put_hex(p, addr, 12);
	p = put_str(p, " by the instruction at 0x");
	p = put_hex(p, rip, 12);
	p = put_str(p, " (");
	for (i = 0; i < avail && i < 8; i++) {
		p = put_hex(p, ((const uint8_t *)rip)[i], 2);
		*p++ = ' ';
	}
	if (undecoded)
		p = put_str(p, "...): the decoder does not know this form; "
			       "report these bytes. The program gets SIGSEGV.\n");
	else
		p = put_str(p, "...): the access failed (a bad operand or the "
			       "device refused it). The program gets SIGSEGV.\n");
	if (write(STDERR_FILENO, buf, (size_t)(p - buf)) < 0)
		return;
}

bool mmio_trap_fault(int sig, siginfo_t *si, void *uc)
{
	int saved_errno = errno;
	struct trap_slot *slot;
	int ret;

	/* si_code <= 0: sent by kill() and friends, not a fault */
	if (sig != SIGSEGV || !si || !uc || si->si_code <= 0)
		return false;
	slot = slot_get((uintptr_t)si->si_addr, 1);
	if (!slot)
		return false;
	ret = emulate(uc, slot);
	slot_put(slot);
	if (ret)
		report_failure((uintptr_t)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP],
			       (uintptr_t)si->si_addr, ret);
	errno = saved_errno;
	return ret == 0;
}

/* ------------------------------------------------------------------ */
/* Chaining                                                            */

/*
 * The default action, with the original siginfo: reset to SIG_DFL and
 * queue the same signal to this thread; it is delivered as soon as the
 * handler returns. If queueing fails, a fault still kills on re-execution.
 */
static void chain_default(int sig, siginfo_t *si)
{
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		uint64_t mask;
	} kact = { .handler = SIG_DFL };

	syscall(SYS_rt_sigaction, sig, &kact, NULL, sizeof(kact.mask));
	syscall(SYS_rt_tgsigqueueinfo, getpid(), syscall(SYS_gettid), sig, si);
}

static void trap_signal(int sig, siginfo_t *si, void *uc);

/*
 * Deliver to the chained action as the kernel would have: its sa_mask and
 * the signal itself (unless SA_NODEFER) blocked while it runs, SIG_DFL and
 * SIG_IGN with the kernel's rules for faults.
 */
static void chain(int sig, siginfo_t *si, void *uc)
{
	struct chain_state *c = chain_of(sig);
	struct sigaction prev;
	sigset_t block, old;

	if (!c) {
		chain_default(sig, si);
		return;
	}
	chain_load(c, &prev);
	if (prev.sa_handler == SIG_DFL || prev.sa_sigaction == trap_signal) {
		chain_default(sig, si);
		return;
	}
	if (prev.sa_handler == SIG_IGN) {
		/* The kernel does not let a real fault be ignored. */
		if (si->si_code > 0)
			chain_default(sig, si);
		return;
	}
	block = prev.sa_mask;
	if (!(prev.sa_flags & SA_NODEFER))
		sigaddset(&block, sig);
	if (prev.sa_flags & SA_RESETHAND)
		atomic_store(&c->reset, true);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if (prev.sa_flags & SA_SIGINFO)
		prev.sa_sigaction(sig, si, uc);
	else
		prev.sa_handler(sig);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void trap_signal(int sig, siginfo_t *si, void *uc)
{
	bool (*hook)(int, siginfo_t *, void *) = atomic_load(&fault_hook);
	int saved_errno = errno;

	/* First: the hook's faults are not the program's, nor MMIO. */
	if (hook && hook(sig, si, uc)) {
		errno = saved_errno;
		return;
	}
	if (!mmio_trap_fault(sig, si, uc))
		chain(sig, si, uc);
	errno = saved_errno;
}

/* Called with the lock held. */
static int install(int sig)
{
	struct chain_state *c = chain_of(sig);
	struct sigaction sa, old;

	if (atomic_load(&c->installed))
		return 0;

	/*
	 * SA_ONSTACK: a stack overflow must still reach the program's own
	 * handler on its alternate stack. SA_NODEFER: a second fault while we
	 * run (a device callback's bug, MMIO from a chained handler that asked
	 * for SA_NODEFER) must come back here, not make the kernel kill the
	 * process for faulting with SIGSEGV blocked.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = trap_signal;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, &old))
		return -errno;
	chain_store(c, &old);
	atomic_store(&c->installed, true);
	return 0;
}

int mmio_trap_signal_action(int sig, const struct sigaction *act,
			    struct sigaction *oldact)
{
	struct chain_state *c = chain_of(sig);
	struct sigaction copy, prev;
	sigset_t old;

	/* Unlocked: our own install() calls sigaction() under the lock. */
	if (!c || !atomic_load(&c->installed))
		return -ENOENT;
	if (act)
		copy = *act;
	lock(&old);
	chain_load(c, &prev);
	/* Our own handler, handed back by a program: chaining to it would loop. */
	if (act && copy.sa_sigaction != trap_signal)
		chain_store(c, &copy);
	unlock(&old);
	if (oldact)
		*oldact = prev;
	return 0;
}

int mmio_trap_sigaction(const struct sigaction *act, struct sigaction *oldact)
{
	return mmio_trap_signal_action(SIGSEGV, act, oldact);
}

int mmio_trap_set_fault_hook(bool (*hook)(int sig, siginfo_t *si, void *uc))
{
	sigset_t old;
	int ret;

	lock(&old);
	ret = install(SIGSEGV);
	if (!ret)
		ret = install(SIGBUS);
	if (!ret)
		atomic_store(&fault_hook, hook);
	unlock(&old);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Registration                                                        */

static bool overlaps(uintptr_t start, size_t len)
{
	int n = atomic_load(&slots_used);
	uintptr_t s;
	int i;

	for (i = 0; i < n; i++) {
		if (atomic_load(&slots[i].state) == SLOT_FREE)
			continue;
		s = atomic_load(&slots[i].start);
		if (start < s + atomic_load(&slots[i].len) && s < start + len)
			return true;
	}
	return false;
}

static int slot_fill(uintptr_t start, size_t len, const struct mmio_trap_ops *ops,
		     void *ctx)
{
	struct trap_slot *s;
	int i;

	if (overlaps(start, len))
		return -EEXIST;
	for (i = 0; i < TRAP_SLOTS; i++) {
		s = &slots[i];
		if (atomic_load(&s->state) != SLOT_FREE)
			continue;
		s->ops = ops;
		s->ctx = ctx;
		atomic_store_explicit(&s->start, start, memory_order_relaxed);
		atomic_store_explicit(&s->len, len, memory_order_relaxed);
		atomic_store_explicit(&s->state, SLOT_LIVE, memory_order_release);
		if (i >= atomic_load(&slots_used))
			atomic_store_explicit(&slots_used, i + 1, memory_order_release);
		return 0;
	}
	return -ENOSPC;
}

int mmio_trap_register(void *addr, size_t len, const struct mmio_trap_ops *ops,
		       void *ctx)
{
	uintptr_t start = (uintptr_t)addr;
	sigset_t old;
	int ret = 0;

	if (!addr || !len || !ops || !ops->read || !ops->write ||
	    start + len < start)
		return -EINVAL;
	lock(&old);
	ret = install(SIGSEGV);
	if (!ret)
		ret = slot_fill(start, len, ops, ctx);
	unlock(&old);
	return ret;
}

void mmio_trap_unregister(void *addr)
{
	struct trap_slot *s = NULL;
	sigset_t old;
	int i, n;

	lock(&old);
	n = atomic_load(&slots_used);
	for (i = 0; i < n; i++) {
		if (atomic_load(&slots[i].state) == SLOT_LIVE &&
		    atomic_load(&slots[i].start) == (uintptr_t)addr) {
			s = &slots[i];
			atomic_store(&s->state, SLOT_DYING);
			break;
		}
	}
	unlock(&old);
	if (!s)
		return;
	/* A handler that pinned the slot before it died may still be in it. */
	while (atomic_load(&s->users))
		sched_yield();
	s->ops = NULL;
	s->ctx = NULL;
	atomic_store(&s->start, 0);
	atomic_store(&s->len, 0);
	atomic_store(&s->state, SLOT_FREE);
}
