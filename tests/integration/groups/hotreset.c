// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hot reset over both paths (machines/hot-reset.json): the info ioctl's
 * count protocol, group ids on the group path, dev_ids / OWNED /
 * NOT_OWNED on the cdev path, the proof of ownership each path needs,
 * and the DMA-ownership conflicts between iommufd contexts.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "gt.h"

#define BUS1_F0	"0000:01:00.0"
#define BUS1_F1	"0000:01:00.1"
#define BUS2_F0	"0000:02:00.0"
#define BUS2_F1	"0000:02:00.1"
#define ROOT_F	"0000:00:02.0"

union info_buf {
	struct vfio_pci_hot_reset_info info;
	char raw[sizeof(struct vfio_pci_hot_reset_info) +
		 8 * sizeof(struct vfio_pci_dependent_device)];
};

static void group_path(void)
{
	int g3 = gt_open_group(gt_group_of(BUS1_F0));
	int g4 = gt_open_group(gt_group_of(BUS1_F1));
	int c = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC), dev;
	struct vfio_pci_hot_reset_info small = { .argsz = sizeof(small) };
	union info_buf b;
	int32_t fds[3];

	CHECK(g3 >= 0 && g4 >= 0 && c >= 0, "open both groups of bus 01 and a container");
	CHECK(ioctl(g3, VFIO_GROUP_SET_CONTAINER, &c) == 0 &&
	      ioctl(g4, VFIO_GROUP_SET_CONTAINER, &c) == 0 &&
	      ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) == 0,
	      "both groups in one type1v2 container");
	dev = ioctl(g3, VFIO_GROUP_GET_DEVICE_FD, BUS1_F0);
	CHECK(dev >= 0, "device fd of %s", BUS1_F0);
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &small), ENOSPC,
		    "HOT_RESET_INFO with no room: ENOSPC");
	CHECK(small.count == 2, "... and count says 2 (%u)", small.count);
	small.argsz = 8;
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &small), EINVAL,
		    "HOT_RESET_INFO argsz 8: EINVAL");
	CHECK(gt_hot_reset_info(dev, &b.info, 8) == 0 && b.info.count == 2 &&
	      b.info.flags == 0, "HOT_RESET_INFO: 2 functions, no DEV_ID flag");
	CHECK(b.info.devices[0].bus == 1 && b.info.devices[0].devfn == 0 &&
	      b.info.devices[1].devfn == 1 &&
	      (int)b.info.devices[0].group_id == gt_group_of(BUS1_F0) &&
	      (int)b.info.devices[1].group_id == gt_group_of(BUS1_F1),
	      "... with their group ids");
	CHECK(gt_hot_reset(dev, NULL, 0) == -EINVAL,
	      "PCI_HOT_RESET with no groups on the group path: EINVAL");
	fds[0] = g3;
	CHECK(gt_hot_reset(dev, fds, 1) == -EINVAL,
	      "PCI_HOT_RESET missing a group of the dev_set: EINVAL");
	fds[1] = 999;
	CHECK(gt_hot_reset(dev, fds, 2) == -EBADF, "PCI_HOT_RESET with a closed fd: EBADF");
	fds[1] = c;
	CHECK(gt_hot_reset(dev, fds, 2) == -EINVAL,
	      "PCI_HOT_RESET with a container fd: EINVAL");
	fds[1] = g4;
	fds[2] = g4;
	CHECK(gt_hot_reset(dev, fds, 3) == -EINVAL,
	      "PCI_HOT_RESET with more fds than functions: EINVAL");
	CHECK(gt_hot_reset(dev, fds, 2) == 0, "PCI_HOT_RESET with both groups");
	close(dev);
	close(g3);
	close(g4);
	close(c);
}

static void cdev_path(void)
{
	int i1 = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	int i2 = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	int d0 = gt_open_cdev(BUS1_F0), d1 = gt_open_cdev(BUS1_F1);
	uint32_t id0 = 0, id1 = 0;
	union info_buf b;
	int32_t fd;

	CHECK(gt_bind(d0, i1, &id0) == 0 && id0 > 0, "bind %s", BUS1_F0);
	CHECK(gt_hot_reset_info(d0, &b.info, 8) == 0 && b.info.count == 2 &&
	      b.info.flags == VFIO_PCI_HOT_RESET_FLAG_DEV_ID,
	      "cdev HOT_RESET_INFO: DEV_ID, not DEV_ID_OWNED (flags %#x)", b.info.flags);
	CHECK(b.info.devices[0].devid == id0 &&
	      b.info.devices[1].devid == (uint32_t)VFIO_PCI_DEVID_NOT_OWNED,
	      "... own dev_id, and NOT_OWNED for the unbound function");
	CHECK(gt_hot_reset(d0, NULL, 0) == -EINVAL,
	      "zero-length PCI_HOT_RESET with an unowned function: EINVAL");
	fd = i1;
	CHECK(gt_hot_reset(d0, &fd, 1) == -EINVAL,
	      "PCI_HOT_RESET with an fd array on the cdev path: EINVAL");
	CHECK(gt_bind(d1, i1, &id1) == 0, "bind %s to the same iommufd", BUS1_F1);
	CHECK(gt_hot_reset_info(d0, &b.info, 8) == 0 &&
	      b.info.flags == (VFIO_PCI_HOT_RESET_FLAG_DEV_ID |
			       VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED) &&
	      b.info.devices[1].devid == id1,
	      "... now DEV_ID_OWNED and both dev_ids");
	CHECK(gt_hot_reset(d0, NULL, 0) == 0, "zero-length PCI_HOT_RESET");
	close(d1);
	d1 = gt_open_cdev(BUS1_F1);
	CHECK(gt_bind(d1, i2, NULL) == 0,
	      "%s (its own group) binds to another iommufd", BUS1_F1);
	CHECK(gt_hot_reset(d0, NULL, 0) == -EINVAL,
	      "zero-length PCI_HOT_RESET with a function of another iommufd: EINVAL");
	close(d0);
	close(d1);

	d0 = gt_open_cdev(BUS2_F0);
	d1 = gt_open_cdev(BUS2_F1);
	CHECK(gt_bind(d0, i1, &id0) == 0, "bind %s", BUS2_F0);
	CHECK(gt_hot_reset_info(d0, &b.info, 8) == 0 && b.info.count == 2 &&
	      b.info.flags == (VFIO_PCI_HOT_RESET_FLAG_DEV_ID |
			       VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED) &&
	      b.info.devices[1].devid == VFIO_PCI_DEVID_OWNED,
	      "an unbound function of an owned group is OWNED");
	CHECK(gt_hot_reset(d0, NULL, 0) == 0,
	      "zero-length PCI_HOT_RESET over a group owned through one device");
	CHECK(gt_bind(d1, i2, NULL) == -EPERM,
	      "BIND to another iommufd in a group owned by the first: EPERM");
	CHECK(gt_open_group(gt_group_of(BUS2_F1)) == -EBUSY,
	      "open of the group while a member is bound by cdev: EBUSY");
	CHECK(gt_bind(d1, i1, NULL) == 0, "BIND to the owning iommufd");
	close(d0);
	close(d1);

	d0 = gt_open_cdev(ROOT_F);
	CHECK(gt_bind(d0, i1, NULL) == 0, "bind %s", ROOT_F);
	CHECK(gt_hot_reset_info(d0, &b.info, 8) == -ENODEV,
	      "HOT_RESET_INFO on the root bus: ENODEV");
	CHECK(gt_hot_reset(d0, NULL, 0) == -ENODEV, "PCI_HOT_RESET on the root bus: ENODEV");
	close(d0);
	close(i1);
	close(i2);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	group_path();
	cdev_path();
	return itest_done();
}
