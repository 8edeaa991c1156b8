// SPDX-License-Identifier: GPL-2.0-only
/*
 * A fake uvfiod: just enough of the daemon's side of uvfio/wire.h to test
 * the interposer against (a single thread, like the real main loop).
 *
 * It runs inside the test program, under the interposer that is linked
 * in, and the sockets it makes have this process as their peer, which is
 * what makes a socket look like a daemon connection to the interposer.
 * So every call it makes on an fd (recvmsg, fstat, write, ...) is a raw
 * system call, never the interposed function.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "uvfio/uapi/iommufd.h"
#include "uvfio/uapi/vfio.h"
#include "uvfio/wire.h"

#include "fake_daemon.h"

enum fkind { F_NONE, F_LISTEN, F_STOP, F_BROKER, F_IOMMUFD, F_DEVICE,
	     F_FAULT, F_ATTR };

#define MAXC	512

struct fconn {
	enum fkind kind;
	uint64_t pos;
	ino_t client_ino;
};

struct fcall {
	pid_t pid;
	unsigned int n_in;
	int in_fds[UVFIO_MAX_FDS];
	int32_t in_nums[UVFIO_MAX_FDS];
	unsigned int n_out;
	int out_fds[4];
	struct uvfio_resp_fd out_info[4];
	char out[65536];
	uint32_t out_len;
};

static struct fconn conns[MAXC];
static int stop_fd = -1;
static pthread_t thread;
static char attr_data[64], attr_path[256];
static uint32_t regs[64];
static unsigned long nreq;

static struct {
	struct uvfio_req req;
	char payload[UVFIO_MAX_MSG];
} msg;

const char *fake_attr_data(void)
{
	return attr_data;
}

const char *fake_attr_path(void)
{
	return attr_path;
}

unsigned long fake_requests(void)
{
	return __atomic_load_n(&nreq, __ATOMIC_RELAXED);
}

static int sys_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}

static int uread(struct fcall *c, uint64_t addr, void *buf, size_t len)
{
	struct iovec l = { buf, len }, r = { (void *)(uintptr_t)addr, len };

	return process_vm_readv(c->pid, &l, 1, &r, 1, 0) == (ssize_t)len ? 0 : -EFAULT;
}

static int uwrite(struct fcall *c, uint64_t addr, const void *buf, size_t len)
{
	struct iovec l = { (void *)buf, len }, r = { (void *)(uintptr_t)addr, len };

	return process_vm_writev(c->pid, &l, 1, &r, 1, 0) == (ssize_t)len ? 0 : -EFAULT;
}

static int call_fd(struct fcall *c, int32_t num)
{
	unsigned int i;

	for (i = 0; i < c->n_in; i++)
		if (c->in_nums[i] == num)
			return c->in_fds[i];
	return -EBADF;
}

static int add_conn(int fd, enum fkind kind)
{
	if (fd < 0 || fd >= MAXC)
		return -EMFILE;
	conns[fd] = (struct fconn){ .kind = kind };
	return 0;
}

static int new_file(struct fcall *c, enum fkind kind, uint32_t place,
		    uint64_t off, int cloexec)
{
	struct stat st;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &(int){ 1 }, sizeof(int));
	syscall(SYS_fstat, sv[1], &st);
	if (add_conn(sv[0], kind)) {
		sys_close(sv[0]);
		sys_close(sv[1]);
		return -EMFILE;
	}
	conns[sv[0]].client_ino = st.st_ino;
	c->out_fds[c->n_out] = sv[1];
	c->out_info[c->n_out++] = (struct uvfio_resp_fd){
		.place = place, .offset = off, .cloexec = (uint32_t)cloexec,
	};
	return 0;
}

static long set_out(struct fcall *c, const void *p, size_t len)
{
	memcpy(c->out, p, len);
	c->out_len = (uint32_t)len;
	return 0;
}

static long node_stat(const char *path, struct fcall *c)
{
	struct uvfio_stat st = { 0 };

	if (!strcmp(path, "/dev/iommu"))
		st = (struct uvfio_stat){ S_IFCHR | 0666, 10, 123, 0 };
	else if (!strcmp(path, "/dev/vfio/devices/vfio0"))
		st = (struct uvfio_stat){ S_IFCHR | 0600, 511, 0, 0 };
	else
		return -ENOENT;
	return set_out(c, &st, sizeof(st));
}

static long broker(struct fcall *c)
{
	const char *path = msg.payload;
	int cloexec = !!(msg.req.flags & O_CLOEXEC);

	if (!msg.req.payload_len || msg.payload[msg.req.payload_len - 1])
		return -EINVAL;
	switch (msg.req.op) {
	case UVFIO_OP_OPEN:
		if (!strcmp(path, "/dev/iommu"))
			return new_file(c, F_IOMMUFD, UVFIO_FD_RET, 0, cloexec);
		if (!strcmp(path, "/dev/vfio/devices/vfio0"))
			return new_file(c, F_DEVICE, UVFIO_FD_RET, 0, cloexec);
		if (!strcmp(path, "/sys/devices/pci0000:00/0000:00:02.0/reset")) {
			strcpy(attr_path, path);
			return new_file(c, F_ATTR, UVFIO_FD_RET, 0, cloexec);
		}
		return -ENOENT;
	case UVFIO_OP_FSTAT:
		return node_stat(path, c);
	case UVFIO_OP_CTL:
		if (!strncmp(path, "echo ", 5)) {
			c->out_len = (uint32_t)snprintf(c->out, sizeof(c->out),
							"{\"echo\":\"%s\"}", path + 5);
			return 0;
		}
		if (!strcmp(path, "big")) {
			memset(c->out, 'a', 60000);
			c->out_len = 60000;
			return 0;
		}
		return -EINVAL;
	default:
		return -EINVAL;
	}
}

static long echo(struct fcall *c, uint64_t arg)
{
	struct fake_echo e;

	if (uread(c, arg, &e, sizeof(e)))
		return -EFAULT;
	e.out = e.in * 3;
	if (uwrite(c, arg, &e, sizeof(e)))
		return -EFAULT;
	return (long)(e.in & 0x7fff);
}

static long bind_iommufd(struct fcall *c, uint64_t arg)
{
	struct vfio_device_bind_iommufd b;
	struct stat st;
	uint32_t devid = 7;
	int fd;

	if (uread(c, arg, &b, 12))
		return -EFAULT;
	fd = call_fd(c, b.iommufd);
	if (fd < 0)
		return fd;
	if (syscall(SYS_fstat, fd, &st))
		return -EBADF;
	for (int i = 0; i < MAXC; i++)
		if (conns[i].kind == F_IOMMUFD && conns[i].client_ino == st.st_ino)
			return uwrite(c, arg + 12, &devid, sizeof(devid));
	return -EINVAL;
}

static long set_irqs(struct fcall *c, uint64_t arg)
{
	struct vfio_irq_set s;
	uint64_t one = 1;
	uint32_t i;

	if (uread(c, arg, &s, sizeof(s)))
		return -EFAULT;
	if (!(s.flags & VFIO_IRQ_SET_DATA_EVENTFD))
		return 0;
	for (i = 0; i < s.count; i++) {
		int32_t num;
		int fd;

		if (uread(c, arg + sizeof(s) + 4 * i, &num, 4))
			return -EFAULT;
		if (num == -1)
			continue;
		fd = call_fd(c, num);
		if (fd < 0)
			return fd;
		if (syscall(SYS_write, fd, &one, sizeof(one)) != sizeof(one))
			return -EINVAL;
	}
	return 0;
}

static long map_file(struct fcall *c, uint64_t arg)
{
	struct iommu_ioas_map_file m;
	char buf[4];
	int fd;

	if (uread(c, arg, &m, sizeof(m)))
		return -EFAULT;
	fd = call_fd(c, m.fd);
	if (fd < 0)
		return fd;
	if (syscall(SYS_pread64, fd, buf, 4, 0) != 4 || memcmp(buf, "MEMF", 4))
		return -EINVAL;
	return 0;
}

static long fault_alloc(struct fcall *c, uint64_t arg)
{
	struct iommu_fault_alloc a;
	uint32_t id = 5;
	long rc;

	if (uread(c, arg, &a, sizeof(a)))
		return -EFAULT;
	rc = new_file(c, F_FAULT, UVFIO_FD_AT_ARG,
		      offsetof(struct iommu_fault_alloc, out_fault_fd), 1);
	if (rc)
		return rc;
	return uwrite(c, arg + offsetof(struct iommu_fault_alloc, out_fault_id),
		      &id, sizeof(id));
}

static long file_ioctl(struct fconn *f, struct fcall *c)
{
	uint64_t cmd = msg.req.cmd, arg = msg.req.arg;
	uint32_t id = 1;

	if (cmd == FAKE_ECHO)
		return echo(c, arg);
	if (cmd == FAKE_SLOW) {
		usleep(200000);
		return 0;
	}
	if (f->kind == F_IOMMUFD) {
		switch (cmd) {
		case IOMMU_IOAS_ALLOC:
			return uwrite(c, arg + 8, &id, sizeof(id));
		case IOMMU_FAULT_QUEUE_ALLOC:
			return fault_alloc(c, arg);
		case IOMMU_IOAS_MAP_FILE:
			return map_file(c, arg);
		case VFIO_GROUP_GET_DEVICE_FD:
			return new_file(c, F_DEVICE, UVFIO_FD_RET, 0, 1);
		}
	}
	if (f->kind == F_DEVICE) {
		switch (cmd) {
		case VFIO_DEVICE_BIND_IOMMUFD:
			return bind_iommufd(c, arg);
		case VFIO_DEVICE_SET_IRQS:
			return set_irqs(c, arg);
		}
	}
	return -ENOTTY;
}

static long file_read(struct fconn *f, struct fcall *c)
{
	uint64_t *pos = (msg.req.flags & UVFIO_REQ_F_POS) ? &f->pos : &msg.req.off;
	char buf[4096];
	size_t i, len = msg.req.len < sizeof(buf) ? msg.req.len : sizeof(buf);

	if (f->kind == F_ATTR) {
		len = strlen(attr_data) < len ? strlen(attr_data) : len;
		memcpy(buf, attr_data, len);
	} else {
		for (i = 0; i < len; i++)
			buf[i] = (char)('a' + (*pos + i) % 26);
	}
	if (uwrite(c, msg.req.arg, buf, len))
		return -EFAULT;
	*pos += len;
	return (long)len;
}

static long file_write(struct fconn *f, struct fcall *c)
{
	size_t len = msg.req.len < sizeof(attr_data) - 1 ? msg.req.len
							  : sizeof(attr_data) - 1;

	if (f->kind != F_ATTR)
		return -EINVAL;
	memset(attr_data, 0, sizeof(attr_data));
	if (uread(c, msg.req.arg, attr_data, len))
		return -EFAULT;
	return (long)msg.req.len;
}

static long file_stat(struct fconn *f, struct fcall *c)
{
	struct uvfio_stat st;

	if (f->kind == F_IOMMUFD)
		st = (struct uvfio_stat){ S_IFCHR | 0666, 10, 123, 0 };
	else if (f->kind == F_DEVICE)
		st = (struct uvfio_stat){ S_IFCHR | 0600, 511, 0, 0 };
	else
		st = (struct uvfio_stat){ S_IFREG | 0200, 0, 0, 4096 };
	return set_out(c, &st, sizeof(st));
}

static long file_mmap(struct fconn *f, struct fcall *c)
{
	struct uvfio_mmap_info info = { 0 };
	int fd;

	if (f->kind != F_DEVICE)
		return -ENODEV;
	if (msg.req.off == FAKE_TRAP_OFF) {
		info.kind = UVFIO_MAP_TRAP;
		return set_out(c, &info, sizeof(info));
	}
	if (msg.req.off != 0)
		return -EINVAL;
	fd = memfd_create("bar2", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, 8192) || syscall(SYS_pwrite64, fd, "BAR2", 4, 0) != 4) {
		sys_close(fd);
		return -EIO;
	}
	info.kind = UVFIO_MAP_FD;
	c->out_fds[c->n_out] = fd;
	c->out_info[c->n_out++] = (struct uvfio_resp_fd){ .place = UVFIO_FD_RET,
							  .cloexec = 1 };
	return set_out(c, &info, sizeof(info));
}

static long file_mmio(struct fconn *f, struct fcall *c)
{
	uint32_t *r = &regs[(msg.req.off / 4) % 64];

	if (f->kind != F_DEVICE || msg.req.len != 4)
		return -EINVAL;
	if (msg.req.flags & 1) {
		if (msg.req.payload_len != 4)
			return -EINVAL;
		memcpy(r, msg.payload, 4);
		return 0;
	}
	return set_out(c, r, 4);
}

static long file_request(struct fconn *f, struct fcall *c)
{
	switch (msg.req.op) {
	case UVFIO_OP_IOCTL:
		return file_ioctl(f, c);
	case UVFIO_OP_READ:
		return file_read(f, c);
	case UVFIO_OP_WRITE:
		return file_write(f, c);
	case UVFIO_OP_LSEEK:
		if (msg.req.flags == SEEK_SET)
			f->pos = msg.req.off;
		else if (msg.req.flags == SEEK_CUR)
			f->pos += msg.req.off;
		else
			return -EINVAL;
		return (long)f->pos;
	case UVFIO_OP_FSTAT:
		return file_stat(f, c);
	case UVFIO_OP_MMAP:
		return file_mmap(f, c);
	case UVFIO_OP_MMIO:
		return file_mmio(f, c);
	default:
		return -EINVAL;
	}
}

static ssize_t recv_req(int fd, struct fcall *c)
{
	union {
		char b[CMSG_SPACE(sizeof(struct ucred)) +
		       CMSG_SPACE(sizeof(int) * UVFIO_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { &msg, sizeof(msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
	struct cmsghdr *cm;
	ssize_t n = syscall(SYS_recvmsg, fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	int have_creds = 0;

	if (n < 0)
		return errno == EAGAIN ? -EAGAIN : 0;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cr;

			memcpy(&cr, CMSG_DATA(cm), sizeof(cr));
			c->pid = cr.pid;
			have_creds = 1;
		} else if (cm->cmsg_type == SCM_RIGHTS) {
			unsigned int i, k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (i = 0; i < k && c->n_in < UVFIO_MAX_FDS; i++)
				memcpy(&c->in_fds[c->n_in++],
				       CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
		}
	}
	if (n == 0 && !c->n_in)
		return 0;
	if (!have_creds || (size_t)n < sizeof(msg.req) ||
	    msg.req.payload_len != (size_t)n - sizeof(msg.req) ||
	    msg.req.nfds != c->n_in)
		return -EINVAL;
	memcpy(c->in_nums, msg.req.fd_nums, sizeof(c->in_nums));
	return n;
}

static void send_resp(int fd, struct fcall *c, long ret)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} ctl;
	struct uvfio_resp resp = { .ret = ret };
	struct iovec iov[2] = { { &resp, sizeof(resp) }, { c->out, c->out_len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	unsigned int i;

	if (ret >= 0 && c->n_out) {
		struct cmsghdr *cm;

		mh.msg_control = ctl.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * c->n_out);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * c->n_out);
		memcpy(CMSG_DATA(cm), c->out_fds, sizeof(int) * c->n_out);
		resp.nfds = c->n_out;
		for (i = 0; i < c->n_out; i++)
			resp.fds[i] = c->out_info[i];
	}
	if (ret < 0)
		iov[1].iov_len = 0;
	resp.payload_len = (uint32_t)iov[1].iov_len;
	syscall(SYS_sendmsg, fd, &mh, MSG_NOSIGNAL);
}

static void drop_conn(int fd)
{
	conns[fd].kind = F_NONE;
	sys_close(fd);
}

static void handle(int fd)
{
	static struct fcall c;
	enum fkind kind = conns[fd].kind;
	unsigned int i;
	ssize_t n;
	long ret;

	memset(&c, 0, offsetof(struct fcall, out));
	c.out_len = 0;
	n = recv_req(fd, &c);
	if (n == -EAGAIN)
		return;
	if (n == 0) {
		drop_conn(fd);
		return;
	}
	__atomic_add_fetch(&nreq, 1, __ATOMIC_RELAXED);
	if (n < 0)
		ret = n;
	else if (kind == F_BROKER)
		ret = broker(&c);
	else
		ret = file_request(&conns[fd], &c);
	send_resp(fd, &c, ret);
	for (i = 0; i < c.n_in; i++)
		sys_close(c.in_fds[i]);
	for (i = 0; i < c.n_out; i++)
		sys_close(c.out_fds[i]);
	if (kind == F_BROKER)
		drop_conn(fd);
}

static void *serve(void *arg)
{
	static struct pollfd pfd[MAXC];

	for (;;) {
		int i, n = 0;

		for (i = 0; i < MAXC; i++)
			if (conns[i].kind != F_NONE)
				pfd[n++] = (struct pollfd){ .fd = i, .events = POLLIN };
		/* the daemon's side: never through the interposer's poll() */
		if (syscall(SYS_ppoll, pfd, (nfds_t)n, NULL, NULL, 0) < 0 &&
		    errno != EINTR)
			break;
		for (i = 0; i < n; i++) {
			int fd = pfd[i].fd;

			if (!pfd[i].revents)
				continue;
			if (conns[fd].kind == F_STOP)
				return NULL;
			if (conns[fd].kind == F_LISTEN) {
				int c = accept4(fd, NULL, NULL,
						SOCK_CLOEXEC | SOCK_NONBLOCK);

				if (c >= 0) {
					setsockopt(c, SOL_SOCKET, SO_PASSCRED,
						   &(int){ 1 }, sizeof(int));
					if (add_conn(c, F_BROKER))
						sys_close(c);
				}
				continue;
			}
			handle(fd);
		}
	}
	return NULL;
}

int fake_daemon_start(const char *rundir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", rundir,
		 UVFIO_SOCKET_NAME);
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(lfd, 64))
		return -errno;
	setsockopt(lfd, SOL_SOCKET, SO_PASSCRED, &(int){ 1 }, sizeof(int));
	stop_fd = eventfd(0, EFD_CLOEXEC);
	if (add_conn(lfd, F_LISTEN) || add_conn(stop_fd, F_STOP))
		return -EMFILE;
	return -pthread_create(&thread, NULL, serve, NULL);
}

void fake_daemon_stop(void)
{
	uint64_t one = 1;
	int i;

	syscall(SYS_write, stop_fd, &one, sizeof(one));
	pthread_join(thread, NULL);
	for (i = 0; i < MAXC; i++)
		if (conns[i].kind != F_NONE)
			drop_conn(i);
}
