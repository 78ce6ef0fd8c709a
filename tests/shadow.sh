#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/shadow.sh: the library's adapters and `bindmodel shadow` on real
# programs.
#  1. tests/shadow_adapt.c: sockaddr <-> bm_endpoint, bm_result <-> errno,
#     and each OS's own numbers (from their sys/errno.h and Microsoft's
#     Windows Sockets Error Codes page).
#  2. In a private network namespace (unshare -n, lo up):
#     a. tests/shadow_prog.py, the issue's case: listen on 0.0.0.0:P, then a
#        SO_REUSEADDR bind to 127.0.0.1:P.  The kernel says EADDRINUSE and
#        the report has that bind with freebsd ok and windows ok; the
#        program's output is the same as without shadow.
#     b. tests/shadow_server.c, which forks and execs tests/shadow_client.c:
#        their output is the same with and without shadow (errno kept);
#        the report merges rows of both processes; the wildcard bind over
#        the server's listener names the dup'd descriptor that holds it,
#        and the client's over a listener inherited across exec names the
#        inherited descriptor;
#        and the running kernel's own personality never disagrees with the
#        kernel (connect and accept to a peer in the other process).
#     b2. tests/shadow_fork.py: a forked child (no exec) and a thread make
#        the same refused bind: one row each, from two pids.
#     c. without --report the summary goes to stderr.
# Where no network namespace can be made it says SKIPPED and passes.
set -u
cd "$(dirname "$0")/.." || exit 1
BIN=${BIN:-build/bindmodel}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
BUILD=$(dirname "$BIN")
CC=${CC:-cc}
fail=0

skip() {
	echo "************************************************************************"
	echo "SKIPPED: tests/shadow.sh: $*"
	echo "************************************************************************"
	exit $fail
}
bad() { echo "shadow.sh: FAIL: $*"; fail=1; }

if [ "${BM_SHADOW_INNER:-}" != 1 ]; then
	# ---- 1. adapters (no namespace needed)
	$CC -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -pedantic ${CFLAGS:-} -Iinclude \
	  tests/shadow_adapt.c "$BUILD/libbindmodel.a" ${LDFLAGS:-} -o "$BUILD/shadow_adapt" &&
	  "$BUILD/shadow_adapt" || bad "adapters (tests/shadow_adapt.c)"
	for p in server client; do
		$CC -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -Wall -Wextra -Werror -pedantic \
		  ${CFLAGS:-} tests/shadow_$p.c ${LDFLAGS:-} -o "$BUILD/shadow_$p" -lpthread ||
		  bad "cannot build tests/shadow_$p.c"
	done
	case " ${CFLAGS:-} " in *-fsanitize*)
		skip "the interposer is built with a sanitizer, which cannot be preloaded into python3" ;;
	esac
	[ -f "$BUILD/libbindmodel_shadow.so" ] || { bad "no $BUILD/libbindmodel_shadow.so"; exit 1; }
	command -v unshare >/dev/null 2>&1 || skip "no unshare(1)"
	command -v python3 >/dev/null 2>&1 || skip "no python3"
	if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
		env BM_SHADOW_INNER=1 BIN="$BIN" unshare -n sh "$0" || fail=1
	elif unshare -U -r -n true 2>/dev/null; then
		env BM_SHADOW_INNER=1 BIN="$BIN" unshare -U -r -n sh "$0" || fail=1
	else
		skip "cannot make a private network namespace (unshare -n)"
	fi
	[ $fail = 0 ] && echo "shadow.sh: all passed"
	exit $fail
fi

# ---- 2. inside the private network namespace
ip link set lo up 2>/dev/null || python3 -c 'import socket' # lo may be up
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# a. the issue's Python program
python3 tests/shadow_prog.py 21000 > "$T/plain.txt" 2>&1
"$BIN" shadow --os freebsd,windows --report "$T/r.jsonl" -- python3 tests/shadow_prog.py 21010 \
  > "$T/shadow.txt" 2>&1 || bad "python3 under shadow exited non-zero"
grep -qx "second bind: EADDRINUSE" "$T/plain.txt" || bad "the kernel did not say EADDRINUSE: $(cat "$T/plain.txt")"
cmp -s "$T/plain.txt" "$T/shadow.txt" || bad "the program's output changed under shadow: $(cat "$T/shadow.txt")"
python3 - "$T/r.jsonl" <<'EOF' || fail=1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
want = [r for r in rows if r["call"] == "bind" and r["args"]["addr"] == "127.0.0.1:21010"]
ok = (len(want) == 1 and want[0]["kernel"] == "EADDRINUSE" and
      want[0]["model"]["freebsd"] == "ok" and want[0]["model"]["windows"] == "ok" and
      want[0]["model"]["linux"] == "EADDRINUSE" and not want[0]["model_bug"] and
      want[0]["why"]["linux"]["in_the_way"].startswith("fd ") and
      want[0]["works_on"] == ["freebsd", "windows"])
if not ok or len(rows) != 1:
    print("shadow.sh: FAIL: python report:", rows)
    sys.exit(1)
print("shadow.sh: python: bind 127.0.0.1 reported: kernel EADDRINUSE, freebsd ok, windows ok")
EOF

# b. the C server, its forked and exec'd client
"$BUILD/shadow_server" 21100 "$BUILD/shadow_client" > "$T/cplain.txt" 2>&1
timeout 60 "$BIN" shadow --os freebsd,windows --report "$T/c.jsonl" -- \
  "$BUILD/shadow_server" 21200 "$BUILD/shadow_client" > "$T/cshadow.txt" 2>&1 ||
  bad "shadow_server under shadow exited non-zero"
grep -q "^client exit: 0" "$T/cplain.txt" || bad "the C client failed: $(cat "$T/cplain.txt")"
cmp -s "$T/cplain.txt" "$T/cshadow.txt" ||
  bad "the C programs' output changed under shadow: $(diff "$T/cplain.txt" "$T/cshadow.txt")"
python3 - "$T/c.jsonl" "$T/cshadow.txt" <<'EOF' || fail=1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def find(addr):
    return [r for r in rows if r["call"] == "bind" and r["args"]["addr"] == addr]
errors = []
srv, cli, inh = find("0.0.0.0:21200"), find("127.0.0.1:21201"), find("0.0.0.0:21202")
for name, got in (("server wildcard bind", srv), ("client specific bind", cli),
                  ("bind beside the inherited listener", inh)):
    if len(got) != 1 or got[0]["kernel"] != "EADDRINUSE" or \
       got[0]["model"] != {"linux": "EADDRINUSE", "freebsd": "ok", "windows": "ok"}:
        errors.append("%s: %s" % (name, got))
if srv and not srv[0]["why"]["linux"]["in_the_way"].startswith("fd 31 "):
    errors.append("the listener is held by fd 31 (a dup3 copy): %s" % srv[0]["why"])
if srv and cli and srv[0]["pid"] == cli[0]["pid"]:
    errors.append("server and exec'd client rows share a pid")
bugs = [r for r in rows if r["model_bug"]]
if bugs:
    errors.append("the kernel's own personality disagreed: %s" % bugs)
keep = int(open(sys.argv[2]).read().split("inherited fd=")[1].split()[0])
if inh and not inh[0]["why"]["linux"]["in_the_way"].startswith("fd %d " % keep):
    errors.append("the inherited listener is fd %d: %s" % (keep, inh[0]["why"]))
if len(rows) != 3:
    errors.append("expected exactly 3 rows, got %d: %s" % (len(rows), rows))
if errors:
    print("shadow.sh: FAIL: C report:\n  " + "\n  ".join(errors))
    sys.exit(1)
print("shadow.sh: C server/client: 3 rows from 2 processes (one on an inherited socket), no model bug")
EOF

# b2. fork without exec, and a thread: the child's model is a copy
"$BIN" shadow --os freebsd,windows --report "$T/f.jsonl" -- python3 tests/shadow_fork.py 21500 \
  > "$T/f.txt" 2>&1 || bad "shadow_fork.py under shadow exited non-zero"
printf 'child EADDRINUSE\nthread EADDRINUSE\n' | cmp -s - "$T/f.txt" ||
  bad "shadow_fork.py printed: $(cat "$T/f.txt")"
python3 - "$T/f.jsonl" <<'EOF' || fail=1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
good = [r for r in rows if r["call"] == "bind" and r["args"]["addr"] == "127.0.0.1:21500" and
        r["kernel"] == "EADDRINUSE" and not r["model_bug"] and
        r["model"] == {"linux": "EADDRINUSE", "freebsd": "ok", "windows": "ok"}]
if len(rows) != 2 or len(good) != 2 or good[0]["pid"] == good[1]["pid"]:
    print("shadow.sh: FAIL: fork report:", rows)
    sys.exit(1)
print("shadow.sh: fork and thread: one row from each process")
EOF

# c. the readable summary without --report
"$BIN" shadow --os freebsd -- python3 tests/shadow_prog.py 21300 > "$T/s.out" 2> "$T/s.err" ||
  bad "shadow without --report exited non-zero"
grep -q "^bindmodel shadow: 1 call would be answered differently" "$T/s.err" &&
  grep -q "^bind(fd [0-9]*, {\"addr\":\"127.0.0.1:21300\"})" "$T/s.err" &&
  grep -q "^  would work on: freebsd$" "$T/s.err" ||
  bad "no summary on stderr: $(cat "$T/s.err")"
"$BIN" shadow --os nosuchos -- true 2>/dev/null && bad "an unknown OS was accepted"
exit $fail
