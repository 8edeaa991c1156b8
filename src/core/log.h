/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef UVFIO_LOG_H
#define UVFIO_LOG_H

#include <stdarg.h>

enum uvfio_log_level { UVFIO_LOG_ERR, UVFIO_LOG_WARN, UVFIO_LOG_INFO, UVFIO_LOG_DEBUG };

extern int uvfio_log_level;

void uvfio_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_err(...)	uvfio_log(UVFIO_LOG_ERR, __VA_ARGS__)
#define pr_warn(...)	uvfio_log(UVFIO_LOG_WARN, __VA_ARGS__)
#define pr_info(...)	uvfio_log(UVFIO_LOG_INFO, __VA_ARGS__)
#define pr_debug(...)	do { if (uvfio_log_level >= UVFIO_LOG_DEBUG) \
				uvfio_log(UVFIO_LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
