#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/memlimit.sh: a run that cannot load a whole scenario file must
# fail loudly, never report on the part it loaded.  A 200,000-line file
# whose last expectation fails runs under a 1 GiB address-space limit.
set -u
BIN=${BIN:-build/bindmodel}
# a sanitizer's runtime cannot start under ulimit -v at all: that would
# "fail" for the wrong reason
case " ${CFLAGS:-} " in *-fsanitize*)
	echo "memlimit.sh: SKIPPED under CFLAGS=${CFLAGS} (a sanitizer runtime cannot start under ulimit -v; plain make check runs it)"
	exit 0 ;;
esac
T=$(mktemp -d "${TMPDIR:-/tmp}/bm-memlimit.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
{
	echo "os linux"
	i=0
	while [ $i -lt 100000 ]; do
		echo "s = socket tcp4 => ok"
		echo "close s => ok"
		i=$((i + 1))
	done
	echo "t = socket tcp4 => EINVAL"
} > "$T/big.bms"
out=$( (ulimit -v 1048576 && "$BIN" run "$T/big.bms") 2>&1)
rc=$?
if [ $rc -eq 0 ]; then
	echo "memlimit.sh: FAIL: exit 0 for a file whose last expectation fails:"
	echo "$out" | tail -n 3
	exit 1
fi
case "$out" in
*"0 passed, 0 failed"*)
	if ! echo "$out" | grep -q "out of memory"; then
		echo "memlimit.sh: FAIL: a truncated run reported as a clean one:"
		echo "$out" | tail -n 3
		exit 1
	fi ;;
esac
echo "memlimit.sh: ok (exit $rc: $(echo "$out" | tail -n 1))"
