#!/usr/bin/env bash
# Run the Kubernetes [Conformance] specs that are not [Serial], [Disruptive]
# or [Slow] against a fresh devk cluster of one control plane and one worker,
# then summarise: conformance/summarize.py compares the failures with
# known-failures.txt (environmental ones, see README.md).
#
# Usage: conformance/run.sh [OUT_DIR]          (default: a new temp dir)
# Environment:
#   CONFORMANCE_BIN  dir with e2e.test and ginkgo (default /opt/devk-kube/conformance)
#   KUBECTL          kubectl of the same version (default $DEVK_KUBE_BINARIES/kubectl,
#                    else /opt/devk-kube/bin/kubectl, else kubectl on PATH)
#   DEVK             the devk binary (default: target/release/devk, else devk on PATH)
#   NODE_IMAGE       node image (default devk/node:v1.36.2)
#   KUBE_PROXY_MODE  iptables (default) or nftables
#   PROCS            ginkgo processes (default 4)
#   CLUSTER          cluster name (default conformance); KEEP=1 keeps it afterwards
#   FOCUS            a regexp choosing specs, to re-run some (default: \[Conformance\]);
#                    only [Conformance] specs are counted
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$(mktemp -d /tmp/devk-conformance.XXXXXX)}"
mkdir -p "$out"
bin="${CONFORMANCE_BIN:-/opt/devk-kube/conformance}"
kube_bin="${DEVK_KUBE_BINARIES:-/opt/devk-kube/bin}"
kubectl="${KUBECTL:-$( [ -x "$kube_bin/kubectl" ] && echo "$kube_bin/kubectl" || command -v kubectl || true)}"
devk="${DEVK:-$( [ -x "$here/../target/release/devk" ] && echo "$here/../target/release/devk" || command -v devk || true)}"
image="${NODE_IMAGE:-devk/node:v1.36.2}"
proxy_mode="${KUBE_PROXY_MODE:-iptables}"
procs="${PROCS:-4}"
cluster="${CLUSTER:-conformance}"

die() { echo "conformance: $*" >&2; exit 2; }
for f in e2e.test ginkgo; do [ -x "$bin/$f" ] || die "$bin/$f is missing (set CONFORMANCE_BIN)"; done
[ -n "$kubectl" ] || die "no kubectl: set KUBECTL"
[ -n "$devk" ] || die "no devk binary: cargo build --release, or set DEVK"
mapfile -t images < <(grep -v '^#' "$here/images.txt" | grep .)
for i in "${images[@]}"; do
  docker image inspect "$i" >/dev/null 2>&1 || die "image $i is missing: run conformance/build-images.sh AGNHOST"
done

cat >"$out/cluster.yaml" <<YAML
apiVersion: devk.dev/v1alpha1
kind: Cluster
nodes:
  - role: control-plane
  - role: worker
networking:
  kubeProxyMode: $proxy_mode
YAML
cleanup() {
  if [ "${KEEP:-0}" != 1 ]; then "$devk" delete --name "$cluster" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
"$devk" create --name "$cluster" --config "$out/cluster.yaml" --image "$image" --kubeconfig "$out/kubeconfig"
"$devk" load image --name "$cluster" "${images[@]}"
# The suite wants two schedulable nodes ("should have at least two untainted
# nodes"); devk taints the control plane when there are workers, as kind does.
"$kubectl" --kubeconfig "$out/kubeconfig" taint nodes "$cluster-control-plane" node-role.kubernetes.io/control-plane:NoSchedule-

echo "conformance: $procs ginkgo processes, kube-proxy $proxy_mode, results in $out"
start=$(date +%s)
status=0
"$bin/ginkgo" --procs="$procs" --timeout=3h --no-color \
  --focus="${FOCUS:-\[Conformance\]}" \
  --skip='\[Serial\]|\[Disruptive\]|\[Slow\]|Sample API Server' \
  --junit-report=junit.xml --output-dir="$out" \
  "$bin/e2e.test" -- \
  --provider=skeleton --kubeconfig="$out/kubeconfig" --kubectl-path="$kubectl" \
  --report-dir="$out" >"$out/e2e.log" 2>&1 || status=$?
echo "conformance: ginkgo exited $status after $(( ($(date +%s) - start) / 60 )) min (log: $out/e2e.log)"
if [ "$status" != 0 ]; then "$devk" export logs "$out/cluster-logs" --name "$cluster" >/dev/null 2>&1 || true; fi
python3 "$here/summarize.py" "$out/junit.xml" "$here/known-failures.txt"
