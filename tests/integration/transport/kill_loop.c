// SPDX-License-Identifier: GPL-2.0-only
/*
 * SIGKILL at random points, in a loop. Each child opens /dev/iommu and an
 * edu cdev, binds, allocates and attaches an IOAS, maps memory, then keeps
 * a second thread spinning ioctls and region reads while the main thread
 * maps, unmaps and starts DMA; the parent kills it after a random delay,
 * so the kill lands anywhere: before open, mid-bind, between a request
 * and its answer. Afterwards the daemon's counts (files, connections,
 * mms, objects) must be back at the baseline taken before the first
 * child, and an edu DMA must still work.
 *
 *   kill_loop [ITERATIONS]   (default 300)
 */
#include <fcntl.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"

static const char *const cdevs[] = {
	"/dev/vfio/devices/vfio0", "/dev/vfio/devices/vfio1",
};

static struct itest_edu child_edu;

static void *spinner(void *arg)
{
	struct itest_edu *e = arg;
	uint32_t v;

	for (;;) {
		long ioas = itest_ioas_alloc(e->iommufd);

		itest_ioas_check(e->iommufd, e->ioas);
		if (ioas > 0)
			itest_destroy(e->iommufd, ioas);
		if (pread(e->dev, &v, 4, e->bar0) < 0)
			break;
	}
	return NULL;
}

/* Bind may see EINVAL while the daemon is still releasing the last child. */
static int child_setup(struct itest_edu *e, const char *cdev)
{
	int tries, rc = -EINVAL;

	for (tries = 0; tries < 200 && rc; tries++) {
		rc = itest_edu_setup(e, cdev);
		if (rc == -EINVAL || rc == -EBUSY) {
			itest_edu_close(e);
			usleep(1000);
			continue;
		}
	}
	return rc;
}

static void child_main(const char *cdev)
{
	struct iommu_ioas_unmap un = { .size = sizeof(un) };
	struct itest_edu *e = &child_edu;
	pthread_t tid;

	if (child_setup(e, cdev))
		_exit(3);
	if (pthread_create(&tid, NULL, spinner, e))
		_exit(4);
	for (;;) {
		itest_edu_dma_roundtrip(e);
		un.ioas_id = e->ioas;
		un.iova = ITEST_IOVA;
		un.length = 8192;
		ioctl(e->iommufd, IOMMU_IOAS_UNMAP, &un);
		itest_edu_close(e);
		if (child_setup(e, cdev))
			_exit(5);
	}
}

static unsigned int rnd(unsigned int *seed, unsigned int max)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 8) % max;
}

int main(int argc, char **argv)
{
	unsigned int iters = argc > 1 ? (unsigned int)atoi(argv[1]) : 300;
	unsigned int seed = (unsigned int)time(NULL), i, early = 0, setup_fail = 0;
	struct itest_stats base, end;
	struct timespec t0, t1;
	struct itest_edu e;
	double secs;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("seed %u, %u iterations\n", seed, iters);
	if (itest_stats(&base))
		itest_die("stats");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < iters; i++) {
		unsigned int delay = rnd(&seed, 4000);	/* µs */
		int status;
		pid_t pid = fork();

		if (pid < 0)
			itest_die("fork");
		if (pid == 0)
			child_main(cdevs[i % 2]);
		usleep(delay);
		kill(pid, SIGKILL);
		if (waitpid(pid, &status, 0) != pid)
			itest_die("waitpid");
		if (!WIFSIGNALED(status)) {
			early++;
			setup_fail += WIFEXITED(status) && WEXITSTATUS(status);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK(true, "%u children killed in %.2f s (%u exited on their own)",
	      iters, secs, early);
	CHECK(setup_fail == 0, "no child failed to set up (%u did)", setup_fail);
	CHECK(itest_stats_settle(&base, 3000),
	      "files, connections, mms, objects back at the baseline");
	if (itest_stats(&end))
		itest_die("stats");
	CHECK(end.requests > base.requests,
	      "the daemon served %ld requests meanwhile",
	      end.requests - base.requests);
	CHECK(itest_edu_setup(&e, cdevs[0]) == 0 && itest_edu_dma_roundtrip(&e) == 0,
	      "edu DMA still works after the massacre");
	itest_edu_close(&e);
	CHECK(itest_stats_settle(&base, 1000), "and releases everything again");
	return itest_done();
}
