#!/usr/bin/env bash
# Build, with no registry, the images the [Conformance] specs run, under the
# names the suite asks for. They are stand-ins made from Debian packages and
# a locally built agnhost; see README.md for what each one is.
#
# Usage: [BUSYBOX=PATH] conformance/build-images.sh AGNHOST [BASE_IMAGE]
#   AGNHOST     the agnhost binary built from the same Kubernetes tree as e2e.test
#   BASE_IMAGE  a Debian image with apt (default devk/base:trixie, made by
#               node-image/make-base-image.sh)
#   BUSYBOX     a static busybox 1.38 or newer (default: busybox on PATH)
# Prints the image names, one per line, last.
set -euo pipefail
agnhost="${1:?usage: build-images.sh AGNHOST [BASE_IMAGE]}"
base="${2:-devk/base:trixie}"
here="$(cd "$(dirname "$0")" && pwd)"
e2e=registry.k8s.io/e2e-test-images

[ -x "$agnhost" ] || { echo "not an executable: $agnhost" >&2; exit 1; }
docker image inspect "$base" >/dev/null 2>&1 ||
  { echo "base image $base is missing: run node-image/make-base-image.sh $base" >&2; exit 1; }
busybox="${BUSYBOX:-$(command -v busybox || true)}"
{ [ -n "$busybox" ] && file -L "$busybox" | grep -q "statically linked"; } ||
  { echo "a static busybox is needed: apt-get install busybox-static, or set BUSYBOX" >&2; exit 1; }
# Debian's busybox before 1.38 has a sh that drops environment variables
# whose names are not shell names (data-1), which four ConfigMap and Secret
# specs read back.
bb_version="$("$busybox" 2>&1 | sed -n 's/^BusyBox v\([0-9]*\.[0-9]*\).*/\1/p' | head -1)"
if [ "$(printf '%s\n' "$bb_version" 1.38 | sort -V | head -1)" != 1.38 ]; then
  echo "warning: busybox $bb_version is older than 1.38; four env-var specs will fail." >&2
  echo "  Use Debian sid's busybox-static (set BUSYBOX=/path/to/busybox)." >&2
fi
command -v gcc >/dev/null || { echo "gcc is needed for the pause and nnp programs" >&2; exit 1; }

ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
build() { # TAG DOCKERFILE-BODY
  local tag=$1 dir
  dir="$ctx/$(echo "$tag" | tr '/:' '__')"
  mkdir -p "$dir"
  cp -r "$ctx/common/." "$dir/"
  printf '%s\n' "$2" >"$dir/Dockerfile"
  echo "building $tag" >&2
  DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$dir" >/dev/null
  built+=("$tag")
}
built=()

mkdir -p "$ctx/common"
cp -L "$busybox" "$ctx/common/busybox"
cp "$agnhost" "$ctx/common/agnhost"
cp "$here/images/passwd" "$here/images/group" "$ctx/common/"
# The same pause program the node image compiles.
gcc -static -O2 -o "$ctx/common/pause" "$here/../node-image/build/pause.c"
gcc -static -O2 -o "$ctx/common/nnp" "$here/images/nnp.c"
# agnhost's porter serves TLS with these names.
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=localhost \
  -keyout "$ctx/common/localhost.key" -out "$ctx/common/localhost.crt" 2>/dev/null

busybox_body='FROM scratch
COPY busybox /bin/busybox
COPY passwd group /etc/
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN mkdir -p /tmp /root /usr/bin /usr/sbin && chmod 1777 /tmp
CMD ["sh"]'
build "$e2e/busybox:1.37.0-1" "$busybox_body"
build "$e2e/busybox:1.36.1-1" "$busybox_body"

build "registry.k8s.io/pause:3.10.2" 'FROM scratch
COPY pause /pause
ENTRYPOINT ["/pause"]'

agnhost_body="FROM $base
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \\
      bash curl dnsutils netcat-openbsd iproute2 iperf util-linux >/dev/null && \\
    rm -rf /var/lib/apt/lists/* && ln -s /usr/bin/iperf /usr/local/bin/iperf
RUN mkdir /uploads && \\
    useradd -u 1000 -M user-defined-in-image && groupadd -g 50000 group-defined-in-image && \\
    usermod -a -G group-defined-in-image user-defined-in-image
COPY localhost.crt localhost.key agnhost /
# Upstream agnhost is Alpine, whose sh passes environment variables with
# names like data-1 on to its children; Debian's dash and busybox-static's
# ash drop them, bash keeps them.
RUN ln -sf bash /bin/sh && ln -s agnhost /agnhost-2
EXPOSE 80 8080 8081 9376 5000
ENTRYPOINT [\"/agnhost\"]
CMD [\"pause\"]"
build "$e2e/agnhost:2.63.0" "$agnhost_body"
build "$e2e/agnhost:2.55" "$agnhost_body"

for name in kitten nautilus; do
  # kubectl's Update Demo spec reads data.json to tell the two images apart.
  printf '{\n  "image": "%s.jpg"\n}\n' "$name" >"$ctx/common/$name.json"
  build "$e2e/$name:1.8" "FROM $e2e/agnhost:2.63.0
COPY $name.json /data.json
CMD [\"test-webserver\"]"
done

build "$e2e/nonewprivs:1.4" "FROM $e2e/busybox:1.37.0-1
COPY nnp /usr/local/bin/nnp
RUN chmod u+s /usr/local/bin/nnp
CMD [\"nnp\"]"

nginx_body="FROM $base
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null && \\
    rm -rf /var/lib/apt/lists/* && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD [\"nginx\", \"-g\", \"daemon off;\"]"
build "$e2e/nginx:1.15-4" "$nginx_body"
build "$e2e/nginx:1.27-0" "$nginx_body"

build "$e2e/glibc-dns-testing:2.0.0" "FROM $base
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dnsutils >/dev/null && \\
    rm -rf /var/lib/apt/lists/*"

printf '%s\n' "${built[@]}"
