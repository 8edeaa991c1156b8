// SPDX-License-Identifier: GPL-2.0-only
/*
 * The management view: `uvfio groups`, `uvfio viable BDF`, `uvfio reset
 * BDF`, `uvfio ls -t`, run as a manager would (the CLI binary, its exit
 * status and output) and through the control request they use
 * (uvfio_client_ctl). argv[1] is the uvfio binary; argv[2] the scenario:
 * "bridge" on machines/pci-bridge.json (01:02.0 has a host driver, so
 * group 1 is not viable), "reset" on machines/hot-reset.json; "bind"
 * (`uvfio bind`, owners in `uvfio ls`) on machines/pci-bridge.json;
 * "claim" (a reset claim keeps host drivers off) on machines/hot-reset.json.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/client.h"
#include "uvfio/uapi/vfio_ext.h"
#include "../groups/gt.h"

static const char *uvfio;

/* Run `uvfio a1 a2 a3 a4` (NULL ends); its stdout in out; the exit status. */
static int run_cli4(char *out, size_t len, const char *a1, const char *a2,
		    const char *a3, const char *a4)
{
	const char *argv[] = { uvfio, a1, a2, a3, a4, NULL };

	return itest_run_capture(argv, out, len);
}

static int run_cli(char *out, size_t len, const char *a1, const char *a2,
		   const char *a3)
{
	return run_cli4(out, len, a1, a2, a3, NULL);
}

static int ctl(const char *cmd, char **text)
{
	return uvfio_client_ctl(getenv("UVFIO_RUNTIME_DIR"), cmd, text);
}

static void bridge(void)
{
	char out[8192], want[128];
	char *text = NULL;
	int i, d;

	CHECK(run_cli(out, sizeof(out), "viable", "0000:00:02.0", NULL) == 0 &&
	      strstr(out, "0000:00:02.0: viable\n") &&
	      strstr(out, "usable now through: cdev group"),
	      "viable 00:02.0: exit 0, both paths");
	CHECK(run_cli(out, sizeof(out), "viable", "0000:01:00.0", NULL) == 1 &&
	      strstr(out, "0000:01:02.0 in IOMMU group 1 is bound to a host driver") &&
	      strstr(out, "through: none"),
	      "viable 01:00.0: exit 1, the host-driver member named");
	CHECK(run_cli(out, sizeof(out), "viable", "0000:01:02.0", NULL) == 1 &&
	      strstr(out, "bound to host, not vfio-pci"),
	      "viable 01:02.0 (the host's own): exit 1");
	CHECK(run_cli(out, sizeof(out), "viable", "0000:09:00.0", NULL) == 2,
	      "viable of a missing function: exit 2");
	CHECK(run_cli(out, sizeof(out), "viable", NULL, NULL) == 2,
	      "viable without an address: exit 2");
	CHECK(run_cli(out, sizeof(out), "viable", "0000:01:00.0", "--json") == 1 &&
	      strstr(out, "\"viable\":false"), "viable --json: viable false");
	CHECK(ctl("viable 0000:01:01.0", &text) > 0 && strstr(text, "\"viable\":false") &&
	      strstr(text, "\"owner\":\"host\""), "ctl viable: group owned by the host");
	free(text);
	CHECK(ctl("viable", &text) == -EINVAL, "ctl viable without an address: EINVAL");
	CHECK(ctl("viable 0000:07:00.0", &text) == -ENODEV, "ctl viable unknown: ENODEV");

	i = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	d = gt_open_cdev("0000:00:02.0");
	CHECK(gt_bind(d, i, NULL) == 0, "bind 00:02.0 through its cdev");
	snprintf(want, sizeof(want), "in use by pid %d through its cdev", (int)getpid());
	CHECK(run_cli(out, sizeof(out), "viable", "0000:00:02.0", NULL) == 0 &&
	      strstr(out, want) && strstr(out, "through: none\n"),
	      "viable while open: still viable, %s, no path free", want);
	CHECK(run_cli(out, sizeof(out), "groups", NULL, NULL) == 0 &&
	      strstr(out, "group 0  node /dev/vfio/0  viable  owner iommufd") &&
	      strstr(out, "group 1  node /dev/vfio/1  not viable  owner host"),
	      "groups: owners iommufd and host");
	snprintf(want, sizeof(want), "\"path\":\"cdev\",\"owner_pid\":%d", (int)getpid());
	CHECK(run_cli(out, sizeof(out), "groups", "--json", NULL) == 0,
	      "groups --json");
	CHECK(ctl("groups", &text) > 0 && strstr(text, want), "groups: %s", want);
	free(text);
	close(d);
	close(i);

	CHECK(run_cli(out, sizeof(out), "ls", "-t", NULL) == 0 &&
	      strstr(out, "[group 1, dev_set 1, host]"), "ls -t: the tree");
	CHECK(run_cli(out, sizeof(out), "reset", "0000:00:02.0", NULL) == 1,
	      "reset of a function no method reaches: exit 1");
	CHECK(ctl("reset 0000:00:02.0", &text) == -ENOTTY, "ctl reset: ENOTTY");
}

static void reset(void)
{
	char out[1024];

	CHECK(run_cli(out, sizeof(out), "reset", "0000:01:00.0", NULL) == 0 &&
	      !strcmp(out, "0000:01:00.0: reset\n"), "reset of an FLR function: exit 0");
	CHECK(run_cli(out, sizeof(out), "reset", "0000:01:00.0", "--json") == 0 &&
	      strstr(out, "\"reset\":true"), "reset --json");
	CHECK(run_cli(out, sizeof(out), "reset", "0000:00:02.0", NULL) == 1,
	      "reset of the root-bus edu: exit 1");
}

/* ---- uvfio bind, and owners in uvfio ls ------------------------------ */

#define HOSTF	"0000:01:02.0"	/* pci-bridge.json: host driver, group 1 */
#define SIBF	"0000:01:01.0"	/* its group sibling, vfio2 */
#define DEV(b)	"/sys/bus/pci/devices/" b

static bool exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

/* `uvfio ls --json`: the function at bdf, in *ret_root (put it), or NULL. */
static json_object *ls_func(const char *bdf, json_object **ret_root)
{
	static char out[32768];
	json_object *arr, *d, *v;
	size_t i;

	*ret_root = NULL;
	if (run_cli(out, sizeof(out), "ls", "--json", NULL) != 0)
		return NULL;
	arr = json_tokener_parse(out);
	*ret_root = arr;
	for (i = 0; arr && i < json_object_array_length(arr); i++) {
		d = json_object_array_get_idx(arr, i);
		if (json_object_object_get_ex(d, "bdf", &v) &&
		    !strcmp(json_object_get_string(v), bdf))
			return d;
	}
	return NULL;
}

/* A field of bdf's `ls --json` entry ("owner.pid" reaches inside); "-" when absent. */
static const char *ls_field(const char *bdf, const char *key, char *buf, size_t len)
{
	json_object *root, *d = ls_func(bdf, &root), *v = NULL;
	const char *dot = strchr(key, '.');
	char first[32];

	snprintf(first, sizeof(first), "%.*s", dot ? (int)(dot - key) : 31, key);
	snprintf(buf, len, "-");
	if (d && json_object_object_get_ex(d, first, &v) && dot && v)
		json_object_object_get_ex(v, dot + 1, &v);
	else if (dot)
		v = NULL;
	if (d && v)
		snprintf(buf, len, "%s", json_object_get_string(v));
	else if (d && json_object_object_get_ex(d, first, &v) && !v)
		snprintf(buf, len, "null");
	json_object_put(root);
	return buf;
}

#define FIELD(bdf, key) ls_field(bdf, key, fbuf, sizeof(fbuf))

static void bind_switches(void)
{
	char out[8192], fbuf[128];

	CHECK(run_cli(out, sizeof(out), "bind", HOSTF, "vfio-pci") == 0 &&
	      !strcmp(out, HOSTF ": vfio-pci cdev /dev/vfio/devices/vfio3\n"),
	      "bind host -> vfio-pci: exit 0, the lowest free cdev, vfio3");
	CHECK(exists("/dev/vfio/devices/vfio3") && exists(DEV(HOSTF) "/vfio-dev/vfio3"),
	      "the cdev and its sysfs link appear");
	CHECK(run_cli(out, sizeof(out), "viable", "0000:01:00.0", NULL) == 0,
	      "group 1 is viable now");
	CHECK(!strcmp(FIELD(HOSTF, "driver"), "vfio-pci") &&
	      !strcmp(FIELD(HOSTF, "cdev"), "/dev/vfio/devices/vfio3"),
	      "ls --json: vfio-pci, vfio3");
	CHECK(run_cli(out, sizeof(out), "bind", HOSTF, "vfio-pci") == 0,
	      "bind to the driver it has: exit 0, no change");

	CHECK(run_cli4(out, sizeof(out), "bind", HOSTF, "none", "--json") == 0 &&
	      strstr(out, "\"driver\":\"none\"") && !strstr(out, "cdev"),
	      "bind none --json: driver none, no cdev");
	CHECK(!exists("/dev/vfio/devices/vfio3") && !exists(DEV(HOSTF) "/vfio-dev") &&
	      !exists(DEV(HOSTF) "/driver"), "the cdev disappears");
	CHECK(!strcmp(FIELD(HOSTF, "driver"), "none") &&
	      !strcmp(FIELD(HOSTF, "cdev"), "-") && !strcmp(FIELD(HOSTF, "owner"), "null"),
	      "ls --json: driver none, no cdev, owner null");
	CHECK(run_cli(out, sizeof(out), "viable", "0000:01:00.0", NULL) == 0,
	      "an unbound member keeps the group viable");
	CHECK(run_cli(out, sizeof(out), "viable", HOSTF, NULL) == 1,
	      "the unbound function itself is not usable");

	CHECK(run_cli4(out, sizeof(out), "bind", HOSTF, "vfio-pci", "--json") == 0 &&
	      strstr(out, "\"driver\":\"vfio-pci\"") &&
	      strstr(out, "\"cdev\":\"\\/dev\\/vfio\\/devices\\/vfio3\""),
	      "bind vfio-pci --json: the cdev in the answer");
	CHECK(exists("/dev/vfio/devices/vfio3"), "the cdev reappears");

	CHECK(run_cli(out, sizeof(out), "bind", HOSTF, "host") == 0 &&
	      !strcmp(out, HOSTF ": host cdev -\n"), "back to the host driver");
	CHECK(!exists("/dev/vfio/devices/vfio3"), "its cdev is gone again");
	CHECK(run_cli(out, sizeof(out), "viable", "0000:01:00.0", NULL) == 1,
	      "group 1 is not viable again");
}

static void bind_errors(void)
{
	char out[8192], fbuf[128];
	char *text = NULL;

	CHECK(run_cli(out, sizeof(out), "bind", HOSTF, "nvme") == 2,
	      "unknown driver: exit 2");
	CHECK(run_cli(out, sizeof(out), "bind", HOSTF, "pcieport") == 2,
	      "a port driver on an endpoint: exit 2");
	CHECK(run_cli(out, sizeof(out), "bind", "0000:09:00.0", "host") == 2,
	      "unknown function: exit 2");
	CHECK(run_cli(out, sizeof(out), "bind", "zz", "host") == 2,
	      "not an address: exit 2");
	CHECK(run_cli(out, sizeof(out), "bind", HOSTF, NULL) == 2,
	      "no driver: exit 2 (usage)");
	CHECK(!strcmp(FIELD(HOSTF, "driver"), "host"), "nothing changed");
	CHECK(ctl("bind 0000:09:00.0 host", &text) == -ENODEV, "ctl bind unknown: ENODEV");
	CHECK(ctl("bind " HOSTF " nvme", &text) == -EINVAL, "ctl bind nvme: EINVAL");
	CHECK(ctl("bind " HOSTF, &text) == -EINVAL, "ctl bind without driver: EINVAL");
}

/* Owners (pid and path) in ls, ls -t, ls --json; refused binds change nothing. */
static void bind_owners(void)
{
	char out[8192], want[128], fbuf[128];
	int i, d, g, dg;

	CHECK(run_cli(out, sizeof(out), "bind", HOSTF, "vfio-pci") == 0, "vfio-pci again");
	i = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	d = gt_open_cdev(HOSTF);
	CHECK(gt_bind(d, i, NULL) == 0, "bind %s through its cdev", HOSTF);
	snprintf(want, sizeof(want), "%d", (int)getpid());
	CHECK(!strcmp(FIELD(HOSTF, "owner.pid"), want) &&
	      !strcmp(FIELD(HOSTF, "owner.path"), "cdev"),
	      "ls --json: owner {pid %s, path cdev}", want);
	CHECK(!strcmp(FIELD(SIBF, "owner"), "null"), "ls --json: the sibling has no owner");
	snprintf(want, sizeof(want), "/dev/vfio/devices/vfio3  %d/cdev ", (int)getpid());
	CHECK(run_cli(out, sizeof(out), "ls", NULL, NULL) == 0 && strstr(out, "OWNER") &&
	      strstr(out, want), "ls: OWNER column '%s'", want);
	snprintf(want, sizeof(want), "02.0  edu  [group 1, dev_set 1, vfio-pci]  "
		 "1234:11e8  cdev /dev/vfio/devices/vfio3  owner %d (cdev)\n",
		 (int)getpid());
	CHECK(run_cli(out, sizeof(out), "ls", "-t", NULL) == 0 && strstr(out, want) &&
	      strstr(out, "01.0  edu  [group 1, dev_set 1, vfio-pci]  1234:11e8  "
		     "cdev /dev/vfio/devices/vfio2  owner -\n"),
	      "ls -t: ids, cdev, owner per function");
	CHECK(run_cli4(out, sizeof(out), "ls", "-t", "--json", NULL) == 0 &&
	      strstr(out, "\"tree\"") && strstr(out, "\"functions\"") &&
	      strstr(out, "\"parent\":\"0000:00:1e.0\""),
	      "ls -t --json: the tree, the functions and their parent bridge");

	CHECK(run_cli(out, sizeof(out), "bind", HOSTF, "host") == 1,
	      "bind host while its cdev is open: exit 1 (EBUSY)");
	CHECK(run_cli(out, sizeof(out), "bind", SIBF, "host") == 1,
	      "host driver into the VFIO-owned group: exit 1 (EBUSY)");
	CHECK(!strcmp(FIELD(SIBF, "driver"), "vfio-pci") &&
	      !strcmp(FIELD(SIBF, "cdev"), "/dev/vfio/devices/vfio2") &&
	      exists("/dev/vfio/devices/vfio2"),
	      "the refused bind left %s on vfio-pci, vfio2", SIBF);
	close(d);

	/* The group path: group 0, an iommufd as its container. */
	g = gt_open_group(0);
	CHECK(g >= 0 && ioctl(g, VFIO_GROUP_SET_CONTAINER, &i) == 0, "group 0 on the iommufd");
	dg = ioctl(g, VFIO_GROUP_GET_DEVICE_FD, "0000:00:02.0");
	CHECK(dg >= 0, "GET_DEVICE_FD 00:02.0");
	CHECK(!strcmp(FIELD("0000:00:02.0", "owner.path"), "group"),
	      "ls --json: owner path group");
	snprintf(want, sizeof(want), "owner %d (group)\n", (int)getpid());
	CHECK(run_cli(out, sizeof(out), "ls", "-t", NULL) == 0 && strstr(out, want),
	      "ls -t: %s", want);
	if (dg >= 0)
		close(dg);
	if (g >= 0)
		close(g);
	close(i);
	CHECK(!strcmp(FIELD("0000:00:02.0", "owner"), "null"), "closed: no owner");
}

/* ---- a reset claim keeps host drivers off the functions it covers ---- */

#define CLAIM_F0	"0000:01:00.0"	/* hot-reset.json: bus 01, FLR, ACS */
#define CLAIM_F1	"0000:01:00.1"

static int sysfs_put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int claim_bus(int dev)
{
	struct vfio_ext_reset r = { .argsz = sizeof(r), .flags = VFIO_EXT_RESET_FLAG_BUS };

	return ioctl(dev, VFIO_EXT_RESET_CLAIM, &r) ? -errno : 0;
}

static void claim(void)
{
	char out[8192], fbuf[128];
	int i = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	int d0 = gt_open_cdev(CLAIM_F0), d1 = gt_open_cdev(CLAIM_F1);

	CHECK(gt_bind(d0, i, NULL) == 0 && gt_bind(d1, i, NULL) == 0,
	      "both functions of bus 01 bound to one iommufd");
	CHECK(claim_bus(d0) == 0, "claim the bus reset through %s", CLAIM_F0);
	close(d1);
	CHECK(run_cli(out, sizeof(out), "bind", CLAIM_F1, "host") == 1,
	      "uvfio bind %s host under another owner's claim: exit 1", CLAIM_F1);
	CHECK(!strcmp(FIELD(CLAIM_F1, "driver"), "vfio-pci"), "... it stays on vfio-pci");
	CHECK(ctl("bind " CLAIM_F1 " host", &(char *){ NULL }) == -EBUSY,
	      "ctl bind host: EBUSY");
	CHECK(sysfs_put("/sys/bus/pci/drivers/vfio-pci/unbind", CLAIM_F1) == 0,
	      "unbinding vfio-pci is allowed");
	CHECK(sysfs_put("/sys/bus/pci/drivers/host/bind", CLAIM_F1) == -EBUSY,
	      "sysfs host bind of a claimed function: EBUSY");
	CHECK(run_cli(out, sizeof(out), "bind", CLAIM_F1, "host") == 1 &&
	      !strcmp(FIELD(CLAIM_F1, "driver"), "none"),
	      "uvfio bind from no driver: exit 1, stays unbound");
	CHECK(run_cli(out, sizeof(out), "bind", "0000:02:00.0", "host") == 0 &&
	      run_cli(out, sizeof(out), "bind", "0000:02:00.0", "vfio-pci") == 0,
	      "a function outside the claim switches freely");
	close(d0);
	CHECK(run_cli(out, sizeof(out), "bind", CLAIM_F1, "host") == 0,
	      "claim released with its file: host binds");
	CHECK(run_cli(out, sizeof(out), "bind", CLAIM_F1, "vfio-pci") == 0 &&
	      exists("/dev/vfio/devices/vfio2"), "and vfio-pci again, vfio2");
	close(i);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3)
		itest_die("usage: it-cli UVFIO bridge|reset|bind|claim");
	uvfio = argv[1];
	if (!strcmp(argv[2], "reset")) {
		reset();
	} else if (!strcmp(argv[2], "bind")) {
		bind_switches();
		bind_errors();
		bind_owners();
	} else if (!strcmp(argv[2], "claim")) {
		claim();
	} else {
		bridge();
	}
	return itest_done();
}
