#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/repl.sh: the bindmodel REPL.  Run by `make check` with BIN set.
#  - through a pseudo-terminal (tests/repl_pty.py): typed commands, Tab
#    completion, Up-arrow history, Ctrl-C, explain, compare, save;
#  - on a non-terminal stdin: the silent script mode and its exit codes;
#  - --json: one well-formed object per operation.
set -u
BIN=${BIN:-build/bindmodel}
here=$(dirname "$0")
T=$(mktemp -d "${TMPDIR:-/tmp}/bm-repl.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
HOME=$T
BINDMODEL_HISTORY=$T/history
export HOME BINDMODEL_HISTORY
fails=0
check() {   # check NAME COMMAND...: the command must succeed
	name=$1
	shift
	if "$@"; then :; else
		echo "FAIL: $name"
		fails=$((fails + 1))
	fi
}

# ---- through a terminal
if command -v python3 >/dev/null 2>&1; then
	check "repl over a pty" timeout 50 python3 "$here/repl_pty.py" "$BIN" "$T"
else
	echo "skip: no python3 for the pty tests"
fi

# ---- script mode: silent when every expectation holds
cat > "$T/good.bms" <<'EOF'
# the article's first rows
os linux
addr add 192.168.0.1
a = socket tcp4
b = socket tcp4
bind a 0.0.0.0:21 => ok
bind b 192.168.0.1:21 => linux:EADDRINUSE
setsockopt b SO_REUSEADDR 1 => ok
c = socket tcp4
bind c 0.0.0.0:0 => ok
show
EOF
out=$("$BIN" < "$T/good.bms"); rc=$?
check "script mode exits 0 when all holds" [ $rc -eq 0 ]
check "script mode prints nothing but show" sh -c 'printf "%s\n" "$1" | grep -q "^NAME" &&
	! printf "%s\n" "$1" | grep -qv -e "^NAME" -e "^[abc] " -e "host, clock"' sh "$out"
out=$("$BIN" repl < "$T/good.bms"); rc=$?
check "bindmodel repl reads a script too" [ $rc -eq 0 ]

# a failed expectation and a syntax error: reported with line numbers, exit 1;
# as in `run`, the rest of that personality's lines is not run after an
# error, and its expectations are counted (the next `os` line runs again)
printf 'os linux\na = socket tcp4\nbind a 0.0.0.0:21 => EADDRINUSE\nbnid a 1.2.3.4:5\nb = socket tcp4 => ok\nos linux\nclose zz\n' > "$T/bad.bms"
out=$("$BIN" < "$T/bad.bms" 2>&1); rc=$?
check "failure exits 1" [ $rc -eq 1 ]
check "failed expectation has its line" sh -c 'printf "%s\n" "$1" | grep -q "^stdin:3: .*expected EADDRINUSE, got ok"' sh "$out"
check "syntax error has line:column and a suggestion" sh -c 'printf "%s\n" "$1" | grep -q "^stdin:4:1: unknown command .bnid.*did you mean .bind."' sh "$out"
check "the rest of the personality is not run after an error" sh -c 'printf "%s\n" "$1" | grep -q "^stdin:4: 1 expectation of \[linux\] not run after that error" &&
	printf "%s\n" "$1" | grep -q "(1 expectation not run because of them)"' sh "$out"
check "unknown socket is an error" sh -c 'printf "%s\n" "$1" | grep -q "^stdin:7: unknown socket"' sh "$out"

# junk never crashes: binary bytes, NUL, very long lines
head -c 3000 /dev/urandom > "$T/junk.bin" 2>/dev/null || printf '\377\000\001' > "$T/junk.bin"
awk 'BEGIN { s = ""; for (i = 0; i < 10000; i++) s = s "x"; print s }' >> "$T/junk.bin"
"$BIN" < "$T/junk.bin" > /dev/null 2>&1; rc=$?
check "junk input: exit 1, no crash (got $rc)" [ $rc -eq 1 ]
"$BIN" < /dev/null; rc=$?
check "empty input exits 0" [ $rc -eq 0 ]

# options
"$BIN" --os nosuch < /dev/null > /dev/null 2>&1; rc=$?
check "unknown --os is a usage error" [ $rc -eq 2 ]
"$BIN" --bogus < /dev/null > /dev/null 2>&1; rc=$?
check "unknown option is a usage error" [ $rc -eq 2 ]

# ---- --json: one object per operation, escaped
printf 'a = socket tcp4\nb = socket tcp4\nbind a 0.0.0.0:21\nbind b 0.0.0.0:21 => ok\nbind a "q\\\n' |
	"$BIN" --json --os linux > "$T/out.json"; rc=$?
check "--json run with a failure exits 1" [ $rc -eq 1 ]
if command -v python3 >/dev/null 2>&1; then
	check "--json objects" python3 - "$T/out.json" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
objs = [json.loads(l) for l in lines]
assert len(objs) == 5, objs
assert [o["type"] for o in objs] == ["result"] * 4 + ["error"], objs
bind = objs[3]
assert bind["line"] == 4 and bind["command"] == "bind b 0.0.0.0:21", bind
assert bind["result"] == "EADDRINUSE" and bind["conflict"] == "a", bind
assert bind["rule"] and bind["reason"] and "os_name" in bind and "detail" in bind, bind
assert bind["expected"] == "ok" and bind["pass"] is False, bind
assert objs[0]["conflict"] is None, objs[0]
assert "error" in objs[4] and '"q\\' in objs[4]["command"], objs[4]
EOF
fi

# ---- explain never offers a change the personality refuses: on Windows
# SO_REUSEADDR and SO_EXCLUSIVEADDRUSE exclude each other
# (windows.opt.exclusive_pair), so "SO_REUSEADDR on z" is no fix for z's
# exclusive port
printf 'os windows\nz = socket tcp4\nsetsockopt z SO_EXCLUSIVEADDRUSE 1\nbind z 0.0.0.0:80\nb = socket tcp4\nbind b 0.0.0.0:80\nexplain\n' |
	"$BIN" repl > "$T/explain_ex.out" 2>&1
check "explain offers no fix the OS refuses" sh -c '! grep -q "+ SO_REUSEADDR" "$1" &&
	grep -q "no single change" "$1" &&
	grep -q "setsockopt z SO_EXCLUSIVEADDRUSE 1 fails with EINVAL" "$1"' sh "$T/explain_ex.out"
# ... and still offers one that works (Linux: SO_REUSEADDR on both, neither listening)
printf 'os linux\na = socket tcp4\nbind a 0.0.0.0:80\nb = socket tcp4\nbind b 0.0.0.0:80\nexplain\n' |
	"$BIN" repl > "$T/explain_ok.out" 2>&1
check "explain still offers working fixes" grep -q "+ SO_REUSEPORT on both b and a" "$T/explain_ok.out"

# ---- save and load
printf 'a = socket tcp4\nbind a 0.0.0.0:21\nb = socket tcp4\nbind b 0.0.0.0:21\nsave %s --with-results\n' \
	"$T/s.bms" | "$BIN" --os linux > /dev/null
check "saved file runs clean" sh -c '"$1" run "$2" > /dev/null' sh "$BIN" "$T/s.bms"
printf 'load %s\nshow\n' "$T/s.bms" | "$BIN" --os linux > "$T/load.out"; rc=$?
check "load runs a file into the session" sh -c '[ '$rc' -eq 0 ] && grep -q "^b .*CLOSED" "$1"' sh "$T/load.out"

[ $fails -eq 0 ] && echo "repl: ok" || echo "repl: $fails checks failed"
[ $fails -eq 0 ]
