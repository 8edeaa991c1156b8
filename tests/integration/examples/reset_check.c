// SPDX-License-Identifier: GPL-2.0-only
/*
 * examples/reset-check, run as a VMM's launcher would run it: its exit
 * status and what it prints. argv[1] is the binary, argv[2] the scenario:
 * "hot" on machines/hot-reset.json (FLR functions, a bus without FLR,
 * a root-bus function no reset reaches, another program holding a device
 * of the set), "host" on machines/reset-host.json (a bus reset that
 * would touch a host driver's function).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../groups/gt.h"

static const char *reset_check;

/* Run reset-check with up to three arguments; stdout in out; exit status. */
static int run(char *out, size_t len, const char *a1, const char *a2,
	       const char *a3)
{
	const char *argv[] = { reset_check, a1, a2, a3, NULL };

	return itest_run_capture(argv, out, len);
}

static void hot_ok(void)
{
	char out[16384];

	CHECK(run(out, sizeof(out), "0000:01:00.0", NULL, NULL) == 0 &&
	      strstr(out, "(1) supported now: FLR, touching 1 function") &&
	      strstr(out, "(3) affects: 0000:01:00.0[self open fd") &&
	      strstr(out, "reset=flr count=1 supported=yes reason=ok") &&
	      strstr(out, "0000:01:00.0: (2) claimed") &&
	      strstr(out, "0000:01:00.0: (5) reset done") &&
	      strstr(out, "reset-check: OK"),
	      "01:00.0 with FLR: exit 0, (1)-(5) answered");
	CHECK(run(out, sizeof(out), "02:00.0", "02:00.1", NULL) == 0 &&
	      strstr(out, "(1) supported now: secondary bus reset, touching 2") &&
	      strstr(out, "0000:02:00.1[open fd") &&
	      strstr(out, "0000:02:00.1: (5) reset with its set") &&
	      strstr(out, "reset-check: OK: reset is supported for the whole run (2 devices"),
	      "bus 02 with both functions open: exit 0, one hot reset");
	CHECK(run(out, sizeof(out), "--bus", "--set", "01:00.0") == 0 &&
	      strstr(out, "0000:01:00.1: vfio2 bound") &&
	      strstr(out, "reset=bus count=2 supported=yes") &&
	      strstr(out, "reset-check: OK"),
	      "--bus --set 01:00.0 opens the whole set: exit 0");
	CHECK(run(out, sizeof(out), "02:00.0", NULL, NULL) == 0 &&
	      strstr(out, "0000:02:00.1[owned]") && strstr(out, "reset-check: OK"),
	      "02:00.0 alone: exit 0, 02:00.1 owned through their shared group");
}

static void hot_fail(void)
{
	char out[16384];

	CHECK(run(out, sizeof(out), "--bus", "01:00.0", NULL) == 1 &&
	      strstr(out, "reset=bus count=2 supported=no reason=not_owned") &&
	      strstr(out, "0000:01:00.1[not-open]") &&
	      strstr(out, "FAIL: 0000:01:00.0: its secondary bus reset also "
		     "resets 0000:01:00.1, which is not opened by this program"),
	      "--bus 01:00.0 alone: exit 1, 01:00.1 (another group) named");
	CHECK(run(out, sizeof(out), "00:02.0", NULL, NULL) == 1 &&
	      strstr(out, "FAIL: 0000:00:02.0: no reset method reaches"),
	      "00:02.0 on the root bus: exit 1, no method");
	CHECK(run(out, sizeof(out), "not-a-bdf", NULL, NULL) == 2,
	      "bad address: exit 2");
	CHECK(run(out, sizeof(out), NULL, NULL, NULL) == 2, "no address: exit 2");
	CHECK(run(out, sizeof(out), "0000:07:00.0", NULL, NULL) == 1 &&
	      strstr(out, "no VFIO cdev"), "missing function: exit 1");
}

/* Another program (this one) holds a device of the set in its iommufd. */
static void hot_taken(void)
{
	int i1 = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	int d = gt_open_cdev("0000:02:00.1");
	char out[16384];

	CHECK(i1 >= 0 && d >= 0 && gt_bind(d, i1, NULL) == 0,
	      "this test binds 02:00.1 in its own iommufd");
	CHECK(run(out, sizeof(out), "02:00.0", "02:00.1", NULL) == 1 &&
	      strstr(out, "reset-check: FAIL: "),
	      "a device of the set held by another program: exit 1");
	close(d);
	close(i1);
	CHECK(run(out, sizeof(out), "02:00.0", "02:00.1", NULL) == 0,
	      "released: exit 0 again");
}

static void host(void)
{
	char out[16384];

	CHECK(run(out, sizeof(out), "--bus", "--set", "01:00.0") == 1 &&
	      strstr(out, "0000:01:00.1[not-vfio]") &&
	      strstr(out, "reason=not_vfio") &&
	      strstr(out, "which is not a vfio-pci device of the reset set"),
	      "bus reset touching a host driver's function: exit 1");
	CHECK(run(out, sizeof(out), "01:00.1", NULL, NULL) == 1 &&
	      strstr(out, "FAIL: 0000:01:00.1 has no VFIO cdev: it is not "
		     "bound to vfio-pci"),
	      "the host driver's function itself: exit 1");
	CHECK(run(out, sizeof(out), "01:00.0", NULL, NULL) == 0,
	      "01:00.0's FLR alone: exit 0");
}

int main(int argc, char **argv)
{
	if (argc != 3)
		itest_die("usage: reset_check RESET-CHECK hot|host");
	reset_check = argv[1];
	if (!strcmp(argv[2], "hot")) {
		hot_ok();
		hot_fail();
		hot_taken();
	} else {
		host();
	}
	return itest_done();
}
