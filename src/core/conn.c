// SPDX-License-Identifier: GPL-2.0-only
/*
 * Connections and the main loop: the daemon's system-call entry.
 *
 * Two kinds of connection: broker connections (accepted on the daemon's
 * socket; they carry one OPEN, STAT, CTL or DMA_AGENT and are closed)
 * and file connections (one per open file, created with socketpair(),
 * alive as long as some process holds the client end). A request is
 * read, run to completion under uvfio_big_lock, and answered; the daemon
 * never waits on a client, so one slow or dead client cannot stall the
 * others. (The one exception is a client's DMA agent: core/dma_agent.c
 * waits for its answers a bounded time and gives up on an agent that
 * keeps the daemon waiting.)
 *
 * A hang-up on a file connection drops the connection's reference to the
 * file: the kernel's release() runs when nothing else holds the file.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/ctl.h"
#include "core/daemon.h"
#include "core/dma_agent.h"
#include "core/file.h"
#include "core/log.h"
#include "core/uaccess.h"
#include "core/util.h"
#include "uvfio/spin.h"

enum conn_kind {
	CONN_NONE, CONN_LISTEN, CONN_BROKER, CONN_FILE, CONN_SIGNAL, CONN_WATCH,
};

struct conn {
	enum conn_kind kind;
	struct uvfio_file *file;
	void (*watch_cb)(void *data);	/* CONN_WATCH */
	void *watch_data;
};

static int epfd = -1;
static struct conn *conns;	/* indexed by the daemon's fd number */
static unsigned int nconns;
static unsigned int live_conns;
static bool stopping;
static unsigned long nrequests;

pthread_mutex_t uvfio_big_lock = PTHREAD_MUTEX_INITIALIZER;
struct uvfio_daemon_opts uvfio_opts;

static int conn_add(int fd, enum conn_kind kind, struct uvfio_file *file)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.fd = fd };

	if ((unsigned int)fd >= nconns) {
		unsigned int n = max_t(unsigned int, 64, (unsigned int)fd * 2);
		struct conn *c = uvfio_realloc(conns, n, sizeof(*c));

		if (!c)
			return -ENOMEM;
		memset(c + nconns, 0, (n - nconns) * sizeof(*c));
		conns = c;
		nconns = n;
	}
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	conns[fd] = (struct conn){ .kind = kind, .file = file };
	live_conns++;
	return 0;
}

static void conn_del(int fd)
{
	epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
	conns[fd] = (struct conn){ 0 };
	close(fd);
	live_conns--;
}

int uvfio_conn_add_file(struct uvfio_file *file)
{
	return conn_add(file->conn_fd, CONN_FILE, file);
}

void uvfio_conn_close_file(struct uvfio_file *file)
{
	if (file->conn_fd < 0)
		return;
	conn_del(file->conn_fd);
	file->conn_fd = -1;
}

int uvfio_watch_fd(int fd, void (*cb)(void *data), void *data)
{
	int rc = conn_add(fd, CONN_WATCH, NULL);

	if (rc)
		return rc;
	conns[fd].watch_cb = cb;
	conns[fd].watch_data = data;
	return 0;
}

void uvfio_unwatch_fd(int fd)
{
	if (fd < 0 || (unsigned int)fd >= nconns || conns[fd].kind != CONN_WATCH)
		return;
	/* The fd stays open: it belongs to the caller. */
	epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
	conns[fd] = (struct conn){ 0 };
	live_conns--;
}

/* Client processes' exits, reported through their pidfds. */
static const struct uvfio_mm_watcher pidfd_watcher = {
	.watch = uvfio_watch_fd,
	.unwatch = uvfio_unwatch_fd,
};

static void handle_watch(int fd)
{
	uint64_t v;

	/* Consume the event (eventfd counter) before reporting it. */
	if (read(fd, &v, sizeof(v)) < 0 && errno == EAGAIN)
		return;
	conns[fd].watch_cb(conns[fd].watch_data);
}

void uvfio_stats_get(struct uvfio_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->files = uvfio_file_count();
	st->conns = live_conns;
	st->mms = uvfio_mm_count();
	st->requests = nrequests;
	uvfio_ctl_fill_stats(st);
}

void uvfio_daemon_stop(void)
{
	stopping = true;
}

/* Receiving and answering. */

struct msgbuf {
	struct uvfio_req req;
	char payload[UVFIO_MAX_MSG];
};

static void call_release(struct uvfio_call *call)
{
	unsigned int i;

	for (i = 0; i < call->n_in_fds; i++)
		close(call->in_fds[i]);
	for (i = 0; i < call->n_out_fds; i++)
		close(call->out_fds[i]);
	call->n_in_fds = call->n_out_fds = 0;
	uvfio_mm_put(call->mm);
	call->mm = NULL;
	free(call->out_payload);
	call->out_payload = NULL;
}

/*
 * Returns the request length, 0 on hang-up, < 0 on a malformed message.
 * A SEQPACKET socket reads 0 bytes both for an empty message and at end
 * of file; only the hang-up flag from epoll tells them apart, and an
 * empty message must not close a file that other processes may share.
 */
static ssize_t recv_request(int fd, uint32_t events, struct msgbuf *buf,
			    struct uvfio_call *call, size_t *raw_len)
{
	union {
		char b[CMSG_SPACE(sizeof(struct ucred)) +
		       CMSG_SPACE(sizeof(int) * UVFIO_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(*buf) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.b, .msg_controllen = sizeof(ctl.b),
	};
	struct cmsghdr *c;
	bool have_creds = false;
	unsigned int i, nfds = 0;
	ssize_t n;

	n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN ? -EAGAIN : 0;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cr;

			memcpy(&cr, CMSG_DATA(c), sizeof(cr));
			call->pid = cr.pid;
			call->uid = cr.uid;
			call->gid = cr.gid;
			have_creds = true;
		} else if (c->cmsg_type == SCM_RIGHTS) {
			unsigned int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (i = 0; i < k; i++) {
				int rfd;

				memcpy(&rfd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (nfds < UVFIO_MAX_FDS)
					call->in_fds[nfds++] = rfd;
				else
					close(rfd);
			}
		}
	}
	call->n_in_fds = nfds;
	*raw_len = n > 0 ? (size_t)n : 0;
	if (n == 0 && !nfds && (events & (EPOLLHUP | EPOLLRDHUP)))
		return 0;
	if (!have_creds || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    (size_t)n < sizeof(buf->req) ||
	    buf->req.payload_len != (size_t)n - sizeof(buf->req) ||
	    buf->req.nfds != nfds)
		return -EINVAL;
	for (i = 0; i < nfds; i++)
		call->in_fd_nums[i] = buf->req.fd_nums[i];
	call->in_payload = buf->payload;
	call->in_payload_len = buf->req.payload_len;
	return n;
}

static void send_response(int fd, struct uvfio_call *call, long ret)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} ctl;
	struct uvfio_resp resp = { .ret = ret };
	struct iovec iov[2] = {
		{ .iov_base = &resp, .iov_len = sizeof(resp) },
		{ .iov_base = call->out_payload, .iov_len = call->out_payload_len },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	unsigned int i;

	if (ret >= 0 && call->n_out_fds) {
		struct cmsghdr *c;

		msg.msg_control = ctl.b;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * call->n_out_fds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * call->n_out_fds);
		memcpy(CMSG_DATA(c), call->out_fds, sizeof(int) * call->n_out_fds);
		resp.nfds = call->n_out_fds;
		for (i = 0; i < call->n_out_fds; i++)
			resp.fds[i] = call->out_fd_info[i];
	}
	if (ret < 0)
		iov[1].iov_len = 0;
	resp.payload_len = iov[1].iov_len;
	/* A client that died mid-request just misses its answer. */
	if (sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		pr_debug("answer on fd %d lost: %m", fd);
}

static long set_payload(struct uvfio_call *call, const void *data, size_t len)
{
	call->out_payload = malloc(len ? len : 1);
	if (!call->out_payload)
		return -ENOMEM;
	memcpy(call->out_payload, data, len);
	call->out_payload_len = len;
	return 0;
}

static long file_mmio(struct uvfio_file *file, struct uvfio_call *call,
		      struct uvfio_req *req)
{
	uint8_t data[64] = { 0 };
	bool is_write = req->flags & 1;
	long rc;

	if (!file->ops->mmio)
		return -ENODEV;
	if (req->len == 0 || req->len > sizeof(data))
		return -EINVAL;
	if (is_write) {
		if (call->in_payload_len != req->len)
			return -EINVAL;
		memcpy(data, call->in_payload, req->len);
	}
	rc = file->ops->mmio(file, req->off, req->len, is_write, data);
	if (rc || is_write)
		return rc;
	return set_payload(call, data, req->len);
}

static long file_mmap(struct uvfio_file *file, struct uvfio_call *call,
		      struct uvfio_req *req)
{
	struct uvfio_mmap_info info = { 0 };
	long rc;

	if (!file->ops->mmap)
		return -ENODEV;
	rc = file->ops->mmap(file, call, req->off, req->len, (int)req->flags, &info);
	if (rc)
		return rc;
	return set_payload(call, &info, sizeof(info));
}

static long file_request(struct uvfio_file *file, struct uvfio_call *call,
			 struct uvfio_req *req)
{
	uint64_t *pos = (req->flags & UVFIO_REQ_F_POS) ? &file->pos : &req->off;
	const struct uvfio_file_ops *ops = file->ops;
	struct uvfio_stat st;

	switch (req->op) {
	case UVFIO_OP_IOCTL:
		return ops->ioctl ? ops->ioctl(file, call, req->cmd, req->arg) : -ENOTTY;
	case UVFIO_OP_READ:
		if (!ops->read)
			return -EINVAL;
		return ops->read(file, call, req->arg, req->len, pos);
	case UVFIO_OP_WRITE:
		if (!ops->write)
			return -EINVAL;
		return ops->write(file, call, req->arg, req->len, pos);
	case UVFIO_OP_MMIO:
		return file_mmio(file, call, req);
	case UVFIO_OP_MMAP:
		return file_mmap(file, call, req);
	case UVFIO_OP_FSTAT:
		st = (struct uvfio_stat){ .mode = file->st.mode,
					  .major = file->st.major,
					  .minor = file->st.minor };
		return set_payload(call, &st, sizeof(st));
	case UVFIO_OP_POLL:
		/* a file without a poll op is always ready, as in the kernel */
		return ops->poll ? ops->poll(file) :
				   POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
	case UVFIO_OP_LSEEK:
		if (req->flags == SEEK_SET)
			file->pos = req->off;
		else if (req->flags == SEEK_CUR)
			file->pos += req->off;
		else
			return -EINVAL;
		return (long)file->pos;
	default:
		return -EINVAL;
	}
}

/* A NUL-terminated path from the payload, or NULL. */
static const char *payload_str(struct uvfio_call *call)
{
	const char *s = call->in_payload;

	if (!call->in_payload_len || s[call->in_payload_len - 1])
		return NULL;
	return s;
}

static long broker_request(struct uvfio_call *call, struct uvfio_req *req)
{
	const char *str = payload_str(call);
	struct uvfio_stat st;
	long rc;

	if (req->op == UVFIO_OP_DMA_AGENT)
		return uvfio_dma_agent_attach(call);
	if (!str)
		return -EINVAL;
	switch (req->op) {
	case UVFIO_OP_OPEN:
		return uvfio_node_open(call, str, (int)req->flags);
	case UVFIO_OP_FSTAT:
		rc = uvfio_node_stat(str, &st);
		return rc ? rc : set_payload(call, &st, sizeof(st));
	case UVFIO_OP_CTL:
		return uvfio_ctl(call, str);
	default:
		return -EINVAL;
	}
}

static void handle_conn(int fd, uint32_t events)
{
	static struct msgbuf buf;
	/* conns[] may move while the request runs (new files): copy out. */
	enum conn_kind kind = conns[fd].kind;
	struct uvfio_file *file = conns[fd].file;
	struct uvfio_call call = { 0 };
	size_t raw_len = 0;
	ssize_t n;
	long ret;

	n = recv_request(fd, events, &buf, &call, &raw_len);
	/*
	 * Bytes that libc's own write path (stdio: `echo x > file` in a
	 * shell) sent on the socket without the interposer: not a request,
	 * and nobody waits for an answer. Files that take plain writes
	 * (sysfs attributes) accept them as such.
	 */
	if (n == -EINVAL && kind == CONN_FILE && file->ops->write_raw &&
	    raw_len && !call.n_in_fds) {
		file->ops->write_raw(file, &buf, raw_len);
		call_release(&call);
		return;
	}
	if (n == -EAGAIN) {
		call_release(&call);
		return;
	}
	if (n == 0) {
		call_release(&call);
		if (kind == CONN_FILE) {
			uvfio_conn_close_file(file);
			uvfio_file_put(file);
		} else {
			conn_del(fd);
		}
		return;
	}
	nrequests++;
	if (n < 0) {
		ret = n;
	} else if (!(call.mm = uvfio_mm_lookup(call.pid))) {
		ret = -ESRCH;
	} else if (kind == CONN_FILE) {
		uvfio_uaccess_begin(call.mm);
		uvfio_file_get(file);
		ret = file_request(file, &call, &buf.req);
		uvfio_file_put(file);
		uvfio_uaccess_end();
	} else {
		ret = broker_request(&call, &buf.req);
	}
	if (conns[fd].kind == kind)
		send_response(fd, &call, ret);
	call_release(&call);
	if (kind == CONN_BROKER && conns[fd].kind == CONN_BROKER)
		conn_del(fd);
}

static void handle_listen(int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &(int){ 1 }, sizeof(int));
	if (conn_add(fd, CONN_BROKER, NULL))
		close(fd);
}

static int listen_socket(const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir,
			     UVFIO_SOCKET_NAME) >= sizeof(sa.sun_path)) {
		pr_err("runtime directory path too long for a socket: %s "
		       "(use a shorter --runtime-dir)", dir);
		return -ENAMETOOLONG;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 128)) {
		int rc = -errno;

		pr_err("cannot listen on %s: %s", sa.sun_path, strerror(-rc));
		close(fd);
		return rc;
	}
	setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &(int){ 1 }, sizeof(int));
	return fd;
}

static int signal_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/*
 * After a batch, look for the next request for a short window before
 * sleeping: a client in a loop of ioctls sends its next one within
 * microseconds (see uvfio/spin.h).
 */
static int wait_events(struct epoll_event *evs, int max)
{
	uint64_t deadline = uvfio_spin_open();
	int n;

	do {
		n = epoll_wait(epfd, evs, max, 0);
		if (n)
			return n;
	} while (uvfio_spin_again(deadline));
	return epoll_wait(epfd, evs, max, -1);
}

static void main_loop(void)
{
	struct epoll_event evs[64];
	int i, n;

	while (!stopping) {
		n = wait_events(evs, ARRAY_SIZE(evs));
		if (n < 0 && errno != EINTR)
			break;
		pthread_mutex_lock(&uvfio_big_lock);
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			switch (conns[fd].kind) {
			case CONN_LISTEN:
				handle_listen(fd);
				break;
			case CONN_SIGNAL:
				stopping = true;
				break;
			case CONN_WATCH:
				handle_watch(fd);
				break;
			case CONN_BROKER:
			case CONN_FILE:
				handle_conn(fd, evs[i].events);
				break;
			default:
				break;
			}
		}
		pthread_mutex_unlock(&uvfio_big_lock);
	}
}

static void close_all(void)
{
	unsigned int fd;

	for (fd = 0; fd < nconns; fd++) {
		struct uvfio_file *file = conns[fd].file;

		if (conns[fd].kind == CONN_FILE) {
			uvfio_conn_close_file(file);
			uvfio_file_put(file);
		} else if (conns[fd].kind == CONN_WATCH) {
			uvfio_unwatch_fd(fd);
		} else if (conns[fd].kind != CONN_NONE) {
			conn_del(fd);
		}
	}
}

int uvfio_daemon_run(const struct uvfio_daemon_opts *opts)
{
	int lfd, sfd, rc;

	uvfio_opts = *opts;
	if (opts->verbose)
		uvfio_log_level = UVFIO_LOG_INFO + (opts->verbose > 1);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return -errno;
	uvfio_mm_set_watcher(&pidfd_watcher);
	rc = uvfio_subsys_init();
	if (rc)
		goto out_ep;
	lfd = listen_socket(opts->runtime_dir);
	if (lfd < 0) {
		rc = lfd;
		goto out_subsys;
	}
	sfd = signal_fd();
	if (sfd < 0 || conn_add(lfd, CONN_LISTEN, NULL) ||
	    conn_add(sfd, CONN_SIGNAL, NULL)) {
		rc = -ENOMEM;
		goto out_conns;
	}
	if (opts->ready_fd >= 0) {
		if (write(opts->ready_fd, "R", 1) != 1)
			pr_warn("could not signal readiness: %m");
		close(opts->ready_fd);
	}
	pr_info("serving %s", opts->runtime_dir);
	main_loop();
	rc = 0;
out_conns:
	close_all();
	uvfio_dma_agent_exit();
	{
		char path[4200];

		snprintf(path, sizeof(path), "%s/%s", opts->runtime_dir,
			 UVFIO_SOCKET_NAME);
		unlink(path);
	}
out_subsys:
	uvfio_subsys_exit();
out_ep:
	uvfio_mm_set_watcher(NULL);
	close(epfd);
	free(conns);
	conns = NULL;
	nconns = 0;
	return rc;
}
