#!/usr/bin/env bash
# Build a devk node base image with no container registry: debootstrap a
# Debian root filesystem from a package mirror, add the container runtime,
# and `docker import` it. This is the air-gapped path (and the one devk's own
# CI takes); users with a registry can use the default base instead.
#
# Usage: make-base-image.sh [IMAGE] [MIRROR]
#   IMAGE   tag for the result          (default: devk/base:trixie); the same
#           root filesystem plus a C toolchain is tagged IMAGE-toolchain, for
#           compiling devk's pause program offline
#   MIRROR  a Debian mirror (or a local one for air-gapped sites)
#           (default: http://deb.debian.org/debian)
#
# Needs root, debootstrap and docker. Takes about two minutes.
set -euo pipefail

image="${1:-devk/base:trixie}"
mirror="${2:-http://deb.debian.org/debian}"
suite=trixie
# containerd 2.x, runc and the CNI plugins come from unstable: trixie's are
# older than what Kubernetes 1.36 expects. Trixie's glibc runs them.
runtime_suite=sid

here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d /var/tmp/devk-base.XXXXXX)"
rootfs="$work/rootfs"
cleanup() {
  for m in proc sys dev; do umount -l "$rootfs/$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

packages=$(grep -v '^#' "$here/build/packages.txt" | tr '\n' ',' | sed 's/,,*/,/g; s/,$//')
echo "debootstrap $suite from $mirror"
debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 40 "$work/debootstrap.log" >&2
  exit 1
}

cat >"$rootfs/etc/apt/sources.list.d/runtime.sources" <<SRC
Types: deb
URIs: $mirror
Suites: $runtime_suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
# Only what we ask for by name comes from unstable.
cat >"$rootfs/etc/apt/preferences.d/runtime" <<PIN
Package: *
Pin: release n=$runtime_suite
Pin-Priority: 100
PIN
cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
mount -t proc proc "$rootfs/proc"
echo "installing the container runtime from $runtime_suite"
runtime_packages=$(grep -v '^#' "$here/build/runtime-packages.txt" | tr '\n' ' ')
chroot "$rootfs" /bin/sh -c "
  set -e
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o Acquire::Check-Valid-Until=false update -qq
  apt-get install -y -qq --no-install-recommends -t $runtime_suite $runtime_packages
  apt-get clean
" >"$work/runtime.log" 2>&1 || {
  tail -n 40 "$work/runtime.log" >&2
  exit 1
}
umount "$rootfs/proc"
rm -f "$rootfs/etc/apt/sources.list.d/runtime.sources" "$rootfs/etc/apt/preferences.d/runtime"

# Trim what a node never reads.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
  "$rootfs"/usr/share/locale/* "$rootfs"/var/log/*.log
: >"$rootfs/etc/machine-id"
: >"$rootfs/etc/resolv.conf"

import() {
  tar -C "$rootfs" --numeric-owner -c . | docker import \
    --change 'CMD ["/sbin/init"]' \
    --change 'ENV container=docker' \
    - "$1" >/dev/null
  echo "$1: $(docker image inspect --format '{{.Size}}' "$1") bytes"
}
echo "importing as $image"
import "$image"

echo "adding a C toolchain for $image-toolchain"
cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
toolchain_packages=$(grep -v '^#' "$here/build/toolchain-packages.txt" | tr '\n' ' ')
chroot "$rootfs" /bin/sh -c "
  set -e
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o Acquire::Check-Valid-Until=false update -qq
  apt-get install -y -qq --no-install-recommends $toolchain_packages
  apt-get clean
  rm -rf /var/lib/apt/lists/*
" >"$work/toolchain.log" 2>&1 || {
  tail -n 40 "$work/toolchain.log" >&2
  exit 1
}
: >"$rootfs/etc/resolv.conf"
import "$image-toolchain"
