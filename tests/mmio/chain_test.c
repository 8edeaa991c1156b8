// SPDX-License-Identifier: GPL-2.0-only
/*
 * Faults that are not MMIO must reach the program exactly as the kernel
 * would deliver them: to a handler installed before the first range was
 * registered, to one set later through mmio_trap_sigaction() (what the
 * interposer's sigaction() wrapper does), or to the default action; and
 * a program that installs its own handler over ours keeps MMIO working
 * by calling mmio_trap_fault() first.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "mmio_test.h"

static struct fake_dev dev;
static uint8_t *area;		/* [plain page][trapped page][PROT_NONE page] */
static uint8_t *bar, *other;

static sigjmp_buf env;
static volatile sig_atomic_t hits;
static volatile sig_atomic_t jump = 1;	/* handler siglongjmps, else returns */

static struct {
	int sig;
	int code;
	void *addr;
	uint64_t rip;
	bool segv_blocked;
	bool usr1_blocked;
} seen;

static void record(int sig, siginfo_t *si, void *uc)
{
	sigset_t cur;

	hits++;
	seen.sig = sig;
	seen.code = si ? si->si_code : 0;
	seen.addr = si ? si->si_addr : NULL;
	seen.rip = uc ? (uint64_t)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP] : 0;
	pthread_sigmask(SIG_SETMASK, NULL, &cur);
	seen.segv_blocked = sigismember(&cur, SIGSEGV);
	seen.usr1_blocked = sigismember(&cur, SIGUSR1);
}

static void prog_sigaction(int sig, siginfo_t *si, void *uc)
{
	record(sig, si, uc);
	if (jump)
		siglongjmp(env, 1);
}

static void prog_handler(int sig)
{
	record(sig, NULL, NULL);
	siglongjmp(env, 1);
}

/* A handler that fixes up the fault by skipping a 2-byte instruction. */
static void skip_handler(int sig, siginfo_t *si, void *uc)
{
	record(sig, si, uc);
	((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP] += 2;
}

/* A program handler installed over ours, which lets MMIO through first. */
static void late_handler(int sig, siginfo_t *si, void *uc)
{
	if (mmio_trap_fault(sig, si, uc))
		return;
	record(sig, si, uc);
	siglongjmp(env, 1);
}

static void touch(void *p)
{
	(void)*(volatile uint32_t *)p;
}

/* Runs fn(arg) and tells whether the program's handler got control. */
static bool faults(void (*fn)(void *), void *arg)
{
	int before = hits;

	memset(&seen, 0, sizeof(seen));
	if (sigsetjmp(env, 1) == 0)
		fn(arg);
	return hits != before;
}

/* faults(), and whether what the trap wrote on stderr contains text. */
static bool faults_saying(void (*fn)(void *), void *arg, const char *text)
{
	char buf[1024];
	int pfd[2], saved;
	ssize_t n = 0;
	bool hit;

	if (pipe(pfd))
		return false;
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(pfd[1], STDERR_FILENO);
	hit = faults(fn, arg);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(pfd[1]);
	n = read(pfd[0], buf, sizeof(buf) - 1);
	close(pfd[0]);
	buf[n > 0 ? n : 0] = 0;
	return hit && strstr(buf, text);
}

static bool mmio_works(void)
{
	volatile uint32_t *r = (volatile uint32_t *)bar;
	bool ok;

	fake_reset_log(&dev);
	mt_barrier();
	r[4] = 0xcafe0000u + (uint32_t)hits;
	ok = r[4] == 0xcafe0000u + (uint32_t)hits;
	mt_barrier();
	return ok && dev.nlog == 2;
}

static void rep_stos(void *p)
{
	void *dst = p;
	unsigned long n = 4;

	asm volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(0) : "memory");
}

/* 8 bytes from 4 below p; asm, as a misaligned C access is undefined */
static void straddle(void *p)
{
	asm volatile("movq -4(%0), %%rax" : : "r"(p) : "rax", "memory");
}

static void *volatile near_null = (void *)16;

static void null_deref(void *p)
{
	(void)p;
	touch(near_null);
}

static void self_kill(void *p)
{
	(void)p;
	raise(SIGSEGV);
}

extern const char chain_fault_insn[];
void labelled_load(void *p);

/* movl (%rdi),%eax: 8b 07, two bytes, at a known address */
asm(".text\n\t"
    ".globl labelled_load\n\t"
    ".type labelled_load, @function\n"
    "labelled_load:\n\t"
    ".globl chain_fault_insn\n"
    "chain_fault_insn:\n\t"
    "movl (%rdi), %eax\n\t"
    "ret\n\t"
    ".size labelled_load, .-labelled_load\n\t");

static void test_prior_handler(void)
{
	CHECK(faults(touch, other), "fault on an unrelated page reaches the program");
	CHECK(seen.sig == SIGSEGV && seen.addr == other && seen.code == SEGV_ACCERR,
	      "same siginfo: sig %d addr %p code %d", seen.sig, seen.addr, seen.code);
	CHECK(seen.segv_blocked && seen.usr1_blocked,
	      "handler runs with SIGSEGV and its sa_mask blocked");
	CHECK(mmio_works(), "MMIO still trapped after a chained fault");

	CHECK(faults(null_deref, NULL), "NULL dereference chained");
	CHECK(seen.addr == (void *)16 && seen.code == SEGV_MAPERR, "MAPERR at 16");

	CHECK(faults(labelled_load, other), "labelled load chained");
	CHECK(seen.rip == (uint64_t)(uintptr_t)chain_fault_insn,
	      "handler sees the faulting rip in its ucontext");

	CHECK(faults_saying(rep_stos, bar, "(f3 aa "),
	      "rep stos into MMIO is refused, chained, and its bytes reported");
	CHECK(seen.addr == bar, "at the MMIO address");

	dev.fail = -5;
	mt_barrier();
	CHECK(faults_saying(touch, bar + 8, "the access failed"),
	      "device error becomes a fault, and is reported");
	dev.fail = 0;
	mt_barrier();
	CHECK(seen.addr == bar + 8, "at the register");

	CHECK(faults(straddle, bar), "access straddling into MMIO chained");
	CHECK(seen.addr == bar, "at the page boundary");

	jump = 0;
	CHECK(faults(self_kill, NULL), "raise(SIGSEGV) chained");
	jump = 1;
	CHECK(seen.code == SI_TKILL, "with its own si_code: %d", seen.code);
	CHECK(mmio_works(), "MMIO after all that");
}

static void test_sigaction_api(void)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = prog_handler;
	sigemptyset(&sa.sa_mask);
	CHECK(mmio_trap_sigaction(&sa, &old) == 0, "mmio_trap_sigaction");
	CHECK((old.sa_flags & SA_SIGINFO) && old.sa_sigaction == prog_sigaction &&
	      sigismember(&old.sa_mask, SIGUSR1), "oldact is the action found at install");
	CHECK(faults(touch, other), "sa_handler form gets the fault");
	CHECK(seen.sig == SIGSEGV && !seen.usr1_blocked, "new action's mask");
	CHECK(mmio_works(), "MMIO with the new action");

	sa.sa_sigaction = skip_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	mmio_trap_sigaction(&sa, NULL);
	memset(&seen, 0, sizeof(seen));
	labelled_load(other);
	CHECK(hits && seen.addr == other && !seen.segv_blocked,
	      "SA_NODEFER honoured, and the handler's ucontext change is kept");

	mmio_trap_sigaction(&old, &sa);
	CHECK(sa.sa_sigaction == skip_handler, "oldact is the last one set");

	/* Handing our own handler back must not make it chain to itself. */
	sigaction(SIGSEGV, NULL, &sa);
	CHECK(mmio_trap_sigaction(&sa, NULL) == 0, "set ours");
	CHECK(faults(touch, other) && seen.addr == other, "chain unchanged by our own handler");
}

static void test_late_handler(void)
{
	struct sigaction sa, ours;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = late_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	/* the real sigaction, as a program without the interposer would */
	CHECK(sigaction(SIGSEGV, &sa, &ours) == 0, "sigaction");
	CHECK(mmio_works(), "MMIO through mmio_trap_fault() in a later handler");
	CHECK(faults(touch, other), "the later handler gets its own faults");
	CHECK(seen.addr == other, "with its siginfo");
	sigaction(SIGSEGV, &ours, NULL);
	CHECK(mmio_works(), "MMIO with ours restored");
}

/* In a child: what happens to it, as a wait status. */
static int child_status(void (*fn)(void))
{
	struct rlimit nocore = { 0, 0 };
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		setrlimit(RLIMIT_CORE, &nocore);
		fn();
		_exit(mmio_works() ? 0 : 3);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static void set_chain(void (*h)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	mmio_trap_sigaction(&sa, NULL);
}

static void child_dfl(void)
{
	set_chain(SIG_DFL, 0);
	if (!mmio_works())
		_exit(4);
	touch(other);
}

static void child_dfl_mmio_refused(void)
{
	set_chain(SIG_DFL, 0);
	rep_stos(bar);
}

static void child_dfl_kill(void)
{
	set_chain(SIG_DFL, 0);
	raise(SIGSEGV);
}

static void child_ign(void)
{
	set_chain(SIG_IGN, 0);
	raise(SIGSEGV);		/* ignored */
	if (!mmio_works())
		_exit(4);
	touch(other);		/* a real fault cannot be ignored */
}

static void child_ign_survives(void)
{
	set_chain(SIG_IGN, 0);
	raise(SIGSEGV);
}

static void child_resethand(void)
{
	struct sigaction sa, cur;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = prog_sigaction;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	mmio_trap_sigaction(&sa, NULL);
	if (!faults(touch, other))
		_exit(5);
	mmio_trap_sigaction(NULL, &cur);
	if (cur.sa_handler != SIG_DFL)
		_exit(6);
	if (!mmio_works())
		_exit(4);
	touch(other);
}

static bool killed_by_segv(int status)
{
	return status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
}

static void test_default_actions(void)
{
	int st;

	st = child_status(child_dfl);
	CHECK(killed_by_segv(st), "SIG_DFL: killed by SIGSEGV (status %#x)", st);
	st = child_status(child_dfl_mmio_refused);
	CHECK(killed_by_segv(st), "SIG_DFL, refused MMIO: killed by SIGSEGV (%#x)", st);
	st = child_status(child_dfl_kill);
	CHECK(killed_by_segv(st), "SIG_DFL, raise(): killed by SIGSEGV (%#x)", st);
	st = child_status(child_ign);
	CHECK(killed_by_segv(st), "SIG_IGN, real fault: killed by SIGSEGV (%#x)", st);
	st = child_status(child_ign_survives);
	CHECK(st == 0, "SIG_IGN, raise(): ignored, MMIO works after fork (%#x)", st);
	st = child_status(child_resethand);
	CHECK(killed_by_segv(st), "SA_RESETHAND: once, then killed (%#x)", st);
}

int main(void)
{
	struct sigaction sa;

	area = mmap(NULL, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return 1;
	bar = area + PAGE_SIZE;
	other = area + 2 * PAGE_SIZE;
	mprotect(bar, 2 * PAGE_SIZE, PROT_NONE);

	/* The program's handler comes first. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = prog_sigaction;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR1);
	sigaction(SIGSEGV, &sa, NULL);
	CHECK(mmio_trap_sigaction(&sa, NULL) == -ENOENT, "no handler installed yet");

	if (!CHECK(mmio_trap_register(bar, PAGE_SIZE, &fake_ops, &dev) == 0, "register"))
		return mt_finish();
	CHECK(mmio_works(), "MMIO");
	test_prior_handler();
	test_sigaction_api();
	test_late_handler();
	test_default_actions();
	mmio_trap_unregister(bar);
	CHECK(faults(touch, bar), "after unregister, the page faults like any other");
	return mt_finish();
}
