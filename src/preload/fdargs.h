/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The file descriptors an ioctl argument carries by number, which the
 * interposer must pass along with SCM_RIGHTS.
 */
#ifndef UVFIO_PRELOAD_FDARGS_H
#define UVFIO_PRELOAD_FDARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "preload/paths.h"

struct fdargs_ops {
	/* Copy len bytes of the caller's memory at addr: 0 or -EFAULT. */
	int (*read)(uint64_t addr, void *buf, size_t len);
	/* Is fd open in the caller? */
	bool (*valid)(int fd);
};

/*
 * Collect into fds[] the distinct open fds that ioctl cmd's argument at
 * arg names, on a file of kind. Unreadable arguments and closed fds are
 * left out: the daemon then fails the ioctl with EFAULT or EBADF as the
 * kernel would. Returns the count, or -E2BIG if more than max.
 */
int fdargs_collect(unsigned long cmd, uint64_t arg, enum node_kind kind,
		   const struct fdargs_ops *ops, int *fds, unsigned int max);

#endif
