/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where a path-taking call goes: the real file system, the daemon (a
 * node, opened or stat()ed through the broker), or the shadow tree.
 */
#ifndef UVFIO_PRELOAD_ROUTE_H
#define UVFIO_PRELOAD_ROUTE_H

#include <limits.h>

#include "client/client.h"
#include "preload/paths.h"

enum route_kind {
	ROUTE_PASS,	/* not ours: call the real function on the path as given */
	ROUTE_NODE,	/* r.canon is a node the daemon serves */
	ROUTE_SHADOW,	/* call the real function on r.buf instead */
	ROUTE_ERR,	/* fail with r.err */
};

struct route {
	enum route_kind kind;
	int err;		/* ROUTE_ERR: negative errno */
	enum node_kind node;	/* ROUTE_NODE */
	char *canon;		/* the normalised path the program means */
	char buf[PATH_MAX];	/* the runtime directory, then canon */
};

/* Route path (relative paths always pass). */
void route_path(const char *path, struct route *r);

/*
 * Open node canon through the broker and register the new fd. Returns
 * the fd or a negative errno (unreachable daemon: -ENOENT, said once).
 */
int node_open(const char *canon, int flags, enum node_kind kind);
/* Ask the broker what stat() says about canon. */
int node_stat(const char *canon, struct uvfio_stat *ret_st);
/* The path the daemon knows a shadow-tree file by (symlinks resolved). */
int shadow_canon(const char *shadow, char *buf, size_t len);

/*
 * open() of a routed path (not ROUTE_PASS): the fd, or a negative errno.
 * (open.c)
 */
int open_routed(const struct route *r, int flags, unsigned int mode);

/* Fill a struct stat for a node. */
struct stat;
struct statx;
void node_fill_stat(const struct uvfio_stat *ust, struct stat *st);
void node_fill_statx(const struct uvfio_stat *ust, struct statx *stx);

#endif
