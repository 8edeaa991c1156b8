// SPDX-License-Identifier: GPL-2.0-only
/*
 * Keeping the fd table true: close, fclose, dup, fcntl(F_DUPFD), and fds
 * that arrive by SCM_RIGHTS.
 *
 * close() clears the slot before the real close, so the number is never
 * free in the kernel while we still call it ours. A dup shares the
 * original's ufile (same socket, same lock). A received fd is ours if
 * the daemon made the socket; the program may pass its uvfio files to
 * other processes (libvirt opens, QEMU uses) and receive them back.
 * Closing or dup-ing over the DMA agent's socket stops the agent first
 * (dma_agent.c), so it never uses a number the program reuses.
 */
#include "preload/preload.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "preload/dma_agent.h"
#include "preload/fdtable.h"
#include "preload/waits.h"

PRELOAD_EXPORT int close(int fd)
{
	if (fd >= 0) {
		dma_agent_fds_closing((unsigned int)fd, (unsigned int)fd);
		epoll_fds_closing((unsigned int)fd, (unsigned int)fd);
	}
	fdt_forget(fd);
	return REAL(close)(fd);
}

/*
 * fclose() closes its fd inside libc, where close() above never sees it:
 * forget the number first, so the table never names a stale socket.
 */
PRELOAD_EXPORT int fclose(FILE *stream)
{
	int fd = stream ? fileno(stream) : -1;

	if (fd >= 0) {
		dma_agent_fds_closing((unsigned int)fd, (unsigned int)fd);
		epoll_fds_closing((unsigned int)fd, (unsigned int)fd);
		fdt_forget(fd);
	}
	return REAL(fclose)(stream);
}

PRELOAD_EXPORT int close_range(unsigned int lo, unsigned int hi, int flags)
{
	if (!(flags & CLOSE_RANGE_CLOEXEC) && lo <= hi) {
		dma_agent_fds_closing(lo, hi);
		epoll_fds_closing(lo, hi);
		fdt_forget_range(lo, hi);
	}
	return REAL(close_range)(lo, hi, flags);
}

PRELOAD_EXPORT void closefrom(int lo)
{
	if (lo >= 0) {
		dma_agent_fds_closing((unsigned int)lo, ~0u);
		epoll_fds_closing((unsigned int)lo, ~0u);
		fdt_forget_range((unsigned int)lo, ~0u);
	}
	REAL(closefrom)(lo);
}

PRELOAD_EXPORT int dup(int fd)
{
	int nfd = REAL(dup)(fd);

	if (nfd >= 0)
		fdt_copy(fd, nfd);
	return nfd;
}

PRELOAD_EXPORT int dup2(int fd, int nfd)
{
	int rc;

	if (fd != nfd && nfd >= 0) {
		dma_agent_fds_closing((unsigned int)nfd, (unsigned int)nfd);
		epoll_fds_closing((unsigned int)nfd, (unsigned int)nfd);
	}
	rc = REAL(dup2)(fd, nfd);

	if (rc >= 0 && fd != nfd)
		fdt_copy(fd, nfd);
	return rc;
}

PRELOAD_EXPORT int dup3(int fd, int nfd, int flags)
{
	int rc;

	if (fd != nfd && nfd >= 0) {
		dma_agent_fds_closing((unsigned int)nfd, (unsigned int)nfd);
		epoll_fds_closing((unsigned int)nfd, (unsigned int)nfd);
	}
	rc = REAL(dup3)(fd, nfd, flags);

	if (rc >= 0)
		fdt_copy(fd, nfd);
	return rc;
}

static int fcntl_done(int fd, int cmd, int rc)
{
	if (rc >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		fdt_copy(fd, rc);
	return rc;
}

/* Every fcntl argument is an int, a long or a pointer: pass a word on. */
PRELOAD_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_done(fd, cmd, REAL(fcntl)(fd, cmd, arg));
}

PRELOAD_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_done(fd, cmd, REAL(fcntl64)(fd, cmd, arg));
}

static void classify_rights(const struct msghdr *msg)
{
	struct cmsghdr *c;

	if (!msg || !msg->msg_control || msg->msg_controllen < sizeof(*c))
		return;
	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR((struct msghdr *)msg, c)) {
		size_t i, n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			fdt_classify(fd);
		}
	}
}

PRELOAD_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t n = REAL(recvmsg)(fd, msg, flags);

	if (n >= 0)
		classify_rights(msg);
	return n;
}

PRELOAD_EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen,
			    int flags, struct timespec *timeout)
{
	int i, n = REAL(recvmmsg)(fd, vec, vlen, flags, timeout);

	for (i = 0; i < n; i++)
		classify_rights(&vec[i].msg_hdr);
	return n;
}
