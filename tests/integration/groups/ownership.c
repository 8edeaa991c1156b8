// SPDX-License-Identifier: GPL-2.0-only
/*
 * DMA ownership with a host driver in the group (machines/pci-bridge.json:
 * 01:02.0 has a host driver, so group of 01:00.0 is not viable):
 * GET_STATUS without VIABLE, SET_CONTAINER EPERM, cdev BIND EPERM, while
 * an isolated function stays usable.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "gt.h"

int main(void)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	int g = gt_open_group(gt_group_of("0000:01:00.0"));
	int c = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	int i = open("/dev/iommu", O_RDWR | O_CLOEXEC), d;

	CHECK(g >= 0 && c >= 0 && i >= 0, "open the group, a container, an iommufd");
	CHECK(ioctl(g, VFIO_GROUP_GET_STATUS, &st) == 0 && st.flags == 0,
	      "GET_STATUS: not viable (flags %#x)", st.flags);
	CHECK_ERRNO(ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), EPERM,
		    "SET_CONTAINER on a group with a host driver");
	CHECK(ioctl(g, VFIO_GROUP_SET_CONTAINER, &i) == 0,
	      "SET_CONTAINER with an iommufd (the claim comes later)");
	CHECK(ioctl(g, VFIO_GROUP_GET_STATUS, &st) == 0 &&
	      st.flags == (VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET),
	      "GET_STATUS with an iommufd: VIABLE|CONTAINER_SET, as the kernel says");
	CHECK_ERRNO(ioctl(g, VFIO_GROUP_GET_DEVICE_FD, "0000:01:00.0"), EPERM,
		    "GET_DEVICE_FD: the iommufd claim fails");
	close(g);
	d = gt_open_cdev("0000:01:00.0");
	CHECK(d >= 0 && gt_bind(d, i, NULL) == -EPERM,
	      "cdev BIND_IOMMUFD in a group with a host driver: EPERM");
	close(d);
	d = gt_open_cdev("0000:00:02.0");
	CHECK(d >= 0 && gt_bind(d, i, NULL) == 0, "an isolated function binds");
	close(d);
	g = gt_open_group(gt_group_of("0000:00:02.0"));
	CHECK(g >= 0 && ioctl(g, VFIO_GROUP_GET_STATUS, &st) == 0 &&
	      st.flags == VFIO_GROUP_FLAGS_VIABLE, "its group is viable");
	CHECK(ioctl(g, VFIO_GROUP_SET_CONTAINER, &c) == 0, "and joins a container");
	close(g);
	close(c);
	close(i);
	return itest_done();
}
