/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake uvfiod for the interposer tests: serves the wire protocol from
 * a thread of the test program, with a few nodes and ioctls whose
 * effects the tests can check.
 */
#ifndef UVFIO_TEST_FAKE_DAEMON_H
#define UVFIO_TEST_FAKE_DAEMON_H

#include <stdint.h>
#include <sys/ioctl.h>

/* Test ioctls: {u64 in; u64 out}: out = 3 * in, returns in & 0x7fff. */
#define FAKE_ECHO		_IO('u', 1)
#define FAKE_SLOW		_IO('u', 2)	/* answers 0 after 200 ms */
#define FAKE_TRAP_OFF		0x10000	/* mmap offset of the trapped BAR */

struct fake_echo {
	uint64_t in, out;
};

/* Serve the runtime directory rundir (whose shadow tree the test made). */
int fake_daemon_start(const char *rundir);
void fake_daemon_stop(void);

/* What the last write to a sysfs attribute was, and its path. */
const char *fake_attr_data(void);
const char *fake_attr_path(void);
/* How many requests were served. */
unsigned long fake_requests(void);

#endif
