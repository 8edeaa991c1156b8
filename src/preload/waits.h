/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What poll.c and epoll.c share: the readiness of a uvfio file, and the
 * close hook that keeps epoll's registry of uvfio fds true.
 */
#ifndef UVFIO_PRELOAD_WAITS_H
#define UVFIO_PRELOAD_WAITS_H

#include "preload/preload.h"

#include <stdatomic.h>
#include <stdint.h>

/* How long the kernel waits on the other fds before we ask again. */
#define POLL_ROUND_MS		1

/*
 * The poll mask of fd as its file's poll op says (POLLERR when the
 * daemon cannot be asked), or -1 when fd is not a uvfio file.
 */
long poll_file_mask(int fd);

int64_t poll_now_ms(void);

/* ms until deadline (< 0: none), capped at one round. */
int poll_round_wait(int64_t deadline);

/* How many epoll instances have uvfio fds registered. */
extern atomic_uint epoll_nsets;

void epoll_forget_range(unsigned int lo, unsigned int hi);

/*
 * fds lo..hi are about to be closed (or replaced by dup2): an epoll
 * instance among them goes with its registry, and a uvfio fd among them
 * leaves every epoll set, as the kernel's would. One load when no epoll
 * instance has uvfio fds.
 */
static inline void epoll_fds_closing(unsigned int lo, unsigned int hi)
{
	if (likely(!atomic_load_explicit(&epoll_nsets, memory_order_relaxed)))
		return;
	epoll_forget_range(lo, hi);
}

#endif
