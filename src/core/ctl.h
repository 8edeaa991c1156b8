/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Control requests from the uvfio CLI (ls, stats, ...), answered as JSON.
 */
#ifndef UVFIO_CTL_H
#define UVFIO_CTL_H

struct uvfio_call;
struct uvfio_stats;

long uvfio_ctl(struct uvfio_call *call, const char *cmd);
void uvfio_ctl_fill_stats(struct uvfio_stats *st);

#endif
