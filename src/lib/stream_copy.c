// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bulk copies for device models' DMA.
 *
 * A DMA engine writes memory without passing it through the CPU's caches.
 * Copying a large run with ordinary stores instead reads every destination
 * line into the cache before overwriting it and evicts the program's
 * working set on the way; memcpy() only switches to streaming stores for
 * copies larger than a fraction of the last-level cache, which a device's
 * per-descriptor runs (1 MiB on I/OAT) never reach. Large non-overlapping
 * runs therefore use non-temporal stores here, as the hardware would.
 * SSE2 is part of x86-64, so no CPU check is needed.
 */
#include <stdint.h>
#include <string.h>

#include "lib/stream_copy.h"

#if defined(__x86_64__)
#include <emmintrin.h>

/* Below this, ordinary stores win: the data is likely still wanted. */
#define STREAM_COPY_MIN		(256u << 10)

static void stream_copy_sse2(uint8_t *d, const uint8_t *s, size_t len)
{
	size_t head = (16 - ((uintptr_t)d & 15)) & 15;

	memcpy(d, s, head);
	d += head;
	s += head;
	len -= head;
	for (; len >= 64; len -= 64, d += 64, s += 64) {
		__m128i a = _mm_loadu_si128((const __m128i *)s);
		__m128i b = _mm_loadu_si128((const __m128i *)(s + 16));
		__m128i c = _mm_loadu_si128((const __m128i *)(s + 32));
		__m128i e = _mm_loadu_si128((const __m128i *)(s + 48));

		_mm_stream_si128((__m128i *)d, a);
		_mm_stream_si128((__m128i *)(d + 16), b);
		_mm_stream_si128((__m128i *)(d + 32), c);
		_mm_stream_si128((__m128i *)(d + 48), e);
	}
	/* streaming stores are weakly ordered: publish them before the tail */
	_mm_sfence();
	memcpy(d, s, len);
}
#endif

void stream_copy(void *dst, const void *src, size_t len)
{
#if defined(__x86_64__)
	uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;

	/* overlapping ranges keep memmove's ordering guarantees */
	if (len >= STREAM_COPY_MIN && (d + len <= s || s + len <= d)) {
		stream_copy_sse2(dst, src, len);
		return;
	}
#endif
	memmove(dst, src, len);
}
