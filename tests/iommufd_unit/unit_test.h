/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The smallest harness that does the job: CHECK macros count passes and
 * failures, print the failing expression, and the program ends with one
 * "N passed, N failed" line and a non-zero exit status on failure.
 */
#ifndef UVFIO_TESTS_UNIT_TEST_H
#define UVFIO_TESTS_UNIT_TEST_H

#include <stdio.h>
#include <string.h>

static unsigned int ut_passed, ut_failed;

#define CHECK(cond)							\
	do {								\
		if (cond) {						\
			ut_passed++;					\
		} else {						\
			ut_failed++;					\
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n",	\
				__FILE__, __LINE__, #cond);		\
		}							\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		unsigned long long ut_a = (unsigned long long)(a);	\
		unsigned long long ut_b = (unsigned long long)(b);	\
		if (ut_a == ut_b) {					\
			ut_passed++;					\
		} else {						\
			ut_failed++;					\
			fprintf(stderr,					\
				"%s:%d: %s = %lld (%#llx), expected %s = %lld (%#llx)\n", \
				__FILE__, __LINE__, #a, (long long)ut_a, \
				ut_a, #b, (long long)ut_b, ut_b);	\
		}							\
	} while (0)

static inline int ut_summary(void)
{
	printf("%u passed, %u failed\n", ut_passed, ut_failed);
	return ut_failed ? 1 : 0;
}

#endif
