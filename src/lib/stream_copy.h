/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef UVFIO_LIB_STREAM_COPY_H
#define UVFIO_LIB_STREAM_COPY_H

#include <stddef.h>

void stream_copy(void *dst, const void *src, size_t len);

#endif
