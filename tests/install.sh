#!/bin/sh
# make install into a temporary prefix, then build the README's example
# against it with pkg-config, statically and dynamically, and run both.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(dirname "${BIN:-build/bindmodel}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s -C "$top" install BUILD="$build" PREFIX="$tmp/usr" >/dev/null
for f in include/bindmodel.h lib/libbindmodel.a lib/libbindmodel.so lib/pkgconfig/bindmodel.pc \
         bin/bindmodel share/man/man1/bindmodel.1; do
	[ -e "$tmp/usr/$f" ] || { echo "install: $f missing"; exit 1; }
done
export PKG_CONFIG_PATH="$tmp/usr/lib/pkgconfig"
# CFLAGS/LDFLAGS as the library was built (make asan, make coverage)
cc -std=c11 -Wall -Wextra -Werror -pedantic ${CFLAGS:-} "$top/tests/install_example.c" \
   $(pkg-config --cflags bindmodel) $(pkg-config --libs bindmodel) ${LDFLAGS:-} -o "$tmp/dyn"
LD_LIBRARY_PATH="$tmp/usr/lib" "$tmp/dyn"
cc -std=c11 -Wall -Wextra -Werror -pedantic ${CFLAGS:-} "$top/tests/install_example.c" \
   $(pkg-config --cflags bindmodel) "$tmp/usr/lib/libbindmodel.a" ${LDFLAGS:-} -o "$tmp/static"
"$tmp/static" >/dev/null
"$tmp/usr/bin/bindmodel" --version
echo "install: header, libraries, bindmodel.pc, command and man page work from $tmp/usr"
