// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioctl round trip through the interposer and the daemon, as a ratio to a
 * raw AF_UNIX SOCK_SEQPACKET ping-pong between two processes measured in
 * the same run with messages of the same sizes. Both are measured with
 * the two ends pinned to one CPU and to two different CPUs (the daemon's
 * pid comes from $UVFIO_RUNTIME_DIR/uvfiod.pid). Prints, asserts nothing.
 *
 *   uvfio run -- build/bench/bench-ioctl-rtt [ITERATIONS]
 */
#include <fcntl.h>
#include <linux/iommufd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client/client.h"
#include "uvfio/wire.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int pin(pid_t pid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(pid, sizeof(set), &set);
}

/* The echo end: answers each request with a response-sized message. */
static void echo(int sock, int cpu)
{
	char req[sizeof(struct uvfio_req) + 64];
	struct uvfio_resp resp = { 0 };

	pin(0, cpu);
	while (recv(sock, req, sizeof(req), 0) > 0)
		if (send(sock, &resp, sizeof(resp), 0) < 0)
			break;
	_exit(0);
}

/* Seconds per round trip of the raw ping-pong. */
static double raw_rtt(long iters, int cpu_client, int cpu_server)
{
	struct uvfio_req req = { .op = UVFIO_OP_IOCTL };
	struct uvfio_resp resp;
	int sv[2], status;
	double t0, t1;
	long i;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		echo(sv[1], cpu_server);
	}
	close(sv[1]);
	pin(0, cpu_client);
	for (i = 0; i < iters / 10; i++) {	/* warm up */
		send(sv[0], &req, sizeof(req), 0);
		recv(sv[0], &resp, sizeof(resp), 0);
	}
	t0 = now();
	for (i = 0; i < iters; i++) {
		send(sv[0], &req, sizeof(req), 0);
		recv(sv[0], &resp, sizeof(resp), 0);
	}
	t1 = now();
	close(sv[0]);
	waitpid(pid, &status, 0);
	return (t1 - t0) / iters;
}

static double uvfio_rtt(int iommufd, uint32_t ioas, long iters, pid_t daemon,
			int cpu_client, int cpu_daemon)
{
	struct iommu_iova_range r[4];
	struct iommu_ioas_iova_ranges q = {
		.size = sizeof(q), .ioas_id = ioas,
		.allowed_iovas = (uintptr_t)r,
	};
	double t0 = 0, t1;
	long i;

	pin(0, cpu_client);
	if (pin(daemon, cpu_daemon))
		perror("pinning the daemon");
	for (i = 0; i < iters / 10 + iters; i++) {
		if (i == iters / 10)
			t0 = now();
		q.num_iovas = 4;
		if (ioctl(iommufd, IOMMU_IOAS_IOVA_RANGES, &q)) {
			perror("IOMMU_IOAS_IOVA_RANGES");
			return -1;
		}
	}
	t1 = now();
	return (t1 - t0) / iters;
}

static void report(const char *what, double raw, double uv)
{
	printf("%-16s raw SEQPACKET %7.2f us   ioctl %7.2f us   ratio %.2fx\n",
	       what, raw * 1e6, uv * 1e6, uv / raw);
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 20000;
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN), iommufd;
	pid_t daemon = uvfio_client_daemon_pid(getenv(UVFIO_RUNTIME_DIR_ENV));
	cpu_set_t saved;
	double raw, uv;

	iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (daemon <= 0 || iommufd < 0 || ioctl(iommufd, IOMMU_IOAS_ALLOC, &a)) {
		fprintf(stderr, "bench-ioctl-rtt: run me under `uvfio run`\n");
		return 1;
	}
	sched_getaffinity(daemon, sizeof(saved), &saved);
	printf("ioctl round trip, %ld iterations, %d CPUs\n", iters, ncpu);

	raw = raw_rtt(iters, 0, 0);
	uv = uvfio_rtt(iommufd, a.out_ioas_id, iters, daemon, 0, 0);
	report("same CPU", raw, uv);
	if (ncpu > 1) {
		raw = raw_rtt(iters / 4, 0, 1);
		uv = uvfio_rtt(iommufd, a.out_ioas_id, iters / 4, daemon, 0, 1);
		report("different CPUs", raw, uv);
	} else {
		printf("different CPUs: only one CPU online\n");
	}
	sched_setaffinity(daemon, sizeof(saved), &saved);
	close(iommufd);
	return 0;
}
