/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef UVFIO_PRELOAD_MMIO_TRAP_H
#define UVFIO_PRELOAD_MMIO_TRAP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * What the kernel imposes on any SIGSEGV-based scheme, and the interposer
 * should hide from programs:
 *  - A thread that faults with SIGSEGV blocked is killed without running
 *    any handler. Programs that block "all signals" in worker threads
 *    would die on their first register access, so the interposer's
 *    sigprocmask()/pthread_sigmask()/sigsuspend()... wrappers should keep
 *    SIGSEGV out of the real mask.
 *  - A chained program handler runs with SIGSEGV blocked unless it asked
 *    for SA_NODEFER (that is the kernel's rule, kept here), so such a
 *    handler must not touch trapped MMIO.
 *  - A debugger stops on every access: gdb needs
 *    "handle SIGSEGV nostop noprint pass".
 * register/unregister/sigaction are thread-safe but not async-signal-safe.
 */

/*
 * Device side of a trapped range. off is relative to the registered
 * address; size is 1, 2, 4, 8, or 64 for movdir64b (and for a movdir64b
 * whose source lies in a trapped range). val is size bytes, little endian.
 *
 * Both run inside the SIGSEGV handler, on whatever thread touched the
 * register and possibly on several threads at once: they must be
 * thread-safe and async-signal-safe (socket I/O is fine; malloc, stdio
 * and locks a program thread may hold are not), must not touch the range
 * they serve, and must not call mmio_trap_unregister() for it.
 *
 * Return 0 when the access is done. A device that does not answer should
 * still return 0 with all-ones data, as a PCIe master abort reads. A
 * negative return makes the access a genuine fault: the signal goes on to
 * the program's own SIGSEGV disposition, as the kernel's vfio-pci raises
 * a fault on a BAR whose memory decoding is off. For a read-modify-write
 * instruction the read may already have happened when the write fails.
 */
struct mmio_trap_ops {
	int (*read)(void *ctx, uint64_t off, unsigned int size, void *val);
	int (*write)(void *ctx, uint64_t off, unsigned int size, const void *val);
};

/*
 * Trap every access to [addr, addr + len), which the caller has mapped
 * PROT_NONE. The first call installs the SIGSEGV handler (SA_SIGINFO |
 * SA_ONSTACK | SA_NODEFER | SA_RESTART), keeping the action it replaces
 * as the one that receives every fault that is not ours. ops and ctx
 * must stay valid until mmio_trap_unregister() returns.
 * Returns 0, -EINVAL, -EEXIST (overlaps a trapped range), -ENOSPC (table
 * full), or the negated errno of sigaction().
 */
int mmio_trap_register(void *addr, size_t len, const struct mmio_trap_ops *ops,
		       void *ctx);

/*
 * Stop trapping the range registered at addr. Waits until no handler is
 * still running the range's callbacks, so ops/ctx may be freed after it.
 * The SIGSEGV handler stays installed (harmless, and avoids racing with
 * faults in flight).
 */
void mmio_trap_unregister(void *addr);

/*
 * Emulate the access if this signal is a fault on a trapped range: do the
 * device access, write the result into uc's registers and advance its rip.
 * Returns true if it did (the caller must then just return from its
 * handler), false if the signal is someone else's and must be handled as
 * if mmio_trap were not there.
 *
 * For a program that replaces the SIGSEGV handler after mmio_trap
 * installed its own: the interposer's sigaction()/signal() wrappers should
 * call mmio_trap_sigaction() below, which keeps our handler installed. A
 * layer that must install a handler of its own instead calls this first
 * thing in that handler:
 *
 *	static void h(int sig, siginfo_t *si, void *uc)
 *	{
 *		if (mmio_trap_fault(sig, si, uc))
 *			return;
 *		... the program's own handling ...
 *	}
 */
bool mmio_trap_fault(int sig, siginfo_t *si, void *uc);

/*
 * The program's view of the SIGSEGV action once mmio_trap's handler is
 * installed: act (if not NULL) becomes the action that faults outside
 * trapped ranges are delivered to, with the kernel's semantics (SIG_DFL
 * kills with the original siginfo, SIG_IGN is ignored except for real
 * faults, sa_mask/SA_NODEFER/SA_RESETHAND are honoured), and oldact (if
 * not NULL) receives the previous one. Returns 0, or -ENOENT while no
 * handler is installed, in which case the caller performs the real
 * sigaction().
 *
 * The interposer's wrappers should look like:
 *
 *	int sigaction(int sig, const struct sigaction *act,
 *		      struct sigaction *oldact)
 *	{
 *		if (sig == SIGSEGV && mmio_trap_sigaction(act, oldact) == 0)
 *			return 0;
 *		return real_sigaction(sig, act, oldact);
 *	}
 *
 * and signal(), sysv_signal() and bsd_signal() likewise (glibc's signal()
 * calls its internal sigaction, not the interposed one; signal() means
 * SA_RESTART, sysv_signal() SA_RESETHAND | SA_NODEFER). mmio_trap calls
 * sigaction() itself only to install its handler, while it is not yet
 * installed, so the wrapper passes that call through. (A program's
 * sigaction(SIGSEGV) that races with the very first registration can
 * still replace our handler; serialise the two in the interposer.)
 * An act whose handler is mmio_trap's own is ignored (it would loop).
 */
int mmio_trap_sigaction(const struct sigaction *act, struct sigaction *oldact);

/*
 * The same for any signal whose handler mmio_trap may own: SIGSEGV, and
 * SIGBUS once mmio_trap_set_fault_hook() installed it. -ENOENT for other
 * signals, and while the handler is not installed.
 */
int mmio_trap_signal_action(int sig, const struct sigaction *act,
			    struct sigaction *oldact);

/*
 * Install the handler for SIGSEGV and SIGBUS (chaining to the actions it
 * replaces, as above) and make hook the first thing it calls, for every
 * SIGSEGV and SIGBUS on any thread. hook returns false for a signal that
 * is not its own (the handler goes on as before); for its own it returns
 * true or does not return (siglongjmp). It must be async-signal-safe.
 * Returns 0 or the negated errno of sigaction().
 */
int mmio_trap_set_fault_hook(bool (*hook)(int sig, siginfo_t *si, void *uc));

#endif
