/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A very small test harness shared by the tests in tests/pci: CHECK
 * macros that record a failure and carry on, a RUN macro that counts a
 * test as passed when none of its checks failed, and the final
 * "N passed, N failed" line the test runner parses.
 *
 * Header-only and static, so each test program gets its own counters.
 */
#ifndef UVFIO_TEST_PCI_HARNESS_H
#define UVFIO_TEST_PCI_HARNESS_H

#include <stdio.h>

static unsigned int h_checks_failed;
static unsigned int h_tests_passed, h_tests_failed;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			h_checks_failed++;				\
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n",	\
				__FILE__, __LINE__, #cond);		\
		}							\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		unsigned long long _a = (unsigned long long)(a);	\
		unsigned long long _b = (unsigned long long)(b);	\
		if (_a != _b) {						\
			h_checks_failed++;				\
			fprintf(stderr,					\
				"%s:%d: %s == %s failed: 0x%llx != 0x%llx\n", \
				__FILE__, __LINE__, #a, #b, _a, _b);	\
		}							\
	} while (0)

#define RUN(fn)								\
	do {								\
		unsigned int _before = h_checks_failed;		\
		fn();							\
		if (h_checks_failed == _before) {			\
			h_tests_passed++;				\
			printf("ok   %s\n", #fn);			\
		} else {						\
			h_tests_failed++;				\
			printf("FAIL %s\n", #fn);			\
		}							\
	} while (0)

static inline int h_finish(void)
{
	printf("%u passed, %u failed\n", h_tests_passed, h_tests_failed);
	return h_tests_failed ? 1 : 0;
}

#endif /* UVFIO_TEST_PCI_HARNESS_H */
