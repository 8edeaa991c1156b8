/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal check harness for the topology tests: every CHECK counts as
 * one pass or one failure; the program ends with "N passed, N failed"
 * and a non-zero status if anything failed.
 */
#ifndef UVFIO_TESTS_TOPOLOGY_CHECK_H
#define UVFIO_TESTS_TOPOLOGY_CHECK_H

#include <stdio.h>

static unsigned int checks_passed, checks_failed;

#define CHECK(cond, ...)						\
	do {								\
		if (cond) {						\
			checks_passed++;				\
		} else {						\
			checks_failed++;				\
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__,	\
				__LINE__, #cond);			\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
		}							\
	} while (0)

static inline int check_report(void)
{
	printf("%u passed, %u failed\n", checks_passed, checks_failed);
	return checks_failed ? 1 : 0;
}

#endif /* UVFIO_TESTS_TOPOLOGY_CHECK_H */
