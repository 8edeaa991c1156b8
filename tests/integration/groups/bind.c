// SPDX-License-Identifier: GPL-2.0-only
/*
 * Driver switching through sysfs on machines/hot-reset.json, as a
 * manager does it: driver_override, drivers/D/bind and unbind, the
 * device's driver/unbind, drivers_probe. vfio-pci binding creates the
 * cdev (lowest free vfioN) and the group node, unbinding removes them;
 * vfio's dev_set follows; a host driver cannot bind into a group a VFIO
 * user owns (EBUSY, pci_dma_configure); unbinding an open vfio device is
 * EBUSY (a deviation: the kernel blocks until it is closed).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "uvfio/uapi/vfio_ext.h"
#include "gt.h"

#define F0	"0000:01:00.0"	/* group 3, dev_set 1 */
#define F1	"0000:01:00.1"	/* group 4, dev_set 1 */
#define G0	"0000:02:00.0"	/* group 5 */
#define G1	"0000:02:00.1"	/* group 5 */
#define DEV(b)	"/sys/bus/pci/devices/" b

/* write() of text to path: 0 or -errno. */
static int put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int rc = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != strlen(text))
		rc = -EIO;
	close(fd);
	return rc;
}

static bool exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

static uint32_t bus_reason(const char *bdf, int iommufd)
{
	struct vfio_ext_reset_query q = {
		.argsz = sizeof(q), .flags = VFIO_EXT_RESET_FLAG_BUS,
	};
	int d = gt_open_cdev(bdf);
	uint32_t r = 99;

	if (d >= 0 && !gt_bind(d, iommufd, NULL) &&
	    !ioctl(d, VFIO_EXT_RESET_QUERY, &q))
		r = q.reason;
	if (d >= 0)
		close(d);
	return r;
}

static void vfio_rebind(int iommufd)
{
	char buf[64];
	int d;

	d = gt_open_cdev(F1);
	CHECK(d >= 0, "open %s's cdev", F1);
	CHECK(put(DEV(F1) "/driver/unbind", F1) == -EBUSY,
	      "unbind while its cdev is open: EBUSY (deviation)");
	close(d);
	CHECK(put("/sys/bus/pci/drivers/host/unbind", F1) == -ENODEV,
	      "unbind from a driver it is not bound to: ENODEV");
	CHECK(put(DEV(F1) "/driver/unbind", F1 "\n") == 0, "driver/unbind");
	CHECK(!exists(DEV(F1) "/driver") && !exists(DEV(F1) "/vfio-dev") &&
	      !exists("/sys/class/vfio-dev/vfio2") &&
	      !exists("/dev/vfio/devices/vfio2") && !exists("/dev/vfio/4") &&
	      exists(DEV(F1) "/iommu_group"),
	      "unbound: driver link, vfio-dev, class, /dev nodes gone; group link stays");
	CHECK(gt_open_cdev(F1) == -ENOENT, "no cdev to open");
	CHECK(gt_open_group(4) == -ENOENT, "no /dev/vfio/4");
	CHECK(bus_reason(F0, iommufd) == VFIO_EXT_RESET_NOT_VFIO,
	      "dev_set of %s without %s: its bus reset is NOT_VFIO", F0, F1);
	CHECK(put("/sys/bus/pci/drivers/vfio-pci/bind", F1) == -ENODEV,
	      "vfio-pci bind without driver_override: ENODEV (override-only ids)");
	CHECK(put(DEV(F1) "/driver_override", "vfio-pci\n") == 0 &&
	      itest_read_text(DEV(F1) "/driver_override", buf, sizeof(buf)) == 0 &&
	      !strcmp(buf, "vfio-pci\n"), "driver_override reads back");
	CHECK(put("/sys/bus/pci/drivers/host/bind", F1) == -ENODEV,
	      "host bind against the override: ENODEV");
	CHECK(put("/sys/bus/pci/drivers/vfio-pci/bind", "0000:09:00.0") == -ENODEV,
	      "bind of a missing function: ENODEV");
	CHECK(put("/sys/bus/pci/drivers/vfio-pci/bind", F1) == 0,
	      "vfio-pci bind with the override");
	CHECK(put("/sys/bus/pci/drivers/vfio-pci/bind", F1) == -EBUSY,
	      "bind when bound: EBUSY");
	CHECK(exists("/sys/class/vfio-dev/vfio2") && exists(DEV(F1) "/vfio-dev/vfio2") &&
	      exists("/dev/vfio/devices/vfio2"), "the lowest free number, vfio2, again");
	d = gt_open_group(4);
	CHECK(d >= 0, "/dev/vfio/4 is back");
	if (d >= 0)
		close(d);
	CHECK(bus_reason(F0, iommufd) == VFIO_EXT_RESET_NOT_OWNED,
	      "dev_set of %s has %s again: NOT_OWNED, not NOT_VFIO", F0, F1);
	CHECK(put(DEV(F1) "/driver_override", "\n") == 0 &&
	      itest_read_text(DEV(F1) "/driver_override", buf, sizeof(buf)) == 0 &&
	      !strcmp(buf, "(null)\n"), "driver_override cleared");
}

static void host_vs_owner(int iommufd)
{
	int d = gt_open_cdev(G0), d2;

	CHECK(d >= 0 && gt_bind(d, iommufd, NULL) == 0, "%s bound: group 5 owned", G0);
	CHECK(put("/sys/bus/pci/drivers/vfio-pci/unbind", G1) == 0,
	      "%s (not open) unbinds", G1);
	CHECK(put("/sys/bus/pci/drivers/host/bind", G1) == -EBUSY,
	      "host bind into a VFIO-owned group: EBUSY");
	CHECK(put("/sys/bus/pci/drivers_probe", G1) == -EINVAL,
	      "drivers_probe into a VFIO-owned group: EINVAL");
	close(d);
	CHECK(put("/sys/bus/pci/drivers_probe", G1 "\n") == 0 &&
	      exists("/sys/bus/pci/drivers/host/" G1),
	      "released: drivers_probe binds the host driver");
	d2 = gt_open_cdev(G0);
	CHECK(d2 >= 0 && gt_bind(d2, iommufd, NULL) == -EPERM,
	      "group 5 with a host driver is not viable: bind EPERM");
	if (d2 >= 0)
		close(d2);
	CHECK(put(DEV(G1) "/driver/unbind", G1) == 0 &&
	      put(DEV(G1) "/driver_override", "vfio-pci") == 0 &&
	      put("/sys/bus/pci/drivers_probe", G1) == 0 &&
	      exists("/dev/vfio/devices/vfio4"),
	      "back to vfio-pci through drivers_probe");
	d2 = gt_open_cdev(G0);
	CHECK(d2 >= 0 && gt_bind(d2, iommufd, NULL) == 0, "viable again");
	if (d2 >= 0)
		close(d2);
}

int main(void)
{
	int iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);

	if (iommufd < 0)
		itest_die("/dev/iommu");
	vfio_rebind(iommufd);
	host_vs_owner(iommufd);
	close(iommufd);
	return itest_done();
}
