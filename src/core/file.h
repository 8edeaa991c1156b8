/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Open files and the requests made on them: the daemon's struct file and
 * its syscall context.
 *
 * A uvfio_file is what the kernel's struct file is: created by open() of
 * a node (or by an ioctl that returns a new fd), reached through the
 * client's end of its connection, released when the last reference goes.
 * The connection holds one reference (dropped on hang-up); other objects
 * may hold more, the way a bound VFIO device keeps its iommufd alive.
 *
 * A uvfio_call is one request in flight: who asked (pid, mm, creds), the
 * file descriptors that came with it, and those to send back.
 *
 * Locking: everything here runs under uvfio_big_lock.
 */
#ifndef UVFIO_FILE_H
#define UVFIO_FILE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "uvfio/wire.h"

struct uvfio_file;
struct uvfio_mm;

struct uvfio_call {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	struct uvfio_mm *mm;

	/* Received with the request: fds[i] is the caller's fd fd_nums[i]. */
	unsigned int n_in_fds;
	int in_fds[UVFIO_MAX_FDS];
	int32_t in_fd_nums[UVFIO_MAX_FDS];

	/* To be sent with the answer (owned until sent). */
	unsigned int n_out_fds;
	int out_fds[4];
	struct uvfio_resp_fd out_fd_info[4];

	/* Inline answer payload (FSTAT, MMAP, CTL). */
	void *out_payload;
	uint32_t out_payload_len;
	/* Inline request payload. */
	const void *in_payload;
	uint32_t in_payload_len;
};

struct uvfio_file_ops {
	const char *name;
	long (*ioctl)(struct uvfio_file *file, struct uvfio_call *call,
		      unsigned long cmd, uint64_t arg);
	ssize_t (*read)(struct uvfio_file *file, struct uvfio_call *call,
			uint64_t ubuf, size_t len, uint64_t *pos);
	ssize_t (*write)(struct uvfio_file *file, struct uvfio_call *call,
			 uint64_t ubuf, size_t len, uint64_t *pos);
	/* Trapped MMIO: data points at size bytes (in for writes, out for reads). */
	int (*mmio)(struct uvfio_file *file, uint64_t off, unsigned int size,
		    bool is_write, void *data);
	/* How to mmap [off, off+len); may add an fd to call. */
	int (*mmap)(struct uvfio_file *file, struct uvfio_call *call,
		    uint64_t off, uint64_t len, int prot,
		    struct uvfio_mmap_info *info);
	unsigned int (*poll)(struct uvfio_file *file);
	/*
	 * Optional: bytes written straight to the connection by code the
	 * interposer does not see (libc's internal write of a stdio stream).
	 * No answer goes back.
	 */
	void (*write_raw)(struct uvfio_file *file, const void *data, size_t len);
	/* Last reference gone: free everything the file held. */
	void (*release)(struct uvfio_file *file);
};

struct uvfio_file {
	const struct uvfio_file_ops *ops;
	void *private_data;
	unsigned int refs;
	int open_flags;
	uint64_t pos;
	/* The client's end of the connection, to recognise it in SCM_RIGHTS. */
	dev_t client_dev;
	ino_t client_ino;
	int conn_fd;		/* daemon end; -1 once hung up */
	struct stat_info {
		uint32_t mode, major, minor;
	} st;
	struct uvfio_file *hash_next;
};

/*
 * Create a file and its connection. The client end is put in call's
 * answer (place says where the client's fd number goes).
 */
int uvfio_file_create(const struct uvfio_file_ops *ops, void *private_data,
		      int open_flags, struct uvfio_call *call,
		      enum uvfio_fd_place place, uint64_t offset,
		      struct uvfio_file **ret_file);
struct uvfio_file *uvfio_file_get(struct uvfio_file *file);
void uvfio_file_put(struct uvfio_file *file);
unsigned int uvfio_file_count(void);

/* The daemon fd that came with call as the caller's fd number fd, or -EBADF. */
int uvfio_call_fd(struct uvfio_call *call, int32_t fd);
/* The uvfio file behind the caller's fd number fd (no reference taken). */
struct uvfio_file *uvfio_call_file(struct uvfio_call *call, int32_t fd);
/* Hand an extra daemon-owned fd back to the client (for mmap of RAM). */
int uvfio_call_add_fd(struct uvfio_call *call, int fd,
		      enum uvfio_fd_place place, uint64_t offset);

/* copy_from_user / copy_to_user on the caller's memory. */
int copy_from_user(struct uvfio_call *call, void *dst, uint64_t src, size_t len);
int copy_to_user(struct uvfio_call *call, uint64_t dst, const void *src, size_t len);

/* Nodes: paths that open() reaches in the daemon. */
typedef int (*uvfio_open_fn)(struct uvfio_call *call, void *node_data,
			     int flags, struct uvfio_file **ret_file);
int uvfio_node_register(const char *path, uvfio_open_fn open, void *node_data,
			uint32_t mode, uint32_t major, uint32_t minor);
void uvfio_node_unregister(const char *path);
void uvfio_nodes_clear(void);
/* Opens path for call; the new file goes into call's answer. */
int uvfio_node_open(struct uvfio_call *call, const char *path, int flags);
int uvfio_node_stat(const char *path, struct uvfio_stat *st);

#endif
