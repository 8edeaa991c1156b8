/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for the vfio-pci integration tests: find a function by ids in
 * sysfs, open its cdev, bind it to an iommufd with a fresh IOAS attached,
 * and access its config space and BARs through the device fd. Checks and
 * the final count come from ../transport/itest.h.
 */
#ifndef VT_H
#define VT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../transport/itest.h"

#define EDU_IDS		0x1234, 0x11e8
#define IOAT_IDS	0x8086, 0x2021

struct vt_dev {
	int dev, iommufd;
	uint32_t ioas, devid;
	char bdf[32];
	uint64_t region[9];	/* offsets of the fixed regions */
};

/* The nth (0-based) function with these ids, opened and bound. */
int vt_open(struct vt_dev *d, unsigned int vendor, unsigned int device,
	    unsigned int nth);
void vt_close(struct vt_dev *d);

uint32_t vt_cfg_rd(struct vt_dev *d, unsigned int off, unsigned int size);
void vt_cfg_wr(struct vt_dev *d, unsigned int off, unsigned int size,
	       uint32_t val);
/* The offset of a standard capability in the user's view, or 0. */
unsigned int vt_find_cap(struct vt_dev *d, uint8_t id);

/* pread/pwrite of size bytes at BAR offset; the syscall's result. */
ssize_t vt_bar_rd(struct vt_dev *d, int bar, uint64_t off, void *buf,
		  size_t size);
ssize_t vt_bar_wr(struct vt_dev *d, int bar, uint64_t off, const void *buf,
		  size_t size);

/* VFIO_DEVICE_SET_IRQS with n eventfds (or NULL data for DATA_NONE). */
int vt_set_irqs(struct vt_dev *d, uint32_t flags, uint32_t index,
		uint32_t start, uint32_t count, const void *data,
		size_t data_len);
/* Non-blocking read of an eventfd: its count, 0 if not signalled. */
uint64_t vt_efd_count(int efd);

#endif
