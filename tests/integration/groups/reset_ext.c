// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reset capability extensions (include/uvfio/uapi/vfio_ext.h) on
 * machines/hot-reset.json: (1) query, (2) claim, (3) affected devices,
 * (4) describe, (5) reset with no fd list, over the cdev path and the
 * group path with a type1 container. With the argument "host", on
 * machines/reset-host.json: a bus reset that would touch a host driver's
 * function is NOT_VFIO.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "uvfio/uapi/vfio_ext.h"
#include "gt.h"

#define ROOT_F	"0000:00:02.0"
#define BUS1_F0	"0000:01:00.0"
#define BUS1_F1	"0000:01:00.1"
#define BUS2_F0	"0000:02:00.0"
#define BUS2_F1	"0000:02:00.1"

#define BUS	VFIO_EXT_RESET_FLAG_BUS

union affected_buf {
	struct vfio_ext_reset_affected a;
	char raw[sizeof(struct vfio_ext_reset_affected) +
		 8 * sizeof(struct vfio_ext_reset_dev)];
};

static int query(int dev, uint32_t flags, struct vfio_ext_reset_query *q)
{
	memset(q, 0, sizeof(*q));
	q->argsz = sizeof(*q);
	q->flags = flags;
	return ioctl(dev, VFIO_EXT_RESET_QUERY, q) ? -errno : 0;
}

static int simple(int dev, unsigned long cmd, uint32_t flags)
{
	struct vfio_ext_reset r = { .argsz = sizeof(r), .flags = flags };

	return ioctl(dev, cmd, &r) ? -errno : 0;
}

static int affected(int dev, uint32_t flags, union affected_buf *b)
{
	memset(b, 0, sizeof(*b));
	b->a.argsz = sizeof(*b);
	b->a.flags = flags;
	return ioctl(dev, VFIO_EXT_RESET_AFFECTED, &b->a) ? -errno : 0;
}

static int describe(int dev, uint32_t flags, char *text, size_t len)
{
	char buf[sizeof(struct vfio_ext_reset_describe) + 2048];
	struct vfio_ext_reset_describe *d = (void *)buf;

	memset(buf, 0, sizeof(buf));
	d->argsz = sizeof(buf);
	d->flags = flags;
	if (ioctl(dev, VFIO_EXT_RESET_DESCRIBE, d))
		return -errno;
	snprintf(text, len, "%s", d->text);
	return 0;
}

static void root_bus(int i1)
{
	struct vfio_ext_reset_query q;
	union affected_buf b;
	int d = gt_open_cdev(ROOT_F);

	CHECK(simple(d, VFIO_EXT_RESET_CLAIM, 0) == -EINVAL,
	      "extension ioctl on an unbound cdev: EINVAL");
	CHECK(gt_bind(d, i1, NULL) == 0, "bind %s", ROOT_F);
	CHECK(query(d, 0, &q) == 0 && !(q.flags & VFIO_EXT_RESET_SUPPORTED) &&
	      q.reason == VFIO_EXT_RESET_NO_METHOD && q.method == 0 && q.count == 0,
	      "(1) root-bus edu without FLR: no method (flags %#x reason %u)",
	      q.flags, q.reason);
	CHECK(simple(d, VFIO_EXT_RESET_CLAIM, 0) == -ENODEV, "(2) claim: ENODEV");
	CHECK(simple(d, VFIO_EXT_RESET, 0) == -ENODEV, "(5) reset: ENODEV");
	CHECK(affected(d, 0, &b) == -ENODEV, "(3) affected: ENODEV");
	CHECK(ioctl(d, _IO(VFIO_EXT_TYPE, 99), NULL) == -1 && errno == ENOTTY,
	      "unknown extension number: ENOTTY");
	close(d);
}

static void args_checked(int d)
{
	struct vfio_ext_reset_query q = { .argsz = 4 };
	struct vfio_ext_reset_affected small = { .argsz = sizeof(small), .flags = BUS };
	struct vfio_ext_reset_describe ds = { .argsz = sizeof(ds), .flags = BUS };

	CHECK_ERRNO(ioctl(d, VFIO_EXT_RESET_QUERY, &q), EINVAL, "query argsz 4: EINVAL");
	q.argsz = sizeof(q);
	q.flags = 1 << 5;
	CHECK_ERRNO(ioctl(d, VFIO_EXT_RESET_QUERY, &q), EINVAL,
		    "query with an unknown flag: EINVAL");
	CHECK_ERRNO(ioctl(d, VFIO_EXT_RESET_QUERY, (void *)8), EFAULT,
		    "query with a bad pointer: EFAULT");
	CHECK_ERRNO(ioctl(d, VFIO_EXT_RESET_AFFECTED, &small), ENOSPC,
		    "(3) affected with no room: ENOSPC");
	CHECK(small.count == 2, "... and count says 2 (%u)", small.count);
	CHECK_ERRNO(ioctl(d, VFIO_EXT_RESET_DESCRIBE, &ds), ENOSPC,
		    "(4) describe with no room: ENOSPC");
	CHECK(ds.len > 40, "... and len says how much (%u)", ds.len);
}

static void cdev_bus1(int i1, int i2)
{
	int d0 = gt_open_cdev(BUS1_F0), d1 = gt_open_cdev(BUS1_F1), g, c;
	struct vfio_ext_reset_query q;
	uint32_t id0 = 0, id1 = 0;
	union affected_buf b;
	char text[2048], want[128];

	CHECK(gt_bind(d0, i1, &id0) == 0, "bind %s", BUS1_F0);
	CHECK(query(d0, 0, &q) == 0 && (q.flags & VFIO_EXT_RESET_SUPPORTED) &&
	      q.method == VFIO_EXT_RESET_METHOD_FLR && q.count == 1 &&
	      (q.methods & VFIO_EXT_RESET_METHOD_FLR),
	      "(1) ioat with FLR: function reset supported (flags %#x method %#x count %u)",
	      q.flags, q.method, q.count);
	CHECK(query(d0, BUS, &q) == 0 && !(q.flags & VFIO_EXT_RESET_SUPPORTED) &&
	      q.method == VFIO_EXT_RESET_METHOD_BUS && q.count == 2 &&
	      q.reason == VFIO_EXT_RESET_NOT_OWNED && q.blocker_bus == 1 &&
	      q.blocker_devfn == 1,
	      "(1) bus reset: not owned, blocked by 01:00.1 (reason %u blocker %02x:%02x)",
	      q.reason, q.blocker_bus, q.blocker_devfn);
	args_checked(d0);
	CHECK(simple(d0, VFIO_EXT_RESET_CLAIM, BUS) == -EPERM, "(2) claim bus reset: EPERM");
	CHECK(simple(d0, VFIO_EXT_RESET, BUS) == -EPERM, "(5) bus reset: EPERM");
	CHECK(simple(d0, VFIO_EXT_RESET, 0) == 0, "(5) function reset (FLR)");
	CHECK(affected(d0, BUS, &b) == 0 && b.a.count == 2 &&
	      b.a.devices[0].flags == (VFIO_EXT_RESET_DEV_SELF | VFIO_EXT_RESET_DEV_VFIO |
				       VFIO_EXT_RESET_DEV_OWNED | VFIO_EXT_RESET_DEV_OPEN) &&
	      b.a.devices[0].fd == d0 && b.a.devices[0].dev_id == id0,
	      "(3) self: open as fd %d (%d), dev_id %u (%u), flags %#x", d0,
	      b.a.devices[0].fd, id0, b.a.devices[0].dev_id, b.a.devices[0].flags);
	CHECK(b.a.devices[1].flags == VFIO_EXT_RESET_DEV_VFIO &&
	      b.a.devices[1].fd == -1 && b.a.devices[1].dev_id == 0 &&
	      b.a.devices[1].devfn == 1,
	      "(3) 01:00.1: vfio, not owned, not open (flags %#x)", b.a.devices[1].flags);

	CHECK(gt_bind(d1, i1, &id1) == 0, "bind %s to the same iommufd", BUS1_F1);
	CHECK(affected(d0, BUS, &b) == 0 &&
	      b.a.devices[1].flags == (VFIO_EXT_RESET_DEV_VFIO | VFIO_EXT_RESET_DEV_OWNED |
				       VFIO_EXT_RESET_DEV_OPEN) &&
	      b.a.devices[1].fd == d1 && b.a.devices[1].dev_id == id1,
	      "(3) ... now open as fd %d, dev_id %u", d1, id1);
	CHECK(query(d0, BUS, &q) == 0 && (q.flags & VFIO_EXT_RESET_SUPPORTED) &&
	      q.reason == VFIO_EXT_RESET_OK, "(1) bus reset now supported");
	CHECK(simple(d0, VFIO_EXT_RESET_CLAIM, BUS) == 0, "(2) claim the bus reset");
	CHECK(simple(d0, VFIO_EXT_RESET_CLAIM, BUS) == -EALREADY, "(2) claim again: EALREADY");
	CHECK(query(d0, BUS, &q) == 0 && (q.flags & VFIO_EXT_RESET_CLAIMED),
	      "(1) query shows the claim");
	CHECK(simple(d0, VFIO_EXT_RESET, BUS) == 0, "(5) bus reset with no fd list");
	CHECK(describe(d0, BUS, text, sizeof(text)) == 0 &&
	      strstr(text, "reset=bus count=2 supported=yes reason=ok\n") == text,
	      "(4) describe: header line");
	snprintf(want, sizeof(want), "%s driver=vfio-pci group=%d dev_set=1 "
		 "reset_method=flr cdev=vfio2 open=1 path=cdev owner=%d\n",
		 BUS1_F1, gt_group_of(BUS1_F1), (int)getpid());
	CHECK(strstr(text, want), "(4) describe: %s", want);
	if (!strstr(text, want))
		printf("%s", text);

	close(d1);
	d1 = gt_open_cdev(BUS1_F1);
	CHECK(gt_bind(d1, i2, NULL) == -EBUSY,
	      "(2) while claimed, binding %s to another iommufd: EBUSY", BUS1_F1);
	close(d1);
	g = gt_open_group(gt_group_of(BUS1_F1));
	c = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	CHECK(g >= 0 && c >= 0, "open the group of %s and a container", BUS1_F1);
	CHECK_ERRNO(ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), EBUSY,
		    "(2) while claimed, SET_CONTAINER of its group: EBUSY");
	CHECK_ERRNO(ioctl(g, VFIO_GROUP_SET_CONTAINER, &i2), EBUSY,
		    "(2) while claimed, SET_CONTAINER with another iommufd: EBUSY");
	close(g);
	close(c);
	d1 = gt_open_cdev(BUS1_F1);
	CHECK(gt_bind(d1, i1, NULL) == 0, "(2) the claim's own iommufd may bind it");
	close(d1);
	CHECK(describe(d0, BUS, text, sizeof(text)) == 0 &&
	      strstr(text, "supported=no reason=not_owned") &&
	      strstr(text, "cdev=vfio2 open=0 path=- owner=-"),
	      "(4) after the claimer closed its own device: not owned again");
	close(d0);
	d1 = gt_open_cdev(BUS1_F1);
	CHECK(gt_bind(d1, i2, NULL) == 0, "(2) the claim went with close: bind to another iommufd");
	close(d1);
}

static void cdev_bus2(int i1)
{
	int d0 = gt_open_cdev(BUS2_F0);
	struct vfio_ext_reset_query q;
	union affected_buf b;

	CHECK(gt_bind(d0, i1, NULL) == 0, "bind %s", BUS2_F0);
	CHECK(query(d0, 0, &q) == 0 && (q.flags & VFIO_EXT_RESET_SUPPORTED) &&
	      q.method == VFIO_EXT_RESET_METHOD_BUS && q.count == 2,
	      "(1) edu without FLR: the bus reset, owned through the shared group "
	      "(flags %#x method %#x reason %u)", q.flags, q.method, q.reason);
	CHECK(affected(d0, 0, &b) == 0 && b.a.count == 2 &&
	      b.a.devices[1].flags == (VFIO_EXT_RESET_DEV_VFIO | VFIO_EXT_RESET_DEV_OWNED) &&
	      b.a.devices[1].fd == -1,
	      "(3) the unopened group mate is owned, not open (flags %#x)",
	      b.a.devices[1].flags);
	CHECK(simple(d0, VFIO_EXT_RESET, 0) == 0, "(5) reset (bus) with no fd list");
	close(d0);
}

static void group_path(void)
{
	int g3 = gt_open_group(gt_group_of(BUS1_F0));
	int g4 = gt_open_group(gt_group_of(BUS1_F1));
	int c = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC), dev;
	struct vfio_ext_reset_query q;
	union affected_buf b;

	CHECK(ioctl(g3, VFIO_GROUP_SET_CONTAINER, &c) == 0 &&
	      ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) == 0,
	      "group path: the group of %s in a type1v2 container", BUS1_F0);
	dev = ioctl(g3, VFIO_GROUP_GET_DEVICE_FD, BUS1_F0);
	CHECK(dev >= 0, "device fd of %s", BUS1_F0);
	CHECK(query(dev, BUS, &q) == 0 && q.reason == VFIO_EXT_RESET_NOT_OWNED,
	      "(1) group path, one group of two in the container: not owned");
	CHECK(ioctl(g4, VFIO_GROUP_SET_CONTAINER, &c) == 0,
	      "the other group joins the container");
	CHECK(query(dev, BUS, &q) == 0 && (q.flags & VFIO_EXT_RESET_SUPPORTED),
	      "(1) group path: supported once the container holds both groups");
	CHECK(simple(dev, VFIO_EXT_RESET_CLAIM, BUS) == 0, "(2) group path claim");
	CHECK(affected(dev, BUS, &b) == 0 && b.a.devices[0].fd == dev &&
	      b.a.devices[0].dev_id == 0 &&
	      (b.a.devices[1].flags & VFIO_EXT_RESET_DEV_OWNED),
	      "(3) group path: fd %d, no dev_id, the other owned by the container", dev);
	CHECK(simple(dev, VFIO_EXT_RESET, BUS) == 0,
	      "(5) group path: bus reset without group fds");
	close(dev);
	close(g3);
	close(g4);
	close(c);
}

static void host_function(void)
{
	int i = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	int d = gt_open_cdev(BUS1_F0);
	struct vfio_ext_reset_query q;

	CHECK(gt_bind(d, i, NULL) == 0, "bind %s", BUS1_F0);
	CHECK(query(d, BUS, &q) == 0 && q.reason == VFIO_EXT_RESET_NOT_VFIO &&
	      q.blocker_devfn == 1 && q.count == 2,
	      "(1) bus reset touching a host driver's function: NOT_VFIO (reason %u)",
	      q.reason);
	CHECK(simple(d, VFIO_EXT_RESET_CLAIM, BUS) == -EBUSY, "(2) claim: EBUSY");
	CHECK(simple(d, VFIO_EXT_RESET, BUS) == -EBUSY, "(5) bus reset: EBUSY");
	CHECK(query(d, 0, &q) == 0 && (q.flags & VFIO_EXT_RESET_SUPPORTED) &&
	      q.method == VFIO_EXT_RESET_METHOD_FLR, "(1) FLR is still fine");
	close(d);
	close(i);
}

int main(int argc, char **argv)
{
	int i1, i2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "host")) {
		host_function();
		return itest_done();
	}
	i1 = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	i2 = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	CHECK(i1 >= 0 && i2 >= 0, "two iommufds");
	root_bus(i1);
	cdev_bus1(i1, i2);
	cdev_bus2(i1);
	group_path();
	close(i1);
	close(i2);
	return itest_done();
}
