#!/bin/sh
# tests/isolation.sh: the kernel backend never reaches the host's network.
#
# Everything here runs inside a throwaway network namespace of this test's
# own (as root `unshare -n`, else `unshare -U -r -n`), which stands for "the
# host": a Python "host service" listens there on 127.0.0.1.  Inside it:
#  1. where no namespace can be made (a user namespace whose
#     max_net_namespaces and max_user_namespaces are 0), `run --backend
#     kernel` refuses before any step runs, and says why;
#  2. with --loopback-only it runs, but a wildcard bind is skipped, a
#     connect to the host service (whose port a scenario socket also holds,
#     on another address) is skipped, and so is a datagram to it: the
#     service sees nothing;
#  3. as an unprivileged user it runs in a user namespace plus a network
#     namespace: the scenario's 0.0.0.0 listener is not in "the host's"
#     socket table.
set -u
cd "$(dirname "$0")/.." || exit 1
BIN=${BIN:-build/bindmodel}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

skip() {
	echo "************************************************************************"
	echo "SKIPPED: tests/isolation.sh: $*"
	echo "************************************************************************"
	exit 0
}

if [ "${BM_ISOLATION_INNER:-}" != 1 ]; then
	command -v unshare >/dev/null 2>&1 || skip "no unshare(1)"
	command -v python3 >/dev/null 2>&1 || skip "no python3"
	if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
		exec env BM_ISOLATION_INNER=1 BIN="$BIN" unshare -n sh "$0"
	elif unshare -U -r -n true 2>/dev/null; then
		exec env BM_ISOLATION_INNER=1 BIN="$BIN" unshare -U -r -n sh "$0"
	fi
	skip "cannot make a throwaway network namespace to stand for the host"
fi

# ---- inside the stand-in host
fail=0
ok() { echo "isolation.sh: ok: $*"; }
bad() { echo "isolation.sh: FAIL: $*"; fail=1; }
ip link set lo up 2>/dev/null || python3 -c 'import socket' # lo may be up already
T=$(mktemp -d "${TMPDIR:-/tmp}/bm-isolation.XXXXXX") || exit 1
chmod 755 "$T"
trap 'kill $svc 2>/dev/null; rm -rf "$T"' EXIT INT TERM

# the host service: counts TCP connections on 127.0.0.1:7777 and datagrams
# on 127.0.0.1:7778 for a few seconds
cat >"$T/svc.py" <<'EOF'
import socket, select, sys, time
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", 7777)); t.listen(8)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 7778))
open(sys.argv[1] + ".ready", "w").close()
seen = 0
end = time.time() + 20
while time.time() < end:
    r, _, _ = select.select([t, u], [], [], 0.2)
    for s in r:
        if s is t: s.accept()
        else: s.recv(512)
        seen += 1
        open(sys.argv[1], "w").write(str(seen))
EOF
echo 0 >"$T/seen"
python3 "$T/svc.py" "$T/seen" &
svc=$!
# python3 alone may take seconds to start on a loaded machine: wait up to 10 s
for i in $(seq 1 50); do [ -e "$T/seen.ready" ] && break; sleep 0.2; done
[ -e "$T/seen.ready" ] || { echo "isolation.sh: FAIL: the stand-in service did not start"; exit 1; }

cat >"$T/reach.bms" <<'EOF'
os linux
w = socket tcp4
bind w 0.0.0.0:18080 => ok
listen w => ok
os linux
a = socket tcp4
bind a 127.0.0.2:7777 => ok
listen a => ok
c = socket tcp4
connect c 127.0.0.1:7777 => ECONNREFUSED
os linux
u = socket udp4
bind u 127.0.0.2:7778 => ok
deliver udp4 127.0.0.1:9 -> 127.0.0.1:7778 => none
EOF

# 1. no namespace can be had: refuse, before anything runs
nons() {
	unshare -U -r sh -c 'echo 0 > /proc/sys/user/max_net_namespaces &&
	  echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"' sh "$@"
}
if ! nons true 2>/dev/null; then
	echo "isolation.sh: SKIPPED: part 1-2 (cannot make a user namespace without namespaces)"
else
	nons "$BIN" run --backend kernel "$T/reach.bms" >"$T/out1" 2>"$T/err1"
	rc=$?
	if [ $rc = 2 ] && grep -q "refusing to run on the host's network" "$T/err1" &&
	   ! grep -q passed "$T/out1"; then
		ok "no namespace: run --backend kernel refuses (exit 2) before any step"
	else
		bad "no namespace: expected a refusal, got exit $rc:"; cat "$T/out1" "$T/err1"
	fi
	nons "$BIN" oracle "$T/reach.bms" >"$T/out1o" 2>"$T/err1o"
	rc=$?
	if [ $rc = 2 ] && grep -q "refusing" "$T/err1o"; then
		ok "no namespace: oracle refuses"
	else
		bad "no namespace: oracle exit $rc"; cat "$T/out1o" "$T/err1o"
	fi

	# 2. --loopback-only: only our own loopback sockets are reached
	nons "$BIN" run --backend kernel --loopback-only "$T/reach.bms" >"$T/out2" 2>"$T/err2"
	for want in "binds only 127.0.0.0/8 and ::1, not 0.0.0.0:18080" \
	            "a connect to 127.0.0.1:7777, which none of the scenario's sockets" \
	            "a datagram to 127.0.0.1:7778, which none of the scenario's sockets"; do
		if grep -q "$want" "$T/out2"; then ok "--loopback-only: skipped: $want"
		else bad "--loopback-only: no skip for: $want"; cat "$T/out2" "$T/err2"; fi
	done
	sleep 0.5
	if [ "$(cat "$T/seen")" = 0 ]; then ok "the host service saw nothing"
	else bad "the host service was reached $(cat "$T/seen") times"; fi
fi

# 3. an unprivileged user gets a user namespace and a network namespace
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	cat >"$T/wild.bms" <<'EOF'
os linux
w = socket tcp4
bind w 0.0.0.0:18081 => ok
listen w => ok
advance 2s
EOF
	cat >"$T/peek.py" <<'EOF'
import socket, sys
s = socket.socket()
try:
    s.connect(("127.0.0.1", 18081)); print("reached")
except OSError:
    print("refused")
EOF
	# the scenario holds its listener for 2 s while peek.py looks from "the host"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$BIN" run --backend kernel --allow-sleep "$T/wild.bms" >"$T/out3" 2>&1 &
	run3=$!
	sleep 1
	peek=$(python3 "$T/peek.py")
	wait $run3
	if grep -q "^2 passed, 0 failed$" "$T/out3"; then
		ok "uid 65534: the scenario ran in a namespace of its own ($(tail -n 1 "$T/out3"))"
	else
		bad "uid 65534: $(cat "$T/out3")"
	fi
	setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" oracle --probe >"$T/probe" 2>&1
	if grep -q "private network namespace" "$T/probe"; then ok "uid 65534: oracle --probe: $(cat "$T/probe")"
	else bad "uid 65534: oracle --probe: $(cat "$T/probe")"; fi
	if [ "$peek" = refused ]; then ok "while it listened on 0.0.0.0:18081, the stand-in host had nothing there"
	else bad "the scenario's wildcard listener was reachable from the stand-in host"; fi
else
	echo "isolation.sh: SKIPPED: part 3 (needs root to become uid 65534)"
fi
exit $fail
