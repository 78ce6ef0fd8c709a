#!/bin/sh
# SPDX-License-Identifier: MIT
# deps.sh: make sure the Debian packages the build and tests need are here.
# As root with apt-get it installs what is missing; otherwise it names the
# packages and fails, so that nothing is installed by hand in silence.
# DEPS_EXTRA names packages only some stages need (make check: clang).
#   deps.sh        what make and make check need
#   deps.sh qemu   what --kernel VERSION needs to boot other kernels (make
#                  deps-qemu; tools/kernel/kernel_qemu.sh asks for it on demand)
set -u
need=""
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
# the static bindmodel for the guest links libedit's own dependencies
# statically: libbsd-dev, libmd-dev and libncurses-dev carry the .a files
qemu_pkgs() { echo qemu-system-x86 busybox-static cpio gzip xz-utils binutils libbsd-dev libmd-dev libncurses-dev; }
pkgs="build-essential pkg-config check lcov libedit-dev python3 valgrind ${DEPS_EXTRA:-}"
[ "${1:-}" = qemu ] && pkgs=$(qemu_pkgs)
for p in $pkgs; do
	have_pkg "$p" || need="$need $p"
done
[ -z "$need" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing$need"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null && apt-get install -y -qq $need >/dev/null || {
		echo "deps: apt-get install$need failed" >&2
		exit 1
	}
	exit 0
fi
echo "deps: missing Debian packages:$need" >&2
echo "deps: run as root: apt-get install$need" >&2
exit 1
