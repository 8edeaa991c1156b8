// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOMMU_IOAS_MAP + IOMMU_IOAS_UNMAP of 1 GiB through the real uAPI, in
 * 4 KiB and in 2 MiB pieces, and in one piece of memory faulted in as
 * 4 KiB or as 2 MiB (THP) pages, against mlock + munlock of the same range in
 * the same run (the kernel's cost of pinning, which a real IOAS map with
 * a domain pays too). A mock domain is attached when the daemon runs with
 * --mock, so the maps pin pages and fill a page table; without it the
 * IOAS has no domain and maps only book IOVA. Prints numbers, asserts
 * nothing.
 *
 *   uvfio run --mock -- bench-iommufd-map [MiB]
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "uvfio/uapi/iommufd.h"
#include "uvfio/uapi/iommufd_test.h"

#define IOVA_BASE	(1ULL << 24)	/* MOCK_APERTURE_START */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int map_all(int fd, uint32_t ioas, uint8_t *buf, size_t len,
		   size_t piece)
{
	size_t off;

	for (off = 0; off < len; off += piece) {
		struct iommu_ioas_map map = {
			.size = sizeof(map), .ioas_id = ioas,
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA |
				 IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
			.user_va = (uintptr_t)buf + off,
			.length = piece, .iova = IOVA_BASE + off,
		};

		if (ioctl(fd, IOMMU_IOAS_MAP, &map))
			return -errno;
	}
	return 0;
}

static int unmap_all(int fd, uint32_t ioas, size_t len, size_t piece)
{
	size_t off;

	for (off = 0; off < len; off += piece) {
		struct iommu_ioas_unmap unmap = {
			.size = sizeof(unmap), .ioas_id = ioas,
			.iova = IOVA_BASE + off, .length = piece,
		};

		if (ioctl(fd, IOMMU_IOAS_UNMAP, &unmap))
			return -errno;
	}
	return 0;
}

static void run(int fd, uint32_t ioas, uint8_t *buf, size_t len, size_t piece,
		const char *what)
{
	double t0, t1, t2, base;
	int rc;

	t0 = now();
	if (mlock(buf, len) || munlock(buf, len)) {
		perror("mlock");
		return;
	}
	base = now() - t0;
	t0 = now();
	rc = map_all(fd, ioas, buf, len, piece);
	t1 = now();
	if (!rc)
		rc = unmap_all(fd, ioas, len, piece);
	t2 = now();
	if (rc) {
		fprintf(stderr, "map/unmap: %s\n", strerror(-rc));
		return;
	}
	printf("%-28s map %.3f s (%.2f us each), unmap %.3f s, "
	       "mlock+munlock %.3f s, ratio %.2f\n",
	       what, t1 - t0, (t1 - t0) * 1e6 / (len / piece), t2 - t1,
	       base, (t2 - t0) / base);
}

static uint8_t *alloc_aligned(size_t len)
{
	uint8_t *raw;

	raw = mmap(NULL, len + (2 << 20), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	return (uint8_t *)(((uintptr_t)raw + (2 << 20) - 1) &
			   ~((2UL << 20) - 1));
}

/*
 * One map and one unmap of the whole range, of memory the program has
 * touched, backed by 4 KiB pages or (when THP is available) 2 MiB pages.
 */
static void run_whole(int fd, uint32_t ioas, size_t len, bool huge)
{
	uint8_t *buf = alloc_aligned(len);

	if (!buf) {
		perror("mmap");
		return;
	}
	if (madvise(buf, len, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		perror("madvise");
	memset(buf, 1, len);
	run(fd, ioas, buf, len, len,
	    huge ? "one map, 2 MiB (THP) pages:" : "one map, 4 KiB pages:");
	munmap(buf, len);
}

int main(int argc, char **argv)
{
	size_t len = (argc > 1 ? strtoull(argv[1], NULL, 0) : 1024) << 20;
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_test_cmd md = {
		.size = sizeof(md), .op = IOMMU_TEST_OP_MOCK_DOMAIN,
	};
	uint8_t *buf;
	int fd;

	fd = open("/dev/iommu", O_RDWR);
	if (fd < 0 || ioctl(fd, IOMMU_IOAS_ALLOC, &alloc)) {
		perror("/dev/iommu");
		return 1;
	}
	md.id = alloc.out_ioas_id;
	if (ioctl(fd, IOMMU_TEST_CMD, &md))
		printf("no mock domain (%s): maps do not pin\n", strerror(errno));
	/* 2 MiB aligned, so 2 MiB pieces can use 2 MiB leaves. */
	buf = alloc_aligned(len);
	if (!buf) {
		perror("mmap");
		return 1;
	}
	printf("%zu MiB through IOMMU_IOAS_MAP/UNMAP\n", len >> 20);
	run(fd, alloc.out_ioas_id, buf, len, 4096, "4 KiB pieces:");
	run(fd, alloc.out_ioas_id, buf, len, 2 << 20, "2 MiB pieces:");
	run_whole(fd, alloc.out_ioas_id, len, false);
	run_whole(fd, alloc.out_ioas_id, len, true);
	close(fd);
	return 0;
}
