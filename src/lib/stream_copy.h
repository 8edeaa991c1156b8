/* SPDX-License-Identifier: MIT */
#ifndef UVFIO_LIB_STREAM_COPY_H
#define UVFIO_LIB_STREAM_COPY_H

#include <stddef.h>

void stream_copy(void *dst, const void *src, size_t len);

#endif
