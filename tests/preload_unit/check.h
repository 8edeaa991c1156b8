/* SPDX-License-Identifier: GPL-2.0-only */
/* A minimal thread-safe check harness for the preload unit tests. */
#ifndef UVFIO_TEST_CHECK_H
#define UVFIO_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond) do {						\
	if (cond) {							\
		__atomic_add_fetch(&check_passed, 1, __ATOMIC_RELAXED);	\
	} else {							\
		__atomic_add_fetch(&check_failed, 1, __ATOMIC_RELAXED);	\
		fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__,	\
			#cond);						\
	}								\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *a_ = (a), *b_ = (b);				\
									\
	CHECK(a_ && b_ && !strcmp(a_, b_));				\
	if (!(a_ && b_ && !strcmp(a_, b_)))				\
		fprintf(stderr, "     got \"%s\", want \"%s\"\n",	\
			a_ ? a_ : "(null)", b_ ? b_ : "(null)");	\
} while (0)

static inline int check_done(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
