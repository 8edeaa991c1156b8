// SPDX-License-Identifier: GPL-2.0-only
/*
 * uvfiod: the daemon that plays the kernel. Usually started by
 * `uvfio run` or `uvfio daemon`; see uvfio(1) for the options.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/daemon.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: uvfiod --runtime-dir DIR [--machine FILE] [--mock]\n"
		"              [--ready-fd FD] [-v]\n"
		"Serves the VFIO and iommufd uAPI for programs run with\n"
		"UVFIO_RUNTIME_DIR=DIR and LD_PRELOAD=libuvfio-preload.so.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "runtime-dir", required_argument, NULL, 'r' },
		{ "machine", required_argument, NULL, 'm' },
		{ "mock", no_argument, NULL, 'M' },
		{ "ready-fd", required_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct uvfio_daemon_opts o = { .ready_fd = -1 };
	int c, rc;

	while ((c = getopt_long(argc, argv, "r:m:Mf:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o.runtime_dir = optarg;
			break;
		case 'm':
			o.machine_file = optarg;
			break;
		case 'M':
			o.mock = true;
			break;
		case 'f':
			o.ready_fd = atoi(optarg);
			break;
		case 'v':
			o.verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!o.runtime_dir) {
		fprintf(stderr, "uvfiod: --runtime-dir is required "
			"(or start it with `uvfio daemon`)\n");
		return 2;
	}
	if (mkdir(o.runtime_dir, 0700) && errno != EEXIST) {
		fprintf(stderr, "uvfiod: cannot create %s: %s\n", o.runtime_dir,
			strerror(errno));
		return 1;
	}
	rc = uvfio_daemon_run(&o);
	if (rc) {
		fprintf(stderr, "uvfiod: stopped: %s\n", strerror(-rc));
		return 1;
	}
	return 0;
}
