// SPDX-License-Identifier: GPL-2.0-only
/*
 * The path rules.
 *
 * The daemon keeps a real directory tree shaped like the parts of /sys
 * and /dev that VFIO users read; the interposer sends a path there when it
 * lies under one of the prefixes below, decided on the lexically
 * normalised path (as the brief for uvfio says: ".." is resolved on the
 * string, which differs from the kernel only for ".." after a symlink).
 *
 * Prefixes match whole components: /sys/bus/pci covers /sys/bus/pci and
 * /sys/bus/pci/..., not /sys/bus/pcie. Two prefixes match a component
 * stem: /sys/devices/pci* (root buses) and /sys/module/vfio*.
 *
 * /dev/iommu and everything below /dev/vfio/ are device nodes served by
 * the daemon, except the two directories /dev/vfio and /dev/vfio/devices,
 * which are listed from the shadow tree. Other /dev/<name> may be a node
 * (uacce queues are /dev/<algorithm>-<id>): the caller asks the shadow
 * tree, except for the well-known names every system has.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "preload/paths.h"

int path_normalise(const char *path, char *buf, size_t len)
{
	const char *p = path, *comp;
	size_t out = 0, n;
	bool dir = false;

	if (!path || path[0] != '/' || len < 2)
		return -EINVAL;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		comp = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - comp);
		dir = *p == '/';
		if (n == 1 && comp[0] == '.') {
			dir = true;
			continue;
		}
		if (n == 2 && comp[0] == '.' && comp[1] == '.') {
			while (out > 0 && buf[out - 1] != '/')
				out--;
			if (out > 0)
				out--;
			dir = true;
			continue;
		}
		if (out + 1 + n + 1 > len)
			return -ENAMETOOLONG;
		buf[out++] = '/';
		memcpy(buf + out, comp, n);
		out += n;
	}
	if (out == 0 || dir) {
		if (out + 2 > len)
			return -ENAMETOOLONG;
		buf[out++] = '/';
	}
	buf[out] = '\0';
	return (int)out;
}

int path_has_trailing_slash(const char *norm)
{
	size_t n = strlen(norm);

	return n > 1 && norm[n - 1] == '/';
}

/* norm is dir itself or below it (norm may end with '/'). */
static bool under(const char *norm, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(norm, dir, n) && (norm[n] == '\0' || norm[n] == '/');
}

static bool is(const char *norm, const char *path)
{
	size_t n = strlen(path);

	return !strncmp(norm, path, n) &&
	       (norm[n] == '\0' || (norm[n] == '/' && norm[n + 1] == '\0'));
}

/* norm is below dir in a component that starts with stem. */
static bool under_stem(const char *norm, const char *dir, const char *stem)
{
	size_t n = strlen(dir);

	return !strncmp(norm, dir, n) && norm[n] == '/' &&
	       !strncmp(norm + n + 1, stem, strlen(stem));
}

static const char *const sys_dirs[] = {
	"/sys/bus/pci",
	"/sys/kernel/iommu_groups",
	"/sys/class/vfio-dev",
	"/sys/class/uacce",
};

/* /dev names that are never uvfio's: do not even look. */
static const char *const dev_common[] = {
	"null", "zero", "full", "random", "urandom", "tty", "console",
	"ptmx", "pts", "shm", "stdin", "stdout", "stderr", "fd", "kmsg",
	"mqueue", "hugepages", "log", "char", "block", "net", "kvm",
	"fuse", "rtc", "mem", "port", "core", "vhost-net", "vhost-vsock",
};

static bool dev_is_common(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(dev_common) / sizeof(dev_common[0]); i++) {
		size_t n = strlen(dev_common[i]);

		if (!strncmp(name, dev_common[i], n) &&
		    (name[n] == '\0' || name[n] == '/'))
			return true;
	}
	/* tty*, loop*, sd*, nvme*, ... are the real machine's. */
	return !strncmp(name, "tty", 3) || !strncmp(name, "loop", 4) ||
	       !strncmp(name, "sd", 2) || !strncmp(name, "nvme", 4) ||
	       !strncmp(name, "dri", 3) || !strncmp(name, "input", 5) ||
	       !strncmp(name, "disk", 4) || !strncmp(name, "vd", 2);
}

static enum path_class classify_dev(const char *norm)
{
	const char *name = norm + strlen("/dev/");
	const char *slash = strchr(name, '/');

	if (is(norm, "/dev/iommu"))
		return PATH_NODE;
	if (is(norm, "/dev/vfio") || is(norm, "/dev/vfio/devices"))
		return PATH_SHADOW;
	if (under(norm, "/dev/vfio"))
		return PATH_NODE;
	/* Only /dev/<name> itself: deeper paths are the machine's. */
	if (!*name || (slash && slash[1]) || dev_is_common(name))
		return PATH_OTHER;
	return PATH_DEV_MAYBE;
}

enum path_class path_classify(const char *norm)
{
	size_t i;

	if (!strncmp(norm, "/dev/", 5))
		return classify_dev(norm);
	if (strncmp(norm, "/sys/", 5))
		return PATH_OTHER;
	for (i = 0; i < sizeof(sys_dirs) / sizeof(sys_dirs[0]); i++)
		if (under(norm, sys_dirs[i]))
			return PATH_SHADOW;
	if (under_stem(norm, "/sys/devices", "pci") ||
	    under_stem(norm, "/sys/module", "vfio"))
		return PATH_SHADOW;
	return PATH_OTHER;
}

enum node_kind path_node_kind(const char *norm)
{
	if (is(norm, "/dev/iommu"))
		return NODE_IOMMUFD;
	if (is(norm, "/dev/vfio/vfio"))
		return NODE_CONTAINER;
	if (under(norm, "/dev/vfio/devices"))
		return NODE_DEVICE;
	if (under(norm, "/dev/vfio"))
		return NODE_GROUP;
	return NODE_OTHER;
}

int path_maybe_ours(const char *path)
{
	while (*path == '/')
		path++;
	return *path == 'd' || *path == 's' || *path == '.';
}
