#!/bin/sh
# SPDX-License-Identifier: MIT
# What a packager and a library user expect (issue 12 item 6):
#  - make CC=clang builds with warnings as errors;
#  - make install into a DESTDIR honours PREFIX and LIBDIR, installs the
#    versioned shared library with its symlinks and SONAME;
#  - the shared library exports only the bm_ API (hidden visibility);
#  - pkg-config finds it (--cflags, --libs), and programs built with gcc and
#    clang against it run, dynamically and statically;
#  - the static archive is PIC: a shared object (a plugin) can link it;
#  - bm_version() at run time matches the header;
#  - LICENSE exists and every source file carries an SPDX line.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(dirname "${BIN:-build/bindmodel}")
case $build in /*) ;; *) build=$top/$build ;; esac
version=${VERSION:-$(sed -n 's/^#define BM_VERSION "\(.*\)"/\1/p' "$top/include/bindmodel.h")}
major=${version%%.*}
[ "$major" != 0 ] || major=$(echo "$version" | cut -d. -f1,2)   # 0.x: the ABI is major.minor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install: FAIL: $*"; exit 1; }

# --- clang, warnings as errors (before: -Wno-format-truncation broke it)
command -v clang >/dev/null || fail "clang is not installed (make deps DEPS_EXTRA=clang)"
make -s -C "$top" CC=clang WERROR=-Werror BUILD="$tmp/clang" all >"$tmp/clang.log" 2>&1 ||
	{ cat "$tmp/clang.log"; fail "make CC=clang failed"; }
echo "install: make CC=clang WERROR=-Werror builds"
# a user's build does not turn warnings into errors
make -s -C "$top" -n BUILD="$tmp/plain" all | grep -q -- '-Werror' &&
	fail "a plain make passes -Werror to the compiler"
echo "install: a plain make does not use -Werror"

# --- install into a DESTDIR with a multiarch LIBDIR
dest=$tmp/dest
libdir=/usr/lib/x86_64-linux-gnu
make -s -C "$top" install BUILD="$build" DESTDIR="$dest" PREFIX=/usr LIBDIR="$libdir" >/dev/null
L=$dest$libdir
for f in usr/include/bindmodel.h "${libdir#/}/libbindmodel.a" "${libdir#/}/pkgconfig/bindmodel.pc" \
         usr/bin/bindmodel usr/share/man/man1/bindmodel.1 "${libdir#/}/libbindmodel.so.$version"; do
	[ -e "$dest/$f" ] || fail "$f missing"
done
[ "$(readlink "$L/libbindmodel.so")" = "libbindmodel.so.$major" ] || fail "libbindmodel.so -> $(readlink "$L/libbindmodel.so")"
[ "$(readlink "$L/libbindmodel.so.$major")" = "libbindmodel.so.$version" ] || fail "libbindmodel.so.$major is not a link to .so.$version"
soname=$(readelf -d "$L/libbindmodel.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libbindmodel.so.$major" ] || fail "SONAME is '$soname'"
echo "install: libbindmodel.so -> .so.$major -> .so.$version, SONAME $soname, LIBDIR $libdir"

# --- exports: the API only
nm -D --defined-only "$L/libbindmodel.so.$version" | awk '{print $3}' | sort >"$tmp/exports"
bad=$(grep -v '^bm_' "$tmp/exports" || true)
[ -z "$bad" ] || fail "exported symbols outside the API: $bad"
for internal in bm_finish bm_index_add; do
	! grep -qx "$internal" "$tmp/exports" || fail "internal $internal is exported"
done
grep -qx bm_bind "$tmp/exports" && grep -qx bm_version "$tmp/exports" || fail "bm_bind/bm_version not exported"
# every function the header declares is BM_API (but the static inline ones
# the macros use), and every BM_API one exported
undeclared=$(grep -E '^[a-z][a-z_0-9 ]*[ *]bm_[a-z0-9_]*\(' "$top/include/bindmodel.h" |
	grep -v -e '^typedef' -e '^static inline' || true)
[ -z "$undeclared" ] || fail "declared without BM_API (hidden in the shared library): $undeclared"
for fn in $(sed -n 's/^BM_API .*[ *]\(bm_[a-z0-9_]*\)(.*/\1/p' "$top/include/bindmodel.h"); do
	grep -qx "$fn" "$tmp/exports" || fail "$fn is declared BM_API but not exported"
done
echo "install: $(wc -l <"$tmp/exports") symbols exported, all bm_ API"

# --- pkg-config, gcc and clang, dynamic and static
export PKG_CONFIG_PATH="$L/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest"
pcflags=$(echo $(pkg-config --cflags bindmodel))
plibs=$(echo $(pkg-config --libs bindmodel))
[ "$plibs" = "-L$L -lbindmodel" ] || fail "pkg-config --libs gives '$plibs'"
[ "$(pkg-config --modversion bindmodel)" = "$version" ] || fail "pkg-config --modversion"
ccs="gcc clang"
case "${CFLAGS:-} ${LDFLAGS:-}" in
*-fsanitize*)
	# a library built by gcc with its sanitizer runtime cannot be loaded
	# next to clang's: the clang programs are built by the plain make check
	echo "install: SKIPPED: clang programs against a gcc -fsanitize library (incompatible runtimes)"
	ccs=gcc ;;
esac
for cc in $ccs; do
	# CFLAGS/LDFLAGS as the library was built (make asan, make coverage)
	$cc -std=c11 -Wall -Wextra -Werror -pedantic ${CFLAGS:-} "$top/tests/install_example.c" \
	    $pcflags $plibs ${LDFLAGS:-} -o "$tmp/dyn-$cc"
	LD_LIBRARY_PATH="$L" "$tmp/dyn-$cc" >/dev/null || fail "$cc dynamic example"
	readelf -d "$tmp/dyn-$cc" | grep -q "NEEDED.*\[libbindmodel.so.$major\]" || fail "$cc binary does not need the SONAME"
	$cc -std=c11 -Wall -Wextra -Werror -pedantic ${CFLAGS:-} "$top/tests/install_example.c" \
	    $pcflags "$L/libbindmodel.a" ${LDFLAGS:-} -o "$tmp/static-$cc"
	"$tmp/static-$cc" >/dev/null || fail "$cc static example"
done
echo "install: pkg-config --cflags/--libs; $ccs programs run, shared and static"

# --- the static archive is PIC: link it into a shared object and load it
cat >"$tmp/plugin.c" <<'C'
#include <bindmodel.h>
int plugin_bind_twice(void);
int plugin_bind_twice(void)
{
	bm_host *h = bm_host_new("linux", NULL);
	bm_sock a, b;
	bm_endpoint ep;
	bm_socket(h, BM_AF_INET, BM_TCP, 1000, &a, NULL);
	bm_socket(h, BM_AF_INET, BM_TCP, 1000, &b, NULL);
	bm_endpoint_parse("127.0.0.1:8080", &ep, NULL, 0);
	bm_bind(h, a, &ep, NULL);
	int r = bm_bind(h, b, &ep, NULL);
	bm_host_free(h);
	return r == BM_EADDRINUSE ? 0 : 1;
}
C
cat >"$tmp/load.c" <<'C'
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	void *so = dlopen(argv[argc - 1], RTLD_NOW);
	if (!so) { fprintf(stderr, "%s\n", dlerror()); return 2; }
	int (*fn)(void);
	*(void **)&fn = dlsym(so, "plugin_bind_twice");
	return fn ? fn() : 3;
}
C
gcc ${CFLAGS:-} -shared -fPIC -I"$dest/usr/include" "$tmp/plugin.c" "$L/libbindmodel.a" \
    ${LDFLAGS:-} -o "$tmp/plugin.so" 2>"$tmp/plugin.log" ||
	{ cat "$tmp/plugin.log"; fail "a shared object cannot link libbindmodel.a (not PIC)"; }
gcc ${CFLAGS:-} "$tmp/load.c" ${LDFLAGS:-} -ldl -o "$tmp/load"
"$tmp/load" "$tmp/plugin.so" || fail "the plugin linked from libbindmodel.a gave a wrong answer"
echo "install: libbindmodel.a links into a shared object that loads and answers"

# --- runtime version
cat >"$tmp/ver.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <bindmodel.h>
int main(void)
{
	printf("%s %d\n", bm_version(), bm_version_number());
	return strcmp(bm_version(), BM_VERSION) != 0 || bm_version_number() != BM_VERSION_NUMBER;
}
C
gcc -std=c11 ${CFLAGS:-} "$tmp/ver.c" $pcflags $plibs ${LDFLAGS:-} -o "$tmp/ver"
LD_LIBRARY_PATH="$L" "$tmp/ver" >"$tmp/ver.out" || fail "bm_version() disagrees with BM_VERSION"
[ "$(cut -d' ' -f1 "$tmp/ver.out")" = "$version" ] || fail "bm_version() is $(cat "$tmp/ver.out")"
[ "$("$dest/usr/bin/bindmodel" --version)" = "bindmodel $version" ] || fail "bindmodel --version"
echo "install: bm_version() = $(cat "$tmp/ver.out"), bindmodel --version agrees"

# --- LICENSE and SPDX lines
grep -q "MIT License" "$top/LICENSE" && grep -q "the bindmodel authors" "$top/LICENSE" || fail "LICENSE"
missing=""
for f in $(cd "$top" && git ls-files '*.c' '*.h' '*.sh' '*.py' Makefile 2>/dev/null ||
           find . -name '*.[ch]' -o -name '*.sh' -o -name '*.py' -o -name Makefile); do
	head -n 2 "$top/$f" | grep -q 'SPDX-License-Identifier: MIT' || missing="$missing $f"
done
[ -z "$missing" ] || fail "no SPDX-License-Identifier line in:$missing"
echo "install: LICENSE (MIT) and an SPDX line in every source file"
