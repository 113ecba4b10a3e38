#!/bin/sh
# Install the Debian packages listed in $1 that the base image lacks. A base
# made by make-base-image.sh already has them all, so an offline build never
# reaches this script's apt-get. $2 names a suite to take them from (the
# container runtime comes from unstable).
set -eu
list="$1"
suite="${2:-}"
missing=""
for p in $(grep -v '^#' "$list"); do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -n "$missing" ] || exit 0
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
opts="-o Acquire::Check-Valid-Until=false"
if [ -n "$suite" ]; then
  echo "Types: deb
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" >/etc/apt/sources.list.d/devk-$suite.sources
  printf 'Package: *\nPin: release n=%s\nPin-Priority: 100\n' "$suite" >/etc/apt/preferences.d/devk-$suite
  opts="$opts -t $suite"
fi
# shellcheck disable=SC2086
apt-get $opts update -qq
# shellcheck disable=SC2086
apt-get $opts install -y -qq --no-install-recommends $missing
rm -rf /var/lib/apt/lists/* /etc/apt/sources.list.d/devk-* /etc/apt/preferences.d/devk-*
