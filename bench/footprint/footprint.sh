#!/usr/bin/env bash
# Footprint of a running local cluster (deploy/local/cluster.sh): RSS and CPU of every
# component, idle and then with N pods (default 100) spread over the nodes. Prints a
# table per phase and the totals the issue's targets are about:
#   control plane incl. etcd and NATS ≤ 450 MB RSS;  kubelet + kube-proxy ≤ 150 MB per node.
# Usage: bash bench/footprint/footprint.sh [PODS]   (env as for cluster.sh: BERTH_HOME, BERTH_CLUSTER)
# CPU is the share of one core over a 20 s window. The pods are removed at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
home=${BERTH_HOME:-$HOME/.berth}; cluster=${BERTH_CLUSTER:-berth}; pods=${1:-100}
berth() { node "$root/apps/cli/bin/berth.mjs" --kubeconfig "$home/config" "$@"; }
hz=$(getconf CLK_TCK)

# name=pid lines for every component
components() {
  for c in etcd nats apiserver scheduler controller-manager; do
    echo "$c=$(docker inspect -f '{{.State.Pid}}' "$cluster-$c")"
  done
  for f in "$home"/run/*-kubelet.pid "$home"/run/*-kube-proxy.pid; do
    local n; n=$(basename "$f" .pid); echo "$n=$(cat "$f")"
  done
}
rss_mb() { awk '/^VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

measure() {
  local phase=$1 window=20
  declare -A t0
  local line
  for line in $(components); do t0[${line%%=*}]=$(ticks "${line#*=}"); done
  sleep $window
  echo "## $phase"
  printf '%-26s %8s %8s\n' component 'RSS MB' 'CPU %'
  local cp=0 nodes_total=0
  for line in $(components); do
    local name=${line%%=*} pid=${line#*=} rss cpu
    rss=$(rss_mb "$pid"); cpu=$(( ( $(ticks "$pid") - t0[$name] ) * 100 / (hz * window) ))
    printf '%-26s %8s %8s\n' "$name" "$rss" "$cpu"
    case $name in *-kubelet|*-kube-proxy) nodes_total=$((nodes_total + rss)) ;; *) cp=$((cp + rss)) ;; esac
  done
  local n; n=$(ls "$home"/run/*-kubelet.pid | wc -l)
  printf 'control plane total: %s MB (target ≤ 450)   kubelet + kube-proxy per node: %s MB (target ≤ 150)\n\n' "$cp" $((nodes_total / n))
}

measure idle
berth apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: footprint}
spec:
  replicas: $pods
  selector: {matchLabels: {app: footprint}}
  template:
    metadata: {labels: {app: footprint}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: sleep, image: busybox, command: [sleep, "3600"]}
YAML
for _ in $(seq 1 600); do
  [ "$(berth get deploy footprint -o jsonpath='{.status.availableReplicas}')" = "$pods" ] && break; sleep 1
done
echo "$(berth get deploy footprint -o jsonpath='{.status.availableReplicas}') of $pods pods running"
measure "with $pods pods"
berth delete deployment footprint >/dev/null
