#!/usr/bin/env bash
# Run every test twice: in the normal build and in an AddressSanitizer +
# UndefinedBehaviorSanitizer build. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

total_pass=0
total_fail=0

count() {
	# meson's JSON log: one object per test, "result" OK/FAIL/...
	python3 - "$1" <<'PY'
import json, sys
ok = bad = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"):
        ok += 1
    else:
        bad += 1
print(ok, bad)
PY
}

run_suite() {
	local dir=$1; shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >/dev/null || { total_fail=$((total_fail + 1)); return; }
	fi
	if ! ninja -C "$dir" >/dev/null; then
		echo "build failed in $dir" >&2
		total_fail=$((total_fail + 1))
		return
	fi
	meson test -C "$dir" --print-errorlogs --num-processes 2 || true
	read -r p f < <(count "$dir/meson-logs/testlog.json")
	echo "$dir: $p passed, $f failed"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
}

run_suite build -Ddpdk=enabled
# The sanitizers must see every allocation: the preload library and the
# test programs are all built with them.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:verify_asan_link_order=0:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false -Ddpdk=enabled

# The kernel's own iommufd selftest (190 cases), built from Debian's
# linux-source-6.12 unchanged, run under `uvfio run --mock`.
conformance=../shared/conformance/iommufd-selftest.sh
if [ -x "$conformance" ] || [ -f "$conformance" ]; then
	out=$(bash "$conformance" -k -- "$PWD/build/src/cli/uvfio" run --mock -- 2>&1 | tail -40)
	echo "$out"
	line=$(grep -E '^iommufd: [0-9]+ passed, [0-9]+ failed' <<<"$out" | tail -1)
	p=$(sed -nE 's/^iommufd: ([0-9]+) passed.*/\1/p' <<<"$line")
	f=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$line")
	total_pass=$((total_pass + ${p:-0}))
	total_fail=$((total_fail + ${f:-1}))
	# what each failed case printed, so a CI log alone tells why
	log=${UVFIO_CONFORMANCE_CACHE:-$HOME/.cache/uvfio-conformance}/iommufd.log
	if [ "${f:-1}" != 0 ] && [ -f "$log" ]; then
		awk '/^#  RUN /{buf=""} {buf=buf $0 "\n"} /^not ok /{printf "%s", buf}' "$log" | tail -200
	fi
else
	echo "FAIL: $conformance not found (the shared/ directory must sit beside the repository)"
	total_fail=$((total_fail + 1))
fi

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
