/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A short, time-bounded window in which a peer's message is looked for
 * without sleeping.
 *
 * A request usually finds its answer (and the daemon its next request)
 * within microseconds, and a sleep plus a cross-CPU wake-up costs several
 * times that on small machines. So both sides poll a little, yielding the
 * CPU between polls in case the peer shares it, before they block.
 *
 * On a loaded machine a single sched_yield() can hand the CPU to another
 * task for a whole time slice (milliseconds); polling then costs far more
 * than sleeping, which the scheduler rewards with a prompt wake-up. So a
 * yield that took long closes the window and turns polling off for a
 * while: the caller sleeps in the kernel like any blocking reader.
 */
#ifndef UVFIO_SPIN_H
#define UVFIO_SPIN_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define UVFIO_SPIN_WINDOW_NS	50000ull
#define UVFIO_SPIN_SLOW_YIELD_NS	100000ull
#define UVFIO_SPIN_BACKOFF_NS	100000000ull

/* Polling is off until this time; racy updates are harmless. */
static uint64_t uvfio_spin_busy_until;

static inline uint64_t uvfio_spin_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Returns the deadline of a window opened now (in the past: don't poll). */
static inline uint64_t uvfio_spin_open(void)
{
	uint64_t now = uvfio_spin_now_ns();

	if (now < __atomic_load_n(&uvfio_spin_busy_until, __ATOMIC_RELAXED))
		return 0;
	return now + UVFIO_SPIN_WINDOW_NS;
}

/* True, after yielding once, while the window is still open. */
static inline bool uvfio_spin_again(uint64_t deadline)
{
	uint64_t before = uvfio_spin_now_ns(), after;

	if (before >= deadline)
		return false;
	sched_yield();
	after = uvfio_spin_now_ns();
	if (after - before > UVFIO_SPIN_SLOW_YIELD_NS) {
		__atomic_store_n(&uvfio_spin_busy_until,
				 after + UVFIO_SPIN_BACKOFF_NS, __ATOMIC_RELAXED);
		return false;
	}
	return true;
}

#endif
