/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef UVFIO_UTIL_H
#define UVFIO_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define min_t(t, a, b)		((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)		((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define ALIGN_UP(x, a)		(((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a)	((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)
#define BIT(n)			(1ULL << (n))

/*
 * Allocation failure injection (fail-nth): every allocation in the daemon
 * goes through these, so tests can fail the Nth one and walk every unwind
 * path.
 */
void *uvfio_zalloc(size_t size);
void *uvfio_calloc(size_t n, size_t size);
void *uvfio_realloc(void *p, size_t n, size_t size);
char *uvfio_strdup(const char *s);
void uvfio_fail_nth_set(long nth);	/* 0 = off */
long uvfio_fail_nth_count(void);	/* allocations seen since set */

#endif
