/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which paths are uvfio's, as pure string functions (no file system
 * access), so the rules can be tested on their own.
 */
#ifndef UVFIO_PRELOAD_PATHS_H
#define UVFIO_PRELOAD_PATHS_H

#include <stddef.h>

enum path_class {
	PATH_OTHER,	/* not ours: the real file system */
	PATH_NODE,	/* a device node the daemon serves (/dev/iommu, ...) */
	PATH_SHADOW,	/* lives in the daemon's shadow tree (/sys/..., /dev/vfio) */
	PATH_DEV_MAYBE,	/* /dev/<name>: a node if the shadow tree has one */
};

/* What a node's file is, to know how its ioctl arguments are laid out. */
enum node_kind {
	NODE_UNKNOWN,	/* inherited or received: could be anything */
	NODE_IOMMUFD,	/* /dev/iommu (also serves the container ioctls) */
	NODE_CONTAINER,	/* /dev/vfio/vfio */
	NODE_GROUP,	/* /dev/vfio/N */
	NODE_DEVICE,	/* /dev/vfio/devices/vfioN, or from GET_DEVICE_FD */
	NODE_OTHER,	/* a sysfs attribute, a fault queue, ... */
};

/*
 * Lexically normalise absolute path into buf: collapse "//", "." and
 * "..". A trailing slash (or trailing "." / "..") survives as one "/",
 * since it still means "must be a directory". Returns the length, -EINVAL
 * for a relative or empty path, -ENAMETOOLONG if it does not fit.
 */
int path_normalise(const char *path, char *buf, size_t len);

/* Classify a normalised path. */
enum path_class path_classify(const char *norm);

/* The kind of node at a normalised PATH_NODE path. */
enum node_kind path_node_kind(const char *norm);

/* True if the normalised path ends with '/' (and is not "/"). */
int path_has_trailing_slash(const char *norm);

/*
 * A cheap first test on a raw path: 0 means it cannot be ours (so the
 * caller need not normalise it).
 */
int path_maybe_ours(const char *path);

#endif
