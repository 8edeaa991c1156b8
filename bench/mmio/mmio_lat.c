// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench-mmio-lat: the cost of one register read on an mmapped BAR (a
 * trapped load: SIGSEGV, decode, one request to the daemon, resume),
 * against the same read through pread() on the device fd, and against a
 * raw AF_UNIX SOCK_SEQPACKET round trip between two processes with
 * request- and response-sized messages (the floor either path pays).
 *
 *   uvfio run -- bench-mmio-lat [ITERATIONS]
 *
 * Uses the first edu device; prints ns per operation and the ratios.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "bench-mmio-lat: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int open_edu(void)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	int dev = open("/dev/vfio/devices/vfio0", O_RDWR | O_CLOEXEC);
	int iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);

	if (dev < 0 || iommufd < 0)
		die("open");
	bind.iommufd = iommufd;
	if (ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		die("bind");
	return dev;
}

static double seqpacket_rtt(long n)
{
	char req[64] = { 0 }, resp[32];
	int sv[2];
	double t0, t;
	pid_t pid;
	long i;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		die("socketpair");
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		while (read(sv[1], req, sizeof(req)) > 0)
			if (write(sv[1], resp, sizeof(resp)) != sizeof(resp))
				break;
		_exit(0);
	}
	close(sv[1]);
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (write(sv[0], req, sizeof(req)) != sizeof(req) ||
		    read(sv[0], resp, sizeof(resp)) <= 0)
			die("seqpacket");
	t = (now_ns() - t0) / n;
	close(sv[0]);
	waitpid(pid, NULL, 0);
	return t;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000, i;
	volatile uint32_t *bar;
	double t0, t_mmio, t_pread, t_sock;
	uint32_t v, sum = 0;
	int dev;

	if (n <= 0)
		n = 20000;
	dev = open_edu();
	bar = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, dev, 0);
	if (bar == MAP_FAILED)
		die("mmap BAR0");

	t0 = now_ns();
	for (i = 0; i < n; i++)
		sum += bar[0];
	t_mmio = (now_ns() - t0) / n;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (pread(dev, &v, 4, 0) != 4)
			die("pread");
		sum += v;
	}
	t_pread = (now_ns() - t0) / n;

	t_sock = seqpacket_rtt(n);
	printf("iterations        %ld (checksum %u)\n", n, sum);
	printf("trapped mmio load %9.0f ns\n", t_mmio);
	printf("pread of BAR0     %9.0f ns\n", t_pread);
	printf("seqpacket rtt     %9.0f ns\n", t_sock);
	printf("ratio mmio/pread  %9.2f\n", t_mmio / t_pread);
	printf("ratio mmio/rtt    %9.2f\n", t_mmio / t_sock);
	printf("ratio pread/rtt   %9.2f\n", t_pread / t_sock);
	munmap((void *)bar, 4096);
	close(dev);
	return 0;
}
