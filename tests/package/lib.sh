#!/bin/bash
# Shared by the package tests (sourced): a fresh copy of the cached Debian
# root with /proc, /sys and /dev mounted, the .debs of `make deb`, and
# in_root to run commands in it.  FPHINT_PKG_SUITE picks the root:
# bookworm (Debian 12, the default) or trixie (Debian 13); the same .debs,
# built on Debian 12, go into both.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SUITE=${FPHINT_PKG_SUITE:-bookworm}
T=${0##*/}
[ "$SUITE" = bookworm ] || T="$T ($SUITE)"
# The kernel line of each suite's linux-headers/image-cloud-amd64.
case $SUITE in
bookworm) KLINE=6.1 ;;
trixie) KLINE=6.12 ;;
*) echo "$T: FPHINT_PKG_SUITE=$SUITE: bookworm or trixie"; exit 2 ;;
esac
FAILS=0
# shellcheck source=../lib/checks.sh
source "$TOP/tests/lib/checks.sh"
[ "$(id -u)" = 0 ] || { echo "$T: SKIP: needs root"; exit 77; }
"$TOP/contrib/deb/packaging-deps" test || die "packaging tools missing"

VERSION=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)
DEBS=("$TOP/build/deb/fphint_${VERSION}_amd64.deb" "$TOP/build/deb/fphint-dkms_${VERSION}_all.deb")
for d in "${DEBS[@]}"; do [ -s "$d" ] || die "$d missing (make deb)"; done
WORK=$(mktemp -d "$TOP/build/package-test.XXXXXX")
ROOT=$WORK/root
cleanup() {
	# Lazily when busy (a process the root's package scripts left running
	# a little longer): rm must not walk into the host's /dev.
	for m in sys/fs/bpf dev/pts dev sys proc; do
		umount "$ROOT/$m" 2>/dev/null || umount -l "$ROOT/$m" 2>/dev/null
	done
	[ -n "${QEMU_PID:-}" ] && kill "$QEMU_PID" 2>/dev/null && wait "$QEMU_PID" 2>/dev/null
	rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C "$@"; }

# unpack_root [boot]: the cached root (with the kernel image for "boot").
unpack_root() {
	local tar
	tar=$("$TOP/tests/package/debian-root" "$SUITE" "$@") || die "no Debian $SUITE root"
	mkdir -p "$ROOT" && tar -C "$ROOT" -xf "$tar" || die "unpacking $tar"
	mount -t proc proc "$ROOT/proc" && mount -t sysfs sys "$ROOT/sys" &&
		mount --bind /dev "$ROOT/dev" && mount --bind /dev/pts "$ROOT/dev/pts" || die "mounts"
	KVER=$(basename "$(ls -d "$ROOT/usr/lib/modules/$KLINE".*-cloud-amd64 | sort -V | tail -1)")
	[ -n "$KVER" ] && in_root test -e "/usr/lib/modules/$KVER/build" ||
		die "no $KLINE cloud kernel headers in the root"
	ok "Debian $SUITE root ($(cat "$ROOT/etc/debian_version")) from $tar, kernel headers $KVER"
}

# Install both packages; make sure DKMS built the module for $KVER.
install_debs() {
	mkdir -p "$ROOT/tmp/debs" && cp "${DEBS[@]}" "$ROOT/tmp/debs/"
	# uname in the chroot is the host's kernel: dkms's postinst builds for
	# it (no headers: skipped) and for the newest kernel with headers.
	if in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		/tmp/debs/"${DEBS[0]##*/}" /tmp/debs/"${DEBS[1]##*/}" >"$WORK/install.log" 2>&1; then
		ok "apt-get install of both packages, new: $(sed -n '/^The following NEW packages/,/^[^ ]/{/^ /p}' \
			"$WORK/install.log" | tr -s ' \n' ' ')"
	else
		tail -30 "$WORK/install.log"
		die "apt-get install failed"
	fi
	if ! in_root dkms status fphint/"$VERSION" -k "$KVER" | grep -q installed; then
		echo "$T: postinst did not build for $KVER (host uname $(uname -r)); dkms install"
		in_root dkms install fphint/"$VERSION" -k "$KVER" >>"$WORK/install.log" 2>&1 ||
			{ tail -30 "$WORK/install.log"; cat "$ROOT/var/lib/dkms/fphint/$VERSION/build/make.log" 2>/dev/null | tail -30; }
	fi
}
