// SPDX-License-Identifier: GPL-2.0-only
/*
 * edu DMA of one 4 KiB block through the IOMMU, driven by pread/pwrite on
 * the device fd (the register path: four register writes to start a
 * transfer, reads of the command register until it completes), compared
 * with a memcpy of 4 KiB in the same run. Prints, asserts nothing.
 *
 *   uvfio run -- build/bench/bench-edu-dma [TRANSFERS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tests/integration/transport/itest.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static double memcpy_4k(long iters)
{
	static char src[4096], dst[4096];
	double t0 = now();
	long i;

	for (i = 0; i < iters; i++) {
		src[i & 4095] = (char)i;
		memcpy(dst, src, sizeof(dst));
		__asm__ volatile("" : : "r"(dst) : "memory");
	}
	return (now() - t0) / iters;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 5000, i;
	struct itest_edu e;
	double t0, to_dev, to_ram, mc;

	if (itest_edu_setup(&e, ITEST_CDEV) || itest_edu_dma_roundtrip(&e)) {
		fprintf(stderr, "bench-edu-dma: set-up failed (run me under `uvfio run`)\n");
		return 1;
	}
	t0 = now();
	for (i = 0; i < iters; i++)
		itest_edu_dma(&e, false);
	to_dev = (now() - t0) / iters;
	t0 = now();
	for (i = 0; i < iters; i++)
		itest_edu_dma(&e, true);
	to_ram = (now() - t0) / iters;
	mc = memcpy_4k(iters * 100);
	printf("edu DMA 4 KiB, %ld transfers each way\n", iters);
	printf("RAM -> device  %8.2f us per transfer  (%.0fx memcpy)\n",
	       to_dev * 1e6, to_dev / mc);
	printf("device -> RAM  %8.2f us per transfer  (%.0fx memcpy)\n",
	       to_ram * 1e6, to_ram / mc);
	printf("memcpy 4 KiB   %8.3f us\n", mc * 1e6);
	itest_edu_close(&e);
	return 0;
}
