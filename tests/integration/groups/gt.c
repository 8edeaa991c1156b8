// SPDX-License-Identifier: GPL-2.0-only
/* Helpers for the group tests (see gt.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "gt.h"

int gt_group_of(const char *bdf)
{
	char path[256], link[256];
	ssize_t n;
	char *slash;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return -1;
	link[n] = 0;
	slash = strrchr(link, '/');
	return slash ? atoi(slash + 1) : -1;
}

int gt_open_group(int group)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int gt_open_cdev(const char *bdf)
{
	char dir[256], path[512];
	struct dirent *de;
	int fd = -ENOENT;
	DIR *d;

	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	d = opendir(dir);
	if (!d)
		return -ENOENT;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "vfio", 4))
			continue;
		snprintf(path, sizeof(path), "/dev/vfio/devices/%s", de->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
		break;
	}
	closedir(d);
	return fd;
}

int gt_bind(int dev, int iommufd, uint32_t *ret_devid)
{
	struct vfio_device_bind_iommufd b = {
		.argsz = sizeof(b), .iommufd = iommufd,
	};

	if (ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b))
		return -errno;
	if (ret_devid)
		*ret_devid = b.out_devid;
	return 0;
}

int gt_hot_reset_info(int dev, struct vfio_pci_hot_reset_info *info,
		      unsigned int max)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info) + max * sizeof(info->devices[0]);
	return ioctl(dev, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info) ? -errno : 0;
}

int gt_hot_reset(int dev, const int32_t *fds, unsigned int n)
{
	char buf[sizeof(struct vfio_pci_hot_reset) + 16 * sizeof(int32_t)];
	struct vfio_pci_hot_reset *r = (void *)buf;

	if (n > 16)
		return -E2BIG;
	memset(buf, 0, sizeof(buf));
	r->argsz = sizeof(*r) + n * sizeof(int32_t);
	r->count = n;
	if (n)
		memcpy(r->group_fds, fds, n * sizeof(int32_t));
	return ioctl(dev, VFIO_DEVICE_PCI_HOT_RESET, r) ? -errno : 0;
}
