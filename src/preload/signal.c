// SPDX-License-Identifier: GPL-2.0-only
/*
 * SIGSEGV belongs to the trapped-MMIO engine once a BAR is trapped, and
 * SIGSEGV and SIGBUS once the DMA agent runs (it survives copying from
 * memory that is gone).
 *
 * A program that installs its own SIGSEGV handler afterwards (many do,
 * to print a backtrace) must not uninstall ours: its handler becomes the
 * one mmio_trap chains to for faults outside trapped ranges, and it sees
 * the action it set when it asks. Before ours is installed, and for other
 * signals, the calls pass through.
 *
 * glibc's signal() and friends call an internal sigaction, so each is
 * replaced here with its own semantics: signal() and bsd_signal() are
 * BSD (SA_RESTART, the signal blocked in its handler), sysv_signal() is
 * one-shot (SA_RESETHAND | SA_NODEFER).
 */
#include "preload/preload.h"

#include <signal.h>
#include <string.h>

#include "preload/mmio_trap.h"
#include "preload/symbols.h"

PRELOAD_EXPORT int sigaction(int sig, const struct sigaction *act,
			     struct sigaction *oldact)
{
	int rc;

	if (sig == SIGSEGV || sig == SIGBUS) {
		rc = mmio_trap_signal_action(sig, act, oldact);
		if (rc != -ENOENT)
			return (int)ret_errno(rc);
	}
	return REAL(sigaction)(sig, act, oldact);
}

/* True if sig's action was set through mmio_trap (*old set). */
static bool segv_handler(int sig, sighandler_t handler, int flags,
			 sighandler_t *old)
{
	struct sigaction act, prev;

	if ((sig != SIGSEGV && sig != SIGBUS) || handler == SIG_ERR)
		return false;
	memset(&act, 0, sizeof(act));
	act.sa_handler = handler;
	act.sa_flags = flags;
	sigemptyset(&act.sa_mask);
	if (!(flags & SA_NODEFER))
		sigaddset(&act.sa_mask, sig);
	if (mmio_trap_signal_action(sig, &act, &prev))
		return false;
	*old = prev.sa_handler;
	return true;
}

PRELOAD_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	sighandler_t old;

	if (segv_handler(sig, handler, SA_RESTART, &old))
		return old;
	return REAL(signal)(sig, handler);
}

PRELOAD_EXPORT sighandler_t bsd_signal(int sig, sighandler_t handler)
{
	sighandler_t old;

	if (segv_handler(sig, handler, SA_RESTART, &old))
		return old;
	return REAL(bsd_signal)(sig, handler);
}

PRELOAD_EXPORT sighandler_t sysv_signal(int sig, sighandler_t handler)
{
	sighandler_t old;

	if (segv_handler(sig, handler, SA_RESETHAND | SA_NODEFER, &old))
		return old;
	return REAL(sysv_signal)(sig, handler);
}
