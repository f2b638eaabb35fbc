#!/bin/bash
# Builds the bench guest's initramfs (cpio newc, gzip) from Debian packages
# and this tree only.
#   mkinitramfs.sh OUT.cpio.gz MODDIR INIT WORKLOAD [EXTRA...]
# MODDIR: the guest kernel's module tree (/lib/modules/KVER, or one unpacked
# elsewhere: see guest/guest.mk's FPHINT_GUEST); KVER is its name.  EXTRA files
# go in /lib/fphint/ when they are kernel modules (*.ko), else in /bin/;
# missing extras are skipped (they are optional, e.g. not built yet).
set -euo pipefail

out=$1 moddir=${2%/} init=$3 workload=$4
shift 4
kver=${moddir##*/}
# What the guest needs, in any order: modules.dep gives dependencies.
wanted=(virtio_pci virtio_balloon)

[ -d "$moddir" ] || { echo "mkinitramfs: no modules for $kver in $moddir" >&2; exit 1; }
busybox=$(command -v busybox) || { echo "mkinitramfs: busybox not found (busybox-static)" >&2; exit 1; }
# busybox must be the static build: /bin/sh has to run before anything else.
readelf -l "$busybox" 2>/dev/null | grep -q 'program interpreter' &&
	{ echo "mkinitramfs: $busybox is not static (install busybox-static)" >&2; exit 1; }

# Private staging and output names: several makes may pack at once, and a
# guest booting meanwhile must see the old image or the new one, whole.
stage=$(mktemp -d "${out%/*}/stage.XXXXXX")
# mktemp makes it 0700; it becomes the guest's /, which must be 0755.
chmod 755 "$stage"
tmp_out=$(mktemp "$out.XXXXXX")
trap 'rm -rf "$stage" "$tmp_out"' EXIT
mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,run,etc/fphint,lib/fphint,lib/modules/"$kver"}
cp "$busybox" "$stage/bin/busybox"
for applet in $("$busybox" --list); do
	# `busybox --list` names busybox itself: linking it would clobber the binary.
	[ "$applet" = busybox ] && continue
	ln -s busybox "$stage/bin/$applet"
done

# Resolve module dependencies (depth first, dependencies before users).
declare -A seen=()
order=()
add_module() {
	local rel=$1 dep
	[ -n "${seen[$rel]:-}" ] && return
	seen[$rel]=1
	for dep in $(awk -v m="$rel:" '$1 == m { for (i = 2; i <= NF; i++) print $i }' "$moddir/modules.dep"); do
		add_module "$dep"
	done
	order+=("$rel")
}
# module_path LIST NAME: the path of module NAME in modules.dep/.builtin.
module_path() {
	awk -F: -v n="$2" '{ f = $1; sub(".*/", "", f); sub("\\.ko.*$", "", f); if (f == n) { print $1; exit } }' "$1"
}
for name in "${wanted[@]}"; do
	# Built into the kernel (virtio_pci is, from 6.12 on): nothing to load.
	[ -n "$(module_path "$moddir/modules.builtin" "$name")" ] && continue
	rel=$(module_path "$moddir/modules.dep" "$name")
	[ -n "$rel" ] || { echo "mkinitramfs: module $name not in $moddir/modules.dep" >&2; exit 1; }
	add_module "$rel"
done
: >"$stage/etc/fphint/modules"
for rel in "${order[@]}"; do
	base=${rel##*/}
	name=${base%%.ko*}
	dst=$stage/lib/modules/$kver/$name.ko
	# busybox insmod wants plain ELF: decompress whatever Debian shipped.
	case $base in
	*.ko) cp "$moddir/$rel" "$dst" ;;
	*.ko.xz) xz -dc "$moddir/$rel" >"$dst" ;;
	*.ko.zst) zstd -qdc "$moddir/$rel" >"$dst" ;;
	*.ko.gz) gzip -dc "$moddir/$rel" >"$dst" ;;
	*) echo "mkinitramfs: unknown module format $rel" >&2; exit 1 ;;
	esac
	echo "$name" >>"$stage/etc/fphint/modules"
done

install -m 0755 "$init" "$stage/init"
install -m 0755 "$workload" "$stage/bin/fphint-workload"
for f in "$@"; do
	[ -e "$f" ] || continue
	case $f in
	*.ko) install -m 0644 "$f" "$stage/lib/fphint/" ;;
	*) install -m 0755 "$f" "$stage/bin/" ;;
	esac
	echo "${f##*/}" >>"$stage/etc/fphint/extras"
	# A dynamic extra (fphintd: GnuTLS has no static build in Debian) brings
	# its loader and shared libraries, at the paths ldd resolves them to.
	if readelf -l "$f" 2>/dev/null | grep -q 'program interpreter'; then
		for lib in $(ldd "$f" | grep -o '/[^ ]*'); do
			[ -e "$stage$lib" ] || install -D -m 0755 "$lib" "$stage$lib"
		done
	fi
done
echo "$kver" >"$stage/etc/fphint/kernel"

(cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) |
	gzip -6 >"$tmp_out"
chmod 0644 "$tmp_out"
mv "$tmp_out" "$out"
echo "mkinitramfs: $out ($(du -k "$out" | cut -f1) KiB; modules: $(tr '\n' ' ' <"$stage/etc/fphint/modules"))"
