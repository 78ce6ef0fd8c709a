#!/bin/sh
# SPDX-License-Identifier: MIT
# kernel_qemu.sh: run one bindmodel subcommand on another Linux kernel under
# QEMU; what `bindmodel SUB --kernel VERSION ...` does.
#
#   kernel_qemu.sh [--repo DIR] [--bin FILE] [--self FILE] VERSION SUB ARGS...
#
# VERSION  a Debian kernel version prefix: 6.1, 6.12, 6.12.118 ...  The newest
#          package named linux-image-VERSION.*-cloud-amd64-unsigned is used
#          (apt-cache search: Debian renames them as it updates them, so never a
#          fixed name) and cached in $BM_KERNELS (default build/kernels).
# --repo   a bindmodel checkout: `make static` there builds the guest's binary.
# --bin    a statically linked bindmodel to use instead (also $BM_STATIC_BIN).
# --self   the calling bindmodel: used when it is itself static.
#
# The guest runs `bindmodel SUB ARGS` in an initramfs (busybox + the static
# binary + every ARG that names a file) and powers off; its stdout and stderr
# come back on two serial ports, its exit status on the console.  The guest's
# bindmodel maps uname to its own release row (linux-6.1 for 6.1.0-57-...).
# Exit: the guest command's status; 77 (with a loud SKIPPED) when QEMU, the
# package or a boot cannot be had; 2 when the guest died in the middle.
# Env: BM_KERNELS, BM_QEMU_TIMEOUT (s, default 1800), BM_QEMU_MEM (MB, 1024),
#      BM_QEMU_INSTALL=0 to never install QEMU's packages on demand.
set -u

say() { echo "kernel_qemu: $*" >&2; }
skip() {
	echo "************************************************************************" >&2
	echo "SKIPPED: --kernel $VERSION: $*" >&2
	echo "************************************************************************" >&2
	exit 77
}

REPO=""; BIN=${BM_STATIC_BIN:-}; SELF=""
while [ $# -gt 0 ]; do
	case $1 in
	--repo) REPO=$2; shift 2 ;;
	--self) SELF=$2; shift 2 ;;
	--bin) BIN=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -ge 2 ] || { echo "usage: kernel_qemu.sh [--repo DIR] [--bin FILE] [--self FILE] VERSION SUB ARGS..." >&2; exit 2; }
VERSION=$1; SUB=$2; shift 2
case $VERSION in
*[!0-9.]*|'') echo "kernel_qemu: --kernel takes a version such as 6.1 or 6.12.118, not '$VERSION'" >&2; exit 2 ;;
esac
KERNELS=${BM_KERNELS:-${REPO:-.}/build/kernels}

# --- 1. the tools: installed on demand, saying so, or a loud skip
need_tools() {
	missing=""
	command -v qemu-system-x86_64 >/dev/null 2>&1 || missing="$missing qemu-system-x86_64"
	[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx stty || missing="$missing busybox"
	for t in cpio gzip dpkg apt-get readelf timeout; do
		command -v $t >/dev/null 2>&1 || missing="$missing $t"
	done
}
need_tools
if [ -n "$missing" ] && [ "${BM_QEMU_INSTALL:-1}" != 0 ] && [ "$(id -u)" = 0 ] &&
   [ -f "${REPO:-.}/tools/deps.sh" ]; then
	say "missing$missing: installing QEMU's packages (tools/deps.sh qemu; BM_QEMU_INSTALL=0 not to)"
	sh "${REPO:-.}/tools/deps.sh" qemu >&2
	need_tools
fi
[ -z "$missing" ] || skip "missing$missing (run 'make deps-qemu' as root)"

# --- 2. the kernel package: the newest match, downloaded when not cached
mkdir -p "$KERNELS" || skip "cannot create $KERNELS"
KERNELS=$(cd "$KERNELS" && pwd)
re=$(echo "$VERSION" | sed 's/\./\\./g')
pat="^linux-image-$re[.+-].*-cloud-amd64-unsigned\$"
pkg=$(apt-cache search --names-only "$pat" 2>/dev/null | cut -d' ' -f1 | sort -V | tail -n 1)
deb=""
if [ -n "$pkg" ]; then
	deb=$(ls "$KERNELS/${pkg}_"*.deb 2>/dev/null | tail -n 1)
	if [ -z "$deb" ]; then
		say "downloading $pkg into $KERNELS"
		# (apt warns that _apt cannot write here: root downloads it itself)
		(cd "$KERNELS" && apt-get download -q "$pkg") > "$KERNELS/$pkg.log" 2>&1 ||
			{ cat "$KERNELS/$pkg.log" >&2; skip "apt-get download $pkg failed"; }
		deb=$(ls "$KERNELS/${pkg}_"*.deb 2>/dev/null | tail -n 1)
	fi
else
	# no apt lists (offline): the newest cached package that matches
	deb=$(ls "$KERNELS"/linux-image-*.deb 2>/dev/null | while read -r f; do
		basename "$f" | cut -d_ -f1 | grep -q "$pat" && echo "$f"; done | sort -V | tail -n 1)
fi
[ -n "$deb" ] || skip "no package matches $pat (apt-cache search; try apt-get update)"
pkg=$(basename "$deb" | cut -d_ -f1)

# the package unpacked once; the base initramfs (busybox, modules) built once
KDIR=$KERNELS/${pkg}.d
if [ ! -f "$KDIR/base.cpio.gz" ]; then
	rm -rf "$KDIR"; mkdir -p "$KDIR/x" "$KDIR/root/bin" "$KDIR/root/lib/modules"
	dpkg -x "$deb" "$KDIR/x" || skip "dpkg -x $deb failed"
	cp "$(ls "$KDIR"/x/boot/vmlinuz-* | head -n 1)" "$KDIR/vmlinuz" || skip "no vmlinuz in $deb"
	basename "$(ls "$KDIR"/x/boot/vmlinuz-* | head -n 1)" | sed 's/^vmlinuz-//' > "$KDIR/release"
	cp /bin/busybox "$KDIR/root/bin/busybox"
	# modules the backend may use that Debian builds as =m
	for m in veth dummy; do
		p=$(find "$KDIR/x/lib/modules" -name "$m.ko*" | head -n 1)
		[ -n "$p" ] || continue
		case $p in
		*.xz) xz -dc "$p" > "$KDIR/root/lib/modules/$m.ko" ;;
		*.zst) zstd -qdc "$p" > "$KDIR/root/lib/modules/$m.ko" ;;
		*) cp "$p" "$KDIR/root/lib/modules/$m.ko" ;;
		esac
	done
	(cd "$KDIR/root" && find . | cpio -o -H newc --quiet | gzip -1) > "$KDIR/base.cpio.gz.tmp" &&
		mv "$KDIR/base.cpio.gz.tmp" "$KDIR/base.cpio.gz"
	rm -rf "$KDIR/x" "$KDIR/root"
fi
KREL=$(cat "$KDIR/release")

# --- 3. a static bindmodel
is_static() { [ -f "$1" ] && ! readelf -l "$1" 2>/dev/null | grep -q INTERP; }
# the calling binary itself when it is static (build/static/bindmodel)
[ -z "$BIN" ] && [ -n "$SELF" ] && is_static "$SELF" && BIN=$SELF
if [ -z "$BIN" ] && [ -n "$REPO" ] && [ -f "$REPO/Makefile" ]; then
	make -s -C "$REPO" static >&2 || { say "make static failed"; exit 2; }
	BIN=$REPO/build/static/bindmodel
fi
[ -n "$BIN" ] && is_static "$BIN" || { say "no static bindmodel (--repo or --bin)"; exit 2; }

# --- 4. the run's own initramfs part: the binary, the files, /init
T=$(mktemp -d "${TMPDIR:-/tmp}/bm-qemu.XXXXXX") || exit 2
QPID=""; CPID=""
cleanup() {
	[ -n "$QPID" ] && kill "$QPID" 2>/dev/null
	[ -n "$CPID" ] && kill "$CPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
R=$T/root
mkdir -p "$R/bm" "$R/proc" "$R/sys" "$R/dev" "$R/tmp"
cp "$BIN" "$R/bm/bindmodel"
q() { printf "'%s'" "$(printf %s "$1" | sed "s/'/'\\\\''/g")"; }
cmd="./bindmodel $(q "$SUB")"
outdir=""; prev=""
for a in "$@"; do
	# every argument that names a file travels with the run, at the same
	# path (relative ones under /bm, where the guest runs)
	if [ -f "$a" ]; then
		case $a in /*) dst=$R$a ;; *) dst=$R/bm/$a ;; esac
		mkdir -p "$(dirname "$dst")" && cp "$a" "$dst"
	fi
	[ "$prev" = --out ] && outdir=$a
	cmd="$cmd $(q "$a")"; prev=$a
done
[ "$SUB" = explore ] && [ -z "$outdir" ] && outdir=explore-out
cat > "$R/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev 2>/dev/null
for m in /lib/modules/*.ko; do [ -f \$m ] && insmod \$m 2>/dev/null; done
ip link set lo up 2>/dev/null
for t in ttyS1 ttyS2 ttyS3; do stty -F /dev/\$t raw -echo 2>/dev/null; done
echo "BM-BEGIN \$(uname -r)"
cd /bm
$cmd >/dev/ttyS1 2>/dev/ttyS2 </dev/null &
pid=\$!
# a byte from the host on ttyS1 is the user's Ctrl-C (explore then prints
# its summary); the command runs in the background so that this can wait
( head -c 1 </dev/ttyS1 >/dev/null 2>&1 && kill -INT \$pid ) &
wait \$pid
echo "BM-END rc=\$?"
if [ -n "$outdir" ] && [ -d "$outdir" ]; then tar cf /dev/ttyS3 "$outdir"; fi
echo "BM-DONE"
sync
poweroff -f
INIT
chmod 755 "$R/init"
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) > "$T/run.cpio.gz"
cat "$KDIR/base.cpio.gz" "$T/run.cpio.gz" > "$T/initrd.gz"

# --- 5. boot: KVM when there is one, TCG otherwise
ACCEL=tcg
if [ -w /dev/kvm ]; then
	# Some KVM hosts cannot run this CPU model (QEMU aborts at once:
	# "failed to set MSR 0x10a"): a guest still booting after 3 s is
	# taken as proof that KVM works; else TCG, slower but sure.
	timeout 3 qemu-system-x86_64 -M q35 -accel kvm -cpu max -smp 1 -m 256 -display none \
		-monitor none -nic none -no-reboot -serial none -kernel "$KDIR/vmlinuz" \
		-append "panic=-1" </dev/null >/dev/null 2>&1
	if [ $? = 124 ]; then ACCEL=kvm; else say "KVM cannot run this guest here: TCG"; fi
fi
say "$SUB on Linux $KREL ($pkg) under QEMU/$ACCEL; the guest's row is its own (linux-$(echo "$KREL" | cut -d. -f1,2))"
# the guest's stderr through a FIFO that QEMU only writes (file:, not
# pipe:, which opens it read-write and would read back its own output)
mkfifo "$T/err" "$T/in" || exit 2
cat "$T/err" >&2 & CPID=$!
# QEMU's stdin (the guest's ttyS1 input) stays open for a Ctrl-C to pass
exec 3<>"$T/in"
# QEMU in a session of its own: the terminal's Ctrl-C comes to this script,
# which passes it to the guest (a second one stops QEMU)
SETSID=""; command -v setsid >/dev/null 2>&1 && SETSID=setsid
interrupts=0
on_int() {
	interrupts=$((interrupts + 1))
	if [ $interrupts = 1 ]; then
		say "Ctrl-C: asking the guest's bindmodel to stop (again to stop QEMU)"
		printf x >&3
	else
		kill "$QPID" 2>/dev/null
	fi
}
t0=$(date +%s)
$SETSID timeout "${BM_QEMU_TIMEOUT:-1800}" qemu-system-x86_64 -M q35 -accel $ACCEL -cpu max -smp 1 \
	-m "${BM_QEMU_MEM:-1024}" -display none -monitor none -nic none -no-reboot \
	-serial "file:$T/console" -serial stdio -serial "file:$T/err" -serial "file:$T/tar" \
	-kernel "$KDIR/vmlinuz" -initrd "$T/initrd.gz" \
	-append "console=ttyS0 quiet loglevel=1 panic=-1" <"$T/in" &
QPID=$!
trap on_int INT
# a trapped signal ends wait early: wait again while QEMU runs
while :; do
	wait $QPID; qrc=$?
	kill -0 $QPID 2>/dev/null || break
done
QPID=""
trap 'exit 130' INT
exec 3>&-
wait $CPID 2>/dev/null; CPID=""
t1=$(date +%s)
tr -d '\r' < "$T/console" > "$T/console.txt" 2>/dev/null
if ! grep -q '^BM-BEGIN' "$T/console.txt" 2>/dev/null; then
	tail -n 20 "$T/console.txt" >&2 2>/dev/null
	skip "Linux $KREL did not boot under QEMU/$ACCEL (qemu exit $qrc)"
fi
rc=$(sed -n 's/^BM-END rc=//p' "$T/console.txt")
if [ -z "$rc" ]; then
	tail -n 20 "$T/console.txt" >&2
	say "the guest stopped before bindmodel finished (qemu exit $qrc after $((t1 - t0)) s)"
	exit 2
fi
if [ -n "$outdir" ] && [ -s "$T/tar" ]; then
	# busybox tar stored an absolute --out without its leading /
	case $outdir in /*) to=/ ;; *) to=. ;; esac
	tar xf "$T/tar" -C "$to" && say "wrote $outdir/ from the guest"
fi
say "Linux $KREL: exit $rc, $((t1 - t0)) s with the boot"
exit "$rc"
