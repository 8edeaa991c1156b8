#!/usr/bin/env bash
# Set up uvfio on a fresh Debian 12 machine and run it.
#
#   scripts/setup.sh demo   install what is needed, build, run the edu demo
#   scripts/setup.sh test   install what is needed, build, run every test
#                           (normal build, then AddressSanitizer + UBSan)
#
# Needs root (or sudo) only for apt-get; skips it when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
case "$mode" in
demo|test) ;;
*) echo "usage: $0 demo|test" >&2; exit 2 ;;
esac

# dpdk-dev and librte-dma-ioat23: tests/dpdk runs DPDK's ioat dmadev
# driver, unchanged, on the emulated I/OAT engines.
packages=(gcc meson ninja-build pkg-config libjson-c-dev libcmocka-dev
	  linux-source-6.12 dpdk-dev librte-dma-ioat23)

install_packages() {
	local missing=()
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	local sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	echo "installing: ${missing[*]}" >&2
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

build() {
	local dir=$1; shift
	[ -f "$dir/build.ninja" ] || meson setup "$dir" "$@" >/dev/null
	ninja -C "$dir" >/dev/null
}

install_packages
# -Ddpdk=enabled: a missing DPDK is a configure error, not a test that
# quietly is not there.
build build -Ddpdk=enabled

if [ "$mode" = demo ]; then
	build/src/cli/uvfio run -- build/src/cli/uvfio ls
	exec build/src/cli/uvfio run -- build/examples/edu-dma
fi

exec tests/run-all.sh
