// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioctl() on a uvfio file: forward (cmd, arg) and let the daemon do
 * copy_from_user/copy_to_user on our memory, as the kernel would.
 *
 * What the interposer adds is fd passing, in both directions: fds the
 * argument names go along with SCM_RIGHTS (fdargs.c), and fds the answer
 * carries are made ours and put where the daemon says, as the return
 * value or as an __s32 inside the argument. Each new fd is registered
 * before its number is written anywhere the program (or another of its
 * threads) could read it.
 *
 * Our memory is read and written with process_vm_readv/writev on
 * ourselves, so a bad pointer is an error return, never a crash here.
 */
#include "preload/preload.h"

#include <fcntl.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "preload/dma_agent.h"
#include "preload/fdargs.h"
#include "preload/fdtable.h"
#include "uvfio/uapi/vfio.h"

static int self_access(uint64_t addr, void *buf, size_t len, bool write)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr,
				.iov_len = len };
	ssize_t n;

	if (write)
		n = process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
	else
		n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	return n == (ssize_t)len ? 0 : -EFAULT;
}

static int self_read(uint64_t addr, void *buf, size_t len)
{
	return self_access(addr, buf, len, false);
}

static bool fd_valid(int fd)
{
	return syscall(SYS_fcntl, fd, F_GETFD) >= 0;
}

static const struct fdargs_ops self_ops = {
	.read = self_read,
	.valid = fd_valid,
};

static void undo_fds(struct uvfio_msg *m, unsigned int n)
{
	while (n--) {
		fdt_forget(m->ans_fds[n]);
		uvfio_client_close(m->ans_fds[n]);
	}
}

/* Make the answer's fds ours and deliver them; returns the ioctl's result. */
static long take_fds(struct uvfio_msg *m, long ret, unsigned long cmd,
		     uint64_t arg)
{
	enum node_kind kind = cmd == VFIO_GROUP_GET_DEVICE_FD ? NODE_DEVICE
							     : NODE_OTHER;
	unsigned int i, n = m->resp.nfds;
	long rc;

	if (ret < 0) {
		undo_fds(m, n);
		return ret;
	}
	for (i = 0; i < n; i++) {
		if (!m->resp.fds[i].cloexec)
			syscall(SYS_fcntl, m->ans_fds[i], F_SETFD, 0);
		rc = fdt_install(m->ans_fds[i], kind);
		if (rc)
			goto undo;
	}
	for (i = 0; i < n; i++) {
		int32_t fd = m->ans_fds[i];

		rc = -EPROTO;
		if (m->resp.fds[i].place == UVFIO_FD_RET)
			ret = fd;
		else if (m->resp.fds[i].place != UVFIO_FD_AT_ARG)
			goto undo;
		else if ((rc = self_access(arg + m->resp.fds[i].offset, &fd,
					   sizeof(fd), true)))
			goto undo;
	}
	return ret;
undo:
	undo_fds(m, n);
	return rc;
}

static long file_ioctl(struct ufile *uf, int fd, unsigned long cmd,
		       uint64_t arg)
{
	static int too_many;
	int fds[UVFIO_MAX_FDS];
	struct uvfio_msg m = {
		.req = { .op = UVFIO_OP_IOCTL, .cmd = cmd, .arg = arg },
		.fds = fds,
	};
	int n;

	n = fdargs_collect(cmd, arg, uf->kind, &self_ops, fds, UVFIO_MAX_FDS);
	if (n < 0) {
		preload_warn_once(&too_many,
				  "uvfio: ioctl 0x%lx names more than %d distinct fds, more than one request can carry; failing it with EINVAL",
				  cmd, UVFIO_MAX_FDS);
		return -EINVAL;
	}
	m.n_fds = (unsigned int)n;
	dma_agent_before_ioctl(cmd, uf->kind);
	return take_fds(&m, ufile_call(uf, fd, &m), cmd, arg);
}

/*
 * The kernel answers these for every file before the driver sees them
 * (do_vfs_ioctl): they act on the open file itself, our socket.
 */
static bool vfs_ioctl(unsigned long cmd)
{
	return cmd == FIOCLEX || cmd == FIONCLEX || cmd == FIONBIO ||
	       cmd == FIOASYNC;
}

PRELOAD_EXPORT int ioctl(int fd, unsigned long cmd, ...)
{
	struct ufile *uf;
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	uf = fdt_get(fd);
	if (likely(!uf) || vfs_ioctl(cmd)) {
		ufile_put(uf);
		return REAL(ioctl)(fd, cmd, arg);
	}
	return (int)UFILE_DONE(uf, file_ioctl(uf, fd, cmd, (uintptr_t)arg));
}
