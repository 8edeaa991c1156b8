// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fd table, with the interposer linked into this program: which fds
 * are uvfio files, how dup/close/fork/SCM_RIGHTS keep that true, and that
 * a foreign fd costs one load.
 *
 * A socketpair this process makes has this process as its peer; writing
 * our own pid as the daemon's makes such sockets look like connections
 * the daemon handed out.
 */
#include "preload/preload.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "preload/fdtable.h"

#include "check.h"

static char rundir[] = "/tmp/uvfio-fdt-XXXXXX";

static void setup_rundir(void)
{
	char path[256];
	FILE *f;

	CHECK(mkdtemp(rundir) != NULL);
	snprintf(path, sizeof(path), "%s/uvfiod.pid", rundir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fprintf(f, "%d\n", getpid());
	fclose(f);
	setenv("UVFIO_RUNTIME_DIR", rundir, 1);
}

static void cleanup_rundir(void)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/uvfiod.pid", rundir);
	unlink(path);
	rmdir(rundir);
}

static struct ufile *get(int fd)
{
	struct ufile *uf = fdt_get(fd);

	ufile_put(uf);		/* the slot still holds it */
	return uf;
}

static void test_foreign(void)
{
	int p[2];

	CHECK(pipe(p) == 0);
	fdt_forget(p[0]);
	CHECK(fdt_peek(p[0]) == FDT_UNCHECKED);
	CHECK(get(p[0]) == NULL);
	CHECK(fdt_peek(p[0]) == FDT_FOREIGN);	/* cached */
	close(p[0]);
	CHECK(fdt_peek(p[0]) == FDT_UNCHECKED);
	close(p[1]);
	CHECK(get(-1) == NULL);
	CHECK(get(FDT_MAX + 5) == NULL);
	CHECK(fdt_install(FDT_MAX, NODE_OTHER) == -EMFILE);
}

static void test_lazy_and_dup(void)
{
	struct ufile *uf;
	int sv[2], d, d2, d3, p[2];

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	fdt_forget(sv[0]);
	fdt_forget(sv[1]);
	uf = get(sv[1]);
	CHECK(uf != NULL);
	CHECK(uf && uf->kind == NODE_UNKNOWN);
	CHECK(uf && uf->refs == 1);

	d = dup(sv[1]);
	CHECK(get(d) == uf);
	CHECK(uf->refs == 2);
	CHECK(pipe(p) == 0);
	d2 = dup2(sv[1], p[0]);
	CHECK(d2 == p[0] && get(d2) == uf);
	CHECK(uf->refs == 3);
	d3 = fcntl(sv[1], F_DUPFD_CLOEXEC, 100);
	CHECK(d3 >= 100 && get(d3) == uf);
	CHECK(uf->refs == 4);
	close(sv[1]);
	CHECK(fdt_peek(sv[1]) == FDT_UNCHECKED);
	CHECK(uf->refs == 3);
	close(d);
	close(d2);
	CHECK(get(d3) == uf && uf->refs == 1);

	/* The same socket found twice after exec-like amnesia: one ufile. */
	d = dup(d3);
	fdt_forget(d);
	fdt_forget(d3);
	uf = get(d3);
	CHECK(uf != NULL && get(d) == uf);
	CHECK(uf && uf->refs == 2);
	close(d);
	close(d3);
	close(p[1]);
	close(sv[0]);
}

static void test_recvmsg(void)
{
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	char byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.b, .msg_controllen = sizeof(ctl.b),
	};
	struct cmsghdr *c;
	int carrier[2], sv[2], p[2], got;

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, carrier) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	CHECK(pipe(p) == 0);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &sv[1], sizeof(int));
	CHECK(sendmsg(carrier[0], &msg, 0) == 1);
	memcpy(CMSG_DATA(c), &p[0], sizeof(int));
	CHECK(sendmsg(carrier[0], &msg, 0) == 1);

	msg.msg_controllen = sizeof(ctl.b);
	CHECK(recvmsg(carrier[1], &msg, 0) == 1);
	memcpy(&got, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
	CHECK(fdt_peek(got) > FDT_FOREIGN);
	close(got);
	msg.msg_controllen = sizeof(ctl.b);
	CHECK(recvmsg(carrier[1], &msg, 0) == 1);
	memcpy(&got, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
	CHECK(fdt_peek(got) == FDT_FOREIGN);
	close(got);
	close(carrier[0]);
	close(carrier[1]);
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}

static void test_close_range(void)
{
	int sv[2], a, b;

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	a = fcntl(sv[1], F_DUPFD, 500);
	b = fcntl(sv[1], F_DUPFD, 510);
	CHECK(fdt_install(a, NODE_DEVICE) == 0);
	fdt_copy(a, b);
	CHECK(get(b) && get(b)->kind == NODE_DEVICE);
	CHECK(close_range(500, 505, 0) == 0);
	CHECK(fdt_peek(a) == FDT_UNCHECKED);
	CHECK(get(b) != NULL);
	closefrom(506);
	CHECK(fdt_peek(b) == FDT_UNCHECKED);
	CHECK(fcntl(b, F_GETFD) == -1 && errno == EBADF);
	close(sv[0]);
	close(sv[1]);
}

struct holder {
	struct ufile *uf;
	pthread_mutex_t m;
	pthread_cond_t c;
	int state;
};

static void *hold_lock(void *arg)
{
	struct holder *h = arg;

	pthread_mutex_lock(&h->uf->lock);
	pthread_mutex_lock(&h->m);
	h->state = 1;
	pthread_cond_signal(&h->c);
	while (h->state != 2)
		pthread_cond_wait(&h->c, &h->m);
	pthread_mutex_unlock(&h->m);
	pthread_mutex_unlock(&h->uf->lock);
	return NULL;
}

/* A child forked while another thread holds a file lock can use the file. */
static void test_fork(void)
{
	struct holder h = { .m = PTHREAD_MUTEX_INITIALIZER,
			    .c = PTHREAD_COND_INITIALIZER };
	pthread_t t;
	int sv[2], status = -1;
	pid_t pid;

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	CHECK(fdt_install(sv[1], NODE_DEVICE) == 0);
	h.uf = get(sv[1]);
	pthread_create(&t, NULL, hold_lock, &h);
	pthread_mutex_lock(&h.m);
	while (h.state != 1)
		pthread_cond_wait(&h.c, &h.m);
	pthread_mutex_unlock(&h.m);
	pid = fork();
	if (pid == 0) {
		struct ufile *uf = fdt_get(sv[1]);

		_exit(uf && !pthread_mutex_trylock(&uf->lock) ? 0 : 1);
	}
	CHECK(pid > 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	pthread_mutex_lock(&h.m);
	h.state = 2;
	pthread_cond_signal(&h.c);
	pthread_mutex_unlock(&h.m);
	pthread_join(t, NULL);
	close(sv[0]);
	close(sv[1]);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The price a program pays per call on an fd that is not ours. */
static void test_cost(void)
{
	int p[2], i, n = 10 * 1000 * 1000, found = 0;
	double t0, ns;

	CHECK(pipe(p) == 0);
	get(p[0]);
	t0 = now();
	for (i = 0; i < n; i++) {
		struct ufile *uf = fdt_get(p[0]);

		found += uf != NULL;
		__asm__ volatile("" ::: "memory");
	}
	ns = (now() - t0) * 1e9 / n;
	printf("foreign fd lookup: %.2f ns\n", ns);
	CHECK(found == 0);
	CHECK(ns < 100);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	setup_rundir();
	test_foreign();
	test_lazy_and_dup();
	test_recvmsg();
	test_close_range();
	test_fork();
	test_cost();
	cleanup_rundir();
	return check_done();
}
