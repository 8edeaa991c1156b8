// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio's unsafe no-IOMMU mode (machines/noiommu.json): noiommu groups and
 * their nodes, the vfio-noiommu container driver's rules and errnos, the
 * CAP_SYS_RAWIO checks (uid 0 here), and edu DMA whose bus addresses are
 * the opener's virtual addresses. With "off" (machines/noiommu-off.json,
 * the module parameter off): no group and no VFIO node at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../transport/itest.h"

#define EDU_NOIOMMU	"0000:00:03.0"
#define IOAT_NOIOMMU	"0000:00:04.0"
#define PAGE		4096

static void test_nodes(void)
{
	char buf[64];
	ssize_t n;

	n = readlink("/sys/bus/pci/devices/" EDU_NOIOMMU "/iommu_group", buf,
		     sizeof(buf) - 1);
	CHECK(n > 0 && !strcmp((buf[n] = 0, strrchr(buf, '/')), "/1"),
	      "the noiommu edu is in iommu group 1");
	CHECK(!itest_read_text("/sys/kernel/iommu_groups/1/name", buf, sizeof(buf)) &&
	      !strcmp(buf, "vfio-noiommu\n"), "group 1 is named vfio-noiommu");
	CHECK(!itest_read_text("/sys/kernel/iommu_groups/2/name", buf, sizeof(buf)) &&
	      !strcmp(buf, "vfio-noiommu\n"), "group 2 is named vfio-noiommu");
	CHECK_ERRNO(open("/sys/kernel/iommu_groups/0/name", O_RDONLY), ENOENT,
		    "a real group has no name");
	CHECK(access("/dev/vfio/0", F_OK) == 0, "/dev/vfio/0 (real group)");
	CHECK(access("/dev/vfio/noiommu-1", F_OK) == 0, "/dev/vfio/noiommu-1");
	CHECK_ERRNO(open("/dev/vfio/1", O_RDWR), ENOENT, "no /dev/vfio/1");
	CHECK(access("/dev/vfio/devices/vfio0", F_OK) == 0, "vfio0 has a cdev");
	CHECK_ERRNO(open("/dev/vfio/devices/vfio1", O_RDWR), ENOENT,
		    "a noiommu device has no cdev");
	CHECK(access("/sys/bus/pci/devices/" EDU_NOIOMMU "/vfio-dev/vfio1",
		     F_OK) == 0, "but it is a vfio-dev class device");
	CHECK_ERRNO(open("/sys/bus/pci/devices/" EDU_NOIOMMU
			 "/vfio-dev/vfio1/dev", O_RDONLY), ENOENT,
		    "without a dev_t");
}

static int open_node(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		itest_die(path);
	return fd;
}

/* A child whose real uid is not 0 (what SCM_CREDENTIALS reports). */
static void unprivileged(int group, int container, int g2)
{
	int32_t fd = container;
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		if (setresuid(65534, 0, 0))
			_exit(2);
		itest_passed = itest_failed = 0;
		CHECK_ERRNO(open("/dev/vfio/noiommu-2", O_RDWR), EPERM,
			    "unprivileged open of a noiommu group: EPERM");
		CHECK_ERRNO(ioctl(group, VFIO_GROUP_GET_DEVICE_FD, EDU_NOIOMMU),
			    EPERM, "unprivileged GET_DEVICE_FD: EPERM");
		CHECK_ERRNO(ioctl(g2, VFIO_GROUP_SET_CONTAINER, &fd), EPERM,
			    "unprivileged SET_CONTAINER: EPERM");
		_exit(itest_failed || itest_passed != 3);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid &&
	      WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "unprivileged checks (child)");
}

static void edu_dma(int dev)
{
	struct itest_edu e = { .dev = dev, .iommufd = -1, .irqfd = -1 };
	struct vfio_region_info info = { .argsz = sizeof(info) };
	uint16_t cmd = 0;

	info.index = VFIO_PCI_CONFIG_REGION_INDEX;
	CHECK(!ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &info), "config info");
	e.config = info.offset;
	info.index = VFIO_PCI_BAR0_REGION_INDEX;
	CHECK(!ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &info), "BAR0 info");
	e.bar0 = info.offset;
	CHECK(pread(dev, &cmd, 2, e.config + 4) == 2, "read COMMAND");
	cmd |= 0x6;
	CHECK(pwrite(dev, &cmd, 2, e.config + 4) == 2, "bus master on");
	/* Bus address == virtual address: below edu's 28-bit DMA mask. */
	e.buf = mmap((void *)ITEST_IOVA, 2 * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (e.buf != (void *)ITEST_IOVA)
		itest_die("mmap at ITEST_IOVA");
	CHECK(itest_edu_dma_roundtrip(&e) == 0,
	      "edu DMA to and from the buffer's virtual address");
	munmap(e.buf, 2 * PAGE);
}

static void test_container(void)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map), .size = PAGE, .iova = 0,
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
	};
	struct vfio_group_status st = { .argsz = sizeof(st) };
	int c = open_node("/dev/vfio/vfio");
	int g1 = open_node("/dev/vfio/noiommu-1");
	int g2 = open_node("/dev/vfio/noiommu-2");
	int g0 = open_node("/dev/vfio/0");
	int c2 = open_node("/dev/vfio/vfio");
	int32_t fd = c;
	int dev;

	CHECK(ioctl(c, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU) == 1,
	      "CHECK_EXTENSION(NOIOMMU) = 1 in noiommu mode");
	CHECK(ioctl(c, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) == 1,
	      "an empty container still offers type1");
	CHECK(!ioctl(g1, VFIO_GROUP_GET_STATUS, &st) &&
	      st.flags == VFIO_GROUP_FLAGS_VIABLE, "noiommu group viable");
	CHECK(!ioctl(g1, VFIO_GROUP_SET_CONTAINER, &fd), "SET_CONTAINER");
	CHECK(ioctl(c, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) == 0,
	      "a noiommu container offers no type1");
	CHECK(ioctl(c, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU) == 1,
	      "but NOIOMMU");
	CHECK_ERRNO(ioctl(g0, VFIO_GROUP_SET_CONTAINER, &fd), EPERM,
		    "a real group cannot join a noiommu container");
	CHECK_ERRNO(ioctl(g1, VFIO_GROUP_GET_DEVICE_FD, EDU_NOIOMMU), EINVAL,
		    "GET_DEVICE_FD before SET_IOMMU: EINVAL");
	CHECK_ERRNO(ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), ENODEV,
		    "SET_IOMMU(TYPE1v2) on a noiommu container: ENODEV");
	CHECK(!ioctl(c, VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU), "SET_IOMMU(NOIOMMU)");
	CHECK_ERRNO(ioctl(c, VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU), EINVAL,
		    "second SET_IOMMU: EINVAL");
	CHECK_ERRNO(ioctl(c, VFIO_IOMMU_MAP_DMA, &map), ENOTTY,
		    "MAP_DMA on a noiommu container: ENOTTY");
	CHECK(ioctl(c, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) == 0,
	      "vfio-noiommu answers only NOIOMMU");
	dev = ioctl(g1, VFIO_GROUP_GET_DEVICE_FD, EDU_NOIOMMU);
	CHECK(dev >= 0, "GET_DEVICE_FD (root)");
	fd = c2;
	unprivileged(g1, c2, g2);
	if (dev >= 0) {
		edu_dma(dev);
		close(dev);
	}
	/* A real group's container: vfio-noiommu is not allowed. */
	CHECK(!ioctl(g0, VFIO_GROUP_SET_CONTAINER, &fd), "real group joins c2");
	CHECK(ioctl(c2, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU) == 0,
	      "CHECK_EXTENSION(NOIOMMU) = 0 on a real container");
	CHECK_ERRNO(ioctl(c2, VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU), ENODEV,
		    "SET_IOMMU(NOIOMMU) on a real container: ENODEV");
	CHECK_ERRNO(ioctl(g2, VFIO_GROUP_SET_CONTAINER, &fd), EPERM,
		    "a noiommu group cannot join a real container");
	fd = c;
	CHECK(!ioctl(g2, VFIO_GROUP_SET_CONTAINER, &fd),
	      "a second noiommu group joins the noiommu container");
	close(g0);
	close(g1);
	close(g2);
	close(c);
	close(c2);
}

static void test_iommufd(void)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_vfio_ioas vi = { .size = sizeof(vi), .op = IOMMU_VFIO_IOAS_SET };
	int g2 = open_node("/dev/vfio/noiommu-2");
	int ictx = open_node("/dev/iommu");
	int32_t fd = ictx;
	int dev;

	CHECK(!ioctl(g2, VFIO_GROUP_SET_CONTAINER, &fd),
	      "SET_CONTAINER with an iommufd");
	/* The iommufd now answers as a no-IOMMU container would. */
	CHECK(ioctl(ictx, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) == 0,
	      "iommufd compat: no TYPE1v2 in no-IOMMU mode");
	CHECK(ioctl(ictx, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU) == 1,
	      "iommufd compat: NOIOMMU extension");
	CHECK_ERRNO(ioctl(ictx, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), EINVAL,
		    "iommufd compat: SET_IOMMU TYPE1v2 in no-IOMMU mode: EINVAL");
	CHECK(!ioctl(ictx, VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU),
	      "iommufd compat: SET_IOMMU NOIOMMU");
	dev = ioctl(g2, VFIO_GROUP_GET_DEVICE_FD, IOAT_NOIOMMU);
	CHECK(dev >= 0, "GET_DEVICE_FD without translation");
	if (dev >= 0)
		close(dev);
	CHECK(!ioctl(g2, VFIO_GROUP_UNSET_CONTAINER), "UNSET_CONTAINER");
	close(ictx);
	ictx = open_node("/dev/iommu");
	fd = ictx;
	CHECK(!ioctl(ictx, IOMMU_IOAS_ALLOC, &alloc), "IOAS_ALLOC");
	vi.ioas_id = alloc.out_ioas_id;
	CHECK(!ioctl(ictx, IOMMU_VFIO_IOAS, &vi), "compat IOAS set");
	CHECK_ERRNO(ioctl(g2, VFIO_GROUP_SET_CONTAINER, &fd), EINVAL,
		    "an iommufd with a compat IOAS: EINVAL");
	close(ictx);
	close(g2);
}

static void test_off(void)
{
	int c = open_node("/dev/vfio/vfio");
	char buf[64];

	CHECK_ERRNO(open("/dev/vfio/0", O_RDWR), ENOENT, "no /dev/vfio/0");
	CHECK_ERRNO(open("/dev/vfio/noiommu-0", O_RDWR), ENOENT,
		    "no /dev/vfio/noiommu-0");
	CHECK_ERRNO(open("/dev/vfio/devices/vfio0", O_RDWR), ENOENT,
		    "no /dev/vfio/devices/vfio0");
	CHECK_ERRNO(readlink("/sys/bus/pci/devices/0000:00:02.0/iommu_group",
			     buf, sizeof(buf)), ENOENT, "no iommu_group link");
	CHECK_ERRNO(readlink("/sys/bus/pci/devices/0000:00:02.0/driver",
			     buf, sizeof(buf)), ENOENT, "vfio-pci did not bind");
	CHECK_ERRNO(access("/sys/kernel/iommu_groups/0", F_OK), ENOENT,
		    "no iommu group 0");
	CHECK(ioctl(c, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU) == 0,
	      "CHECK_EXTENSION(NOIOMMU) = 0 without the parameter");
	close(c);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "off")) {
		test_off();
		return itest_done();
	}
	test_nodes();
	test_container();
	test_iommufd();
	return itest_done();
}
