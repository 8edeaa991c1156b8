#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A management script's view: sysfs attributes read and written from a
# shell, whose `echo x > file` writes through stdio (libc's internal
# write, which the interposer never sees). Run under `uvfio run`.
# Prints "N passed, N failed".
pass=0
fail=0
check() {
	if [ "$2" = "$3" ]; then
		echo "ok: $1"; pass=$((pass + 1))
	else
		echo "FAIL: $1: got '$2', want '$3'"; fail=$((fail + 1))
	fi
}
dev=/sys/bus/pci/devices/0000:00:03.0
check "driver_override starts unset" "$(cat $dev/driver_override)" "(null)"
echo vfio-pci > $dev/driver_override
check "echo vfio-pci > driver_override" "$(cat $dev/driver_override)" "vfio-pci"
echo > $dev/driver_override
check "echo > driver_override clears it" "$(cat $dev/driver_override)" "(null)"
printf 'vfio-pci' > $dev/driver_override
check "printf without a newline" "$(< $dev/driver_override)" "vfio-pci"
check "vendor reads as on Linux" "$(cat $dev/vendor)" "0x1234"
check "the iommu_group link" "$(basename "$(readlink $dev/iommu_group)")" "1"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
