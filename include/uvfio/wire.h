/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The wire protocol between a client (the interposer or libuvfio) and
 * uvfiod. It is private to uvfio: the public interface is the Linux uAPI.
 *
 * Every open file is one SOCK_SEQPACKET connection. A client opens a node
 * by connecting to the daemon's socket ("the broker"), sending one
 * UVFIO_OP_OPEN and receiving the file's connection with SCM_RIGHTS; the
 * broker connection is then closed. Every later request on the file is one
 * message (struct uvfio_req, then an inline payload) answered by one
 * message (struct uvfio_resp, then an inline payload, maybe fds).
 *
 * The daemon learns who is calling from SCM_CREDENTIALS, which the kernel
 * attaches to every message (SO_PASSCRED), so a client cannot lie about it.
 * Argument memory is read and written by the daemon with
 * process_vm_readv/writev, never marshalled here; only file descriptors
 * travel in the message, because only the kernel can move them.
 */
#ifndef UVFIO_WIRE_H
#define UVFIO_WIRE_H

#include <stdint.h>

#define UVFIO_WIRE_VERSION	1
#define UVFIO_SOCKET_NAME	"uvfiod.sock"
#define UVFIO_MAX_MSG		8192	/* request or response, with payload */
#define UVFIO_MAX_FDS		32	/* fds in one message */

enum uvfio_op {
	UVFIO_OP_OPEN = 1,	/* broker: payload = path; flags = open flags */
	UVFIO_OP_IOCTL,		/* cmd, arg */
	UVFIO_OP_READ,		/* arg = user buffer, len, off (or f_pos) */
	UVFIO_OP_WRITE,		/* arg = user buffer, len, off (or f_pos) */
	UVFIO_OP_MMAP,		/* off, len, flags = prot: how to map */
	UVFIO_OP_MMIO,		/* trapped access: off, len = size; payload */
	UVFIO_OP_FSTAT,		/* what stat() should say about the node */
	UVFIO_OP_CTL,		/* broker: CLI control, payload = command */
	UVFIO_OP_POLL,		/* which of EPOLLIN/OUT would be ready */
	UVFIO_OP_LSEEK,		/* off, flags = whence */
	UVFIO_OP_DMA_AGENT,	/* broker: one fd, the daemon's end of an agent */
	UVFIO_OP_MAX,
};

/* UVFIO_OP_READ/WRITE: use and advance the file position, not off. */
#define UVFIO_REQ_F_POS		(1u << 0)

struct uvfio_req {
	uint32_t op;		/* enum uvfio_op */
	uint32_t flags;
	uint64_t cmd;		/* ioctl request */
	uint64_t arg;		/* ioctl argument or user buffer address */
	uint64_t len;
	uint64_t off;
	uint32_t nfds;		/* fds attached with SCM_RIGHTS */
	uint32_t payload_len;	/* bytes following this header */
	/*
	 * For each attached fd, the number it has in the caller, so the
	 * daemon can resolve fd numbers it reads from the argument struct
	 * as the kernel's fdget() would.
	 */
	int32_t fd_nums[UVFIO_MAX_FDS];
};

/* Where the interposer must put a file descriptor the daemon returns. */
enum uvfio_fd_place {
	UVFIO_FD_RET = 1,	/* it is the syscall's return value */
	UVFIO_FD_AT_ARG,	/* store it as an __s32 at arg + offset */
};

struct uvfio_resp_fd {
	uint32_t place;		/* enum uvfio_fd_place */
	uint32_t cloexec;
	uint64_t offset;
};

struct uvfio_resp {
	int64_t ret;		/* >= 0 result, < 0 -errno */
	uint32_t nfds;
	uint32_t payload_len;
	struct uvfio_resp_fd fds[4];
};

/* UVFIO_OP_FSTAT payload. */
struct uvfio_stat {
	uint32_t mode;		/* S_IFCHR | 0600 ... */
	uint32_t major, minor;
	uint64_t size;
};

/* UVFIO_OP_MMAP answer: how the client should map the range. */
enum uvfio_map_kind {
	UVFIO_MAP_TRAP = 1,	/* PROT_NONE, trap and forward (MMIO) */
	UVFIO_MAP_FD,		/* mmap the returned fd at payload offset */
};

struct uvfio_mmap_info {
	uint32_t kind;		/* enum uvfio_map_kind */
	uint32_t pad;
	uint64_t fd_offset;	/* UVFIO_MAP_FD: offset into the fd */
};

/*
 * The DMA agent: a thread the interposer runs in each client process that
 * maps private memory for DMA, so that a device copy between two ranges
 * of that memory is one memmove inside the process instead of
 * process_vm_readv + process_vm_writev through the daemon.
 *
 * The client makes a SOCK_SEQPACKET pair and sends one end with
 * UVFIO_OP_DMA_AGENT (no payload) on a broker connection. The daemon then
 * sends struct uvfio_agent_req on it and the agent answers each with one
 * struct uvfio_agent_resp carrying the same seq. The agent copies only
 * inside its own address space; the daemon asks it only about memory of
 * the process that registered it.
 */
enum uvfio_agent_op {
	UVFIO_AGENT_COPY = 1,	/* memmove(dst, src, len) in the agent's process */
};

/* The most one request asks for, so that an answer comes in bounded time. */
#define UVFIO_AGENT_MAX_COPY	(4u << 20)

struct uvfio_agent_req {
	uint32_t op;		/* enum uvfio_agent_op */
	uint32_t pad;
	uint64_t seq;
	uint64_t dst, src, len;	/* user addresses in the agent's process */
};

struct uvfio_agent_resp {
	uint64_t seq;		/* the request's */
	int32_t status;		/* 0, -EFAULT (a side is not mapped), -EINVAL */
	uint32_t pad;
};

#endif /* UVFIO_WIRE_H */
