#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/explore.sh: fidelity against the live kernel.  `bindmodel explore`
# runs every depth-2 scenario of its universe and 200 random deeper ones on
# the model and on the kernel (in a private network namespace) and must find
# no disagreement; `bindmodel fingerprint` must name a Linux release with
# no difference.  Needs Linux and a private network namespace (root, or a
# user namespace); otherwise it says SKIPPED and why, and passes.  Run by `make check` with BIN set.
set -u
BIN=${BIN:-build/bindmodel}

skip() {
	echo "**********************************************************************"
	echo "SKIPPED: tests/explore.sh: $*"
	echo "**********************************************************************"
	exit 0
}

[ "$(uname -s)" = Linux ] || skip "not Linux (the kernel oracle runs in a Linux network namespace)"
probe=$("$BIN" oracle --probe 2>&1) || skip "no private network namespace: ${probe#isolation: none: }"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bindmodel-explore.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

"$BIN" explore --depth 2 --count 200 --require-namespace --out "$tmp/out" >"$tmp/explore.log" 2>&1
rc=$?
case $rc in
0)
	grep '^explore: [0-9]* scenarios' "$tmp/explore.log"
	;;
77)
	skip "$(tail -n 1 "$tmp/explore.log")"
	;;
1)
	cat "$tmp/explore.log"
	echo "explore.sh: FAIL: the model and the kernel disagree; minimal scenarios:"
	for f in "$tmp"/out/*.bms; do
		echo "---- $(basename "$f")"
		cat "$f"
	done
	exit 1
	;;
*)
	cat "$tmp/explore.log"
	echo "explore.sh: FAIL: bindmodel explore exited $rc"
	exit 1
	;;
esac

"$BIN" fingerprint >"$tmp/fp.log" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
	cat "$tmp/fp.log"
	echo "explore.sh: FAIL: bindmodel fingerprint exited $rc"
	exit 1
fi
# the two-socket matrix names a Linux release; rows that differ only in
# three-socket cases tie (the native one is preferred)
if ! grep -q '^best match: linux-[0-9.a-z-]* (.*, 0 differences)' "$tmp/fp.log"; then
	cat "$tmp/fp.log"
	echo "explore.sh: FAIL: fingerprint does not name a Linux release with 0 differences"
	exit 1
fi
grep '^best match' "$tmp/fp.log"
echo "explore.sh: ok"
