/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DMA agents: a copy between two ranges of one client's private memory,
 * done inside that client by a thread of the interposer
 * (src/preload/dma_agent.c), instead of process_vm_readv + writev through
 * a bounce buffer here.
 *
 * Locking: everything here runs under uvfio_big_lock, like uaccess.c.
 */
#ifndef UVFIO_CORE_DMA_AGENT_H
#define UVFIO_CORE_DMA_AGENT_H

#include <stdint.h>

struct uvfio_call;
struct uvfio_mm;

/*
 * UVFIO_OP_DMA_AGENT on a broker connection: the one fd that came with
 * call becomes the agent of the caller's process. 0, -EINVAL (not a
 * SOCK_SEQPACKET socket, or not exactly one fd), -EPERM (the socket was
 * not made by the caller, or the caller's agent was dropped for
 * misbehaving), -EBUSY (it has a working one), -ENOSPC, -ENOMEM.
 */
long uvfio_dma_agent_attach(struct uvfio_call *call);

/*
 * memmove(dst, src, len) between two user addresses of mm's process, by
 * its agent. Returns 0 when all of it is done. Otherwise (no agent, the
 * agent reported a fault, or it failed and was dropped) returns a
 * negative errno and sets [*ret_off, *ret_off + *ret_len) to the bytes
 * still to be copied some other way, which will find out which side is
 * at fault.
 */
int uvfio_dma_agent_copy(struct uvfio_mm *mm, uint64_t dst, uint64_t src,
			 uint64_t len, uint64_t *ret_off, uint64_t *ret_len);

/* Drop every agent (daemon exit). */
void uvfio_dma_agent_exit(void);

struct uvfio_dma_agent_stats {
	unsigned int agents;	/* attached and usable */
	uint64_t copies;	/* copies an agent completed */
	uint64_t bytes;		/* bytes they moved */
	uint64_t faults;	/* copies an agent reported a fault for */
	uint64_t fallbacks;	/* copies an agent was asked for and did not do */
	uint64_t dropped;	/* agents dropped for a timeout or a bad answer */
};
void uvfio_dma_agent_get_stats(struct uvfio_dma_agent_stats *st);

#endif
