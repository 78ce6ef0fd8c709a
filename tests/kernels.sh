#!/bin/sh
# SPDX-License-Identifier: MIT
# kernels.sh: spec/linux on other Linux kernels, booted under QEMU (bindmodel
# --kernel VERSION): for each version, the oracle (model vs kernel, step by
# step) and the expectations on the kernel (run --backend kernel), each
# against the kernel's own release row (linux-6.1 on 6.1.0-57-...).
# The versions run side by side (one QEMU each).  A file that fails is run
# up to twice more, each in one more boot, before it counts: under
# emulation a packet can still be in flight when the next step runs (the
# answers known to depend on that are outcome sets in the files).
# A kernel that cannot be had (no QEMU, no package, no boot) is a loud
# SKIPPED, not a failure; a disagreement is a failure.
#   env: BIN (build/bindmodel), BM_KERNEL_VERSIONS (default "6.1 6.12")
set -u
cd "$(dirname "$0")/.." || exit 1
BIN=${BIN:-build/bindmodel}
VERSIONS=${BM_KERNEL_VERSIONS:-}
[ -n "$VERSIONS" ] || VERSIONS="6.1 6.12"
files=$(ls spec/linux/*.bms)

# the guest runs a static bindmodel: sanitizer runtimes cannot be linked
# statically, and coverage counts made in a guest never reach this tree
case " ${CFLAGS:-} " in *-fsanitize*|*--coverage*)
	echo "************************************************************************"
	echo "SKIPPED: tests/kernels.sh under CFLAGS=${CFLAGS} (the QEMU guest needs a plain static build; plain make check runs it)"
	echo "************************************************************************"
	exit 0 ;;
esac

# QEMU's packages, installed once here (as root, saying so) rather than by
# each of the runs side by side; without them every kernel is SKIPPED
if ! command -v qemu-system-x86_64 >/dev/null 2>&1 && [ "$(id -u)" = 0 ] &&
   [ "${BM_QEMU_INSTALL:-1}" != 0 ]; then
	echo "kernels: installing QEMU's packages (tools/deps.sh qemu; BM_QEMU_INSTALL=0 not to)"
	sh tools/deps.sh qemu
fi

# the guest's static bindmodel, built once here rather than by each of the
# QEMU runs side by side
if [ -z "${BM_STATIC_BIN:-}" ] && command -v readelf >/dev/null 2>&1; then
	make -s static >/dev/null 2>&1 && BM_STATIC_BIN=$(pwd)/build/static/bindmodel &&
		export BM_STATIC_BIN
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bm-kernels.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# the files named in failure lines (FILE:LINE: ...), skips aside
failed_files() {
	grep -E '^spec/[^ :]+\.bms:[0-9]+: ' "$1" | grep -v ' skipped: ' | cut -d: -f1 | sort -u
}

# one version, one way (oracle, or run --backend kernel); result in $out.rc:
# 0 pass, 77 skipped, else failed
check_one() {
	v=$1; what=$2; out=$tmp/$v.$what
	shift 2
	"$BIN" "$@" --kernel "$v" $files >"$out" 2>&1
	rc=$?
	# a file that failed runs again, up to twice, in fresh boots: it
	# passes when a re-run passes (under emulation a packet can still be
	# in flight when the next step runs); failing three times fails
	tries=1; last=$out
	while [ $rc != 0 ] && [ $rc != 77 ] && [ $tries -lt 3 ]; do
		again=$(failed_files "$last")
		[ -n "$again" ] || break
		echo "kernels: $v $what: failed in$(echo $again | sed 's/^/ /'); running them once more:" >>"$out"
		tries=$((tries + 1))
		"$BIN" "$@" --kernel "$v" $again >"$out.again" 2>&1
		rc=$?
		cat "$out.again" >>"$out"; last=$out.again
	done
	echo $rc >"$out.rc"
}

# fingerprint must name the kernel's own row (linux-6.1 for 6.1) with no
# differing cell; one failure gets one more boot, like a failed file
fingerprint_once() {
	"$BIN" fingerprint --kernel "$1" >"$2" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		row=linux-$(sed -n 's/^fingerprint of the live kernel: Linux \([0-9]*\.[0-9]*\).*/\1/p' "$2")
		grep -q '^best match: .*, 0 differences)' "$2" &&
			grep -Eq "^best match: $row |as good on this matrix:.* $row(,|\$)" "$2" || rc=1
	fi
}

check_fingerprint() {
	out=$tmp/$1.fingerprint
	fingerprint_once "$1" "$out"
	if [ $rc != 0 ] && [ $rc != 77 ]; then
		echo "kernels: $1 fingerprint: failed (exit $rc); once more:" >>"$out"
		fingerprint_once "$1" "$out.again"
		cat "$out.again" >>"$out"
	fi
	echo $rc >"$out.rc"
}

check_version() {
	check_one "$1" oracle oracle
	[ "$(cat "$tmp/$1.oracle.rc")" = 77 ] && return
	check_one "$1" run run --backend kernel
	check_fingerprint "$1"
}

# a kernel that cannot be had must say so and exit 77, never pass
"$BIN" run --kernel 0.0 spec/linux/article.bms >"$tmp/none" 2>&1
rc=$?
if [ $rc != 77 ] || ! grep -q '^SKIPPED: --kernel 0.0' "$tmp/none"; then
	cat "$tmp/none"
	echo "kernels: FAIL: --kernel 0.0 (no such package) exited $rc without a SKIPPED"
	exit 1
fi

t0=$(date +%s)
for v in $VERSIONS; do
	check_version "$v" &
done
wait
t1=$(date +%s)

status=0
for v in $VERSIONS; do
	for what in oracle run fingerprint; do
		out=$tmp/$v.$what
		rc=$(cat "$out.rc" 2>/dev/null || echo 2)
		[ -f "$out" ] || continue
		case $rc in
		0)	echo "kernels: Linux $v, $what: $(grep -E '^kernel_qemu: .* under QEMU' "$out" | tail -n 1 | sed 's/^kernel_qemu: //')"
			# a re-run that passed is said, with what failed the first time
			if grep -q '^kernels: .*running them once more' "$out"; then
				sed -n '1,/^kernels: .*running them once more/p' "$out" | grep -v ' skipped: ' |
					grep -E '^spec/|^kernels: '
			fi
			echo "kernels: Linux $v, $what: $(grep -E 'passed|^best match' "$out" | tail -n 1) PASS ($(sed -n 's/^kernel_qemu: .*: exit [0-9]*, \([0-9]*\) s with the boot/\1 s/p' "$out" | tr '\n' '+' | sed 's/+$//') with the boot)" ;;
		77)	grep -E 'SKIPPED|^\*+$' "$out" ;;
		*)	grep -v ' skipped: ' "$out" | grep -v '^[a-z-]* *[0-9.]* *[0-9.]* *|'
			echo "kernels: Linux $v, $what: FAILED (exit $rc)"
			status=1 ;;
		esac
	done
done
echo "kernels: $VERSIONS: $((t1 - t0)) s"
exit $status
