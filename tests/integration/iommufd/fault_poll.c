// SPDX-License-Identifier: GPL-2.0-only
/*
 * poll(), ppoll(), select(), pselect() and epoll on an iommufd fault
 * queue (run with --mock): a program that waits for page faults the way
 * a VMM's event loop does sees the fd become readable when a fault is
 * queued, and not before.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "uvfio/uapi/iommufd.h"
#include "uvfio/uapi/iommufd_test.h"

static int passed, failed;

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		passed++;						\
	} else {							\
		failed++;						\
		printf("FAIL %s:%d: ", __FILE__, __LINE__);		\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	}								\
} while (0)

static int iommufd;

static int test_cmd(struct iommu_test_cmd *cmd)
{
	cmd->size = sizeof(*cmd);
	return ioctl(iommufd, IOMMU_TEST_CMD, cmd);
}

static uint32_t hwpt_alloc(uint32_t idev, uint32_t pt, uint32_t flags,
			   uint32_t fault, bool nested)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .dev_id = idev, .pt_id = pt,
		.flags = flags, .fault_id = fault,
	};

	if (nested) {
		cmd.data_type = IOMMU_HWPT_DATA_SELFTEST;
		cmd.data_len = sizeof(data.iotlb);
		cmd.data_uptr = (uintptr_t)&data;
	}
	return ioctl(iommufd, IOMMU_HWPT_ALLOC, &cmd) ? 0 : cmd.out_hwpt_id;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int trigger(uint32_t idev)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_TRIGGER_IOPF,
		.trigger_iopf = {
			.dev_id = idev, .pasid = 1, .grpid = 2,
			.perm = IOMMU_PGFAULT_PERM_READ,
			.addr = 0x10000,
		},
	};

	return test_cmd(&cmd);
}

/* Read the queued fault and answer it; true on success. */
static bool drain(int ffd)
{
	struct iommu_hwpt_page_response resp = {
		.code = IOMMUFD_PAGE_RESP_SUCCESS,
	};
	struct iommu_hwpt_pgfault fault;

	if (read(ffd, &fault, sizeof(fault)) != sizeof(fault))
		return false;
	resp.cookie = fault.cookie;
	return write(ffd, &resp, sizeof(resp)) == sizeof(resp);
}

static void poll_cases(int ffd, uint32_t idev)
{
	struct pollfd p[2];
	struct timespec tmo = { 0, 30 * 1000000 };
	int efd = eventfd(0, EFD_CLOEXEC), rc;
	double t0;

	p[0] = (struct pollfd){ .fd = ffd, .events = POLLIN };
	rc = poll(p, 1, 0);
	CHECK(rc == 0 && p[0].revents == 0,
	      "empty queue: poll(POLLIN, 0) = %d, revents 0x%x", rc,
	      p[0].revents);
	t0 = now();
	rc = poll(p, 1, 50);
	CHECK(rc == 0 && now() - t0 >= 0.045,
	      "empty queue: poll waits its 50 ms timeout (%d, %.3f s)", rc,
	      now() - t0);
	p[0].events = POLLIN | POLLOUT;
	rc = poll(p, 1, 0);
	CHECK(rc == 1 && p[0].revents == POLLOUT,
	      "empty queue: writable, not readable (revents 0x%x)",
	      p[0].revents);

	CHECK(trigger(idev) == 0, "trigger an IOPF: %s", strerror(errno));
	p[0].events = POLLIN;
	rc = poll(p, 1, 1000);
	CHECK(rc == 1 && p[0].revents == POLLIN,
	      "a queued fault: poll says readable (%d, revents 0x%x)", rc,
	      p[0].revents);
	CHECK(drain(ffd), "read the fault and answer it");
	rc = poll(p, 1, 0);
	CHECK(rc == 0, "answered: not readable any more (%d)", rc);

	/* A mixed set: one of ours and a kernel eventfd. */
	p[0] = (struct pollfd){ .fd = ffd, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = efd, .events = POLLIN };
	rc = ppoll(p, 2, &tmo, NULL);
	CHECK(rc == 0, "mixed set, nothing ready: ppoll times out (%d)", rc);
	if (eventfd_write(efd, 1))
		perror("eventfd_write");
	rc = ppoll(p, 2, &tmo, NULL);
	CHECK(rc == 1 && p[0].revents == 0 && p[1].revents == POLLIN,
	      "mixed set: the eventfd alone is ready (%d, 0x%x 0x%x)", rc,
	      p[0].revents, p[1].revents);
	CHECK(trigger(idev) == 0, "trigger a second IOPF");
	rc = poll(p, 2, -1);
	CHECK(rc == 2 && p[0].revents == POLLIN && p[1].revents == POLLIN,
	      "mixed set: both ready, no timeout (%d, 0x%x 0x%x)", rc,
	      p[0].revents, p[1].revents);
	CHECK(drain(ffd), "read and answer the second fault");
	p[0].fd = -1;
	rc = poll(p, 2, 0);
	CHECK(rc == 1 && p[0].revents == 0,
	      "a negative fd is skipped (%d, 0x%x)", rc, p[0].revents);
	close(efd);
}


static void select_cases(int ffd, uint32_t idev)
{
	int efd = eventfd(0, EFD_CLOEXEC), nfds, rc;
	struct timespec ts = { 0, 30 * 1000000 };
	struct timeval tv = { 0, 30000 };
	eventfd_t cnt;
	fd_set r, w;
	double t0;

	nfds = (ffd > efd ? ffd : efd) + 1;
	FD_ZERO(&r);
	FD_SET(ffd, &r);
	t0 = now();
	rc = select(ffd + 1, &r, NULL, NULL, &tv);
	CHECK(rc == 0 && !FD_ISSET(ffd, &r) && now() - t0 >= 0.025,
	      "select, empty queue: times out, set cleared (%d, %.3f s)", rc,
	      now() - t0);
	FD_ZERO(&r);
	FD_SET(ffd, &r);
	FD_ZERO(&w);
	FD_SET(ffd, &w);
	tv = (struct timeval){ 0, 0 };
	rc = select(ffd + 1, &r, &w, NULL, &tv);
	CHECK(rc == 1 && !FD_ISSET(ffd, &r) && FD_ISSET(ffd, &w),
	      "select, empty queue: writable, not readable (%d)", rc);

	CHECK(trigger(idev) == 0, "trigger an IOPF for select");
	FD_ZERO(&r);
	FD_SET(ffd, &r);
	FD_ZERO(&w);
	FD_SET(ffd, &w);
	tv = (struct timeval){ 1, 0 };
	rc = select(ffd + 1, &r, &w, NULL, &tv);
	CHECK(rc == 2 && FD_ISSET(ffd, &r) && FD_ISSET(ffd, &w),
	      "select, a queued fault: readable and writable (%d)", rc);
	CHECK(drain(ffd), "read and answer the select fault");

	/* mixed with a kernel eventfd, through pselect */
	FD_ZERO(&r);
	FD_SET(ffd, &r);
	FD_SET(efd, &r);
	rc = pselect(nfds, &r, NULL, NULL, &ts, NULL);
	CHECK(rc == 0, "pselect, mixed set, nothing ready: times out (%d)",
	      rc);
	if (eventfd_write(efd, 1))
		perror("eventfd_write");
	FD_ZERO(&r);
	FD_SET(ffd, &r);
	FD_SET(efd, &r);
	rc = pselect(nfds, &r, NULL, NULL, &ts, NULL);
	CHECK(rc == 1 && !FD_ISSET(ffd, &r) && FD_ISSET(efd, &r),
	      "pselect, mixed set: the eventfd alone is ready (%d)", rc);
	CHECK(trigger(idev) == 0, "trigger another IOPF for select");
	FD_ZERO(&r);
	FD_SET(ffd, &r);
	FD_SET(efd, &r);
	rc = select(nfds, &r, NULL, NULL, NULL);
	CHECK(rc == 2 && FD_ISSET(ffd, &r) && FD_ISSET(efd, &r),
	      "select, mixed set: both ready, no timeout (%d)", rc);
	CHECK(drain(ffd), "read and answer it");
	FD_ZERO(&r);
	FD_SET(ffd, &r);
	FD_SET(efd, &r);
	rc = pselect(nfds, &r, NULL, NULL, &ts, NULL);
	CHECK(rc == 1 && !FD_ISSET(ffd, &r) && FD_ISSET(efd, &r),
	      "pselect, answered: the eventfd alone again (%d)", rc);
	eventfd_read(efd, &cnt);
	close(efd);
}

/* A set larger than fd_set: a dup of the fault fd at 1100. */
static void select_big(int ffd, uint32_t idev)
{
	const int hi = 1100;
	const size_t bits = 8 * sizeof(unsigned long);
	size_t words = (hi + bits) / bits;
	unsigned long *r = calloc(words, sizeof(*r));
	struct rlimit rl;
	struct timeval tv = { 1, 0 };
	int rc;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur <= (rlim_t)hi &&
	    rl.rlim_max > (rlim_t)hi) {
		rl.rlim_cur = hi + 1;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	CHECK(r && dup2(ffd, hi) == hi,
	      "dup2 the fault fd to %d: %s (raise the open file limit)", hi,
	      strerror(errno));
	if (!r || fcntl(hi, F_GETFD) < 0) {
		free(r);
		return;
	}
	CHECK(trigger(idev) == 0, "trigger an IOPF for a big set");
	r[hi / bits] |= 1UL << (hi % bits);
	rc = select(hi + 1, (fd_set *)(void *)r, NULL, NULL, &tv);
	CHECK(rc == 1 && (r[hi / bits] & (1UL << (hi % bits))),
	      "select, %d bits: fd %d is readable (%d)", hi + 1, hi, rc);
	CHECK(drain(hi), "read and answer it through the dup");
	close(hi);
	free(r);
}

/* epoll_wait for up to 4 events into out[] (cleared first). */
static int ewait(int ep, struct epoll_event *out, int ms)
{
	memset(out, 0, 4 * sizeof(*out));
	return epoll_wait(ep, out, 4, ms);
}

static int ectl(int ep, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, op, fd, &ev);
}

static void epoll_errors(int ep, int ffd, int efd)
{
	CHECK(ectl(ep, EPOLL_CTL_ADD, ffd, EPOLLIN, 1) == -1 &&
	      errno == EEXIST, "epoll: a second ADD is EEXIST (%s)",
	      strerror(errno));
	CHECK(ectl(ep, EPOLL_CTL_MOD, iommufd, EPOLLIN, 9) == -1 &&
	      errno == ENOENT, "epoll: MOD of an fd not added is ENOENT (%s)",
	      strerror(errno));
	CHECK(ectl(ep, EPOLL_CTL_DEL, iommufd, 0, 0) == -1 && errno == ENOENT,
	      "epoll: DEL of an fd not added is ENOENT (%s)", strerror(errno));
	CHECK(ectl(ffd, EPOLL_CTL_ADD, ffd, EPOLLIN, 0) == -1 &&
	      errno == EINVAL, "epoll: epfd == fd is EINVAL (%s)",
	      strerror(errno));
	CHECK(ectl(efd, EPOLL_CTL_ADD, ffd, EPOLLIN, 0) == -1 &&
	      errno == EINVAL, "epoll: an epfd that is an eventfd is EINVAL (%s)",
	      strerror(errno));
	CHECK(ectl(1000, EPOLL_CTL_ADD, ffd, EPOLLIN, 0) == -1 &&
	      errno == EBADF, "epoll: a closed epfd is EBADF (%s)",
	      strerror(errno));
	CHECK(ectl(ep, EPOLL_CTL_MOD, ffd, EPOLLIN | EPOLLEXCLUSIVE, 0) == -1 &&
	      errno == EINVAL, "epoll: MOD with EPOLLEXCLUSIVE is EINVAL (%s)",
	      strerror(errno));
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, iommufd, NULL) == -1 &&
	      errno == EFAULT, "epoll: ADD without an event is EFAULT (%s)",
	      strerror(errno));
}

static void epoll_oneshot_et(int ep, int ffd, uint32_t idev)
{
	struct epoll_event out[4];
	int rc;

	CHECK(ectl(ep, EPOLL_CTL_MOD, ffd, EPOLLIN | EPOLLONESHOT, 2) == 0,
	      "epoll: MOD to one-shot: %s", strerror(errno));
	CHECK(trigger(idev) == 0, "trigger an IOPF for one-shot");
	rc = ewait(ep, out, 1000);
	CHECK(rc == 1 && out[0].data.u64 == 2,
	      "one-shot: reported once, with the new data (%d, %llu)", rc,
	      (unsigned long long)out[0].data.u64);
	rc = ewait(ep, out, 30);
	CHECK(rc == 0, "one-shot: disarmed though still ready (%d)", rc);
	CHECK(ectl(ep, EPOLL_CTL_MOD, ffd, EPOLLIN | EPOLLONESHOT, 3) == 0,
	      "one-shot: MOD re-arms");
	rc = ewait(ep, out, 1000);
	CHECK(rc == 1 && out[0].data.u64 == 3,
	      "one-shot: re-armed, reported again (%d)", rc);
	CHECK(drain(ffd), "read and answer the one-shot fault");

	CHECK(ectl(ep, EPOLL_CTL_MOD, ffd, EPOLLIN | EPOLLET, 4) == 0,
	      "epoll: MOD to edge-triggered");
	rc = ewait(ep, out, 0);
	CHECK(rc == 0, "edge: empty queue, nothing (%d)", rc);
	CHECK(trigger(idev) == 0, "trigger an IOPF for edge");
	rc = ewait(ep, out, 1000);
	CHECK(rc == 1 && out[0].events == EPOLLIN && out[0].data.u64 == 4,
	      "edge: the fault is an edge (%d, 0x%x)", rc, out[0].events);
	rc = ewait(ep, out, 30);
	CHECK(rc == 0, "edge: still ready, no new edge (%d)", rc);
	CHECK(drain(ffd), "read and answer the edge fault");
	rc = ewait(ep, out, 0);
	CHECK(rc == 0, "edge: answered, nothing (%d)", rc);
	CHECK(trigger(idev) == 0, "trigger a second IOPF for edge");
	rc = ewait(ep, out, 1000);
	CHECK(rc == 1 && out[0].data.u64 == 4,
	      "edge: the next fault is a new edge (%d)", rc);
	CHECK(drain(ffd), "read and answer it");
}

static void epoll_mixed(int ep, int ffd, int efd, uint32_t idev)
{
	struct epoll_event out[4];
	eventfd_t cnt;
	int rc;

	CHECK(ectl(ep, EPOLL_CTL_MOD, ffd, EPOLLIN, 1) == 0,
	      "epoll: MOD back to level");
	CHECK(ectl(ep, EPOLL_CTL_ADD, efd, EPOLLIN, 5) == 0,
	      "epoll: ADD an eventfd too: %s", strerror(errno));
	rc = ewait(ep, out, 30);
	CHECK(rc == 0, "epoll, mixed set, nothing ready: times out (%d)", rc);
	if (eventfd_write(efd, 1))
		perror("eventfd_write");
	rc = ewait(ep, out, 30);
	CHECK(rc == 1 && out[0].data.u64 == 5,
	      "epoll, mixed set: the eventfd alone (%d, %llu)", rc,
	      (unsigned long long)out[0].data.u64);
	CHECK(trigger(idev) == 0, "trigger an IOPF for the mixed set");
	rc = ewait(ep, out, -1);
	CHECK(rc == 2 && out[0].data.u64 + out[1].data.u64 == 6,
	      "epoll, mixed set: both, no timeout (%d, %llu %llu)", rc,
	      (unsigned long long)out[0].data.u64,
	      (unsigned long long)out[1].data.u64);
	rc = epoll_wait(ep, out, 1, 0);
	CHECK(rc == 1, "epoll, mixed set: maxevents 1 gives one (%d)", rc);
	CHECK(drain(ffd), "read and answer the mixed-set fault");
	eventfd_read(efd, &cnt);

	CHECK(ectl(ep, EPOLL_CTL_DEL, ffd, 0, 0) == 0, "epoll: DEL: %s",
	      strerror(errno));
	CHECK(ectl(ep, EPOLL_CTL_DEL, ffd, 0, 0) == -1 && errno == ENOENT,
	      "epoll: DEL twice is ENOENT (%s)", strerror(errno));
	CHECK(trigger(idev) == 0, "trigger an IOPF after DEL");
	rc = ewait(ep, out, 30);
	CHECK(rc == 0, "epoll: a deleted fd is not reported (%d)", rc);
	CHECK(drain(ffd), "read and answer it");
}

static void epoll_cases(int ffd, uint32_t idev)
{
	int ep = epoll_create1(EPOLL_CLOEXEC), efd = eventfd(0, EFD_CLOEXEC);
	struct timespec zero = { 0, 0 };
	struct epoll_event out[4];
	double t0;
	int rc;

	CHECK(ectl(ep, EPOLL_CTL_ADD, ffd, EPOLLIN, 0xfa017) == 0,
	      "epoll: ADD the fault fd: %s", strerror(errno));
	epoll_errors(ep, ffd, efd);
	t0 = now();
	rc = ewait(ep, out, 50);
	CHECK(rc == 0 && now() - t0 >= 0.045,
	      "epoll, empty queue: waits its 50 ms timeout (%d, %.3f s)", rc,
	      now() - t0);
	CHECK(trigger(idev) == 0, "trigger an IOPF for epoll");
	rc = ewait(ep, out, 1000);
	CHECK(rc == 1 && out[0].events == EPOLLIN &&
	      out[0].data.u64 == 0xfa017,
	      "epoll: a queued fault wakes it, with our data (%d, 0x%x, %llx)",
	      rc, out[0].events, (unsigned long long)out[0].data.u64);
	rc = epoll_pwait(ep, out, 4, 0, NULL);
	CHECK(rc == 1, "epoll: level-triggered, still ready (%d)", rc);
	rc = epoll_pwait2(ep, out, 4, &zero, NULL);
	CHECK(rc == 1 && out[0].data.u64 == 0xfa017,
	      "epoll_pwait2: still ready (%d)", rc);
	CHECK(drain(ffd), "read and answer the epoll fault");
	rc = ewait(ep, out, 0);
	CHECK(rc == 0, "epoll: answered, nothing (%d)", rc);
	epoll_oneshot_et(ep, ffd, idev);
	epoll_mixed(ep, ffd, efd, idev);

	/* closing a registered fd takes it out; closing the epfd, the rest */
	CHECK(ectl(ep, EPOLL_CTL_ADD, ffd, EPOLLIN, 7) == 0, "epoll: ADD again");
	close(ep);
	ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK(ectl(ep, EPOLL_CTL_ADD, ffd, EPOLLIN, 8) == 0,
	      "epoll: a new epoll fd on the old number starts empty (%s)",
	      strerror(errno));
	close(ep);
	close(efd);
}

/* Close the fault fd while it is in an epoll set; a new one is not. */
static void epoll_close_case(int ffd)
{
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	CHECK(ectl(ep, EPOLL_CTL_ADD, ffd, EPOLLIN, 1) == 0,
	      "epoll: ADD before close");
	close(ffd);
	CHECK(ioctl(iommufd, IOMMU_FAULT_QUEUE_ALLOC, &fa) == 0 &&
	      (int)fa.out_fault_fd == ffd,
	      "a new fault queue takes the closed number (%d, %d)",
	      (int)fa.out_fault_fd, ffd);
	CHECK(ectl(ep, EPOLL_CTL_ADD, ffd, EPOLLIN, 2) == 0,
	      "epoll: the closed fd left the set, the new one is added (%s)",
	      strerror(errno));
	close(ep);
}

int main(void)
{
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	struct iommu_test_cmd md = { .op = IOMMU_TEST_OP_MOCK_DOMAIN };
	struct iommu_test_cmd rep = { .op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE };
	uint32_t parent, nested;

	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0 || ioctl(iommufd, IOMMU_IOAS_ALLOC, &ioas)) {
		perror("fault-poll: /dev/iommu (run under `uvfio run --mock`)");
		return 1;
	}
	md.id = ioas.out_ioas_id;
	if (test_cmd(&md)) {
		perror("fault-poll: mock domain (run under `uvfio run --mock`)");
		return 1;
	}
	CHECK(ioctl(iommufd, IOMMU_FAULT_QUEUE_ALLOC, &fa) == 0,
	      "FAULT_QUEUE_ALLOC: %s", strerror(errno));
	parent = hwpt_alloc(md.mock_domain.out_idev_id, ioas.out_ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT, 0, false);
	nested = parent ? hwpt_alloc(md.mock_domain.out_idev_id, parent,
				     IOMMU_HWPT_FAULT_ID_VALID,
				     fa.out_fault_id, true) : 0;
	CHECK(parent && nested, "a nested HWPT that reports faults");
	rep.id = md.mock_domain.out_stdev_id;
	rep.mock_domain_replace.pt_id = nested;
	CHECK(test_cmd(&rep) == 0, "attach the mock device to it: %s",
	      strerror(errno));
	if (!failed) {
		poll_cases((int)fa.out_fault_fd, md.mock_domain.out_idev_id);
		select_cases((int)fa.out_fault_fd, md.mock_domain.out_idev_id);
		select_big((int)fa.out_fault_fd, md.mock_domain.out_idev_id);
		epoll_cases((int)fa.out_fault_fd, md.mock_domain.out_idev_id);
		epoll_close_case((int)fa.out_fault_fd);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
