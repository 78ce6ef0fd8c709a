#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 7: every rule id is the deciding (or allowing: a shared bind, a
# choice the OS made for the caller) rule of at least one step of the spec
# run.  This runs spec/ the way make check does, with `bindmodel run
# --rules-used`, and lists every rule id that model/ defines and no step
# reached.  It fails on more than CEILING of them (0: a rule that lost its
# last scenario, or a new rule without one).
CEILING=${RULES_REACHED_CEILING:-0}
set -u
cd "$(dirname "$0")/.." || exit 1
BIN=${BIN:-build/bindmodel}
OOT=$(dirname "$BIN")/oot_policy
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
ids=$(grep -ho '{"[a-z0-9-]*\.[a-z0-9_.-]*",' model/*.c model/policy/*.c | sed 's/{"\(.*\)",/\1/' | sort -u)
"$BIN" run --rules-used "$tmp/all" spec/*.bms spec/*/*.bms >/dev/null 2>&1
for r in linux-6.1 linux-6.12 linux-6.18-fc; do
	"$BIN" run --os "$r" --rules-used "$tmp/$r" spec/linux/*.bms >/dev/null 2>&1
done
# the core's default hooks, which every built-in policy overrides, run on
# the plug-in "defaults" (a policy with no hooks, tests/oot_policy.c)
if [ ! -x "$OOT" ]; then
	echo "rules_reached: FAILED: no $OOT (make $OOT): spec/core/defaults cannot run"
	exit 1
fi
"$OOT" run --rules-used "$tmp/defaults" spec/core/defaults/*.bms >/dev/null 2>&1
cat "$tmp"/* | awk '$1 == "rule-used" { print $2 }' | sort -u > "$tmp/used.txt"
if [ ! -s "$tmp/used.txt" ]; then
	echo "rules_reached: FAILED: the spec run reported no rules (is --rules-used broken?)"
	exit 1
fi
# Rules no scenario can reach, by design: each is reached by the unit test
# named, which must assert the rule id.
#  core.limit      out of memory: tests/check_allocfail.c fails each allocation
#  core.opt.value  the scenario parser refuses a value other than 0/1 (or
#                  SO_LINGER off/seconds) before the model sees it:
#                  tests/check_cov_badinput.c calls bm_setsockopt directly
api_only="core.limit:tests/check_allocfail.c core.opt.value:tests/check_cov_badinput.c"
for pair in $api_only; do
	id=${pair%%:*} test=${pair#*:}
	if ! grep -qF "\"$id\"" "$test"; then
		echo "rules_reached: FAILED: $id is counted as reached by $test, which does not assert it"
		exit 1
	fi
	echo "$id" >> "$tmp/used.txt"
	echo "rules_reached: $id: no scenario can reach it; asserted by $test"
done
n=0
unreached=0
list=""
for id in $ids; do
	n=$((n + 1))
	if ! grep -qxF "$id" "$tmp/used.txt"; then
		unreached=$((unreached + 1))
		list="$list $id"
	fi
done
echo "rules_reached: $n rule ids, $unreached never decide or allow a step of spec/ (ceiling $CEILING)"
if [ "$unreached" -gt 0 ]; then
	echo "rules_reached: NOT YET ZERO: these rule ids have no spec scenario that reaches them:"
	for id in $list; do echo "  $id"; done
fi
if [ "$unreached" -gt "$CEILING" ]; then
	echo "rules_reached: FAILED: $unreached unreached rule ids, more than the ceiling $CEILING"
	exit 1
fi
exit 0
