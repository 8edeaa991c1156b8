// SPDX-License-Identifier: GPL-2.0-only
/*
 * Malformed wire messages and file descriptors of the wrong kind. The
 * messages go straight to the daemon's sockets, bypassing the interposer,
 * as a buggy or hostile client would send them: every one must get the
 * errno the daemon documents (EINVAL for a broken message, ENOENT for an
 * unknown node), the fds that came with it must be closed, and the
 * daemon must go on serving. Wrong-kind fds inside ioctl arguments get the
 * kernel's errno (EBADFD for a non-iommufd in BIND, EBADF for a number
 * that is not an open fd, EINVAL for a non-eventfd trigger).
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/client.h"
#include "itest.h"

#define HANGUP	1000	/* raw_call(): the daemon closed the connection */

static const char *rundir;
static pid_t daemon_pid;

static int daemon_fds(void)
{
	char path[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", daemon_pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/*
 * The daemon closes a broker connection just after answering on it, so a
 * reading taken right after a CTL request may still see that fd: wait
 * (up to a second) until the count reaches want, or, with want < 0, until
 * two readings 10 ms apart agree.
 */
static int daemon_fds_settled(int want)
{
	int prev = daemon_fds(), n = prev, i;

	for (i = 0; i < 100; i++) {
		usleep(10000);
		n = daemon_fds();
		if (want >= 0 ? n == want : n == prev)
			return n;
		prev = n;
	}
	return n;
}

static int raw_send(int sock, const void *buf, size_t len, const int *fds,
		    unsigned int nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 64)] = { 0 };
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (nfds) {
		msg.msg_control = cbuf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -errno;
}

/* The answer's ret (-errno or >= 0), or HANGUP. */
static long raw_recv(int sock)
{
	char buf[sizeof(struct uvfio_resp) + UVFIO_MAX_MSG];
	struct uvfio_resp resp;
	ssize_t n = recv(sock, buf, sizeof(buf), MSG_CMSG_CLOEXEC);

	if (n <= 0)
		return HANGUP;
	if ((size_t)n < sizeof(resp))
		return -EPROTO;
	memcpy(&resp, buf, sizeof(resp));
	return resp.ret;
}

static long raw_call(int sock, const void *buf, size_t len, const int *fds,
		     unsigned int nfds)
{
	int rc = raw_send(sock, buf, len, fds, nfds);

	return rc ? rc : raw_recv(sock);
}

/* A request header plus payload in one buffer. */
struct wire {
	struct uvfio_req req;
	char payload[UVFIO_MAX_MSG + 8192];
};

static size_t mk(struct wire *w, uint32_t op, const char *str, size_t len)
{
	memset(&w->req, 0, sizeof(w->req));
	w->req.op = op;
	w->req.payload_len = len;
	if (str)
		memcpy(w->payload, str, len);
	return sizeof(w->req) + len;
}

static long broker(const void *buf, size_t len, const int *fds, unsigned int n)
{
	int sock = uvfio_client_connect(rundir);
	long ret, after;

	if (sock < 0)
		return sock;
	ret = raw_call(sock, buf, len, fds, n);
	/* The broker answers one request, then hangs up. */
	after = raw_recv(sock);
	uvfio_client_close(sock);
	return after == HANGUP ? ret : -EPROTO;
}

static void broker_cases(void)
{
	static struct wire w;
	int p[2], many[40], i;
	size_t len;

	len = mk(&w, UVFIO_OP_OPEN, "/dev/iommu", 11);
	CHECK(broker(&w, 10, NULL, 0) == -EINVAL, "broker: short header -> EINVAL");
	w.req.payload_len = 100;
	CHECK(broker(&w, len, NULL, 0) == -EINVAL, "broker: payload_len too big -> EINVAL");
	w.req.payload_len = 2;
	CHECK(broker(&w, len, NULL, 0) == -EINVAL, "broker: payload_len too small -> EINVAL");
	w.req.payload_len = 11;
	w.req.nfds = 2;
	CHECK(broker(&w, len, NULL, 0) == -EINVAL, "broker: nfds 2, none sent -> EINVAL");
	if (pipe(p))
		itest_die("pipe");
	w.req.nfds = 0;
	CHECK(broker(&w, len, p, 2) == -EINVAL, "broker: 2 fds sent, nfds 0 -> EINVAL");
	for (i = 0; i < 40; i++)
		many[i] = p[i & 1];
	w.req.nfds = 40;
	CHECK(broker(&w, len, many, 40) == -EINVAL,
	      "broker: 40 fds, more than UVFIO_MAX_FDS -> EINVAL");
	close(p[0]);
	close(p[1]);
	len = mk(&w, UVFIO_OP_OPEN, NULL, UVFIO_MAX_MSG + 4096);
	memset(w.payload, 'a', UVFIO_MAX_MSG + 4096);
	CHECK(broker(&w, len, NULL, 0) == -EINVAL, "broker: oversized message -> EINVAL");
	len = mk(&w, 99, "/dev/iommu", 11);
	CHECK(broker(&w, len, NULL, 0) == -EINVAL, "broker: unknown op -> EINVAL");
	len = mk(&w, 0, "/dev/iommu", 11);
	CHECK(broker(&w, len, NULL, 0) == -EINVAL, "broker: op 0 -> EINVAL");
	len = mk(&w, UVFIO_OP_IOCTL, "/dev/iommu", 11);
	CHECK(broker(&w, len, NULL, 0) == -EINVAL, "broker: IOCTL -> EINVAL");
	len = mk(&w, UVFIO_OP_OPEN, "/dev/nonexistent", 17);
	CHECK(broker(&w, len, NULL, 0) == -ENOENT, "broker: OPEN of an unknown path -> ENOENT");
	len = mk(&w, UVFIO_OP_OPEN, "/dev/vfio/devices/vfio99", 25);
	CHECK(broker(&w, len, NULL, 0) == -ENOENT, "broker: OPEN of vfio99 -> ENOENT");
	len = mk(&w, UVFIO_OP_OPEN, "/dev/iommu", 10);
	CHECK(broker(&w, len, NULL, 0) == -EINVAL, "broker: path without NUL -> EINVAL");
	len = mk(&w, UVFIO_OP_OPEN, NULL, 0);
	CHECK(broker(&w, len, NULL, 0) == -EINVAL, "broker: empty path -> EINVAL");
	len = mk(&w, UVFIO_OP_CTL, "no-such-command", 16);
	CHECK(broker(&w, len, NULL, 0) == -EINVAL, "broker: unknown CTL -> EINVAL");
	CHECK(broker("", 0, NULL, 0) == -EINVAL, "broker: empty message -> EINVAL");
}

/* IOAS_ALLOC as a raw request on file connection sock. */
static long raw_ioas_alloc(int sock, struct iommu_ioas_alloc *a, const int *fds,
			   unsigned int nfds)
{
	struct uvfio_req req = { .op = UVFIO_OP_IOCTL, .cmd = IOMMU_IOAS_ALLOC,
				 .arg = (uintptr_t)a, .nfds = nfds };
	unsigned int i;

	for (i = 0; i < nfds; i++)
		req.fd_nums[i] = fds[i];
	*a = (struct iommu_ioas_alloc){ .size = sizeof(*a) };
	return raw_call(sock, &req, sizeof(req), fds, nfds);
}

static void file_cases(void)
{
	struct iommu_ioas_alloc a;
	struct uvfio_req req = { .op = UVFIO_OP_IOCTL };
	int sock = uvfio_client_open(rundir, "/dev/iommu", O_CLOEXEC);
	int p[2];

	CHECK(sock >= 0, "raw open of /dev/iommu");
	CHECK(raw_ioas_alloc(sock, &a, NULL, 0) == 0 && a.out_ioas_id,
	      "file: a well-formed raw IOAS_ALLOC works");
	CHECK(raw_call(sock, &req, 8, NULL, 0) == -EINVAL, "file: short header -> EINVAL");
	req.payload_len = 64;
	CHECK(raw_call(sock, &req, sizeof(req), NULL, 0) == -EINVAL,
	      "file: payload_len mismatch -> EINVAL");
	req.payload_len = 0;
	req.nfds = 3;
	CHECK(raw_call(sock, &req, sizeof(req), NULL, 0) == -EINVAL,
	      "file: nfds mismatch -> EINVAL");
	req.nfds = 0;
	req.op = 77;
	CHECK(raw_call(sock, &req, sizeof(req), NULL, 0) == -EINVAL, "file: unknown op -> EINVAL");
	req.op = UVFIO_OP_OPEN;
	CHECK(raw_call(sock, &req, sizeof(req), NULL, 0) == -EINVAL, "file: OPEN -> EINVAL");
	req = (struct uvfio_req){ .op = UVFIO_OP_IOCTL, .cmd = 0xdead };
	CHECK(raw_call(sock, &req, sizeof(req), NULL, 0) == -ENOTTY,
	      "file: unknown ioctl -> ENOTTY");
	req = (struct uvfio_req){ .op = UVFIO_OP_READ, .len = 8, .arg = 0 };
	CHECK(raw_call(sock, &req, sizeof(req), NULL, 0) == -EINVAL,
	      "file: read of /dev/iommu -> EINVAL");
	req = (struct uvfio_req){ .op = UVFIO_OP_MMIO, .len = 1 << 20 };
	CHECK(raw_call(sock, &req, sizeof(req), NULL, 0) < 0, "file: huge MMIO refused");
	req = (struct uvfio_req){ .op = UVFIO_OP_LSEEK, .flags = 9 };
	CHECK(raw_call(sock, &req, sizeof(req), NULL, 0) == -EINVAL,
	      "file: lseek with a bad whence -> EINVAL");
	CHECK(raw_call(sock, "", 0, NULL, 0) == -EINVAL,
	      "file: empty message -> EINVAL, not a hang-up");
	if (pipe(p))
		itest_die("pipe");
	CHECK(raw_ioas_alloc(sock, &a, p, 2) == 0,
	      "file: unneeded fds with a request are harmless");
	close(p[0]);
	close(p[1]);
	CHECK(raw_ioas_alloc(sock, &a, NULL, 0) == 0 && a.out_ioas_id,
	      "file: the connection still serves after all that");
	uvfio_client_close(sock);
}

static void bind_with(int dev, int fd, int want, const char *what)
{
	struct vfio_device_bind_iommufd b = { .argsz = sizeof(b), .iommufd = fd };

	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b), want,
		    "BIND_IOMMUFD with %s", what);
}

static void raw_bind_without_fd(void)
{
	struct vfio_device_bind_iommufd b = { .argsz = sizeof(b), .iommufd = 5 };
	struct uvfio_req req = { .op = UVFIO_OP_IOCTL,
				 .cmd = VFIO_DEVICE_BIND_IOMMUFD,
				 .arg = (uintptr_t)&b };
	int sock = uvfio_client_open(rundir, "/dev/vfio/devices/vfio1", O_CLOEXEC);

	CHECK(raw_call(sock, &req, sizeof(req), NULL, 0) == -EBADF,
	      "raw BIND naming an fd number that was not sent -> EBADF");
	uvfio_client_close(sock);
}

static void set_irqs_with(int dev, int32_t fd, int want, const char *what)
{
	char buf[sizeof(struct vfio_irq_set) + 4];
	struct vfio_irq_set *s = (void *)buf;

	*s = (struct vfio_irq_set){
		.argsz = sizeof(buf), .index = VFIO_PCI_MSI_IRQ_INDEX,
		.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		.count = 1,
	};
	memcpy(s->data, &fd, 4);
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_SET_IRQS, s), want,
		    "SET_IRQS(MSI) with %s", what);
}

static void wrong_kind_fds(void)
{
	int dev = open(ITEST_CDEV, O_RDWR | O_CLOEXEC);
	int dev1 = open("/dev/vfio/devices/vfio1", O_RDWR | O_CLOEXEC);
	int efd = eventfd(0, EFD_CLOEXEC), iommufd, p[2];
	struct vfio_device_bind_iommufd b = { .argsz = sizeof(b) };

	if (dev < 0 || dev1 < 0 || efd < 0 || pipe(p))
		itest_die("open");
	bind_with(dev, p[0], EBADFD, "a pipe");
	bind_with(dev, efd, EBADFD, "an eventfd");
	bind_with(dev, dev1, EBADFD, "another device's fd");
	bind_with(dev, 999, EBADF, "an fd number that is not open");
	bind_with(dev, -1, EINVAL, "iommufd -1");
	raw_bind_without_fd();
	iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	b.iommufd = iommufd;
	CHECK(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b) == 0, "BIND with the real iommufd");
	set_irqs_with(dev, p[1], EINVAL, "a pipe as the trigger");
	set_irqs_with(dev, 999, EBADF, "an fd number that is not open");
	close(p[0]);
	close(p[1]);
	close(efd);
	close(dev1);
	close(dev);
	close(iommufd);
}

int main(void)
{
	struct itest_stats base;
	struct itest_edu e;
	int fds0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	rundir = getenv(UVFIO_RUNTIME_DIR_ENV);
	daemon_pid = uvfio_client_daemon_pid(rundir);
	if (daemon_pid <= 0 || itest_stats(&base))
		itest_die("daemon");
	fds0 = daemon_fds_settled(-1);
	broker_cases();
	file_cases();
	wrong_kind_fds();
	CHECK(itest_stats_settle(&base, 1000), "counts back to baseline");
	CHECK(daemon_fds_settled(fds0) == fds0,
	      "the daemon holds as many fds as before (%d)", fds0);
	CHECK(itest_edu_setup(&e, ITEST_CDEV) == 0 && itest_edu_dma_roundtrip(&e) == 0,
	      "the daemon still serves: edu DMA works");
	itest_edu_close(&e);
	CHECK(itest_stats_settle(&base, 1000), "counts back after the DMA");
	return itest_done();
}
