/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The DMA agent thread (see dma_agent.c): the interposer's hooks.
 */
#ifndef UVFIO_PRELOAD_DMA_AGENT_H
#define UVFIO_PRELOAD_DMA_AGENT_H

#include "preload/paths.h"

/*
 * An ioctl cmd is about to be sent on a uvfio file of kind: the first
 * one that maps user memory for DMA starts this process's agent.
 */
void dma_agent_before_ioctl(unsigned long cmd, enum node_kind kind);

/*
 * The program is about to close (or dup over) every fd in [lo, hi]: if
 * the agent's socket is one of them, the agent stops first, so that it
 * never uses a number the program may reuse.
 */
void dma_agent_fds_closing(unsigned int lo, unsigned int hi);

#endif
