#!/bin/bash
# Fetches the second guest kernel and the second host of the test matrix
# (Debian 13's kernel line and QEMU 10, both from bookworm-backports) into a
# cache the project owns, without touching the machine's apt sources or its
# QEMU: a private apt configuration (own sources list, lists, status and
# archives), `apt-get download` of the packages, `dpkg -x` into
# $FPHINT_CACHE/root.  Versions are resolved by name: the backports
# candidates of linux-image-cloud-amd64, linux-headers-cloud-amd64 and
# qemu-system-x86, and the exact packages those depend on.
#
# Writes $FPHINT_CACHE/matrix.env (KEY=value lines, read by make and by
# tests/migrate/fphint_bench.py): the one home of the cached paths.
# Idempotent: when matrix.env names files that all exist, it only checks;
# FPHINT_MATRIX_REFRESH=1 resolves and fetches again.
set -euo pipefail

cache=${FPHINT_CACHE:-/var/cache/fphint}
suite=bookworm-backports
mirror=http://deb.debian.org/debian
env_file=$cache/matrix.env
root=$cache/root

# Everything matrix.env promises is there (a half-done fetch is redone).
check_env() {
	[ -r "$env_file" ] || return 1
	local FPHINT_M_ROOT= FPHINT_M_KVER= FPHINT_M_QEMU= FPHINT_M_QEMU_FIRMWARE= FPHINT_M_QEMU_MODULE_DIR=
	. "$env_file"
	local r=$FPHINT_M_ROOT k=$FPHINT_M_KVER
	[ -n "$k" ] && [ -f "$r/boot/vmlinuz-$k" ] && [ -f "$r/lib/modules/$k/modules.dep" ] &&
		[ -f "$r/usr/src/linux-headers-$k/Makefile" ] && [ -x "$FPHINT_M_QEMU" ] &&
		[ -f "$FPHINT_M_QEMU_FIRMWARE/bios-256k.bin" ] && [ -d "$FPHINT_M_QEMU_MODULE_DIR" ]
}

if [ -z "${FPHINT_MATRIX_REFRESH:-}" ] && check_env; then
	echo "deps-matrix: present ($(sed -n 's/^FPHINT_M_KVER=//p' "$env_file"), $env_file)"
	exit 0
fi
if [ ! -w "$(dirname "$cache")" ] && [ ! -w "$cache" ]; then
	echo "deps-matrix: cannot write $cache: run as root or set FPHINT_CACHE" >&2
	exit 1
fi

apt_dir=$cache/apt
mkdir -p "$apt_dir"/{lists/partial,archives/partial,sources.list.d,preferences.d} "$cache/debs" "$root"
echo "deb $mirror $suite main" >"$apt_dir/sources.list"
# An empty dpkg status: the machine's installed packages must not steer
# the candidates (only the suite above is known to this configuration).
: >"$apt_dir/status"
cat >"$apt_dir/apt.conf" <<EOF
Dir::Etc::SourceList "$apt_dir/sources.list";
Dir::Etc::SourceParts "$apt_dir/sources.list.d";
Dir::Etc::Preferences "$apt_dir/preferences";
Dir::Etc::PreferencesParts "$apt_dir/preferences.d";
Dir::State "$apt_dir";
Dir::State::Lists "$apt_dir/lists";
Dir::State::status "$apt_dir/status";
Dir::Cache "$apt_dir";
Dir::Cache::Archives "$apt_dir/archives";
APT::Sandbox::User "root";
EOF
apt=(-c "$apt_dir/apt.conf" -q)

echo "deps-matrix: apt-get update ($suite, private lists in $apt_dir)"
apt-get "${apt[@]}" update >/dev/null

# candidate PKG -> its version in this configuration (empty if none)
candidate() {
	apt-cache "${apt[@]}" policy "$1" | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }'
}
# depends PKG VERSION -> the names it depends on (first of each alternative)
depends() {
	apt-cache "${apt[@]}" show "$1=$2" | sed -n 's/^Depends: //p' | head -n 1 |
		tr ',' '\n' | sed 's/|.*//; s/(.*//; s/[[:space:]]//g'
}
need() {
	local v
	v=$(candidate "$1")
	[ -n "$v" ] || { echo "deps-matrix: no $1 in $suite" >&2; exit 1; }
	echo "$v"
}

pkgs=()
v=$(need linux-image-cloud-amd64)
image=$(depends linux-image-cloud-amd64 "$v" | grep -m1 '^linux-image-') ||
	{ echo "deps-matrix: linux-image-cloud-amd64 $v names no image" >&2; exit 1; }
kver=${image#linux-image-}
pkgs+=("$image")
v=$(need linux-headers-cloud-amd64)
headers=$(depends linux-headers-cloud-amd64 "$v" | grep -m1 '^linux-headers-')
[ "$headers" = "linux-headers-$kver" ] ||
	{ echo "deps-matrix: headers $headers do not match the image $image" >&2; exit 1; }
pkgs+=("$headers")
# The flavour's headers need the common headers and kbuild of that ABI.
pkgs+=($(depends "$headers" "$(need "$headers")" | grep -E '^linux-(headers-.*-common|kbuild-)'))
v=$(need qemu-system-x86)
# QEMU 10 with its own data files and the seabios it asks for; ipxe-qemu
# (NIC option ROMs) is not needed: the bench guest has no network card.
pkgs+=(qemu-system-x86 $(depends qemu-system-x86 "$v" | grep -xE 'qemu-system-(common|data)|seabios'))

# What the unpacked kbuild runs on the machine (pahole for module BTF, its
# libraries) comes from the machine's own archive, as `make deps` does.
kbuild=$(printf '%s\n' "${pkgs[@]}" | grep -m1 '^linux-kbuild-')
host_missing=()
for p in $(depends "$kbuild" "$(need "$kbuild")"); do
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || host_missing+=("$p")
done
if [ ${#host_missing[@]} -gt 0 ]; then
	echo "deps-matrix: installing ${host_missing[*]} (needed by $kbuild)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${host_missing[@]}" >/dev/null
fi

echo "deps-matrix: fetching ${pkgs[*]}"
(cd "$cache/debs" && apt-get "${apt[@]}" download "${pkgs[@]}" >/dev/null)
for p in "${pkgs[@]}"; do
	deb=$(ls -t "$cache/debs/${p}_$(need "$p" | sed 's/:/%3a/g')"_*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || { echo "deps-matrix: $p was not downloaded" >&2; exit 1; }
	dpkg -x "$deb" "$root"
done

kdir=$root/usr/src/linux-headers-$kver
# The flavour's Makefile includes the common headers by absolute path
# (/usr/src/...): point it into the cache (its scripts/tools symlinks are
# relative and already resolve inside $root).
sed -i "s|^include /usr/src/|include $root/usr/src/|" "$kdir/Makefile"

# The package ships no modules.dep (its postinst runs depmod); the
# initramfs builder needs it.
depmod -b "$root" "$kver"

# One -L folder for QEMU 10: its own data files plus the seabios it wants
# (the machine's /usr/share/qemu belongs to QEMU 7.2).
fw=$cache/qemu-firmware
rm -rf "$fw.new"
mkdir -p "$fw.new"
for f in "$root"/usr/share/qemu/* "$root"/usr/share/seabios/*; do
	ln -s "$f" "$fw.new/${f##*/}"
done
rm -rf "$fw"
mv "$fw.new" "$fw"

qemu=$root/usr/bin/qemu-system-x86_64
moddir=$root/usr/lib/x86_64-linux-gnu/qemu
if missing=$(ldd "$qemu" | grep 'not found'); then
	echo "deps-matrix: QEMU 10 lacks libraries (install qemu-system-x86: make deps): $missing" >&2
	exit 1
fi
qver=$(QEMU_MODULE_DIR=$moddir "$qemu" -L "$fw" --version 2>/dev/null | head -n 1)

cat >"$env_file.new" <<EOF
# Written by scripts/fetch-matrix.sh: the guest kernel (in ROOT: boot/,
# lib/modules/, usr/src/linux-headers-KVER) and the host QEMU it fetched.
FPHINT_M_ROOT=$root
FPHINT_M_KVER=$kver
FPHINT_M_QEMU=$qemu
FPHINT_M_QEMU_FIRMWARE=$fw
FPHINT_M_QEMU_MODULE_DIR=$moddir
EOF
mv "$env_file.new" "$env_file"
check_env || { echo "deps-matrix: $env_file names missing files" >&2; exit 1; }
echo "deps-matrix: kernel $kver, $qver in $cache"
