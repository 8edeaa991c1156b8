// SPDX-License-Identifier: GPL-2.0-only
/*
 * Files, calls and nodes.
 *
 * A file is found from a descriptor the client sends us by the identity
 * of the socket behind it (device and inode of its client end), recorded
 * when the daemon created the pair: a client can only send descriptors it
 * really holds, so this cannot be forged. The table is a hash on inode.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/daemon.h"
#include "core/file.h"
#include "core/log.h"
#include "core/uaccess.h"
#include "core/util.h"

#define FILE_HASH_SIZE 1024

static struct uvfio_file *file_hash[FILE_HASH_SIZE];
static unsigned int file_count;

static struct uvfio_file **file_slot(ino_t ino)
{
	return &file_hash[ino % FILE_HASH_SIZE];
}

struct uvfio_file *uvfio_conn_lookup(dev_t dev, ino_t ino)
{
	struct uvfio_file *f;

	for (f = *file_slot(ino); f; f = f->hash_next)
		if (f->client_ino == ino && f->client_dev == dev)
			return f;
	return NULL;
}

static void file_unhash(struct uvfio_file *file)
{
	struct uvfio_file **pp;

	for (pp = file_slot(file->client_ino); *pp; pp = &(*pp)->hash_next) {
		if (*pp == file) {
			*pp = file->hash_next;
			return;
		}
	}
}

unsigned int uvfio_file_count(void)
{
	return file_count;
}

int uvfio_call_add_fd(struct uvfio_call *call, int fd,
		      enum uvfio_fd_place place, uint64_t offset)
{
	unsigned int i = call->n_out_fds;

	if (i >= ARRAY_SIZE(call->out_fds))
		return -EMFILE;
	call->out_fds[i] = fd;
	call->out_fd_info[i] = (struct uvfio_resp_fd){
		.place = place, .offset = offset, .cloexec = 1,
	};
	call->n_out_fds++;
	return 0;
}

int uvfio_file_create(const struct uvfio_file_ops *ops, void *private_data,
		      int open_flags, struct uvfio_call *call,
		      enum uvfio_fd_place place, uint64_t offset,
		      struct uvfio_file **ret_file)
{
	struct uvfio_file *file;
	struct stat st;
	int sv[2];
	int rc;

	file = uvfio_zalloc(sizeof(*file));
	if (!file)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		rc = -errno;
		goto err_free;
	}
	if (fstat(sv[1], &st)) {
		rc = -errno;
		goto err_close;
	}
	/* The kernel attaches credentials to each request only if asked. */
	if (setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &(int){ 1 }, sizeof(int))) {
		rc = -errno;
		goto err_close;
	}
	file->ops = ops;
	file->private_data = private_data;
	file->open_flags = open_flags;
	file->refs = 1;
	file->conn_fd = sv[0];
	file->client_dev = st.st_dev;
	file->client_ino = st.st_ino;
	rc = uvfio_call_add_fd(call, sv[1], place, offset);
	if (rc)
		goto err_close;
	call->out_fd_info[call->n_out_fds - 1].cloexec = !!(open_flags & O_CLOEXEC);
	rc = uvfio_conn_add_file(file);
	if (rc) {
		call->n_out_fds--;
		goto err_close;
	}
	file->hash_next = *file_slot(file->client_ino);
	*file_slot(file->client_ino) = file;
	file_count++;
	*ret_file = file;
	return 0;

err_close:
	close(sv[0]);
	close(sv[1]);
err_free:
	free(file);
	return rc;
}

struct uvfio_file *uvfio_file_get(struct uvfio_file *file)
{
	file->refs++;
	return file;
}

void uvfio_file_put(struct uvfio_file *file)
{
	if (!file || --file->refs)
		return;
	file_unhash(file);
	uvfio_conn_close_file(file);
	if (file->ops->release)
		file->ops->release(file);
	free(file);
	file_count--;
}

int uvfio_call_fd(struct uvfio_call *call, int32_t fd)
{
	unsigned int i;

	if (fd < 0)
		return -EBADF;
	for (i = 0; i < call->n_in_fds; i++)
		if (call->in_fd_nums[i] == fd)
			return call->in_fds[i];
	return -EBADF;
}

struct uvfio_file *uvfio_call_file(struct uvfio_call *call, int32_t fd)
{
	struct stat st;
	int dfd = uvfio_call_fd(call, fd);

	if (dfd < 0 || fstat(dfd, &st) || !S_ISSOCK(st.st_mode))
		return NULL;
	return uvfio_conn_lookup(st.st_dev, st.st_ino);
}

int copy_from_user(struct uvfio_call *call, void *dst, uint64_t src, size_t len)
{
	return uvfio_mm_read(call->mm, src, dst, len);
}

int copy_to_user(struct uvfio_call *call, uint64_t dst, const void *src, size_t len)
{
	return uvfio_mm_write(call->mm, dst, src, len);
}

/* Nodes. */

struct uvfio_node {
	char *path;
	uvfio_open_fn open;
	void *data;
	struct uvfio_stat st;
	struct uvfio_node *next;
};

static struct uvfio_node *nodes;

static struct uvfio_node *node_find(const char *path)
{
	struct uvfio_node *n;

	for (n = nodes; n; n = n->next)
		if (!strcmp(n->path, path))
			return n;
	return NULL;
}

int uvfio_node_register(const char *path, uvfio_open_fn open, void *node_data,
			uint32_t mode, uint32_t major, uint32_t minor)
{
	struct uvfio_node *n;

	if (node_find(path))
		return -EEXIST;
	n = uvfio_zalloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->path = uvfio_strdup(path);
	if (!n->path) {
		free(n);
		return -ENOMEM;
	}
	n->open = open;
	n->data = node_data;
	n->st = (struct uvfio_stat){ .mode = mode, .major = major, .minor = minor };
	n->next = nodes;
	nodes = n;
	return 0;
}

void uvfio_node_unregister(const char *path)
{
	struct uvfio_node **pp, *n;

	for (pp = &nodes; (n = *pp); pp = &n->next) {
		if (!strcmp(n->path, path)) {
			*pp = n->next;
			free(n->path);
			free(n);
			return;
		}
	}
}

void uvfio_nodes_clear(void)
{
	while (nodes)
		uvfio_node_unregister(nodes->path);
}

int uvfio_node_open(struct uvfio_call *call, const char *path, int flags)
{
	struct uvfio_node *n = node_find(path);
	struct uvfio_file *file;
	int rc;

	if (!n)
		return -ENOENT;
	rc = n->open(call, n->data, flags, &file);
	if (rc)
		return rc;
	file->st.mode = n->st.mode;
	file->st.major = n->st.major;
	file->st.minor = n->st.minor;
	return 0;
}

int uvfio_node_stat(const char *path, struct uvfio_stat *st)
{
	struct uvfio_node *n = node_find(path);

	if (!n)
		return -ENOENT;
	*st = n->st;
	return 0;
}
