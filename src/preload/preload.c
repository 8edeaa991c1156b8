// SPDX-License-Identifier: GPL-2.0-only
/*
 * The interposer's process-wide state.
 *
 * Nothing here may assume main() has run: a program's constructors, and
 * the dynamic loader's own users, call open/mmap/stat before it. So the
 * C library's functions are resolved on first use (dlsym(RTLD_NEXT)),
 * the runtime directory is read once on first use, and the daemon's pid
 * is looked up lazily and cached.
 *
 * The runtime directory is fixed for the life of the process (like a
 * mount): a program that changes UVFIO_RUNTIME_DIR later does not move
 * its files.
 *
 * Warnings the user must see (uvfio off, daemon unreachable, daemon gone)
 * are written once each, straight to fd 2: stdio may be what the program
 * is in the middle of when we notice.
 */
#include "preload/preload.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "client/client.h"
#include "preload/paths.h"

static void write_stderr(const char *s, size_t len)
{
	while (len) {
		long n = syscall(SYS_write, 2, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

void *preload_resolve(const char *name, void **slot)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (!p) {
		char msg[160];
		int n = snprintf(msg, sizeof(msg),
				 "uvfio: the C library has no %s; the interposer cannot work here\n",
				 name);

		write_stderr(msg, n > 0 ? (size_t)n : 0);
		abort();
	}
	__atomic_store_n(slot, p, __ATOMIC_RELEASE);
	return p;
}

void preload_warn_once(int *once, const char *fmt, ...)
{
	char msg[PATH_MAX + 256];
	va_list ap;
	int n;

	if (__atomic_exchange_n(once, 1, __ATOMIC_RELAXED))
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(msg) - 2)
		n = sizeof(msg) - 2;
	msg[n++] = '\n';
	write_stderr(msg, (size_t)n);
}

/* Runtime directory. */

static struct preload_rt rt;
static char rt_dir[PATH_MAX];
static char rt_real[PATH_MAX];
static pthread_once_t rt_once = PTHREAD_ONCE_INIT;

static void rt_init(void)
{
	const char *env = getenv(UVFIO_RUNTIME_DIR_ENV);
	char abs[PATH_MAX];

	if (!env || !*env)
		return;
	if (env[0] != '/') {
		size_t n;

		if (!getcwd(abs, sizeof(abs)))
			return;
		n = strlen(abs);
		if ((size_t)snprintf(abs + n, sizeof(abs) - n, "/%s", env) >=
		    sizeof(abs) - n)
			return;
		env = abs;
	}
	if (path_normalise(env, rt_dir, sizeof(rt_dir)) < 0)
		return;
	rt.len = strlen(rt_dir);
	/* "/" as a runtime directory would shadow everything: refuse. */
	if (rt.len > 1 && rt_dir[rt.len - 1] == '/')
		rt_dir[--rt.len] = '\0';
	if (rt.len <= 1)
		return;
	rt.dir = rt_dir;
	if (!REAL(realpath)(rt_dir, rt_real))
		strcpy(rt_real, rt_dir);
	rt.real = rt_real;
	rt.real_len = strlen(rt_real);
}

const struct preload_rt *preload_rt(void)
{
	pthread_once(&rt_once, rt_init);
	return &rt;
}

static size_t prefix_len(const char *s, const char *dir, size_t len)
{
	if (len && !strncmp(s, dir, len) && (s[len] == '/' || !s[len]))
		return len;
	return 0;
}

void preload_unshadow(char *s)
{
	const struct preload_rt *r = preload_rt();
	size_t n;

	if (!r->dir || s[0] != '/')
		return;
	n = prefix_len(s, r->real, r->real_len);
	if (!n)
		n = prefix_len(s, r->dir, r->len);
	if (!n)
		return;
	if (!s[n])
		strcpy(s, "/");
	else
		memmove(s, s + n, strlen(s + n) + 1);
}

/* The daemon. */

static pid_t daemon_pid;
static pid_t granted_in;	/* our pid when PR_SET_PTRACER was done */

/*
 * The daemon reads and writes our memory as the kernel's copy_from_user
 * would; under Yama's ptrace_scope=1 it may only do that if we say so.
 * The permission is per process: again after fork.
 */
static void grant_daemon(pid_t pid)
{
	pid_t self = getpid();

	if (__atomic_load_n(&granted_in, __ATOMIC_RELAXED) == self)
		return;
	prctl(PR_SET_PTRACER, (unsigned long)pid, 0, 0, 0);
	__atomic_store_n(&granted_in, self, __ATOMIC_RELAXED);
}

pid_t preload_daemon_pid(void)
{
	pid_t pid = __atomic_load_n(&daemon_pid, __ATOMIC_RELAXED);
	const struct preload_rt *r;

	if (!pid) {
		r = preload_rt();
		if (!r->dir)
			return 0;
		pid = uvfio_client_daemon_pid(r->dir);
		if (pid <= 0)
			return 0;
		__atomic_store_n(&daemon_pid, pid, __ATOMIC_RELAXED);
	}
	grant_daemon(pid);
	return pid;
}

static void atfork_child(void)
{
	pid_t pid = __atomic_load_n(&daemon_pid, __ATOMIC_RELAXED);

	if (pid)
		grant_daemon(pid);
}

__attribute__((constructor)) static void preload_init(void)
{
	pthread_atfork(NULL, NULL, atfork_child);
}

/* Warnings. */

void preload_warn_unreachable(int err)
{
	static int once;
	char sock[PATH_MAX];

	if (uvfio_client_sock_path(preload_rt()->dir, sock, sizeof(sock)))
		strcpy(sock, "(runtime directory)");
	preload_warn_once(&once,
			  "uvfio: cannot reach the daemon at %s: %s; start it with `uvfio daemon` or run the program under `uvfio run`",
			  sock, strerror(err));
}

void preload_warn_no_rundir(const char *path)
{
	static int once;

	preload_warn_once(&once,
			  "uvfio: %s is not set, so %s does not exist for this program; run it under `uvfio run` (or set %s to the daemon's runtime directory)",
			  UVFIO_RUNTIME_DIR_ENV, path, UVFIO_RUNTIME_DIR_ENV);
}

void preload_warn_lost(int err)
{
	static int once;

	preload_warn_once(&once,
			  "uvfio: lost the connection to the daemon (%s); its files now fail with ENODEV. Was uvfiod stopped?",
			  strerror(err));
}

void preload_warn_proto(void)
{
	static int once;

	preload_warn_once(&once,
			  "uvfio: the daemon's answer does not follow the wire protocol this interposer speaks (version %d); are uvfiod and libuvfio-preload.so from the same build?",
			  UVFIO_WIRE_VERSION);
}
