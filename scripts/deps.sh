#!/bin/bash
# Install every Debian package fphint needs.  Idempotent: when everything
# is already installed it only checks and exits.
set -euo pipefail

PKGS=(
	make gcc clang clang-format llvm pkg-config
	libbpf-dev libelf-dev zlib1g-dev bpftool
	linux-headers-cloud-amd64 linux-image-cloud-amd64 kmod
	qemu-system-x86 busybox-static cpio
	linux-source-6.1
	python3 libcmocka-dev
	libmicrohttpd-dev libyaml-dev libcrypt-dev openssl
	spin
	prometheus chromium curl
)

missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#PKGS[@]} packages present"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages (${missing[*]}) and not root: run 'sudo make deps'" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
