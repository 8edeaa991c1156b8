// SPDX-License-Identifier: GPL-2.0-only
/*
 * Client transport: one SOCK_SEQPACKET message per request and one per
 * answer, fds in SCM_RIGHTS.
 *
 * SEQPACKET keeps message boundaries and a message is sent or not sent
 * whole, so a request can be retried after EINTR without being doubled
 * and an answer is never read half. What can go wrong is the pairing:
 * if a request were sent and its answer then abandoned, the next caller
 * would read it. So once a request is out, this code waits for its
 * answer however it is interrupted (EINTR, or EAGAIN on a connection the
 * program made non-blocking).
 *
 * Raw system calls keep the interposer's own wrappers (close, recvmsg)
 * out of the way: this code runs inside them.
 */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "client/client.h"
#include "uvfio/spin.h"

static int sys_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}

/* Wait until fd is ready for events; the program may have set O_NONBLOCK. */
static void wait_ready(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	syscall(SYS_ppoll, &p, 1, NULL, NULL, 0);
}

static int send_req(int fd, struct uvfio_msg *m)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * UVFIO_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov[2] = {
		{ .iov_base = &m->req, .iov_len = sizeof(m->req) },
		{ .iov_base = (void *)m->payload, .iov_len = m->req.payload_len },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	unsigned int i;

	if (m->n_fds > UVFIO_MAX_FDS)
		return -E2BIG;
	if (m->req.payload_len && !m->payload)
		return -EINVAL;
	m->req.nfds = m->n_fds;
	for (i = 0; i < m->n_fds; i++)
		m->req.fd_nums[i] = m->fds[i];
	if (m->n_fds) {
		struct cmsghdr *c;

		msg.msg_control = ctl.b;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * m->n_fds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * m->n_fds);
		memcpy(CMSG_DATA(c), m->fds, sizeof(int) * m->n_fds);
	}
	for (;;) {
		long n = syscall(SYS_sendmsg, fd, &msg, MSG_NOSIGNAL);

		if (n >= 0)
			return 0;
		if (errno == EAGAIN)
			wait_ready(fd, POLLOUT);
		else if (errno != EINTR)
			return -errno;
	}
}

/* Collect SCM_RIGHTS fds into m->ans_fds; returns how many, or -EPROTO. */
static int take_fds(struct msghdr *msg, struct uvfio_msg *m)
{
	struct cmsghdr *c;
	int n = 0, bad = 0;

	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		unsigned int i, k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (n < UVFIO_RESP_MAX_FDS) {
				m->ans_fds[n++] = fd;
			} else {
				sys_close(fd);
				bad = 1;
			}
		}
	}
	return bad ? -EPROTO : n;
}

static void drop_fds(struct uvfio_msg *m, int n)
{
	while (n > 0)
		sys_close(m->ans_fds[--n]);
}

static int recv_ans(int fd, struct uvfio_msg *m, int recv_flags)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * UVFIO_RESP_MAX_FDS) +
		       CMSG_SPACE(sizeof(struct ucred)) + 64];
		struct cmsghdr align;
	} ctl;
	struct iovec iov[2] = {
		{ .iov_base = &m->resp, .iov_len = sizeof(m->resp) },
		{ .iov_base = m->ans, .iov_len = m->ans ? m->ans_cap : 0 },
	};
	struct msghdr msg = {
		.msg_iov = iov, .msg_iovlen = 2,
		.msg_control = ctl.b, .msg_controllen = sizeof(ctl.b),
	};
	long n;
	uint64_t deadline = uvfio_spin_open();
	bool spinning = true;
	int nfds;

	for (;;) {
		/* see uvfio/spin.h */
		if (spinning) {
			n = syscall(SYS_recvmsg, fd, &msg,
				    (recv_flags & MSG_CMSG_CLOEXEC) | MSG_DONTWAIT);
			if (n < 0 && errno == EAGAIN) {
				spinning = uvfio_spin_again(deadline);
				continue;
			}
		} else {
			n = syscall(SYS_recvmsg, fd, &msg,
				    recv_flags & MSG_CMSG_CLOEXEC);
		}
		if (n >= 0)
			break;
		if (errno == EAGAIN)
			wait_ready(fd, POLLIN);
		else if (errno != EINTR)
			return -errno;
	}
	nfds = take_fds(&msg, m);
	if (n == 0 && nfds == 0)
		return -ECONNRESET;
	if (nfds < 0 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    (size_t)n < sizeof(m->resp) ||
	    m->resp.payload_len != (size_t)n - sizeof(m->resp) ||
	    m->resp.nfds != (uint32_t)nfds) {
		drop_fds(m, nfds > 0 ? nfds : 0);
		m->resp.nfds = 0;
		return (msg.msg_flags & MSG_TRUNC) ? -EMSGSIZE : -EPROTO;
	}
	return 0;
}

int uvfio_client_call(int fd, struct uvfio_msg *m, int recv_flags)
{
	int rc = send_req(fd, m);

	if (rc)
		return rc;
	memset(&m->resp, 0, sizeof(m->resp));
	return recv_ans(fd, m, recv_flags);
}

int uvfio_client_sock_path(const char *rundir, char *buf, size_t len)
{
	int n;

	if (!rundir || !*rundir)
		return -ENOENT;
	n = snprintf(buf, len, "%s/%s", rundir, UVFIO_SOCKET_NAME);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int uvfio_client_connect(const char *rundir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, rc;

	rc = uvfio_client_sock_path(rundir, sa.sun_path, sizeof(sa.sun_path));
	if (rc)
		return rc;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/*
	 * The daemon sets SO_PASSCRED on the socket it accepts, but only after
	 * accept(); setting it on our end too makes the kernel attach our
	 * credentials to the request whatever the timing.
	 */
	setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &(int){ 1 }, sizeof(int));
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (errno == EINTR)
			continue;
		rc = -errno;
		sys_close(fd);
		return rc;
	}
	return fd;
}

int uvfio_client_close(int fd)
{
	return sys_close(fd) ? -errno : 0;
}

/* One broker round trip on connection fd: op on payload str. */
static int broker_call(int fd, uint32_t op, uint32_t flags, const char *str,
		       struct uvfio_msg *m, int recv_flags)
{
	size_t len = strlen(str) + 1;

	if (len > UVFIO_MAX_MSG)
		return op == UVFIO_OP_CTL ? -E2BIG : -ENAMETOOLONG;
	m->req.op = op;
	m->req.flags = flags;
	m->req.payload_len = (uint32_t)len;
	m->payload = str;
	return uvfio_client_call(fd, m, recv_flags);
}

static int resp_errno(const struct uvfio_msg *m)
{
	return m->resp.ret < -4095 ? -EPROTO : (int)m->resp.ret;
}

int uvfio_client_open_on(int broker, const char *path, int flags)
{
	struct uvfio_msg m = { 0 };
	int rc;

	rc = broker_call(broker, UVFIO_OP_OPEN, (uint32_t)flags, path, &m,
			 (flags & O_CLOEXEC) ? MSG_CMSG_CLOEXEC : 0);
	if (rc)
		return rc;
	if (m.resp.ret < 0) {
		drop_fds(&m, (int)m.resp.nfds);
		return resp_errno(&m);
	}
	if (m.resp.nfds != 1 || m.resp.fds[0].place != UVFIO_FD_RET) {
		drop_fds(&m, (int)m.resp.nfds);
		return -EPROTO;
	}
	return m.ans_fds[0];
}

int uvfio_client_stat_on(int broker, const char *path,
			 struct uvfio_stat *ret_st)
{
	struct uvfio_stat st;
	struct uvfio_msg m = { .ans = &st, .ans_cap = sizeof(st) };
	int rc;

	rc = broker_call(broker, UVFIO_OP_FSTAT, 0, path, &m, MSG_CMSG_CLOEXEC);
	if (rc)
		return rc;
	drop_fds(&m, (int)m.resp.nfds);
	if (m.resp.ret < 0)
		return resp_errno(&m);
	if (m.resp.payload_len != sizeof(st))
		return -EPROTO;
	*ret_st = st;
	return 0;
}

int uvfio_client_open(const char *rundir, const char *path, int flags)
{
	int fd = uvfio_client_connect(rundir);
	int rc;

	if (fd < 0)
		return fd;
	rc = uvfio_client_open_on(fd, path, flags);
	sys_close(fd);
	return rc;
}

int uvfio_client_stat(const char *rundir, const char *path,
		      struct uvfio_stat *ret_st)
{
	int fd = uvfio_client_connect(rundir);
	int rc;

	if (fd < 0)
		return fd;
	rc = uvfio_client_stat_on(fd, path, ret_st);
	sys_close(fd);
	return rc;
}

int uvfio_client_ctl(const char *rundir, const char *cmd, char **ret_text)
{
	struct uvfio_msg m = { .ans_cap = UVFIO_CTL_MAX };
	int fd, rc;

	fd = uvfio_client_connect(rundir);
	if (fd < 0)
		return fd;
	m.ans = malloc(UVFIO_CTL_MAX + 1);
	if (!m.ans) {
		rc = -ENOMEM;
		goto err_close;
	}
	rc = broker_call(fd, UVFIO_OP_CTL, 0, cmd, &m, MSG_CMSG_CLOEXEC);
	if (rc)
		goto err_free;
	drop_fds(&m, (int)m.resp.nfds);
	if (m.resp.ret < 0) {
		rc = resp_errno(&m);
		goto err_free;
	}
	sys_close(fd);
	((char *)m.ans)[m.resp.payload_len] = '\0';
	*ret_text = m.ans;
	return (int)m.resp.payload_len;
err_free:
	free(m.ans);
err_close:
	sys_close(fd);
	return rc;
}

pid_t uvfio_client_daemon_pid(const char *rundir)
{
	char path[PATH_MAX], buf[32];
	long n, pid;
	char *end;
	int fd;

	if (!rundir || !*rundir)
		return -ENOENT;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", rundir,
			     UVFIO_PID_FILE) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do {
		n = syscall(SYS_read, fd, buf, sizeof(buf) - 1);
	} while (n < 0 && errno == EINTR);
	sys_close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ENODATA;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	if (end == buf || pid <= 0 || pid > INT_MAX)
		return -EINVAL;
	return (pid_t)pid;
}
