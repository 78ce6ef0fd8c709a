#!/bin/sh
# SPDX-License-Identifier: MIT
# The oracle: every scenario of spec/linux on the model and on the live
# kernel, step by step, in a private network namespace (bindmodel oracle);
# then the same files' expectations checked on the kernel alone (bindmodel
# run --backend kernel), both against the kernel's release row, which
# fingerprint names and this test prints.  Needs a private network namespace
# (root, or a user namespace); elsewhere it says so loudly and passes.
# `advance` steps are skipped (no --allow-sleep), so this takes a second or
# two, not minutes.
set -u
cd "$(dirname "$0")/.." || exit 1
BIN=${BIN:-build/bindmodel}

files=$(ls spec/linux/*.bms 2>/dev/null)
if [ -z "$files" ]; then
	echo "oracle: SKIPPED: no spec/linux/*.bms"
	exit 0
fi
if ! probe=$("$BIN" oracle --probe 2>&1); then
	echo "************************************************************************"
	echo "SKIPPED: oracle needs a private network namespace: ${probe#isolation: none: }"
	echo "************************************************************************"
	exit 0
fi

# timeout(1) where there is one: a hung handshake must not hang make check
run() {
	if command -v timeout >/dev/null 2>&1; then timeout 150 "$@"; else "$@"; fi
}

# A file that fails is run once more before it counts: a real disagreement
# fails both times, a kernel timer or route that was late does not.  Both
# runs are printed.
check_files() {
	what=$1
	shift
	failed=""
	for f in $files; do
		run "$BIN" "$@" "$f" >"$tmp/out" 2>&1 || failed="$failed $f"
		tail -n 1 "$tmp/out" | sed "s|^|$f: |"
	done
	for f in $failed; do
		echo "oracle: $f failed ($what); running it once more:"
		run "$BIN" "$@" "$f" || status=1
	done
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bm-oracle.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
status=0

# Which release row is this kernel?  fingerprint's best match (on a tie, the
# row uname names).  A kernel no row matches is a gap in the model: it fails
# here with the differing cells, and the files still run against the best
# row so that every difference is shown.
if ! run "$BIN" fingerprint >"$tmp/fp" 2>&1; then
	cat "$tmp/fp"
	echo "oracle: FAIL: bindmodel fingerprint failed"
	exit 1
fi
row=$(sed -n 's/^best match: \([^ ]*\) .*/\1/p' "$tmp/fp")
ndiff=$(sed -n 's/^best match: .*, \([0-9]*\) difference.*/\1/p' "$tmp/fp")
echo "oracle: $(sed -n 's/^fingerprint of the live kernel: //p' "$tmp/fp"): compared with release row ${row:-?} (fingerprint $(grep '^best match:' "$tmp/fp"))"
if [ -z "$row" ] || [ "${ndiff:-1}" != 0 ]; then
	grep -E '^ *differs:|^note:' "$tmp/fp"
	echo "oracle: FAIL: this kernel matches no release row (${ndiff:-?} differing cells from ${row:-any}): a gap to model"
	status=1
fi
os=${row:+--os $row}
echo "oracle: model ($row) vs kernel on spec/linux ($probe)"
check_files "model vs kernel" oracle $os
echo "oracle: spec/linux expectations ($row) on the kernel"
check_files "expectations on the kernel" run --backend kernel $os
exit $status
