// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's log: one line per event on stderr, prefixed so it can be
 * told apart from the client's own output when both share a terminal.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"

int uvfio_log_level = UVFIO_LOG_WARN;

void uvfio_log(int level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	va_list ap;

	if (level > uvfio_log_level)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "uvfiod: %s: ", names[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
