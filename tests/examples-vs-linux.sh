#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# examples-vs-linux.sh CC EXAMPLE.c...
#
# The examples are written against the Linux uAPI only: prove it by
# compiling each against the real Linux 6.12 <linux/vfio.h> and
# <linux/iommufd.h> (from Debian's linux-source-6.12), not our copy.
# Prints "N passed, N failed".
set -u
cc=$1; shift
tarball=/usr/src/linux-source-6.12.tar.xz
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0
fail=0
if ! tar -C "$tmp" -xf "$tarball" \
	linux-source-6.12/include/uapi/linux/vfio.h \
	linux-source-6.12/include/uapi/linux/iommufd.h 2>/dev/null; then
	echo "FAIL: cannot read the Linux 6.12 headers from $tarball (install linux-source-6.12)"
	echo "0 passed, 1 failed"
	exit 1
fi
mkdir -p "$tmp/inc/linux"
for h in vfio.h iommufd.h; do
	# what headers_install does to these two
	sed -E -e 's/([[:space:](])(__user|__force)[[:space:]]/\1/g' \
		"$tmp/linux-source-6.12/include/uapi/linux/$h" >"$tmp/inc/linux/$h"
done
for src in "$@"; do
	if "$cc" -std=gnu17 -Wall -Wextra -Werror -fsyntax-only -I"$tmp/inc" "$src"; then
		echo "ok: $(basename "$src") builds against Linux 6.12 headers"
		pass=$((pass + 1))
	else
		echo "FAIL: $(basename "$src") does not build against Linux 6.12 headers"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
