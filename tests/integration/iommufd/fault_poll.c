// SPDX-License-Identifier: GPL-2.0-only
/*
 * poll() and ppoll() on an iommufd fault queue (run with --mock): a
 * program that waits for page faults the way a VMM's event loop does
 * sees the fd become readable when a fault is queued, and not before.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
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
	if (!failed)
		poll_cases((int)fa.out_fault_fd, md.mock_domain.out_idev_id);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
