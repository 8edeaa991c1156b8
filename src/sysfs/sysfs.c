// SPDX-License-Identifier: GPL-2.0-only
/*
 * The synthesized /sys and /dev trees.
 *
 * Programs find their devices the way they do on Linux: list
 * /sys/bus/pci/devices, read vendor/device/class, follow the iommu_group
 * link, find vfio-dev/vfioN. The daemon writes a real directory tree of
 * that shape into its runtime directory and the interposer redirects
 * those paths there, so every libc call that walks it (stat, readlink,
 * opendir, fopen) works unchanged. Links are relative, as the kernel's
 * are, so a program that reads them sees the same text.
 *
 * Regular files carry the sticky bit when their reads or writes have
 * effects (reset, driver_override, ...): the interposer opens those
 * through the daemon instead.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/platform.h"
#include "core/util.h"
#include "pci/pci_dev.h"
#include "pci/pci_regs.h"
#include "pci/topology.h"
#include "sysfs/sysfs.h"
#include "vfio/vfio.h"

#define PATH_MAX_LEN 1024

static const char *root;

static int mkdir_p(const char *path)
{
	char tmp[PATH_MAX_LEN];
	char *p;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int vpath(char *buf, size_t len, const char *fmt, va_list ap)
{
	int n = snprintf(buf, len, "%s/", root);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	if ((size_t)vsnprintf(buf + n, len - n, fmt, ap) >= len - n)
		return -ENAMETOOLONG;
	return 0;
}

static int __attribute__((format(printf, 1, 2))) mkdirf(const char *fmt, ...)
{
	char path[PATH_MAX_LEN];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	return rc ? rc : mkdir_p(path);
}

static int write_file(const char *path, const void *data, size_t len,
		      mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len)
		rc = -EIO;
	fchmod(fd, mode);
	close(fd);
	return rc;
}

/* Write a one-line attribute file: dir/name containing the text. */
static int __attribute__((format(printf, 3, 4)))
attr(const char *dir, const char *name, const char *fmt, ...)
{
	char path[PATH_MAX_LEN], text[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -EINVAL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	return write_file(path, text, n, 0444);
}

static int __attribute__((format(printf, 2, 3)))
symlinkf(const char *target, const char *fmt, ...)
{
	char path[PATH_MAX_LEN];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (rc)
		return rc;
	unlink(path);
	return symlink(target, path) ? -errno : 0;
}

/* "pci0000:00/0000:00:1c.0/0000:01:00.0": the device's path under /sys/devices. */
static int device_rel_path(const struct topo_machine *m,
			   const struct topo_node *n, char *buf, size_t len)
{
	const struct topo_node *chain[TOPO_MAX_DEPTH + 1];
	size_t depth, i;
	int off;

	depth = topo_parent_chain(m, n, chain, TOPO_MAX_DEPTH + 1);
	if (depth > TOPO_MAX_DEPTH + 1)
		return -E2BIG;
	off = snprintf(buf, len, "pci%04x:%02x", n->domain,
		       depth ? chain[depth - 1]->bus_nr : n->bus_nr);
	/* chain[] runs from the nearest bridge up to the root. */
	for (i = depth; i-- > 0;)
		off += snprintf(buf + off, len - off, "/%s", chain[i]->bdf);
	off += snprintf(buf + off, len - off, "/%s", n->bdf);
	return (size_t)off >= len ? -ENAMETOOLONG : 0;
}

/* "../" repeated for each component of rel plus extra. */
static void up_path(char *buf, size_t len, const char *rel, int extra)
{
	int ups = extra;
	const char *p;

	for (p = rel; *p; p++)
		if (*p == '/')
			ups++;
	ups++;
	buf[0] = 0;
	while (ups-- > 0)
		strncat(buf, "../", len - strlen(buf) - 1);
}

int sysfs_live_file_mode(const char *path, unsigned int mode)
{
	char real[PATH_MAX_LEN];

	if ((size_t)snprintf(real, sizeof(real), "%s%s", root, path) >= sizeof(real))
		return -ENAMETOOLONG;
	/* The sticky bit: the interposer opens it through the daemon. */
	return write_file(real, "", 0, S_ISVTX | (mode & 0777));
}

int sysfs_live_file(const char *path)
{
	return sysfs_live_file_mode(path, 0644);
}

/* Remove root-relative path (a file, a link or an empty directory). */
static void __attribute__((format(printf, 1, 2))) removef(const char *fmt, ...)
{
	char path[PATH_MAX_LEN];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (!rc)
		remove(path);
}

/* The vfio pieces of a function bound to vfio-pci: vfio-dev, class, /dev. */
static int vfio_entries(struct platform_func *f, const char *rel)
{
	const struct topo_node *n = f->node;
	char dir[PATH_MAX_LEN], target[PATH_MAX_LEN + 64];
	bool noiommu = f->vdev->group->noiommu;
	int rc;

	rc = mkdirf("sys/devices/%s/vfio-dev/%s", rel, f->vdev->name);
	if (rc)
		return rc;
	snprintf(target, sizeof(target), "../../devices/%s/vfio-dev/%s",
		 rel, f->vdev->name);
	symlinkf(target, "sys/class/vfio-dev/%s", f->vdev->name);
	/* A noiommu device is a class device without a cdev (6.12). */
	if (!noiommu) {
		snprintf(dir, sizeof(dir), "%s/sys/devices/%s/vfio-dev/%s",
			 root, rel, f->vdev->name);
		attr(dir, "dev", "511:%u\n", f->vdev->index);
		snprintf(dir, sizeof(dir), "%s/dev/vfio/devices/%s", root,
			 f->vdev->name);
		write_file(dir, "", 0, 0600);
	}
	/* The group's node: the daemon answers opens of /dev/vfio/N. */
	snprintf(dir, sizeof(dir), "%s/dev/vfio/%s%d", root,
		 noiommu ? "noiommu-" : "", n->group);
	return write_file(dir, "", 0, 0600);
}

/* The driver link, the driver's device link, and vfio's pieces. */
static int driver_entries(struct platform_func *f, const char *rel)
{
	const struct topo_node *n = f->node;
	const char *drv = topo_driver_name(n->driver);
	char up[256], target[PATH_MAX_LEN + 64];

	if (n->driver != TOPO_DRV_VFIO_PCI && n->driver != TOPO_DRV_HOST)
		return 0;
	up_path(up, sizeof(up), rel, 1);
	snprintf(target, sizeof(target), "%sbus/pci/drivers/%s", up, drv);
	symlinkf(target, "sys/devices/%s/driver", rel);
	snprintf(target, sizeof(target), "../../../../devices/%s", rel);
	symlinkf(target, "sys/bus/pci/drivers/%s/%s", drv, n->bdf);
	return f->vdev ? vfio_entries(f, rel) : 0;
}

/* Undo driver_entries() for whatever driver had the function. */
static void driver_entries_remove(struct platform_func *f, const char *rel)
{
	const struct topo_node *n = f->node;
	struct vfio_group *group = vfio_group_get(n->group);
	char path[PATH_MAX_LEN];
	struct dirent *de;
	DIR *d;

	removef("sys/devices/%s/driver", rel);
	removef("sys/bus/pci/drivers/vfio-pci/%s", n->bdf);
	removef("sys/bus/pci/drivers/host/%s", n->bdf);
	/* The device's vfioN may be gone already: read it from the tree. */
	snprintf(path, sizeof(path), "%s/sys/devices/%s/vfio-dev", root, rel);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, "vfio", 4))
			continue;
		removef("sys/devices/%s/vfio-dev/%s/dev", rel, de->d_name);
		removef("sys/devices/%s/vfio-dev/%s", rel, de->d_name);
		removef("sys/class/vfio-dev/%s", de->d_name);
		removef("dev/vfio/devices/%s", de->d_name);
	}
	if (d)
		closedir(d);
	removef("sys/devices/%s/vfio-dev", rel);
	if (group && !group->nr_devices)
		removef("dev/vfio/%s%d", group->noiommu ? "noiommu-" : "",
			n->group);
}

/* A function no IOMMU covers has no group (without noiommu mode). */
static int iommu_group_entries(const struct topo_machine *m,
			       const struct topo_node *n, const char *rel)
{
	char up[256], dir[PATH_MAX_LEN], target[PATH_MAX_LEN + 64];

	if (n->group < 0)
		return 0;
	/* <root>/sys/devices/<rel>: three levels below <root>/sys. */
	up_path(up, sizeof(up), rel, 1);
	snprintf(target, sizeof(target), "%skernel/iommu_groups/%d", up,
		 n->group);
	symlinkf(target, "sys/devices/%s/iommu_group", rel);
	mkdirf("sys/kernel/iommu_groups/%d/devices", n->group);
	/* iommu_group_set_name(): only vfio's noiommu groups have a name. */
	if (topo_group_is_noiommu(m, n->group)) {
		snprintf(dir, sizeof(dir), "%s/sys/kernel/iommu_groups/%d",
			 root, n->group);
		attr(dir, "name", "vfio-noiommu\n");
	}
	snprintf(target, sizeof(target), "../../../../devices/%s", rel);
	return symlinkf(target, "sys/kernel/iommu_groups/%d/devices/%s",
			n->group, n->bdf);
}

/* Resource flags as the kernel's ioport.h numbers them. */
#define RES_IO		0x00000100ULL
#define RES_MEM		0x00000200ULL
#define RES_PREFETCH	0x00002000ULL
#define RES_READONLY	0x00004000ULL
#define RES_SIZEALIGN	0x00040000ULL
#define RES_MEM_64	0x00100000ULL
#define RES_LINES	13	/* 6 BARs, the ROM, 6 SR-IOV BARs */
#define RES_LINES_BRIDGE 17	/* and 4 bridge windows */

/* One "start end flags" line of a BAR, at the address it decodes. */
static int resource_line(struct pci_dev *pdev, int bar, char *buf, size_t len)
{
	const struct pci_bar *b = &pdev->bars[bar];
	unsigned int reg = PCI_BASE_ADDRESS_0 + 4 * (unsigned int)bar;
	uint64_t lo, start = 0, flags = 0;

	if (b->kind != PCI_BAR_NONE && b->size) {
		lo = pci_config_read(pdev, reg, 4);
		flags = RES_SIZEALIGN;
		if (b->kind == PCI_BAR_IO) {
			start = lo & ~0x3ULL;
			flags |= RES_IO | (lo & 0x3);
		} else {
			start = lo & ~0xfULL;
			if (b->is_64bit)
				start |= (uint64_t)pci_config_read(pdev, reg + 4,
								   4) << 32;
			flags |= RES_MEM | (lo & 0xf) |
				 (b->is_64bit ? RES_MEM_64 : 0) |
				 (b->prefetchable ? RES_PREFETCH : 0);
		}
	}
	return snprintf(buf, len, "0x%016llx 0x%016llx 0x%016llx\n",
			(unsigned long long)start,
			(unsigned long long)(flags ? start + b->size - 1 : 0),
			(unsigned long long)flags);
}

/*
 * The resource file: one line per resource, BARs at the bus address they
 * decode (the machine assigns none, so 0 and up), the ROM, and zeros for
 * what a function does not have. DPDK's PCI scan needs it.
 */
static int resource_file(const char *dir, struct platform_func *f)
{
	struct pci_dev *pdev = f->pdev;
	char text[RES_LINES_BRIDGE * 64], path[PATH_MAX_LEN + 16];
	int bar, n = 0, lines;

	lines = f->node->kind == TOPO_ENDPOINT ? RES_LINES : RES_LINES_BRIDGE;
	for (bar = 0; bar < lines; bar++) {
		if (bar < PCI_NUM_BARS && !(bar > 0 &&
		    pdev->bars[bar - 1].is_64bit && pdev->bars[bar - 1].size))
			n += resource_line(pdev, bar, text + n, sizeof(text) - n);
		else if (bar == PCI_ROM_SLOT && pdev->rom_size)
			n += snprintf(text + n, sizeof(text) - n,
				      "0x%016llx 0x%016llx 0x%016llx\n", 0ULL,
				      (unsigned long long)pdev->rom_size - 1,
				      RES_SIZEALIGN | RES_READONLY |
				      RES_PREFETCH | RES_MEM);
		else
			n += snprintf(text + n, sizeof(text) - n,
				      "0x%016llx 0x%016llx 0x%016llx\n",
				      0ULL, 0ULL, 0ULL);
	}
	snprintf(path, sizeof(path), "%s/resource", dir);
	return write_file(path, text, (size_t)n, 0444);
}

static int build_function(const struct topo_machine *m, struct platform_func *f)
{
	const struct topo_node *n = f->node;
	struct pci_dev *pdev = f->pdev;
	char rel[512], dir[PATH_MAX_LEN], target[PATH_MAX_LEN + 64];
	char config[PCI_CFG_SPACE_EXP_SIZE];
	unsigned int i;
	int rc;

	rc = device_rel_path(m, n, rel, sizeof(rel));
	if (rc)
		return rc;
	snprintf(dir, sizeof(dir), "%s/sys/devices/%s", root, rel);
	rc = mkdir_p(dir);
	if (rc)
		return rc;
	attr(dir, "vendor", "0x%04x\n", pci_config_read(pdev, PCI_VENDOR_ID, 2));
	attr(dir, "device", "0x%04x\n", pci_config_read(pdev, PCI_DEVICE_ID, 2));
	attr(dir, "subsystem_vendor", "0x%04x\n",
	     pci_config_read(pdev, PCI_SUBSYSTEM_VENDOR_ID, 2));
	attr(dir, "subsystem_device", "0x%04x\n",
	     pci_config_read(pdev, PCI_SUBSYSTEM_ID, 2));
	attr(dir, "class", "0x%06x\n",
	     pci_config_read(pdev, PCI_CLASS_REVISION, 4) >> 8);
	attr(dir, "revision", "0x%02x\n", pci_config_read(pdev, PCI_REVISION_ID, 1));
	attr(dir, "numa_node", "-1\n");
	resource_file(dir, f);
	for (i = 0; i < pdev->config_size; i++)
		config[i] = pci_config_read(pdev, i, 1);
	snprintf(target, sizeof(target), "%s/config", dir);
	write_file(target, config, pdev->config_size, 0644);
	{
		char methods[64] = "";

		topo_reset_method_string(m, n, methods, sizeof(methods));
		attr(dir, "reset_method", "%s\n", methods);
	}

	/* dir is <root>/sys/devices/<rel>: three levels below <root>/sys. */
	rc = driver_entries(f, rel);
	if (rc)
		return rc;
	rc = sysfs_live_function(rel, n->bdf);
	if (rc)
		return rc;
	snprintf(target, sizeof(target), "../../../devices/%s", rel);
	symlinkf(target, "sys/bus/pci/devices/%s", n->bdf);
	return iommu_group_entries(m, n, rel);
}

/* The function's driver changed: redo its driver entries. */
void sysfs_update_function(struct platform_func *f)
{
	char rel[512];

	if (!root || device_rel_path(uvfio_platform.machine, f->node, rel,
				     sizeof(rel)))
		return;
	driver_entries_remove(f, rel);
	if (driver_entries(f, rel))
		pr_err("%s: cannot update its sysfs entries", f->node->bdf);
}

/*
 * /sys/module for the modules a vfio-pci user checks are loaded (DPDK's
 * EAL stats /sys/module/vfio and /sys/module/vfio_pci): each is "live",
 * with the parameters the 6.12 modules show and the holder links between
 * them. Parameters are read-only views of the machine's settings.
 */
struct module_param {
	const char *module, *name, *text;
	unsigned int mode;
};

static int module_entries(const struct topo_machine *m)
{
	static const char *const mods[] = {
		"vfio", "vfio_iommu_type1", "vfio_pci_core", "vfio_pci",
	};
	/* module -> the module that uses it */
	static const char *const holders[][2] = {
		{ "vfio", "vfio_iommu_type1" }, { "vfio", "vfio_pci_core" },
		{ "vfio_pci_core", "vfio_pci" },
	};
	const struct module_param params[] = {
		{ "vfio", "enable_unsafe_noiommu_mode",
		  m->noiommu_mode ? "Y\n" : "N\n", 0644 },
		{ "vfio_iommu_type1", "allow_unsafe_interrupts", "N\n", 0644 },
		{ "vfio_iommu_type1", "disable_hugepages", "N\n", 0644 },
		{ "vfio_iommu_type1", "dma_entry_limit", "65535\n", 0644 },
		{ "vfio_pci", "nointxmask", "N\n", 0644 },
		{ "vfio_pci", "disable_idle_d3", "N\n", 0644 },
		{ "vfio_pci", "enable_sriov", "N\n", 0644 },
		{ "vfio_pci", "disable_denylist", "N\n", 0444 },
	};
	char dir[PATH_MAX_LEN], path[PATH_MAX_LEN + 64], target[64];
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_SIZE(mods); i++) {
		rc = mkdirf("sys/module/%s/parameters", mods[i]);
		if (!rc)
			rc = mkdirf("sys/module/%s/holders", mods[i]);
		if (rc)
			return rc;
		snprintf(dir, sizeof(dir), "%s/sys/module/%s", root, mods[i]);
		attr(dir, "initstate", "live\n");
	}
	for (i = 0; i < ARRAY_SIZE(holders); i++) {
		snprintf(target, sizeof(target), "../../%s", holders[i][1]);
		symlinkf(target, "sys/module/%s/holders/%s", holders[i][0],
			 holders[i][1]);
	}
	for (i = 0; i < ARRAY_SIZE(params); i++) {
		snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s",
			 params[i].module, params[i].name);
		rc = sysfs_live_param(path, params[i].text, params[i].mode);
		if (rc)
			return rc;
	}
	/* The driver and its module point at each other. */
	mkdirf("sys/module/vfio_pci/drivers");
	symlinkf("../../../bus/pci/drivers/vfio-pci",
		 "sys/module/vfio_pci/drivers/pci:vfio-pci");
	return symlinkf("../../../../module/vfio_pci",
			"sys/bus/pci/drivers/vfio-pci/module");
}

int sysfs_build(const char *runtime_dir)
{
	struct platform *p = &uvfio_platform;
	char path[PATH_MAX_LEN];
	size_t i;
	int rc;

	root = runtime_dir;
	if ((rc = mkdirf("sys/bus/pci/devices")) ||
	    (rc = mkdirf("sys/bus/pci/drivers/vfio-pci")) ||
	    (rc = mkdirf("sys/bus/pci/drivers/host")) ||
	    (rc = mkdirf("sys/kernel/iommu_groups")) ||
	    (rc = mkdirf("sys/class/vfio-dev")) ||
	    (rc = mkdirf("sys/devices")) ||
	    (rc = mkdirf("dev/vfio/devices")))
		goto err;
	snprintf(path, sizeof(path), "%s/dev/iommu", root);
	write_file(path, "", 0, 0660);
	snprintf(path, sizeof(path), "%s/dev/vfio/vfio", root);
	write_file(path, "", 0, 0666);
	rc = sysfs_live_bus();
	if (!rc)
		rc = module_entries(p->machine);
	if (rc)
		goto err;
	for (i = 0; i < p->nr_funcs; i++) {
		rc = build_function(p->machine, &p->funcs[i]);
		if (rc)
			goto err;
	}
	return 0;
err:
	pr_err("cannot build the sysfs tree in %s: %s", runtime_dir, strerror(-rc));
	return rc;
}

static int rm_entry(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	return remove(path) ? -1 : 0;
}

static void rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void sysfs_remove(const char *runtime_dir)
{
	char path[PATH_MAX_LEN];

	snprintf(path, sizeof(path), "%s/sys", runtime_dir);
	rm_tree(path);
	snprintf(path, sizeof(path), "%s/dev", runtime_dir);
	rm_tree(path);
}
