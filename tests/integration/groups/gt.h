/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for the group/container/hot-reset integration tests: the IOMMU
 * group of a function (from sysfs), its cdev, hot reset info. Only the
 * Linux uAPI is used. Checks come from ../transport/itest.h.
 */
#ifndef GT_H
#define GT_H

#include <linux/vfio.h>
#include <stdint.h>

#include "../transport/itest.h"

/* The group number of bdf ("0000:01:00.0"), or -1. */
int gt_group_of(const char *bdf);
/* open() of /dev/vfio/N: the fd or -errno. */
int gt_open_group(int group);
/* open() of the function's cdev /dev/vfio/devices/vfioN: fd or -errno. */
int gt_open_cdev(const char *bdf);
/* BIND_IOMMUFD: 0 and the dev_id, or -errno. */
int gt_bind(int dev, int iommufd, uint32_t *ret_devid);
/* GET_PCI_HOT_RESET_INFO into info (room for max entries): 0 or -errno. */
int gt_hot_reset_info(int dev, struct vfio_pci_hot_reset_info *info,
		      unsigned int max);
/* PCI_HOT_RESET with n group fds: 0 or -errno. */
int gt_hot_reset(int dev, const int32_t *fds, unsigned int n);

#endif
