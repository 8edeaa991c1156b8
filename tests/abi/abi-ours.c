// SPDX-License-Identifier: GPL-2.0-only
/* The table of uvfio's own uAPI headers: every list, old and new. */
#include <uvfio/uapi/vfio.h>
#include <uvfio/uapi/iommufd.h>
#include <uvfio/uapi/iommufd_test.h>

#include "abi-table.h"

ABI_TABLE_BEGIN(abi_ours)
#include "list-vfio-61.h"
#include "list-vfio-612.h"
#include "list-vfio-new.h"
#include "list-iommufd-612.h"
#include "list-iommufd-new.h"
#include "list-test-612.h"
#include "list-test-new.h"
ABI_TABLE_END(abi_ours, "uvfio")
