#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/oot_policy.sh: every policy plugs in through the public interface
# (issue 7).  build/oot_policy runs the scenario runner with the policy
# files compiled apart from the library, include/ only (tests/oot_policy.c):
#  - the policies reference nothing of the library but the functions the
#    header declares BM_API;
#  - the whole spec run, and spec/linux under each Linux release, give the
#    same totals as with the built-in policies, with no failure;
#  - spec/core/defaults passes on "defaults", a policy with no hooks;
#  - the negative control (--break: linux-6.18 lets every socket share)
#    fails spec/linux, so the registered copies are what decided.
set -u
cd "$(dirname "$0")/.." || exit 1
BIN=${BIN:-build/bindmodel}
OOT=$(dirname "$BIN")/oot_policy
failures=0
fail() { echo "oot_policy: FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "oot_policy: ok: $*"; }

[ -x "$OOT" ] || { echo "oot_policy: FAIL: no $OOT (make $OOT)"; exit 1; }

api=$(sed -n 's/^BM_API .*[ *]\(bm_[a-z0-9_]*\)(.*/\1/p' include/bindmodel.h)
used=$(nm "$(dirname "$BIN")/oot/policies.o" | awk '$1 == "U" && $2 ~ /^bm_/ { print $2 }' | sort -u)
for sym in $used; do
	echo "$api" | grep -qx "$sym" || fail "the policies use $sym, which is not in the public API"
done
[ -n "$used" ] && ok "the policies use $(echo "$used" | wc -l) functions, all BM_API"

# totals: the last "N passed, N failed" line of a run
totals() { grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1; }
compare() {
	label=$1; shift
	want=$("$BIN" run "$@" 2>/dev/null | totals)
	got=$("$OOT" run "$@" 2>/dev/null | totals)
	case $got in
	*" 0 failed"*) [ "$got" = "$want" ] && ok "$label: $got, as built in" ||
		fail "$label: '$got' with the plugged-in policies, '$want' built in" ;;
	*) fail "$label: '$got' with the plugged-in policies" ;;
	esac
}
compare "every scenario in spec/" spec/*.bms spec/*/*.bms
for r in linux-6.1 linux-6.12 linux-6.18-fc; do
	compare "spec/linux as $r" --os "$r" spec/linux/*.bms
done

# the core's defaults: the "defaults" plug-in (every hook NULL) passes
# spec/core/defaults, whose expectations are spec/core.md's contract
got=$("$OOT" run spec/core/defaults/*.bms 2>/dev/null | totals)
case $got in
*" 0 failed"*) ok "spec/core/defaults on the core's default hooks: $got" ;;
*) fail "spec/core/defaults on the core's default hooks: '$got'" ;;
esac

broken=$("$OOT" --break run spec/linux/*.bms 2>/dev/null | totals)
case $broken in
*" 0 failed"*|"") fail "--break: a linux-6.18 that shares everything still passed ('$broken')" ;;
*) ok "--break: the broken plug-in fails spec/linux ($broken)" ;;
esac

[ $failures = 0 ] || { echo "oot_policy: $failures checks failed"; exit 1; }
echo "oot_policy: all passed"
