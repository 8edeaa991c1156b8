// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sysfs attributes whose reads and writes have effects, as the PCI
 * driver core has them: a function's driver_override, the bus's
 * drivers_probe, and each driver's bind and unbind (a device's
 * driver/unbind is the same file through the driver link).
 *
 * Each is a shadow file marked S_ISVTX (the interposer then opens it
 * through the daemon) and a node at its canonical /sys path whose open
 * makes a file with show/store semantics: a read returns the text from
 * the file offset, a write hands the whole buffer (at most a page, else
 * E2BIG, as kernfs) to the store, which returns the kernel's errno.
 *
 * Matching follows pci_bus_match(): a driver_override names the only
 * driver that may bind; vfio-pci matches nothing else (its ID table is
 * override-only); the stand-in host driver matches any function without
 * an override. Binding itself is platform_driver_attach/detach.
 *
 * Locking: everything runs under uvfio_big_lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/file.h"
#include "core/log.h"
#include "core/platform.h"
#include "core/util.h"
#include "pci/topology.h"
#include "sysfs/sysfs.h"

#define LIVE_PAGE	4096

struct live_attr {
	/* Text of the attribute into buf; its length. NULL: write-only. */
	int (*show)(void *data, char *buf, size_t len);
	/* buf is NUL-terminated, len bytes. NULL: read-only. */
	int (*store)(void *data, const char *buf, size_t len);
};

struct live_open {
	const struct live_attr *attr;
	void *data;
};

/* A device name as sysfs_streq() compares it: one trailing newline off. */
static struct platform_func *find_func(const char *buf, size_t len)
{
	char name[32];

	if (len && buf[len - 1] == '\n')
		len--;
	if (!len || len >= sizeof(name))
		return NULL;
	memcpy(name, buf, len);
	name[len] = 0;
	return platform_find(name);
}

/* pci_match_device() for our two drivers. */
static bool driver_matches(const struct platform_func *f, int drv)
{
	if (f->driver_override)
		return !strcmp(f->driver_override, topo_driver_name(drv));
	return drv == TOPO_DRV_HOST;
}

/* ---- driver_override ------------------------------------------------ */

static int override_show(void *data, char *buf, size_t len)
{
	struct platform_func *f = data;

	return snprintf(buf, len, "%s\n",
			f->driver_override ? f->driver_override : "(null)");
}

/* driver_set_override(): up to the first newline; empty clears it. */
static int override_store(void *data, const char *buf, size_t len)
{
	struct platform_func *f = data;
	char *val = NULL;
	size_t n;

	if (len >= LIVE_PAGE - 1)
		return -EINVAL;
	n = strcspn(buf, "\n");
	if (n) {
		val = uvfio_calloc(1, n + 1);
		if (!val)
			return -ENOMEM;
		memcpy(val, buf, n);
	}
	free(f->driver_override);
	f->driver_override = val;
	return 0;
}

static const struct live_attr override_attr = {
	.show = override_show, .store = override_store,
};

/* ---- drivers/D/bind, drivers/D/unbind, drivers_probe ---------------- */

static int bind_store(void *data, const char *buf, size_t len)
{
	int drv = (int)(intptr_t)data;
	struct platform_func *f = find_func(buf, len);

	if (!f || !driver_matches(f, drv))
		return -ENODEV;
	return platform_driver_attach(f, drv);
}

static int unbind_store(void *data, const char *buf, size_t len)
{
	int drv = (int)(intptr_t)data;
	struct platform_func *f = find_func(buf, len);

	if (!f || (int)f->node->driver != drv)
		return -ENODEV;
	return platform_driver_detach(f);
}

/* bus_rescan_devices_helper(): a bound device is left alone. */
static int probe_store(void *data, const char *buf, size_t len)
{
	struct platform_func *f = find_func(buf, len);
	int drv;

	(void)data;
	if (!f)
		return -ENODEV;
	if (f->node->driver != TOPO_DRV_NONE)
		return 0;
	if (!f->driver_override)
		drv = TOPO_DRV_HOST;
	else
		drv = topo_driver_from_name(f->driver_override);
	if (drv != TOPO_DRV_HOST && drv != TOPO_DRV_VFIO_PCI)
		return 0;	/* no driver matches: nothing bound */
	return platform_driver_attach(f, drv) ? -EINVAL : 0;
}

static const struct live_attr bind_attr = { .store = bind_store };
static const struct live_attr unbind_attr = { .store = unbind_store };
static const struct live_attr probe_attr = { .store = probe_store };

/* ---- the files ------------------------------------------------------ */

static ssize_t live_read(struct uvfio_file *file, struct uvfio_call *call,
			 uint64_t ubuf, size_t len, uint64_t *pos)
{
	struct live_open *lo = file->private_data;
	char text[LIVE_PAGE];
	int n = lo->attr->show(lo->data, text, sizeof(text));

	if (n < 0)
		return n;
	if ((size_t)n >= sizeof(text))
		n = sizeof(text) - 1;
	if (*pos >= (uint64_t)n)
		return 0;
	if (len > (size_t)n - *pos)
		len = (size_t)n - *pos;
	if (copy_to_user(call, ubuf, text + *pos, len))
		return -EFAULT;
	*pos += len;
	return len;
}

static ssize_t live_write(struct uvfio_file *file, struct uvfio_call *call,
			  uint64_t ubuf, size_t len, uint64_t *pos)
{
	struct live_open *lo = file->private_data;
	char buf[LIVE_PAGE + 1];
	int rc;

	(void)pos;
	if (len > LIVE_PAGE)
		return -E2BIG;
	if (len && copy_from_user(call, buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	rc = lo->attr->store(lo->data, buf, len);
	return rc ? rc : (ssize_t)len;
}

/* `echo vfio-pci > driver_override` from a shell: stdio's own write. */
static void live_write_raw(struct uvfio_file *file, const void *data, size_t len)
{
	struct live_open *lo = file->private_data;
	char buf[LIVE_PAGE + 1];
	int rc;

	if (len > LIVE_PAGE)
		return;
	memcpy(buf, data, len);
	buf[len] = 0;
	rc = lo->attr->store(lo->data, buf, len);
	if (rc)
		pr_info("sysfs: a plain write of %zu bytes failed: %s", len,
			strerror(-rc));
}

static void live_release(struct uvfio_file *file)
{
	free(file->private_data);
}

static const struct uvfio_file_ops live_fops = {
	.name = "sysfs",
	.read = live_read,
	.write = live_write,
	.write_raw = live_write_raw,
	.release = live_release,
};

/* kernfs refuses an open for a direction the attribute lacks. */
static int live_open_fn(struct uvfio_call *call, void *data, int flags,
			struct uvfio_file **ret_file, const struct live_attr *attr)
{
	int acc = flags & O_ACCMODE;
	struct live_open *lo;
	int rc;

	if ((acc != O_WRONLY && !attr->show) || (acc != O_RDONLY && !attr->store))
		return -EACCES;
	lo = uvfio_zalloc(sizeof(*lo));
	if (!lo)
		return -ENOMEM;
	lo->attr = attr;
	lo->data = data;
	rc = uvfio_file_create(&live_fops, lo, flags, call, UVFIO_FD_RET, 0,
			       ret_file);
	if (rc)
		free(lo);
	return rc;
}

#define LIVE_OPEN(name, attr_var)					\
static int name(struct uvfio_call *call, void *data, int flags,	\
		struct uvfio_file **ret_file)				\
{									\
	return live_open_fn(call, data, flags, ret_file, &attr_var);	\
}

LIVE_OPEN(override_open, override_attr)
LIVE_OPEN(bind_open, bind_attr)
LIVE_OPEN(unbind_open, unbind_attr)
LIVE_OPEN(probe_open, probe_attr)

/* ---- module parameters ---------------------------------------------- */

static int param_show(void *data, char *buf, size_t len)
{
	return snprintf(buf, len, "%s", (const char *)data);
}

/*
 * Read-only here even where the kernel's mode lets root write: uvfio's
 * vfio takes its settings from the machine description at start-up.
 */
static const struct live_attr param_attr = { .show = param_show };

LIVE_OPEN(param_open, param_attr)

int sysfs_live_param(const char *path, const char *text, uint32_t mode)
{
	int rc = sysfs_live_file_mode(path, mode);

	if (rc)
		return rc;
	return uvfio_node_register(path, param_open, (void *)text,
				   S_IFREG | mode, 0, 0);
}

static int live_register(const char *path, uvfio_open_fn open, void *data,
			 uint32_t mode)
{
	int rc = sysfs_live_file(path);

	if (rc)
		return rc;
	return uvfio_node_register(path, open, data, S_IFREG | mode, 0, 0);
}

int sysfs_live_function(const char *rel, const char *bdf)
{
	struct platform_func *f = platform_find(bdf);
	char path[600];

	if (!f)
		return -ENODEV;
	if ((size_t)snprintf(path, sizeof(path), "/sys/devices/%s/driver_override",
			     rel) >= sizeof(path))
		return -ENAMETOOLONG;
	return live_register(path, override_open, f, 0644);
}

int sysfs_live_bus(void)
{
	static const int drivers[] = { TOPO_DRV_VFIO_PCI, TOPO_DRV_HOST };
	char path[128];
	unsigned int i;
	int rc;

	rc = live_register("/sys/bus/pci/drivers_probe", probe_open, NULL, 0200);
	for (i = 0; !rc && i < ARRAY_SIZE(drivers); i++) {
		void *data = (void *)(intptr_t)drivers[i];
		const char *name = topo_driver_name(drivers[i]);

		snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/bind", name);
		rc = live_register(path, bind_open, data, 0200);
		if (rc)
			break;
		snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/unbind", name);
		rc = live_register(path, unbind_open, data, 0200);
	}
	return rc;
}
