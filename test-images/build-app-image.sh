#!/usr/bin/env bash
# Build devk's test app image from Debian's busybox-static, with no registry.
# Usage: build-app-image.sh [TAG]   (default devk-test/app:1)
set -euo pipefail
tag="${1:-devk-test/app:1}"
here="$(cd "$(dirname "$0")" && pwd)"
busybox="$(command -v busybox || true)"
if [ -z "$busybox" ] || ! file -L "$busybox" 2>/dev/null | grep -q "statically linked"; then
  echo "a static busybox is needed: apt-get install busybox-static" >&2
  exit 1
fi
ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
cp -r "$here/app/." "$ctx/"
cp -L "$busybox" "$ctx/busybox"
DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$ctx" >/dev/null 2>&1 || docker build -q -t "$tag" "$ctx" >/dev/null
echo "$tag"
