#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# shared-daemon.sh UVFIO PRELOAD EDU_DMA
#
# A daemon shared by several programs: `uvfio daemon` in the background,
# then `uvfio ls`, the edu driver under LD_PRELOAD, and `uvfio stats`
# against it, then SIGTERM. Prints "N passed, N failed".
set -u
uvfio=$1
preload=$2
edu=$3
pass=0
fail=0
check() {
	if eval "$2"; then
		echo "ok: $1"; pass=$((pass + 1))
	else
		echo "FAIL: $1"; fail=$((fail + 1))
	fi
}

dir=$(mktemp -d /tmp/uvfio-shared-XXXXXX)
"$uvfio" daemon --runtime-dir "$dir" 2>"$dir.log" &
pid=$!
i=0
while [ ! -S "$dir/uvfiod.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
check "uvfio daemon serves in its runtime directory" '[ -S "$dir/uvfiod.sock" ]'
check "it says how to reach it" 'grep -q "export UVFIO_RUNTIME_DIR=$dir" "$dir.log"'

ls_out=$(UVFIO_RUNTIME_DIR=$dir "$uvfio" ls)
check "uvfio ls lists the default machine's three edu devices" \
	'[ "$(printf "%s\n" "$ls_out" | grep -c "1234:11e8.*vfio-pci")" -eq 3 ]'
check "uvfio ls --json is JSON with a cdev per device" \
	'UVFIO_RUNTIME_DIR=$dir "$uvfio" ls --json | grep -q "\"cdev\":.*vfio2"'

check "a program reaches it through the interposer (edu DMA)" \
	'UVFIO_RUNTIME_DIR=$dir LD_PRELOAD=$preload "$edu" >/dev/null'
check "a second program, after the first exited" \
	'UVFIO_RUNTIME_DIR=$dir LD_PRELOAD=$preload "$edu" 0000:00:02.0 >/dev/null'
check "uvfio stats: no file left open by the programs" \
	'UVFIO_RUNTIME_DIR=$dir "$uvfio" stats | grep -q "\"files\": 0"'
check "uvfio ls without UVFIO_RUNTIME_DIR says what to do" \
	'env -u UVFIO_RUNTIME_DIR "$uvfio" ls 2>&1 | grep -q "uvfio daemon"'

kill -TERM $pid
wait $pid
status=$?
check "SIGTERM stops it cleanly" '[ $status -eq 0 ]'
check "and it removes its socket" '[ ! -e "$dir/uvfiod.sock" ]'
rm -rf "$dir" "$dir.log"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
