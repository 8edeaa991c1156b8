// SPDX-License-Identifier: GPL-2.0-only
/*
 * reset-check: what a VMM runs before it starts, to know that it can
 * reset its devices now and for its whole run.
 *
 *   reset-check [--bus] BDF...        the devices given
 *   reset-check [--bus] --set BDF     every vfio-pci function of BDF's
 *                                     reset set (slot or bus)
 *
 * It opens each device through its VFIO cdev, binds them all to one
 * iommufd (as the VMM would), then asks uvfio's reset extensions
 * (<uvfio/uapi/vfio_ext.h>): (1) is the reset supported now, (3) which
 * functions it touches and which of them this program holds, (4) the
 * whole reset set in sysfs terms. When every answer is yes it (2)
 * claims each reset, so that no other program can take a device of the
 * set away for as long as the files stay open, and (5) resets with no fd
 * list. --bus asks about the hot reset even where a function has FLR.
 *
 * Exit status: 0 when the configuration supports reset for the whole
 * run, 1 when it does not (the reason is printed), 2 for usage errors.
 * On a real kernel the extension ioctls answer ENOTTY: exit 1, saying so.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "uvfio/uapi/vfio_ext.h"

#define MAX_DEVS	32
#define BDF_LEN		16

struct dev {
	char bdf[BDF_LEN];
	char cdev[32];
	int fd;
	uint32_t dev_id;
	bool hot;		/* its reset is a hot reset of a set */
	bool reset_done;	/* by its own reset or another's hot reset */
};

static struct dev devs[MAX_DEVS];
static unsigned int nr_devs;
static uint32_t reset_flags;
static char why[512];		/* the first reason the check fails */

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	if (why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
}

static void usage(void)
{
	fprintf(stderr, "usage: reset-check [--bus] BDF...\n"
		"       reset-check [--bus] --set BDF\n");
	exit(2);
}

/* "01:00.0" or "0000:01:00.0" into the full form. */
static int parse_bdf(const char *arg, char *bdf)
{
	unsigned int seg = 0, bus, dev, fn;
	char tail;

	if (sscanf(arg, "%x:%x:%x.%x%c", &seg, &bus, &dev, &fn, &tail) != 4 &&
	    (seg = 0, sscanf(arg, "%x:%x.%x%c", &bus, &dev, &fn, &tail) != 3))
		return -EINVAL;
	if (seg > 0xffff || bus > 0xff || dev > 0x1f || fn > 7)
		return -EINVAL;
	snprintf(bdf, BDF_LEN, "%04x:%02x:%02x.%x", seg, bus, dev, fn);
	return 0;
}

static struct dev *find_dev(const char *bdf)
{
	unsigned int i;

	for (i = 0; i < nr_devs; i++)
		if (!strcmp(devs[i].bdf, bdf))
			return &devs[i];
	return NULL;
}

/* Open BDF's cdev (/sys/bus/pci/devices/BDF/vfio-dev/vfioN) and bind it. */
static int open_dev(struct dev *d, int iommufd)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind), .iommufd = iommufd,
	};
	char dir[128], path[300];
	struct dirent *de;
	DIR *dp;

	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev", d->bdf);
	dp = opendir(dir);
	if (!dp) {
		fail("%s has no VFIO cdev: it is not bound to vfio-pci", d->bdf);
		return -ENODEV;
	}
	while ((de = readdir(dp)))
		if (!strncmp(de->d_name, "vfio", 4) &&
		    strlen(de->d_name) < sizeof(d->cdev))
			break;
	if (de)
		strcpy(d->cdev, de->d_name);
	closedir(dp);
	if (!d->cdev[0]) {
		fail("%s has no VFIO cdev", d->bdf);
		return -ENODEV;
	}
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", d->cdev);
	d->fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0) {
		fail("%s: open %s: %s", d->bdf, path, strerror(errno));
		return -errno;
	}
	if (ioctl(d->fd, VFIO_DEVICE_BIND_IOMMUFD, &bind)) {
		fail("%s: VFIO_DEVICE_BIND_IOMMUFD: %s%s", d->bdf,
		     strerror(errno), errno == EBUSY ?
		     " (another program owns it, or its reset set is claimed)" :
		     errno == EPERM ? " (its IOMMU group is in use elsewhere)" : "");
		return -errno;
	}
	d->dev_id = bind.out_devid;
	printf("%s: %s bound, dev_id %u\n", d->bdf, d->cdev, d->dev_id);
	return 0;
}

static int add_dev(const char *bdf, int iommufd)
{
	struct dev *d;

	if (find_dev(bdf))
		return 0;
	if (nr_devs == MAX_DEVS) {
		fail("more than %d devices", MAX_DEVS);
		return -E2BIG;
	}
	d = &devs[nr_devs++];
	memset(d, 0, sizeof(*d));
	d->fd = -1;
	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	return open_dev(d, iommufd);
}

static const char *method_name(uint32_t m)
{
	switch (m) {
	case VFIO_EXT_RESET_METHOD_FLR:
		return "FLR";
	case VFIO_EXT_RESET_METHOD_AF_FLR:
		return "AF FLR";
	case VFIO_EXT_RESET_METHOD_PM:
		return "PM reset (D3hot->D0)";
	case VFIO_EXT_RESET_METHOD_BUS:
		return "secondary bus reset";
	case VFIO_EXT_RESET_METHOD_SLOT:
		return "slot reset";
	default:
		return "no reset";
	}
}

static const char *reason_text(uint32_t reason)
{
	switch (reason) {
	case VFIO_EXT_RESET_OK:
		return "ok";
	case VFIO_EXT_RESET_NO_METHOD:
		return "no reset method reaches the function";
	case VFIO_EXT_RESET_NOT_VFIO:
		return "is not a vfio-pci device of the reset set (a host "
		       "driver or no driver has it)";
	case VFIO_EXT_RESET_NOT_OWNED:
		return "is not opened by this program (open it too, or use --set)";
	default:
		return "unknown reason";
	}
}

/* (1): is the reset supported now? */
static bool query(struct dev *d)
{
	struct vfio_ext_reset_query q = { .argsz = sizeof(q), .flags = reset_flags };

	if (ioctl(d->fd, VFIO_EXT_RESET_QUERY, &q)) {
		if (errno == ENOTTY)
			fail("the reset extensions are not there (not uvfio?)");
		else
			fail("%s: VFIO_EXT_RESET_QUERY: %s", d->bdf, strerror(errno));
		return false;
	}
	d->hot = q.method & (VFIO_EXT_RESET_METHOD_BUS | VFIO_EXT_RESET_METHOD_SLOT) &&
		 q.count > 1;
	if (q.flags & VFIO_EXT_RESET_SUPPORTED) {
		printf("  (1) supported now: %s, touching %u function%s\n",
		       method_name(q.method), q.count, q.count == 1 ? "" : "s");
		return true;
	}
	if (q.reason == VFIO_EXT_RESET_NO_METHOD) {
		printf("  (1) NOT supported: %s\n", reason_text(q.reason));
		fail("%s: %s", d->bdf, reason_text(q.reason));
	} else {
		printf("  (1) NOT supported: %s of %u functions: %04x:%02x:%02x.%x %s\n",
		       method_name(q.method), q.count, q.blocker_segment,
		       q.blocker_bus, q.blocker_devfn >> 3, q.blocker_devfn & 7,
		       reason_text(q.reason));
		fail("%s: its %s also resets %04x:%02x:%02x.%x, which %s",
		     d->bdf, method_name(q.method), q.blocker_segment,
		     q.blocker_bus, q.blocker_devfn >> 3, q.blocker_devfn & 7,
		     reason_text(q.reason));
	}
	return false;
}

/* (3) with the given flags: the affected functions, or NULL (errno). */
static struct vfio_ext_reset_affected *affected(int fd, uint32_t flags)
{
	struct vfio_ext_reset_affected hdr = { .argsz = sizeof(hdr), .flags = flags };
	struct vfio_ext_reset_affected *a;
	size_t size;

	/* The count protocol of GET_PCI_HOT_RESET_INFO: ask, then fetch. */
	if (!ioctl(fd, VFIO_EXT_RESET_AFFECTED, &hdr))
		return calloc(1, sizeof(hdr));
	if (errno != ENOSPC)
		return NULL;
	size = sizeof(hdr) + hdr.count * sizeof(hdr.devices[0]);
	a = calloc(1, size);
	if (!a)
		return NULL;
	a->argsz = size;
	a->flags = flags;
	if (ioctl(fd, VFIO_EXT_RESET_AFFECTED, a)) {
		free(a);
		return NULL;
	}
	return a;
}

static void print_affected(struct dev *d)
{
	struct vfio_ext_reset_affected *a = affected(d->fd, reset_flags);
	uint32_t i;

	if (!a) {
		printf("  (3) affected: %s\n", strerror(errno));
		return;
	}
	printf("  (3) affects:");
	for (i = 0; i < a->count; i++) {
		struct vfio_ext_reset_dev *e = &a->devices[i];

		printf(" %04x:%02x:%02x.%x[", e->segment, e->bus, e->devfn >> 3,
		       e->devfn & 7);
		if (e->flags & VFIO_EXT_RESET_DEV_SELF)
			printf("self ");
		if (!(e->flags & VFIO_EXT_RESET_DEV_VFIO))
			printf("not-vfio");
		else if (e->flags & VFIO_EXT_RESET_DEV_OPEN)
			printf("open fd %d dev_id %u", e->fd, e->dev_id);
		else
			printf("%s", e->flags & VFIO_EXT_RESET_DEV_OWNED ?
			       "owned" : "not-open");
		printf("]");
	}
	printf("\n");
	free(a);
}

/* (4): the reset set as the kernel's sysfs would show it. */
static void print_describe(struct dev *d)
{
	struct vfio_ext_reset_describe hdr = { .argsz = sizeof(hdr), .flags = reset_flags };
	struct vfio_ext_reset_describe *r;
	char *line, *save;

	if (!ioctl(d->fd, VFIO_EXT_RESET_DESCRIBE, &hdr) || errno != ENOSPC) {
		printf("  (4) describe: %s\n", strerror(errno));
		return;
	}
	r = calloc(1, sizeof(hdr) + hdr.len);
	if (!r)
		return;
	r->argsz = sizeof(hdr) + hdr.len;
	r->flags = reset_flags;
	if (ioctl(d->fd, VFIO_EXT_RESET_DESCRIBE, r)) {
		printf("  (4) describe: %s\n", strerror(errno));
	} else {
		printf("  (4) reset set:\n");
		for (line = strtok_r(r->text, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			printf("        %s\n", line);
	}
	free(r);
}

static int simple_ioctl(struct dev *d, unsigned long cmd)
{
	struct vfio_ext_reset r = { .argsz = sizeof(r), .flags = reset_flags };

	return ioctl(d->fd, cmd, &r) ? -errno : 0;
}

/* (2) then (5) for every device; a hot reset covers the set's others. */
static bool claim_and_reset(void)
{
	unsigned int i;
	int rc;

	for (i = 0; i < nr_devs; i++) {
		rc = simple_ioctl(&devs[i], VFIO_EXT_RESET_CLAIM);
		if (rc && rc != -EALREADY) {
			fail("%s: VFIO_EXT_RESET_CLAIM: %s", devs[i].bdf,
			     strerror(-rc));
			return false;
		}
		printf("%s: (2) claimed for the life of the file\n", devs[i].bdf);
	}
	for (i = 0; i < nr_devs; i++) {
		struct vfio_ext_reset_affected *a;
		uint32_t k;

		if (devs[i].reset_done) {
			printf("%s: (5) reset with its set\n", devs[i].bdf);
			continue;
		}
		rc = simple_ioctl(&devs[i], VFIO_EXT_RESET);
		if (rc) {
			fail("%s: VFIO_EXT_RESET: %s", devs[i].bdf, strerror(-rc));
			return false;
		}
		printf("%s: (5) reset done\n", devs[i].bdf);
		a = devs[i].hot ? affected(devs[i].fd, reset_flags) : NULL;
		for (k = 0; a && k < a->count; k++) {
			char bdf[BDF_LEN];
			struct dev *o;

			snprintf(bdf, sizeof(bdf), "%04x:%02x:%02x.%x",
				 a->devices[k].segment, a->devices[k].bus,
				 a->devices[k].devfn >> 3, a->devices[k].devfn & 7);
			o = find_dev(bdf);
			if (o)
				o->reset_done = true;
		}
		free(a);
	}
	return true;
}

/* --set: every vfio-pci function of the first device's hot reset set. */
static int add_set(int iommufd)
{
	struct vfio_ext_reset_affected *a;
	uint32_t k;
	int rc = 0;

	a = affected(devs[0].fd, reset_flags | VFIO_EXT_RESET_FLAG_BUS);
	if (!a) {
		fail("%s: no reset set: %s", devs[0].bdf, strerror(errno));
		return -errno;
	}
	for (k = 0; !rc && k < a->count; k++) {
		char bdf[BDF_LEN];

		if (!(a->devices[k].flags & VFIO_EXT_RESET_DEV_VFIO))
			continue;
		snprintf(bdf, sizeof(bdf), "%04x:%02x:%02x.%x",
			 a->devices[k].segment, a->devices[k].bus,
			 a->devices[k].devfn >> 3, a->devices[k].devfn & 7);
		rc = add_dev(bdf, iommufd);
	}
	free(a);
	return rc;
}

static bool check(void)
{
	bool ok = true;
	unsigned int i;

	for (i = 0; i < nr_devs; i++) {
		printf("%s:\n", devs[i].bdf);
		ok &= query(&devs[i]);
		print_affected(&devs[i]);
		print_describe(&devs[i]);
	}
	return ok && claim_and_reset();
}

int main(int argc, char **argv)
{
	bool set = false, ok = false;
	char bdf[BDF_LEN];
	int i, iommufd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--bus"))
			reset_flags |= VFIO_EXT_RESET_FLAG_BUS;
		else if (!strcmp(argv[i], "--set"))
			set = true;
		else
			usage();
	}
	if (i == argc || (set && argc - i != 1))
		usage();
	iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (iommufd < 0) {
		fprintf(stderr, "reset-check: /dev/iommu: %s\n", strerror(errno));
		return 1;
	}
	for (; i < argc; i++) {
		if (parse_bdf(argv[i], bdf)) {
			fprintf(stderr, "reset-check: bad address %s\n", argv[i]);
			return 2;
		}
		if (add_dev(bdf, iommufd))
			goto out;
	}
	if (set && add_set(iommufd))
		goto out;
	ok = check();
out:
	if (ok)
		printf("reset-check: OK: reset is supported for the whole run "
		       "(%u device%s, claims held while open)\n", nr_devs,
		       nr_devs == 1 ? "" : "s");
	else
		printf("reset-check: FAIL: %s\n", why[0] ? why : "reset not supported");
	/* Closing the files releases the claims, as at the VMM's exit. */
	for (i = 0; i < (int)nr_devs; i++)
		close(devs[i].fd);
	close(iommufd);
	return ok ? 0 : 1;
}
