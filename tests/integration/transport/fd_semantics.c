// SPDX-License-Identifier: GPL-2.0-only
/*
 * The open file is the connection: close, dup, dup2, F_DUPFD_CLOEXEC,
 * fork, FD_CLOEXEC across exec and SCM_RIGHTS passing to another process
 * must behave as they do on a kernel file, and the daemon must release
 * the file only when the last copy of it is closed.
 *
 * An IOAS allocated on an iommufd is the witness: it exists exactly as
 * long as the file does, and any copy of the fd reaches it.
 *
 * Run as "fd_semantics --exec-check CLOEXEC_FD KEPT_FD IOAS" it is the
 * helper exec'ed by the FD_CLOEXEC case.
 */
#include <fcntl.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

static struct itest_stats base;

static int open_iommufd(int flags)
{
	int fd = open("/dev/iommu", O_RDWR | flags);

	if (fd < 0)
		itest_die("open /dev/iommu");
	return fd;
}

static void test_close(void)
{
	int fd = open_iommufd(O_CLOEXEC);
	struct iommu_ioas_alloc a = { .size = sizeof(a) };

	CHECK(fd > 2, "open /dev/iommu gives a real fd (%d)", fd);
	CHECK(close(fd) == 0, "close returns 0");
	CHECK_ERRNO(close(fd), EBADF, "second close is EBADF");
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_ALLOC, &a), EBADF,
		    "ioctl on a closed fd is EBADF");
	CHECK(itest_stats_settle(&base, 1000), "close released the file");
}

/*
 * The kernel shows /dev/iommu here; uvfio's fd is its socket, and the
 * interposer does not rewrite /proc/self/fd links (docs/deviations.md,
 * "Transport"). Either answer passes; anything else is a bug.
 */
static void test_proc_fd_link(void)
{
	int fd = open_iommufd(O_CLOEXEC);
	char path[64], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	CHECK(!strcmp(link, "/dev/iommu") || !strncmp(link, "socket:[", 8),
	      "readlink %s = %s (kernel: /dev/iommu; socket: documented deviation)",
	      path, link);
	close(fd);
}

static void test_dup(void)
{
	int fd = open_iommufd(O_CLOEXEC), fd2, fd3, fd4;
	long ioas = itest_ioas_alloc(fd);

	CHECK(ioas > 0, "IOAS_ALLOC on the original fd");
	fd2 = dup(fd);
	CHECK(fd2 > 0 && fd2 != fd, "dup gives a new number");
	CHECK(itest_ioas_check(fd2, ioas) == 0, "the dup reaches the same IOAS");
	fd3 = dup2(fd, 77);
	CHECK(fd3 == 77, "dup2 to 77");
	fd4 = fcntl(fd, F_DUPFD_CLOEXEC, 200);
	CHECK(fd4 >= 200, "F_DUPFD_CLOEXEC gives a number >= 200 (%d)", fd4);
	CHECK(fcntl(fd4, F_GETFD) == FD_CLOEXEC, "and it is close-on-exec");
	CHECK(fcntl(fd3, F_GETFD) == 0, "dup2's copy is not close-on-exec");
	CHECK(close(fd) == 0, "close the original");
	CHECK(itest_ioas_check(fd3, ioas) == 0, "the IOAS lives on in the dup2 copy");
	CHECK(itest_ioas_check(fd4, ioas) == 0, "and in the F_DUPFD_CLOEXEC copy");
	close(fd2);
	close(fd3);
	CHECK(itest_ioas_check(fd4, ioas) == 0, "last copy still works");
	/* dup2 over a live uvfio fd closes what was there, as the kernel does. */
	fd = open_iommufd(O_CLOEXEC);
	CHECK(dup2(fd, fd4) == fd4, "dup2 over the last copy");
	CHECK(itest_ioas_check(fd4, ioas) == -ENOENT,
	      "dup2 put the new file at that number (old IOAS id unknown there)");
	close(fd);
	close(fd4);
	CHECK(itest_stats_settle(&base, 1000), "counts back to baseline after dup");
}

static void test_fork(void)
{
	int fd = open_iommufd(O_CLOEXEC), go[2], status;
	long ioas = itest_ioas_alloc(fd);
	char c = 0;
	pid_t pid;

	CHECK(ioas > 0, "IOAS before fork");
	if (pipe(go))
		itest_die("pipe");
	pid = fork();
	if (pid < 0)
		itest_die("fork");
	if (pid == 0) {
		int bad = 0;

		close(go[1]);
		/* Wait until the parent has closed its copy. */
		if (read(go[0], &c, 1) != 1)
			_exit(10);
		bad |= itest_ioas_check(fd, ioas) != 0;
		bad |= itest_ioas_alloc(fd) <= 0;
		bad |= close(fd) != 0;
		_exit(bad);
	}
	close(go[0]);
	CHECK(close(fd) == 0, "parent closes its copy after fork");
	if (write(go[1], &c, 1) != 1)
		itest_die("write");
	close(go[1]);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0,
	      "child still reaches the IOAS through the inherited fd (status %#x)",
	      status);
	CHECK(itest_stats_settle(&base, 1000), "counts back after the child closed");
}

static int exec_check(char **argv)
{
	int cl = atoi(argv[2]), kept = atoi(argv[3]);
	long ioas = atol(argv[4]);

	CHECK(fcntl(cl, F_GETFD) == -1 && errno == EBADF,
	      "exec closed the FD_CLOEXEC fd %d", cl);
	CHECK(fcntl(kept, F_GETFD) == 0, "exec kept fd %d", kept);
	CHECK(itest_ioas_check(kept, ioas) == 0,
	      "the kept fd still reaches its IOAS after exec");
	CHECK(itest_ioas_alloc(kept) > 0, "and serves new requests");
	return itest_done();
}

static void test_exec(void)
{
	int cl = open_iommufd(O_CLOEXEC), kept = open_iommufd(0), status;
	long ioas = itest_ioas_alloc(kept);
	char a1[16], a2[16], a3[16];
	pid_t pid;

	CHECK(ioas > 0, "IOAS on the fd that survives exec");
	snprintf(a1, sizeof(a1), "%d", cl);
	snprintf(a2, sizeof(a2), "%d", kept);
	snprintf(a3, sizeof(a3), "%ld", ioas);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", "fd_semantics", "--exec-check", a1, a2,
		      a3, (char *)NULL);
		_exit(127);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0,
	      "exec'ed helper saw FD_CLOEXEC honoured (status %#x)", status);
	close(cl);
	close(kept);
	CHECK(itest_stats_settle(&base, 1000), "counts back after exec");
}

static int send_fds(int sock, const int *fds, int n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)] = { 0 };
	struct iovec iov = { .iov_base = "F", .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = CMSG_SPACE(sizeof(int) * n),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fds(int sock, int *fds, int n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	char b;
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int) * n))
		return -1;
	memcpy(fds, CMSG_DATA(c), sizeof(int) * n);
	return 0;
}

/* The receiving process: "QEMU", given the fds "libvirt" opened. */
static int scm_user(int sock, long ioas)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int fds[2], bad = 0;

	if (recv_fds(sock, fds, 2))
		return 20;
	bad |= (itest_ioas_check(fds[0], ioas) != 0) << 0;
	bind.iommufd = fds[0];
	bad |= (ioctl(fds[1], VFIO_DEVICE_BIND_IOMMUFD, &bind) != 0) << 1;
	at.pt_id = ioas;
	bad |= (ioctl(fds[1], VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at) != 0) << 2;
	bad |= (ioctl(fds[1], VFIO_DEVICE_GET_INFO, &info) != 0 ||
		info.num_regions < 9) << 3;
	close(fds[1]);
	close(fds[0]);
	return bad;
}

static void test_scm_rights(void)
{
	int sv[2], fds[2], status;
	long ioas;
	pid_t pid;

	fds[0] = open_iommufd(O_CLOEXEC);
	fds[1] = open(ITEST_CDEV, O_RDWR | O_CLOEXEC);
	CHECK(fds[1] >= 0, "open %s", ITEST_CDEV);
	ioas = itest_ioas_alloc(fds[0]);
	CHECK(ioas > 0, "IOAS allocated by the opener");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		itest_die("socketpair");
	pid = fork();
	if (pid == 0) {
		/* Use only what comes over the socket, not fork's copies. */
		close(fds[0]);
		close(fds[1]);
		close(sv[0]);
		_exit(scm_user(sv[1], ioas));
	}
	close(sv[1]);
	CHECK(send_fds(sv[0], fds, 2) == 0, "SCM_RIGHTS send of iommufd + device fd");
	close(fds[0]);
	close(fds[1]);
	close(sv[0]);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0,
	      "receiver found the IOAS, bound, attached and queried the device "
	      "(status %#x: bit0 ioas, 1 bind, 2 attach, 3 info)", status);
	CHECK(itest_stats_settle(&base, 1000), "counts back after SCM_RIGHTS");
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "--exec-check"))
		return exec_check(argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (itest_stats(&base))
		itest_die("stats");
	test_close();
	test_proc_fd_link();
	test_dup();
	test_fork();
	test_exec();
	test_scm_rights();
	return itest_done();
}
