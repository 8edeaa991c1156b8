// SPDX-License-Identifier: GPL-2.0-only
/*
 * The table of the build system's installed <linux/vfio.h> (Debian 12:
 * Linux 6.1).  Only the 6.1 list is expanded: a newer system header
 * defines more, never less.
 */
#include <linux/vfio.h>

#include "abi-table.h"

ABI_TABLE_BEGIN(abi_sys61)
#include "list-vfio-61.h"
ABI_TABLE_END(abi_sys61, "system <linux/vfio.h> (6.1)")
