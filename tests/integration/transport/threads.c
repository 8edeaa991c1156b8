// SPDX-License-Identifier: GPL-2.0-only
/*
 * Several threads issuing ioctls on one fd at once: every answer must
 * reach the thread that asked. Each thread maps its own IOVA with its own
 * length and checks every answer that depends on it (the IOAS id it got
 * still names its IOAS, UNMAP reports the length it mapped, DESTROY of
 * its own id succeeds), so a crossed reply shows up as a wrong value.
 */
#include <fcntl.h>
#include <linux/iommufd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "itest.h"

#define NTHREADS	6
#define ITERS		300
#define PAGE		4096ul

static int iommufd;
static uint8_t *mem;

struct worker {
	pthread_t tid;
	unsigned int idx;
	unsigned int errors;
	char first_error[128];
};

static void fail(struct worker *w, const char *what, long got)
{
	if (!w->errors++)
		snprintf(w->first_error, sizeof(w->first_error),
			 "%s (got %ld, errno %d)", what, got, errno);
}

static void one_round(struct worker *w, unsigned int it)
{
	size_t len = PAGE * (w->idx + 1);
	uint64_t iova = (1ull << 32) * (w->idx + 1) + it * (1ull << 24);
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
		.user_va = (uintptr_t)mem, .length = len, .iova = iova,
	};
	struct iommu_ioas_unmap un = { .size = sizeof(un), .iova = iova };
	long ioas = itest_ioas_alloc(iommufd);

	if (ioas <= 0)
		return fail(w, "IOAS_ALLOC", ioas);
	map.ioas_id = ioas;
	if (ioctl(iommufd, IOMMU_IOAS_MAP, &map) || map.iova != iova)
		fail(w, "MAP at my IOVA", (long)map.iova);
	if (itest_ioas_check(iommufd, ioas))
		fail(w, "IOVA_RANGES on my IOAS", ioas);
	un.ioas_id = ioas;
	un.length = len;
	if (ioctl(iommufd, IOMMU_IOAS_UNMAP, &un) || un.length != len)
		fail(w, "UNMAP reports my length", (long)un.length);
	if (itest_destroy(iommufd, ioas))
		fail(w, "DESTROY my IOAS", ioas);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned int it;

	for (it = 0; it < ITERS; it++)
		one_round(w, it);
	return NULL;
}

int main(void)
{
	struct worker w[NTHREADS];
	struct itest_stats base;
	unsigned int i, errors = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (itest_stats(&base))
		itest_die("stats");
	iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	mem = mmap(NULL, PAGE * NTHREADS, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (iommufd < 0 || mem == MAP_FAILED)
		itest_die("set-up");
	for (i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ .idx = i };
		if (pthread_create(&w[i].tid, NULL, worker_main, &w[i]))
			itest_die("pthread_create");
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(w[i].tid, NULL);
		CHECK(!w[i].errors, "thread %u: %u rounds, every answer its own%s%s",
		      i, ITERS, w[i].errors ? ": first wrong: " : "",
		      w[i].errors ? w[i].first_error : "");
		errors += w[i].errors;
	}
	CHECK(close(iommufd) == 0, "close after %u concurrent ioctls",
	      NTHREADS * ITERS * 5);
	CHECK(itest_stats_settle(&base, 1000), "counts back to baseline");
	return itest_done();
}
