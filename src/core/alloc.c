// SPDX-License-Identifier: GPL-2.0-only
/*
 * Daemon allocations, with fail-nth injection. The counter is global
 * because the daemon serialises all work under uvfio_big_lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static long fail_nth;
static long alloc_seen;

void uvfio_fail_nth_set(long nth)
{
	fail_nth = nth;
	alloc_seen = 0;
}

long uvfio_fail_nth_count(void)
{
	return alloc_seen;
}

static int should_fail(void)
{
	if (!fail_nth)
		return 0;
	return ++alloc_seen == fail_nth;
}

void *uvfio_zalloc(size_t size)
{
	if (should_fail())
		return NULL;
	return calloc(1, size ? size : 1);
}

void *uvfio_calloc(size_t n, size_t size)
{
	if (should_fail())
		return NULL;
	return calloc(n ? n : 1, size ? size : 1);
}

void *uvfio_realloc(void *p, size_t n, size_t size)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	if (should_fail())
		return NULL;
	return realloc(p, bytes ? bytes : 1);
}

char *uvfio_strdup(const char *s)
{
	if (should_fail())
		return NULL;
	return strdup(s);
}
