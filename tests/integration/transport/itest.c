// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shared test helpers (see itest.h). The edu driver here polls the DMA
 * command register for completion instead of waiting for the MSI, so the
 * benchmark measures the register path and a test can run it from any
 * process without setting up interrupts.
 */
#include <fcntl.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client/client.h"
#include "itest.h"

unsigned int itest_passed, itest_failed;

void itest_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok)
		printf(" (%s:%d)", file, line);
	putchar('\n');
	fflush(stdout);
	if (ok)
		itest_passed++;
	else
		itest_failed++;
}

int itest_done(void)
{
	printf("%u passed, %u failed\n", itest_passed, itest_failed);
	fflush(stdout);
	return itest_failed ? 1 : 0;
}

void itest_die(const char *what)
{
	printf("FAIL: %s: %s\n", what, strerror(errno));
	itest_failed++;
	exit(itest_done() ? 1 : 1);
}

static long json_field(const char *text, const char *name)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "\"%s\":", name);
	p = strstr(text, key);
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

int itest_stats(struct itest_stats *st)
{
	char *text;
	int rc;

	rc = uvfio_client_ctl(getenv(UVFIO_RUNTIME_DIR_ENV), "stats", &text);
	if (rc < 0)
		return rc;
	st->files = json_field(text, "files");
	st->conns = json_field(text, "connections");
	st->mms = json_field(text, "mms");
	st->objects = json_field(text, "objects");
	st->requests = json_field(text, "requests");
	free(text);
	return 0;
}

static bool stats_equal(const struct itest_stats *a, const struct itest_stats *b)
{
	return a->files == b->files && a->conns == b->conns &&
	       a->mms == b->mms && a->objects == b->objects;
}

bool itest_stats_settle(const struct itest_stats *base, int ms)
{
	struct itest_stats now = { 0 };
	int waited;

	/* Hang-ups reach the daemon asynchronously: give it a moment. */
	for (waited = 0; waited <= ms; waited += 10) {
		if (!itest_stats(&now) && stats_equal(&now, base))
			return true;
		usleep(10000);
	}
	printf("   stats: files %ld/%ld conns %ld/%ld mms %ld/%ld objects %ld/%ld (now/base)\n",
	       now.files, base->files, now.conns, base->conns, now.mms,
	       base->mms, now.objects, base->objects);
	return false;
}

long itest_ioas_alloc(int iommufd)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };

	return ioctl(iommufd, IOMMU_IOAS_ALLOC, &a) ? -errno : (long)a.out_ioas_id;
}

int itest_ioas_check(int iommufd, uint32_t ioas_id)
{
	struct iommu_iova_range r[8];
	struct iommu_ioas_iova_ranges q = {
		.size = sizeof(q), .ioas_id = ioas_id, .num_iovas = 8,
		.allowed_iovas = (uintptr_t)r,
	};

	return ioctl(iommufd, IOMMU_IOAS_IOVA_RANGES, &q) ? -errno : 0;
}

int itest_destroy(int iommufd, uint32_t id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return ioctl(iommufd, IOMMU_DESTROY, &d) ? -errno : 0;
}

/* edu registers (QEMU docs/specs/edu.rst). */
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_COUNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_DMA_START	0x1
#define EDU_DMA_TO_RAM	0x2
#define EDU_DMA_BUF	0x40000
#define PAGE		4096

static uint64_t region_offset(int dev, uint32_t index)
{
	struct vfio_region_info info = { .argsz = sizeof(info), .index = index };

	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &info))
		return ~0ull;
	return info.offset;
}

static int edu_bind(struct itest_edu *e)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

	bind.iommufd = e->iommufd;
	if (ioctl(e->dev, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return -errno;
	e->devid = bind.out_devid;
	if (ioctl(e->iommufd, IOMMU_IOAS_ALLOC, &alloc))
		return -errno;
	e->ioas = alloc.out_ioas_id;
	at.pt_id = e->ioas;
	if (ioctl(e->dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at))
		return -errno;
	e->hwpt = at.pt_id;
	return 0;
}

static int edu_map(struct itest_edu *e)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = e->ioas,
		.length = 2 * PAGE,
		.iova = ITEST_IOVA,
	};

	e->buf = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (e->buf == MAP_FAILED) {
		e->buf = NULL;
		return -errno;
	}
	m.user_va = (uintptr_t)e->buf;
	return ioctl(e->iommufd, IOMMU_IOAS_MAP, &m) ? -errno : 0;
}

int itest_edu_setup(struct itest_edu *e, const char *cdev)
{
	uint16_t cmd;
	int rc;

	memset(e, 0, sizeof(*e));
	e->irqfd = -1;
	e->dev = open(cdev, O_RDWR | O_CLOEXEC);
	e->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (e->dev < 0 || e->iommufd < 0)
		return -errno;
	rc = edu_bind(e);
	if (rc)
		return rc;
	e->bar0 = region_offset(e->dev, VFIO_PCI_BAR0_REGION_INDEX);
	e->config = region_offset(e->dev, VFIO_PCI_CONFIG_REGION_INDEX);
	if (pread(e->dev, &cmd, 2, e->config + 4) != 2)
		return -errno;
	cmd |= 0x6;	/* memory decoding, bus master */
	if (pwrite(e->dev, &cmd, 2, e->config + 4) != 2)
		return -errno;
	return edu_map(e);
}

static int wr64(struct itest_edu *e, uint64_t reg, uint64_t v)
{
	return pwrite(e->dev, &v, 8, e->bar0 + reg) == 8 ? 0 : -errno;
}

int itest_edu_dma(struct itest_edu *e, bool to_ram)
{
	uint64_t src = to_ram ? EDU_DMA_BUF : ITEST_IOVA;
	uint64_t dst = to_ram ? ITEST_IOVA + PAGE : EDU_DMA_BUF;
	uint32_t cmd;
	int i;

	if (wr64(e, EDU_DMA_SRC, src) || wr64(e, EDU_DMA_DST, dst) ||
	    wr64(e, EDU_DMA_COUNT, PAGE) ||
	    wr64(e, EDU_DMA_CMD, EDU_DMA_START | (to_ram ? EDU_DMA_TO_RAM : 0)))
		return -errno;
	for (i = 0; i < 1000000; i++) {
		if (pread(e->dev, &cmd, 4, e->bar0 + EDU_DMA_CMD) != 4)
			return -errno;
		if (!(cmd & EDU_DMA_START))
			return 0;
	}
	return -ETIMEDOUT;
}

int itest_edu_dma_roundtrip(struct itest_edu *e)
{
	int i, rc;

	for (i = 0; i < PAGE; i++) {
		e->buf[i] = (uint8_t)(i * 13 + getpid());
		e->buf[PAGE + i] = 0;
	}
	rc = itest_edu_dma(e, false);
	if (!rc)
		rc = itest_edu_dma(e, true);
	if (!rc && memcmp(e->buf, e->buf + PAGE, PAGE))
		rc = -EIO;
	return rc;
}

void itest_edu_close(struct itest_edu *e)
{
	if (e->irqfd >= 0)
		close(e->irqfd);
	if (e->dev >= 0)
		close(e->dev);
	if (e->iommufd >= 0)
		close(e->iommufd);
	if (e->buf)
		munmap(e->buf, 2 * PAGE);
	e->dev = e->iommufd = e->irqfd = -1;
	e->buf = NULL;
}

int itest_read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

int itest_run_capture(const char *const *argv, char *out, size_t len)
{
	int pfd[2], status = -1;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd))
		itest_die("pipe");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		itest_die("fork");
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	close(pfd[1]);
	while (got + 1 < len &&
	       (n = read(pfd[0], out + got, len - got - 1)) > 0)
		got += (size_t)n;
	out[got] = 0;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
