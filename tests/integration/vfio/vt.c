// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers for the vfio-pci integration tests (see vt.h). Only the Linux
 * uAPI is used: sysfs to find the function, the cdev, iommufd.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vt.h"

static int read_hex(const char *dir, const char *name, unsigned int *val)
{
	char path[512], buf[32];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	*val = (unsigned int)strtoul(buf, NULL, 16);
	return 0;
}

static int cmp_names(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int find_bdf(unsigned int vendor, unsigned int device,
		    unsigned int nth, char *bdf, size_t len)
{
	struct dirent **list;
	int n, i, found = -1;

	n = scandir("/sys/bus/pci/devices", &list, NULL, cmp_names);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		char dir[512];
		unsigned int v, dv;

		snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s",
			 list[i]->d_name);
		if (found < 0 && list[i]->d_name[0] != '.' &&
		    !read_hex(dir, "vendor", &v) && !read_hex(dir, "device", &dv) &&
		    v == vendor && dv == device && !nth-- &&
		    strlen(list[i]->d_name) < len) {
			memcpy(bdf, list[i]->d_name, strlen(list[i]->d_name) + 1);
			found = 0;
		}
		free(list[i]);
	}
	free(list);
	return found;
}

static int open_cdev(const char *bdf)
{
	char dir[512], path[600];
	struct dirent *de;
	int fd = -1;
	DIR *dd;

	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	dd = opendir(dir);
	if (!dd)
		return -1;
	while (fd < 0 && (de = readdir(dd))) {
		if (strncmp(de->d_name, "vfio", 4))
			continue;
		snprintf(path, sizeof(path), "/dev/vfio/devices/%s", de->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
	}
	closedir(dd);
	return fd;
}

int vt_open(struct vt_dev *d, unsigned int vendor, unsigned int device,
	    unsigned int nth)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	unsigned int i;

	memset(d, 0, sizeof(*d));
	if (find_bdf(vendor, device, nth, d->bdf, sizeof(d->bdf)))
		return -1;
	d->dev = open_cdev(d->bdf);
	d->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (d->dev < 0 || d->iommufd < 0)
		return -1;
	bind.iommufd = d->iommufd;
	if (ioctl(d->dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) ||
	    ioctl(d->iommufd, IOMMU_IOAS_ALLOC, &alloc))
		return -1;
	d->devid = bind.out_devid;
	d->ioas = alloc.out_ioas_id;
	at.pt_id = d->ioas;
	if (ioctl(d->dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at))
		return -1;
	for (i = 0; i < 9; i++)
		d->region[i] = (uint64_t)i << 40;
	return 0;
}

void vt_close(struct vt_dev *d)
{
	close(d->dev);
	close(d->iommufd);
}

uint32_t vt_cfg_rd(struct vt_dev *d, unsigned int off, unsigned int size)
{
	uint32_t v = 0;

	if (pread(d->dev, &v, size, (off_t)(d->region[7] + off)) != (ssize_t)size)
		itest_die("config read");
	return v;
}

void vt_cfg_wr(struct vt_dev *d, unsigned int off, unsigned int size,
	       uint32_t val)
{
	if (pwrite(d->dev, &val, size, (off_t)(d->region[7] + off)) != (ssize_t)size)
		itest_die("config write");
}

unsigned int vt_find_cap(struct vt_dev *d, uint8_t id)
{
	unsigned int pos = vt_cfg_rd(d, 0x34, 1) & ~3u, ttl = 48;

	while (pos >= 0x40 && ttl--) {
		if (vt_cfg_rd(d, pos, 1) == id)
			return pos;
		pos = vt_cfg_rd(d, pos + 1, 1) & ~3u;
	}
	return 0;
}

ssize_t vt_bar_rd(struct vt_dev *d, int bar, uint64_t off, void *buf,
		  size_t size)
{
	return pread(d->dev, buf, size, (off_t)(d->region[bar] + off));
}

ssize_t vt_bar_wr(struct vt_dev *d, int bar, uint64_t off, const void *buf,
		  size_t size)
{
	return pwrite(d->dev, buf, size, (off_t)(d->region[bar] + off));
}

int vt_set_irqs(struct vt_dev *d, uint32_t flags, uint32_t index,
		uint32_t start, uint32_t count, const void *data,
		size_t data_len)
{
	char buf[sizeof(struct vfio_irq_set) + 256];
	struct vfio_irq_set *s = (void *)buf;

	if (data_len > 256)
		itest_die("vt_set_irqs: too much data");
	*s = (struct vfio_irq_set){
		.argsz = (uint32_t)(sizeof(*s) + data_len), .flags = flags,
		.index = index, .start = start, .count = count,
	};
	if (data_len)
		memcpy(s->data, data, data_len);
	return ioctl(d->dev, VFIO_DEVICE_SET_IRQS, s);
}

uint64_t vt_efd_count(int efd)
{
	uint64_t v = 0;
	int fl = fcntl(efd, F_GETFL);

	fcntl(efd, F_SETFL, fl | O_NONBLOCK);
	if (read(efd, &v, sizeof(v)) != sizeof(v))
		v = 0;
	fcntl(efd, F_SETFL, fl);
	return v;
}
