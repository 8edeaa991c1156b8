// SPDX-License-Identifier: GPL-2.0-only
/*
 * What programs read from /sys and /dev to find a VFIO device, checked
 * against what the kernel shows: the PCI device listing, the identity
 * files, config (its read-only header fields must agree with VFIO's config
 * region), the iommu_group link and the group's device list, the
 * vfio-dev/vfioN/dev numbers and the char device they name, and the
 * /sys/class/vfio-dev view, through opendir/readdir, fopen, readlink,
 * realpath, stat and access, the way libvirt, QEMU and DPDK read them.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../transport/itest.h"

#define PCI_DEVS	"/sys/bus/pci/devices"
#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8

static int read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -1;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	return ok ? 0 : -1;
}

static unsigned long read_hex(const char *dir, const char *name)
{
	char path[PATH_MAX + 16], buf[64];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (read_text(path, buf, sizeof(buf)))
		return ~0ul;
	return strtoul(buf, NULL, 16);
}

static void check_listing(unsigned int *n_edu)
{
	DIR *d = opendir(PCI_DEVS);
	struct dirent *de;
	bool dot = false, dotdot = false, has02 = false, has03 = false;

	CHECK(d != NULL, "opendir %s", PCI_DEVS);
	if (!d)
		return;
	*n_edu = 0;
	while ((de = readdir(d))) {
		char dir[PATH_MAX];

		dot |= !strcmp(de->d_name, ".");
		dotdot |= !strcmp(de->d_name, "..");
		has02 |= !strcmp(de->d_name, "0000:00:02.0");
		has03 |= !strcmp(de->d_name, "0000:00:03.0");
		if (de->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), PCI_DEVS "/%.64s", de->d_name);
		if (read_hex(dir, "vendor") == EDU_VENDOR &&
		    read_hex(dir, "device") == EDU_DEVICE)
			(*n_edu)++;
	}
	closedir(d);
	CHECK(dot && dotdot, "readdir lists . and .. as the kernel's sysfs does");
	CHECK(has02 && has03, "both root-bus edu functions are listed");
	CHECK(*n_edu >= 2, "%u devices read 1234:11e8 through fopen", *n_edu);
}

static void check_identity(const char *dir)
{
	char path[PATH_MAX + 16], buf[64];

	snprintf(path, sizeof(path), "%s/vendor", dir);
	CHECK(!read_text(path, buf, sizeof(buf)) && !strcmp(buf, "0x1234\n"),
	      "vendor reads \"0x1234\\n\"");
	snprintf(path, sizeof(path), "%s/device", dir);
	CHECK(!read_text(path, buf, sizeof(buf)) && !strcmp(buf, "0x11e8\n"),
	      "device reads \"0x11e8\\n\"");
	snprintf(path, sizeof(path), "%s/class", dir);
	CHECK(!read_text(path, buf, sizeof(buf)) && !strcmp(buf, "0x00ff00\n"),
	      "class reads \"0x00ff00\\n\" (got %s)", buf);
}

/* Returns the group number, or -1. */
static int check_group(const char *bdf, const char *dir)
{
	char path[PATH_MAX], link[PATH_MAX], real1[PATH_MAX], real2[PATH_MAX];
	struct stat st;
	ssize_t n;
	int group = -1;

	snprintf(path, sizeof(path), "%s/iommu_group", dir);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0)
		link[n] = '\0';
	CHECK(n > 0 && sscanf(link, "../../../kernel/iommu_groups/%d", &group) == 1,
	      "readlink iommu_group gives ../../../kernel/iommu_groups/N (%s)",
	      n > 0 ? link : "-");
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/devices/%s",
		 group, bdf);
	CHECK(lstat(path, &st) == 0 && S_ISLNK(st.st_mode),
	      "%s is a symlink", path);
	CHECK(realpath(path, real1) && realpath(dir, real2) && !strcmp(real1, real2),
	      "it resolves to the device directory");
	snprintf(path, sizeof(path), "/sys/devices/pci0000:00/%s", bdf);
	CHECK(realpath(dir, real1) && !strcmp(real1, path),
	      "realpath of %s is %s (got %s)", dir, path, real1);
	return group;
}

/* The cdev number N from vfio-dev/, or -1. */
static int check_vfio_dev(const char *dir, unsigned int *major_out)
{
	char path[PATH_MAX], buf[64], want[64];
	unsigned int maj = 0, min = 0;
	struct dirent *de;
	int n = -1, entries = 0;
	struct stat st;
	DIR *d;

	snprintf(path, sizeof(path), "%s/vfio-dev", dir);
	d = opendir(path);
	CHECK(d != NULL, "opendir %s", path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		entries++;
		if (sscanf(de->d_name, "vfio%d", &n) != 1)
			n = -1;
	}
	closedir(d);
	CHECK(entries == 1 && n >= 0, "vfio-dev holds one vfioN entry");
	snprintf(path, sizeof(path), "%s/vfio-dev/vfio%d/dev", dir, n);
	CHECK(!read_text(path, buf, sizeof(buf)) &&
	      sscanf(buf, "%u:%u", &maj, &min) == 2 && min == (unsigned int)n,
	      "vfio-dev/vfio%d/dev reads MAJOR:%d (%.*s)", n, n,
	      (int)strcspn(buf, "\n"), buf);
	snprintf(want, sizeof(want), "511:%d\n", n);
	CHECK(!strcmp(buf, want), "the major is 511, as the first dynamic char major");
	snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%d", n);
	CHECK(stat(path, &st) == 0 && S_ISCHR(st.st_mode) &&
	      major(st.st_rdev) == maj && minor(st.st_rdev) == min,
	      "stat %s: a char device %u:%u", path, maj, min);
	CHECK(access(path, R_OK | W_OK) == 0, "access(%s, R_OK|W_OK)", path);
	*major_out = maj;
	return n;
}

static void check_class(int n, const char *bdf)
{
	char path[PATH_MAX], link[PATH_MAX], want[PATH_MAX], buf[64], buf2[64];
	ssize_t len;

	snprintf(path, sizeof(path), "/sys/class/vfio-dev/vfio%d", n);
	len = readlink(path, link, sizeof(link) - 1);
	if (len > 0)
		link[len] = '\0';
	snprintf(want, sizeof(want), "../../devices/pci0000:00/%s/vfio-dev/vfio%d",
		 bdf, n);
	CHECK(len > 0 && !strcmp(link, want), "%s -> %s (got %s)", path, want,
	      len > 0 ? link : "-");
	snprintf(path, sizeof(path), "/sys/class/vfio-dev/vfio%d/dev", n);
	snprintf(want, sizeof(want), PCI_DEVS "/%s/vfio-dev/vfio%d/dev", bdf, n);
	CHECK(!read_text(path, buf, sizeof(buf)) && !read_text(want, buf2, sizeof(buf2)) &&
	      !strcmp(buf, buf2), "/sys/class/vfio-dev/vfio%d/dev matches", n);
}

/* Header fields the kernel's VFIO config virtualisation passes through. */
static const struct { unsigned int off, len; const char *name; } ro_fields[] = {
	{ 0x00, 4, "vendor/device" }, { 0x08, 4, "revision/class" },
	{ 0x0e, 1, "header type" }, { 0x2c, 4, "subsystem ids" },
	{ 0x3d, 1, "interrupt pin" },
};

static void check_config(const char *dir, int n, unsigned int maj)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_region_info ri = { .argsz = sizeof(ri),
				       .index = VFIO_PCI_CONFIG_REGION_INDEX };
	uint8_t sys[64], vfio[64];
	char path[PATH_MAX];
	struct stat st;
	unsigned int i;
	int fd, dev, iommufd;

	snprintf(path, sizeof(path), "%s/config", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0 && read(fd, sys, 64) == 64, "read 64 bytes of %s", path);
	CHECK(fstat(fd, &st) == 0 && (st.st_size == 256 || st.st_size == 4096),
	      "config is 256 or 4096 bytes (%ld)", (long)st.st_size);
	close(fd);
	snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%d", n);
	dev = open(path, O_RDWR | O_CLOEXEC);
	iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	CHECK(dev >= 0 && fstat(dev, &st) == 0 && S_ISCHR(st.st_mode) &&
	      major(st.st_rdev) == maj && minor(st.st_rdev) == (unsigned int)n,
	      "fstat of the open cdev: char device %u:%d", maj, n);
	bind.iommufd = iommufd;
	CHECK(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) == 0 &&
	      ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &ri) == 0 &&
	      pread(dev, vfio, 64, ri.offset) == 64,
	      "read 64 bytes of the VFIO config region");
	for (i = 0; i < sizeof(ro_fields) / sizeof(ro_fields[0]); i++)
		CHECK(!memcmp(sys + ro_fields[i].off, vfio + ro_fields[i].off,
			      ro_fields[i].len),
		      "config %s agrees between sysfs and VFIO", ro_fields[i].name);
	close(dev);
	close(iommufd);
}

static void check_device(const char *bdf)
{
	char dir[256];
	unsigned int maj = 0;
	int n;

	printf("-- %s\n", bdf);
	snprintf(dir, sizeof(dir), PCI_DEVS "/%s", bdf);
	check_identity(dir);
	check_group(bdf, dir);
	n = check_vfio_dev(dir, &maj);
	if (n < 0)
		return;
	check_class(n, bdf);
	check_config(dir, n, maj);
}

static void check_misc(void)
{
	struct stat st;

	CHECK(stat("/dev/iommu", &st) == 0 && S_ISCHR(st.st_mode),
	      "/dev/iommu is a char device");
	CHECK(access("/dev/iommu", R_OK | W_OK) == 0, "access(/dev/iommu, R_OK|W_OK)");
	CHECK_ERRNO(stat(PCI_DEVS "/0000:00:1f.7", &st), ENOENT,
		    "stat of a BDF that does not exist");
	CHECK_ERRNO(open("/dev/vfio/devices/vfio99", O_RDWR), ENOENT,
		    "open of vfio99");
	CHECK_ERRNO(stat("/dev/vfio/devices/vfio99", &st), ENOENT, "stat of vfio99");
}

int main(void)
{
	unsigned int n_edu = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	check_listing(&n_edu);
	check_device("0000:00:02.0");
	check_device("0000:00:03.0");
	check_misc();
	return itest_done();
}
