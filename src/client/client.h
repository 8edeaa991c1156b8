/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The client side of the wire protocol (uvfio/wire.h): shared by the
 * interposer (libuvfio-preload.so), the uvfio CLI and the tests.
 *
 * Lifecycle: a node is opened by a one-shot "broker" connection to
 * $UVFIO_RUNTIME_DIR/uvfiod.sock; the answer carries the file's own
 * connection, which is the open file for as long as some process holds
 * it. Every later request on the file is one uvfio_client_call(): one
 * message out, one message back, in that order. The caller serialises
 * calls on one connection (the socket carries no request ids).
 *
 * Socket I/O here goes through raw system calls, never through the libc
 * entry points the interposer replaces (close, recvmsg, ...), so the
 * interposer may call this code from inside its own wrappers.
 *
 * Every function returns a negative errno on failure.
 */
#ifndef UVFIO_CLIENT_H
#define UVFIO_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "uvfio/wire.h"

#define UVFIO_RUNTIME_DIR_ENV	"UVFIO_RUNTIME_DIR"
#define UVFIO_PID_FILE		"uvfiod.pid"
/* Largest CTL answer (JSON text). */
#define UVFIO_CTL_MAX		(64 * 1024)
/* Most fds one answer can carry (struct uvfio_resp.fds). */
#define UVFIO_RESP_MAX_FDS	4

/* One round trip: the request, then where its answer goes. */
struct uvfio_msg {
	struct uvfio_req req;		/* nfds and fd_nums are filled in */
	const void *payload;		/* req.payload_len bytes */
	const int *fds;			/* n_fds fds to pass (our numbers) */
	unsigned int n_fds;

	struct uvfio_resp resp;
	void *ans;			/* answer payload buffer */
	size_t ans_cap;
	/* Received fds (resp.nfds of them), owned by the caller. */
	int ans_fds[UVFIO_RESP_MAX_FDS];
};

/*
 * Send m's request on connection fd and receive its answer. Received fds
 * come close-on-exec when recv_flags has MSG_CMSG_CLOEXEC. Returns 0 when
 * an answer arrived (its verdict is m->resp.ret), -ECONNRESET if the
 * daemon hung up, -EPROTO on a malformed answer, or the socket's errno.
 * EINTR never splits a request from its answer.
 */
int uvfio_client_call(int fd, struct uvfio_msg *m, int recv_flags);

/* The daemon's socket address for runtime directory rundir. */
int uvfio_client_sock_path(const char *rundir, char *buf, size_t len);

/* A new broker connection (close-on-exec). */
int uvfio_client_connect(const char *rundir);

/*
 * Open node path (canonical: "/dev/iommu", "/sys/.../reset") with open
 * flags; returns the file's fd (close-on-exec iff O_CLOEXEC in flags).
 */
int uvfio_client_open(const char *rundir, const char *path, int flags);

/* What stat() should say about node path; -ENOENT if there is none. */
int uvfio_client_stat(const char *rundir, const char *path,
		      struct uvfio_stat *ret_st);

/* The same two on a broker connection the caller made (and closes). */
int uvfio_client_open_on(int broker, const char *path, int flags);
int uvfio_client_stat_on(int broker, const char *path,
			 struct uvfio_stat *ret_st);

/* close(2) without going through an interposed close(). */
int uvfio_client_close(int fd);

/*
 * A control command ("ls", "stats", ...). On success *ret_text is a
 * malloc'd NUL-terminated answer (JSON) and its length is returned.
 */
int uvfio_client_ctl(const char *rundir, const char *cmd, char **ret_text);

/* The daemon's pid from rundir/uvfiod.pid, or a negative errno. */
pid_t uvfio_client_daemon_pid(const char *rundir);

#endif
