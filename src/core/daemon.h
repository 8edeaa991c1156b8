/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon as a whole: its options, its lock, its main loop.
 *
 * uvfio_big_lock serialises all daemon state. The main loop holds it
 * while it handles a request; any worker thread (a device engine) takes it
 * around every call into the daemon. Nothing sleeps while holding it.
 */
#ifndef UVFIO_DAEMON_H
#define UVFIO_DAEMON_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

struct uvfio_file;

struct uvfio_daemon_opts {
	const char *runtime_dir;	/* socket, sys/ and dev/ live here */
	const char *machine_file;	/* NULL: the built-in default */
	bool mock;			/* enable the iommufd test interface */
	int ready_fd;			/* written to (then closed) when serving */
	int verbose;
};

extern pthread_mutex_t uvfio_big_lock;
extern struct uvfio_daemon_opts uvfio_opts;

int uvfio_daemon_run(const struct uvfio_daemon_opts *opts);
void uvfio_daemon_stop(void);

/* conn.c: start serving a new file's daemon end. */
int uvfio_conn_add_file(struct uvfio_file *file);
void uvfio_conn_close_file(struct uvfio_file *file);
/* The file whose client end is (dev, ino), if any. */
struct uvfio_file *uvfio_conn_lookup(dev_t dev, ino_t ino);

/* Call cb whenever fd (an eventfd the caller owns) becomes readable. */
int uvfio_watch_fd(int fd, void (*cb)(void *data), void *data);
void uvfio_unwatch_fd(int fd);

/* Resource counts, for the CLI and leak tests. */
struct uvfio_stats {
	unsigned int files, conns, mms, objects;
	unsigned long requests, iommu_faults;
};
void uvfio_stats_get(struct uvfio_stats *st);

/* Subsystems, set up and torn down in this order by the main loop. */
int uvfio_subsys_init(void);
void uvfio_subsys_exit(void);

#endif
