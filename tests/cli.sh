#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/cli.sh: the command line's conventions (issue 12 item 7): --help
# exits 0 for every subcommand, --opt=value and -- work, diagnostics go to
# stderr, run --json (typed JSON lines, UTF-8 kept) and --tap, run and
# script mode agree on a missing personality, an error reports what it kept
# from running, save refuses to overwrite without --force, NO_COLOR.
BIN=${BIN:-build/bindmodel}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
check() {
	name=$1; shift
	if "$@"; then :; else echo "cli: FAIL: $name"; fails=$((fails + 1)); fi
}

for c in run oracle explore fingerprint bench repl; do
	"$BIN" $c --help >"$T/help" 2>"$T/help.err"; rc=$?
	check "$c --help exits 0 (got $rc)" [ $rc -eq 0 ]
	check "$c --help prints usage on stdout" grep -q "usage: bindmodel" "$T/help"
	"$BIN" $c --no-such-option >/dev/null 2>&1; rc=$?
	check "$c --no-such-option exits 2 (got $rc)" [ $rc -eq 2 ]
done
"$BIN" --help >/dev/null; check "bindmodel --help exits 0" [ $? -eq 0 ]

printf 'os linux\na = socket tcp4\nbind a 0.0.0.0:21 => ok\nbind a 0.0.0.0:22 => EINVAL\n' >"$T/-dash.bms"
printf 'os linux\na = socket tcp4\nbind a 0.0.0.0:21 => EADDRINUSE\nclose zz\nbind a 1.1.1.1:1 => ok\nb = socket tcp4 => ok\n' >"$T/bad.bms"
printf 'a = socket tcp4\nbind a 0.0.0.0:21 => ok\n' >"$T/noos.bms"

# --opt=value, and -- before a file name that starts with a dash
(cd "$T" && "$BIN" run --os=linux-6.1 -- -dash.bms) >"$T/out" 2>&1
check "run --os=VALUE -- -dash.bms passes" grep -q "^2 passed, 0 failed" "$T/out"
"$BIN" run --os=nosuch "$T/bad.bms" >/dev/null 2>&1
check "run --os=nosuch is a usage error" [ $? -eq 2 ]

# diagnostics on stderr, results on stdout; an error says what it kept from running
"$BIN" run "$T/bad.bms" >"$T/out" 2>"$T/err"
check "run: a failure is a result on stdout" grep -q "bad.bms:3: \[linux\] .*expected EADDRINUSE" "$T/out"
check "run: a runtime error is on stderr" grep -q "bad.bms:4: \[linux\] unknown socket 'zz'; 2 expectations of \[linux\] not run" "$T/err"
check "run: no diagnostic on stdout" sh -c '! grep -q "unknown socket" "$1"' sh "$T/out"
check "run: totals count what was not run" grep -q "2 expectations not run" "$T/out"

# --json: typed records, UTF-8 kept
printf 'os linux\n# caf\303\251\na = socket tcp4\nbind a 0.0.0.0:21 => EADDRINUSE\nbind a "caf\303\251"\n' >"$T/utf.bms"
"$BIN" run --json "$T/bad.bms" "$T/noos.bms" >"$T/json" 2>/dev/null
check "run --json exits 1 on a failure" [ $? -eq 1 ]
check "run --json records" python3 - "$T/json" <<'PY'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
types = [o["type"] for o in objs]
assert types == ["failure", "error", "error", "totals"], types
assert objs[0]["line"] == 3 and objs[0]["expected"] == "EADDRINUSE" and objs[0]["got"] == "ok", objs[0]
assert objs[1]["not_run"] == 2 and "zz" in objs[1]["message"], objs[1]
assert "no personality" in objs[2]["message"], objs[2]
assert objs[3]["failed"] == 1 and objs[3]["errors"] == 2 and objs[3]["not_run"] == 2, objs[3]
PY
printf 'os linux\na = socket tcp4\nbind a "caf\303\251"\n' | "$BIN" --json >"$T/rj" 2>/dev/null
check "repl --json keeps UTF-8 and has a type" python3 - "$T/rj" <<'PY'
import json, sys
raw = open(sys.argv[1], "rb").read()
assert "café".encode() in raw and b"\\u00c3" not in raw, raw
objs = [json.loads(l) for l in raw.decode().splitlines()]
assert all("type" in o for o in objs), objs
PY

# --tap: TAP version 13, a point per expectation, a plan that counts them
"$BIN" run --tap "$T/-dash.bms" "$T/bad.bms" >"$T/tap" 2>/dev/null
check "run --tap" python3 - "$T/tap" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines[0] == "TAP version 13", lines
points = [l for l in lines if re.match(r"(not )?ok \d+ ", l)]
plan = [l for l in lines if re.match(r"1\.\.\d+$", l)]
assert plan == ["1..%d" % len(points)], (plan, points)
nums = [int(re.match(r"(?:not )?ok (\d+)", p).group(1)) for p in points]
assert nums == list(range(1, len(points) + 1)), nums
assert sum(p.startswith("ok") for p in points) == 2, points
assert sum(p.startswith("not ok") for p in points) == 2, points
PY

# run and script mode agree: no personality is an error naming the fix
"$BIN" run "$T/noos.bms" >/dev/null 2>"$T/err"; rc=$?
check "run without a personality exits 1" [ $rc -eq 1 ]
check "run names the fix" grep -q "os NAME.*--os" "$T/err"
"$BIN" <"$T/noos.bms" >/dev/null 2>"$T/err"; rc=$?
check "script mode without a personality exits 1 (got $rc)" [ $rc -eq 1 ]
check "script mode names the fix" grep -q "os NAME.*--os" "$T/err"
"$BIN" --os linux <"$T/noos.bms" >/dev/null 2>&1
check "script mode with --os runs" [ $? -eq 0 ]

# save refuses to overwrite
echo keep >"$T/saved.bms"
printf 'a = socket tcp4\nsave %s\n' "$T/saved.bms" | "$BIN" --os linux >/dev/null 2>"$T/err"
check "save refuses an existing file" sh -c '[ "$(cat "$1")" = keep ] && grep -q -- "--force" "$2"' sh "$T/saved.bms" "$T/err"
printf 'a = socket tcp4\nsave %s --force\n' "$T/saved.bms" | "$BIN" --os linux >/dev/null 2>&1
check "save --force overwrites" grep -q "^os linux" "$T/saved.bms"

# the man page names every subcommand and every long option
man=$(dirname "$0")/../tools/bindmodel.1
for c in run oracle explore fingerprint bench repl; do
	check "man page: $c" grep -q "bindmodel $c\|^\.B bindmodel\$\|repl" "$man"
	for o in $("$BIN" $c --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		[ "$o" = --help ] && continue
		pat=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
		check "man page documents $c $o" grep -q -- "$pat" "$man"
	done
done
# ... and every command of the language (the REPL's help list is the
# language's own table, tools/lang/scenario.c)
for w in $(printf 'help\n' | "$BIN" --os linux 2>/dev/null |
	awk '/^  [a-zA-Z]/ { print ($2 == "=") ? $3 : $1 }'); do
	check "man page: command $w" sh -c 'grep "^\." "$1" | grep -qw -- "$2"' sh "$man" "$w"
done
for k in NO_COLOR COLUMNS "EXIT STATUS" ephemeral tw_reuse time_wait nonlocal_bind unprivileged_port_start; do
	check "man page: $k" grep -q "$k" "$man"
done

# make demo's whole output fits 80 columns off a terminal
"$BIN" repl --os linux <"$(dirname "$0")/../tools/demo.bms" >"$T/demo"
check "make demo's output fits 80 columns" sh -c '! awk "length > 80" "$1" | grep -q .' sh "$T/demo"

# compare fits the width: 80 columns when not a terminal, else $COLUMNS
"$BIN" repl --os linux <"$(dirname "$0")/../tools/demo.bms" | sed -n '/^  command /,$p' >"$T/cmp"
check "compare fits 80 columns off a terminal" sh -c '! awk "length > 80" "$1" | grep -q .' sh "$T/cmp"
check "compare keeps every personality" sh -c 'grep -q solaris-10 "$1" && grep -q "bind restart" "$1"' sh "$T/cmp"
COLUMNS=60 "$BIN" repl --os linux <"$(dirname "$0")/../tools/demo.bms" | sed -n '/^  command /,$p' >"$T/cmp60"
check "compare follows COLUMNS" sh -c '! awk "length > 60" "$1" | grep -q .' sh "$T/cmp60"

[ $fails -eq 0 ] && echo "cli: ok" || { echo "cli: $fails checks failed"; exit 1; }
