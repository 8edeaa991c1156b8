// SPDX-License-Identifier: GPL-2.0-only
/*
 * The interposer's pure rules: path normalisation, which paths are
 * uvfio's, and which fds an ioctl argument carries.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "preload/fdargs.h"
#include "preload/paths.h"
#include "uvfio/uapi/iommufd.h"
#include "uvfio/uapi/vfio.h"

#include "check.h"

static const char *norm(const char *in)
{
	static char buf[256];

	if (path_normalise(in, buf, sizeof(buf)) < 0)
		return NULL;
	return buf;
}

static void test_normalise(void)
{
	char small[8];

	CHECK_STR(norm("/"), "/");
	CHECK_STR(norm("//"), "/");
	CHECK_STR(norm("/sys/bus/pci"), "/sys/bus/pci");
	CHECK_STR(norm("//sys///bus//pci"), "/sys/bus/pci");
	CHECK_STR(norm("/sys/bus/pci/"), "/sys/bus/pci/");
	CHECK_STR(norm("/sys/./bus/pci/."), "/sys/bus/pci/");
	CHECK_STR(norm("/sys/bus/../bus/pci"), "/sys/bus/pci");
	CHECK_STR(norm("/sys/bus/pci/.."), "/sys/bus/");
	CHECK_STR(norm("/.."), "/");
	CHECK_STR(norm("/../../dev/iommu"), "/dev/iommu");
	CHECK_STR(norm("/dev/vfio/devices/../devices/vfio0"),
		  "/dev/vfio/devices/vfio0");
	CHECK_STR(norm("/a/..b/.c/..."), "/a/..b/.c/...");
	CHECK(norm("relative/path") == NULL);
	CHECK(norm("") == NULL);
	CHECK(path_normalise("/dev/iommu", small, sizeof(small)) == -ENAMETOOLONG);
	CHECK(path_normalise("/dev", small, sizeof(small)) == 4);
}

static enum path_class cls(const char *p)
{
	return path_classify(norm(p));
}

static void test_classify(void)
{
	CHECK(cls("/dev/iommu") == PATH_NODE);
	CHECK(cls("/dev/vfio/vfio") == PATH_NODE);
	CHECK(cls("/dev/vfio/3") == PATH_NODE);
	CHECK(cls("/dev/vfio/noiommu-3") == PATH_NODE);
	CHECK(cls("/dev/vfio/devices/vfio0") == PATH_NODE);
	CHECK(cls("/dev/vfio") == PATH_SHADOW);
	CHECK(cls("/dev/vfio/") == PATH_SHADOW);
	CHECK(cls("/dev/vfio/devices") == PATH_SHADOW);
	CHECK(cls("/dev//vfio/./devices/") == PATH_SHADOW);
	CHECK(cls("/dev/iommux") == PATH_DEV_MAYBE);
	CHECK(cls("/dev/hisi_zip-0") == PATH_DEV_MAYBE);
	CHECK(cls("/dev/null") == PATH_OTHER);
	CHECK(cls("/dev/urandom") == PATH_OTHER);
	CHECK(cls("/dev/tty0") == PATH_OTHER);
	CHECK(cls("/dev/pts/0") == PATH_OTHER);
	CHECK(cls("/dev/shm/x") == PATH_OTHER);
	CHECK(cls("/dev/foo/bar") == PATH_OTHER);
	CHECK(cls("/dev") == PATH_OTHER);
	CHECK(cls("/dev/") == PATH_OTHER);

	CHECK(cls("/sys/bus/pci") == PATH_SHADOW);
	CHECK(cls("/sys/bus/pci/devices/0000:00:02.0/vendor") == PATH_SHADOW);
	CHECK(cls("/sys/bus/pci/drivers/vfio-pci/bind") == PATH_SHADOW);
	CHECK(cls("/sys/bus/pcie") == PATH_OTHER);
	CHECK(cls("/sys/bus/usb/devices") == PATH_OTHER);
	CHECK(cls("/sys/bus") == PATH_OTHER);
	CHECK(cls("/sys/kernel/iommu_groups/3/devices") == PATH_SHADOW);
	CHECK(cls("/sys/kernel/mm") == PATH_OTHER);
	CHECK(cls("/sys/class/vfio-dev/vfio0/dev") == PATH_SHADOW);
	CHECK(cls("/sys/class/uacce/hisi_zip-0/api") == PATH_SHADOW);
	CHECK(cls("/sys/class/net") == PATH_OTHER);
	CHECK(cls("/sys/devices/pci0000:00/0000:00:02.0/config") == PATH_SHADOW);
	CHECK(cls("/sys/devices/pci0000:00") == PATH_SHADOW);
	CHECK(cls("/sys/devices/system/cpu") == PATH_OTHER);
	CHECK(cls("/sys/devices") == PATH_OTHER);
	CHECK(cls("/sys/module/vfio_pci/parameters/x") == PATH_SHADOW);
	CHECK(cls("/sys/module/vfio") == PATH_SHADOW);
	CHECK(cls("/sys/module/kvm") == PATH_OTHER);
	CHECK(cls("/sys/bus/pci/../usb") == PATH_OTHER);
	CHECK(cls("/sys/bus/usb/../pci/devices") == PATH_SHADOW);
	CHECK(cls("/proc/self/fd/3") == PATH_OTHER);
	CHECK(cls("/etc/passwd") == PATH_OTHER);
	CHECK(cls("/system/bus/pci") == PATH_OTHER);

	CHECK(path_node_kind("/dev/iommu") == NODE_IOMMUFD);
	CHECK(path_node_kind("/dev/vfio/vfio") == NODE_CONTAINER);
	CHECK(path_node_kind("/dev/vfio/12") == NODE_GROUP);
	CHECK(path_node_kind("/dev/vfio/devices/vfio3") == NODE_DEVICE);
	CHECK(path_node_kind("/dev/hisi_zip-0") == NODE_OTHER);

	CHECK(path_has_trailing_slash("/dev/vfio/"));
	CHECK(!path_has_trailing_slash("/dev/vfio"));
	CHECK(!path_has_trailing_slash("/"));

	CHECK(!path_maybe_ours("/etc/passwd"));
	CHECK(!path_maybe_ours("/proc/self/maps"));
	CHECK(path_maybe_ours("/sys/bus"));
	CHECK(path_maybe_ours("//dev/iommu"));
	CHECK(path_maybe_ours("/./sys"));
}

/* A fake caller memory: one buffer at a fake address. */
#define FAKE_BASE	0x100000ull

static unsigned char mem[4096];
static int closed_fd = -1;

static int fake_read(uint64_t addr, void *buf, size_t len)
{
	if (addr < FAKE_BASE || addr + len > FAKE_BASE + sizeof(mem))
		return -EFAULT;
	memcpy(buf, mem + (addr - FAKE_BASE), len);
	return 0;
}

static bool fake_valid(int fd)
{
	return fd != closed_fd && fd < 1000;
}

static const struct fdargs_ops fake_ops = {
	.read = fake_read,
	.valid = fake_valid,
};

static int collect(unsigned long cmd, enum node_kind kind, int *fds,
		   unsigned int max)
{
	return fdargs_collect(cmd, FAKE_BASE, kind, &fake_ops, fds, max);
}

static void put32(size_t off, uint32_t v)
{
	memcpy(mem + off, &v, sizeof(v));
}

static void test_fdargs(void)
{
	int fds[32];
	int n, i;

	memset(mem, 0, sizeof(mem));
	/* BIND_IOMMUFD: iommufd at 8. */
	put32(0, 24);
	put32(8, 5);
	n = collect(VFIO_DEVICE_BIND_IOMMUFD, NODE_DEVICE, fds, 32);
	CHECK(n == 1 && fds[0] == 5);
	/* Same number on a container is spapr: nothing. */
	CHECK(collect(VFIO_DEVICE_BIND_IOMMUFD, NODE_CONTAINER, fds, 32) == 0);

	/* SET_CONTAINER: the int at arg. */
	put32(0, 7);
	n = collect(VFIO_GROUP_SET_CONTAINER, NODE_GROUP, fds, 32);
	CHECK(n == 1 && fds[0] == 7);

	/* MAP_FILE: fd at 12. */
	memset(mem, 0, 64);
	put32(0, 40);
	put32(12, 9);
	n = collect(IOMMU_IOAS_MAP_FILE, NODE_IOMMUFD, fds, 32);
	CHECK(n == 1 && fds[0] == 9);

	/* SET_IRQS with eventfds: -1 skipped, duplicates once, closed out. */
	memset(mem, 0, 128);
	put32(0, 20 + 6 * 4);
	put32(4, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER);
	put32(16, 6);
	put32(20, 10);
	put32(24, (uint32_t)-1);
	put32(28, 11);
	put32(32, 10);
	put32(36, 12);
	closed_fd = 12;
	put32(40, 13);
	n = collect(VFIO_DEVICE_SET_IRQS, NODE_DEVICE, fds, 32);
	CHECK(n == 3 && fds[0] == 10 && fds[1] == 11 && fds[2] == 13);
	closed_fd = -1;
	/* ... count beyond argsz: the kernel's EINVAL, nothing to send. */
	put32(16, 7);
	CHECK(collect(VFIO_DEVICE_SET_IRQS, NODE_DEVICE, fds, 32) == 0);
	/* ... DATA_BOOL: no fds. */
	put32(16, 6);
	put32(4, VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER);
	CHECK(collect(VFIO_DEVICE_SET_IRQS, NODE_DEVICE, fds, 32) == 0);
	/* ... more distinct fds than fit. */
	put32(4, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER);
	put32(0, 20 + 40 * 4);
	put32(16, 40);
	for (i = 0; i < 40; i++)
		put32(20 + 4 * (size_t)i, (uint32_t)(100 + i));
	CHECK(collect(VFIO_DEVICE_SET_IRQS, NODE_DEVICE, fds, 32) == -E2BIG);
	/* ... array running off readable memory: what could be read. */
	put32(0, 0xffffffff);
	put32(16, 0x10000000);
	n = collect(VFIO_DEVICE_SET_IRQS, NODE_DEVICE, fds, 32);
	CHECK(n == -E2BIG || n >= 0);

	/* HOT_RESET: group fds at 12, flags must be 0. */
	memset(mem, 0, 128);
	put32(0, 12 + 2 * 4);
	put32(8, 2);
	put32(12, 20);
	put32(16, 21);
	n = collect(VFIO_DEVICE_PCI_HOT_RESET, NODE_UNKNOWN, fds, 32);
	CHECK(n == 2 && fds[0] == 20 && fds[1] == 21);
	CHECK(collect(VFIO_DEVICE_PCI_HOT_RESET, NODE_IOMMUFD, fds, 32) == 0);
	put32(4, 1);
	CHECK(collect(VFIO_DEVICE_PCI_HOT_RESET, NODE_DEVICE, fds, 32) == 0);
	/* ... MAP_DMA's layout (same number) on an unknown file: nothing. */
	memset(mem, 0, 128);
	put32(0, 32);
	put32(4, 3);
	put32(8, 0x7f001000);
	put32(12, 0x7fff);
	CHECK(collect(VFIO_DEVICE_PCI_HOT_RESET, NODE_UNKNOWN, fds, 32) == 0);
	/* ... zero-length array (DEV_ID_OWNED). */
	memset(mem, 0, 128);
	put32(0, 12);
	CHECK(collect(VFIO_DEVICE_PCI_HOT_RESET, NODE_DEVICE, fds, 32) == 0);

	/* IOEVENTFD: fd at 24. */
	memset(mem, 0, 128);
	put32(0, 32);
	put32(24, 30);
	n = collect(VFIO_DEVICE_IOEVENTFD, NODE_DEVICE, fds, 32);
	CHECK(n == 1 && fds[0] == 30);
	CHECK(collect(VFIO_DEVICE_IOEVENTFD, NODE_CONTAINER, fds, 32) == 0);

	/* FEATURE LOW_POWER_ENTRY_WITH_WAKEUP | SET: eventfd at 8. */
	memset(mem, 0, 128);
	put32(0, 16);
	put32(4, VFIO_DEVICE_FEATURE_SET |
		 VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP);
	put32(8, 31);
	n = collect(VFIO_DEVICE_FEATURE, NODE_DEVICE, fds, 32);
	CHECK(n == 1 && fds[0] == 31);
	/* ... PROBE reads no data. */
	put32(4, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PROBE |
		 VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP);
	CHECK(collect(VFIO_DEVICE_FEATURE, NODE_DEVICE, fds, 32) == 0);
	/* ... other features carry no fds. */
	put32(4, VFIO_DEVICE_FEATURE_SET | 3);
	CHECK(collect(VFIO_DEVICE_FEATURE, NODE_DEVICE, fds, 32) == 0);
	/* ... DIRTY_PAGES (same number) with GET_BITMAP (4) on a container. */
	put32(4, 4 | VFIO_DEVICE_FEATURE_SET);
	CHECK(collect(VFIO_DEVICE_FEATURE, NODE_CONTAINER, fds, 32) == 0);

	/* Live update's SESSION_PRESERVE_FD: fd at 4. */
	memset(mem, 0, 128);
	put32(0, 16);
	put32(4, 33);
	n = collect(_IO(0xBA, 0x40), NODE_OTHER, fds, 32);
	CHECK(n == 1 && fds[0] == 33);

	/* Unrelated ioctls and bad pointers: nothing. */
	CHECK(collect(VFIO_DEVICE_GET_INFO, NODE_DEVICE, fds, 32) == 0);
	CHECK(fdargs_collect(VFIO_DEVICE_BIND_IOMMUFD, 0x10, NODE_DEVICE,
			     &fake_ops, fds, 32) == 0);
	CHECK(fdargs_collect(VFIO_DEVICE_SET_IRQS, FAKE_BASE + sizeof(mem) - 8,
			     NODE_DEVICE, &fake_ops, fds, 32) == 0);
}

int main(void)
{
	test_normalise();
	test_classify();
	test_fdargs();
	return check_done();
}
