#!/usr/bin/env bash
# A Berth cluster on this machine, each worker node isolated like a VM (infra-notes §5b):
#   cluster.sh up [--nodes N] | down [--purge] | status
#
# Control plane: etcd, NATS, apiserver, scheduler and controller-manager, each in its own
# container on the host's dockerd (host network; the apiserver and NATS listen on the node
# bridge's address). Node X: network namespace <cluster>-nodeX with eth0 = <subnet>.(10+X)
# on the host bridge <cluster>-br, its own dockerd (started with nsenter --net, not
# `ip netns exec`, which hides the cgroup mounts), and a kubelet and kube-proxy running in
# that namespace as the node's system services. The kubelet programs the host-gw routes
# to the other nodes' pod CIDRs (--pod-routes). Cluster DNS runs as pods (deploy/addons).
#
# up is idempotent: what runs is left alone. down removes every namespace, bridge, rule,
# container and process up made, also after a failed up. State lives in $BERTH_HOME.
# Env: BERTH_HOME (~/.berth), BERTH_CLUSTER (berth; ≤ 8 chars, names interfaces),
# BERTH_NODE_SUBNET (172.31.0: first three octets of the node network),
# BERTH_API_PORT (6443), BERTH_ETCD_PORT (2379), BERTH_NATS_PORT (4222), BERTH_NODES (2),
# BERTH_NODE_MONITOR_GRACE_PERIOD (40s), BERTH_POD_EVICTION_TIMEOUT (300s).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
home=${BERTH_HOME:-$HOME/.berth}
cluster=${BERTH_CLUSTER:-berth}
subnet=${BERTH_NODE_SUBNET:-172.31.0}
api_port=${BERTH_API_PORT:-6443}; etcd_port=${BERTH_ETCD_PORT:-2379}; nats_port=${BERTH_NATS_PORT:-4222}
cluster_cidr=10.244.0.0/16; service_cidr=10.96.0.0/12
bridge=$cluster-br; host_ip=$subnet.1
# The host's guard routes for the pod and service CIDRs: a packet sent there from the host
# (a typo'd curl, a stray process) must never leave the machine by its default route. One
# metric per cluster, so that down removes only its own.
guard_metric=$((4000 + ${subnet##*.}))
run=$home/run; logs=$home/logs; pki=$home/pki
DOCKER=/usr/bin/docker; [ -x "$DOCKER" ] || DOCKER=$(command -v docker || echo docker)
version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$root/package.json" | head -1)

die() { echo "error: $*" >&2; exit 1; }
say() { echo "• $*"; }
port_free() { ! (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
wait_until() { local n=$1; shift; for _ in $(seq 1 "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1; }
alive() { [ -f "$run/$1.pid" ] && kill -0 "$(cat "$run/$1.pid")" 2>/dev/null; }
node_name() { echo "$cluster-node$1"; }
node_sock() { echo "/run/$(node_name "$1").sock"; }
ndocker() { local x=$1; shift; "$DOCKER" -H "unix://$(node_sock "$x")" "$@"; }
berth() { node "$root/apps/cli/bin/berth.mjs" --kubeconfig "$home/config" "$@"; }
# Nodes that exist in any form (netns, state dir): what down must clean.
known_nodes() {
  { ip netns list 2>/dev/null | awk '{print $1}' | sed -n "s/^$cluster-node\([0-9]\+\)$/\1/p"
    ls "$home/nodes" 2>/dev/null | sed -n "s/^$cluster-node\([0-9]\+\)$/\1/p"; } | sort -un
}

# ---------------------------------------------------------------------------- down
stop_pid() {
  local f=$run/$1.pid pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

down_node() {
  local x=$1 n pid; n=$(node_name "$x")
  stop_pid "$n-kubelet"; stop_pid "$n-kube-proxy"
  if [ -S "$(node_sock "$x")" ]; then
    # rm -f, not stop: PID 1 of many images ignores SIGTERM and dockerd would wait 10 s each.
    local ids; ids=$(ndocker "$x" ps -aq 2>/dev/null || true)
    [ -z "$ids" ] || ndocker "$x" rm -f $ids >/dev/null 2>&1 || true
  fi
  for pid in $(cat "$run/$n-dockerd.pid" "/run/$n.pid" 2>/dev/null | sort -u); do
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  rm -f "$run/$n-dockerd.pid"
  # Whatever is left, even if the state directory was lost: every process in the node's
  # network namespace (agents, dockerd, containerd, shims) and in its cgroups (containers).
  local left; left=$( { ip netns pids "$n" 2>/dev/null; cat /sys/fs/cgroup/*/"$n"/cgroup.procs /sys/fs/cgroup/*/"$n"/*/cgroup.procs /sys/fs/cgroup/*/"$n"/*/*/cgroup.procs 2>/dev/null; } | sort -u)
  [ -z "$left" ] || kill -9 $left 2>/dev/null || true
  grep -o " [^ ]*/nodes/$n/docker[^ ]* \|/run/$n/[^ ]* " /proc/mounts 2>/dev/null | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  ip netns del "$n" 2>/dev/null || true
  ip link del "$cluster-n$x-h" 2>/dev/null || true
  for d in /sys/fs/cgroup/*/"$n"; do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null; done
  rm -rf "/run/$n" "/run/$n.sock" "/run/$n.pid"
  rm -rf "$home/nodes/$n/kubelet"   # pod volumes; the node's image store is kept for the next up
}

down() {
  set +e   # best effort: every step runs even if an earlier one found nothing to remove
  local purge=${1:-}
  for x in $(known_nodes); do down_node "$x"; say "node $(node_name "$x") removed"; done
  if "$DOCKER" info >/dev/null 2>&1; then
    local ids c; ids=$("$DOCKER" ps -aq --filter "label=berth.cluster=$cluster")
    if [ -n "$ids" ]; then
      # Their logs outlive them, for the post-mortem of a failed up.
      for c in $("$DOCKER" inspect -f '{{.Name}}' $ids); do [ -d "$logs" ] && "$DOCKER" logs "${c#/}" >"$logs/${c#/$cluster-}.log" 2>&1; done
      "$DOCKER" rm -f $ids >/dev/null; say "control plane containers removed"
    fi
  fi
  while iptables -w -D DOCKER-USER -i "$bridge" -m comment --comment "$cluster-cluster" -j ACCEPT 2>/dev/null; do :; done
  while iptables -w -D DOCKER-USER -o "$bridge" -m comment --comment "$cluster-cluster" -j ACCEPT 2>/dev/null; do :; done
  ip link del "$bridge" 2>/dev/null && say "bridge $bridge removed" || true
  for cidr in $cluster_cidr $service_cidr; do ip route del unreachable "$cidr" metric "$guard_metric" 2>/dev/null || true; done
  if [ "$purge" = --purge ]; then
    rm -rf "$home/etcd" "$home/nats" "$home/pki" "$home/config" "$home/logs" "$home/nodes" "$run"
    say "removed the cluster's data in $home"
  fi
  return 0
}

# ---------------------------------------------------------------------------- status
status() {
  printf '%-28s %s\n' COMPONENT STATE
  for c in etcd nats apiserver scheduler controller-manager; do
    local state; state=$("$DOCKER" inspect -f '{{.State.Status}}' "$cluster-$c" 2>/dev/null | head -1) || true
    printf '%-28s %s\n' "$c" "${state:-absent}"
  done
  for x in $(known_nodes); do
    local n; n=$(node_name "$x")
    for p in dockerd kubelet kube-proxy; do
      printf '%-28s %s\n' "$n/$p" "$(alive "$n-$p" && echo running || echo stopped)"
    done
  done
  [ -f "$home/config" ] && berth get nodes -o wide 2>/dev/null || true
}

# ---------------------------------------------------------------------------- up
preflight() {
  [ "$(id -u)" = 0 ] || die "cluster up needs root (network namespaces, bridges, iptables): run it with sudo"
  [[ "$cluster" =~ ^[a-z][a-z0-9]{0,7}$ ]] || die "BERTH_CLUSTER=$cluster: want 1-8 lowercase letters or digits, starting with a letter"
  [[ "$subnet" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "BERTH_NODE_SUBNET=$subnet: want three octets, e.g. 172.31.0"
  command -v node >/dev/null || die "node is missing: install Node.js 20"
  BERTH_NEED_DOCKER=1 BERTH_NEED_CLUSTER=1 bash "$root/scripts/install-system-deps.sh" || die "could not install the system packages (see above): run apt-get update and retry"
  for c in ip nsenter iptables dockerd etcd nats-server curl gcc; do command -v "$c" >/dev/null || die "$c is missing after installing packages: apt-get install the package that provides it"; done
  # A port held by something that is not this cluster: say which, and stop before making anything.
  local running=0; "$DOCKER" inspect "$cluster-apiserver" >/dev/null 2>&1 && running=1
  if [ $running = 0 ]; then
    for p in etcd:127.0.0.1:$etcd_port etcd-peer:127.0.0.1:$((etcd_port + 1)) nats:127.0.0.1:$nats_port apiserver:127.0.0.1:$api_port apiserver-health:127.0.0.1:$((api_port + 1)) scheduler-health:127.0.0.1:$((api_port + 10)) controller-manager-health:127.0.0.1:$((api_port + 11)); do
      IFS=: read -r what addr port <<<"$p"
      local knob=API; case $what in etcd*) knob=ETCD ;; nats*) knob=NATS ;; esac   # the others derive from the API port
      port_free "$addr" "$port" || die "port $port (for $what) is already in use: stop what holds it (ss -ltnp 'sport = :$port'), or set BERTH_${knob}_PORT"
    done
    if ip -4 addr show | grep -q "inet $host_ip/"; then
      ip link show "$bridge" >/dev/null 2>&1 || die "address $host_ip is already used on this machine: set BERTH_NODE_SUBNET to a free /24 (e.g. 172.31.5)"
    fi
  fi
}

build_all() {
  [ -d "$root/node_modules/@berth/api" ] || { say "installing npm dependencies"; (cd "$root" && npm ci --no-audit --no-fund >/dev/null); }
  bash "$root/scripts/start-dockerd.sh" >/dev/null || die "dockerd did not start: see /var/log/berth-dockerd.log"
  say "building images (incremental)"
  bash "$root/deploy/images/build.sh" | sed 's/^/  /'
  bash "$root/deploy/images/build-components.sh" | sed 's/^/  /'
  # The berth command as one bundle: a third of tsx's start-up time (bin/berth.mjs uses it while fresh).
  node "$root/apps/cli/scripts/bundle.mjs" || die "could not bundle the berth command"
}

gen_secrets() {
  local clients=(--client scheduler=system:kube-scheduler --client controller-manager=system:kube-controller-manager
    --client kube-proxy=system:kube-proxy --client dns=system:serviceaccount:kube-system:berth-dns)
  for x in $(seq 1 "$nodes"); do clients+=(--client "$(node_name "$x")=system:node:$(node_name "$x")/system:nodes"); done
  (cd "$root" && node --import tsx deploy/local/gen-pki.ts "$pki" "$home/config" "https://$host_ip:$api_port" --ip "$host_ip" "${clients[@]}") \
    || die "could not write the cluster certificates into $pki"
  local names=(); for x in $(seq 1 "$nodes"); do names+=("$(node_name "$x")"); done
  (cd "$root" && node --import tsx deploy/local/gen-nats-conf.ts "$pki/nats" "$host_ip:$nats_port" "127.0.0.1:$((nats_port + 4000))" "${names[@]}") \
    || die "could not write the NATS configuration"
}
nats_url() { echo "nats://$1:$(cat "$pki/nats/$1.pass")@$host_ip:$nats_port"; }

host_network() {
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge
    ip addr add "$host_ip/24" dev "$bridge"
  fi
  ip link set "$bridge" up
  for cidr in $cluster_cidr $service_cidr; do ip route replace unreachable "$cidr" metric "$guard_metric"; done
  # The host's FORWARD policy is DROP (dockerd) and br_netfilter sees bridged frames: let the nodes talk.
  for dir in -i -o; do
    iptables -w -C DOCKER-USER "$dir" "$bridge" -m comment --comment "$cluster-cluster" -j ACCEPT 2>/dev/null \
      || iptables -w -I DOCKER-USER "$dir" "$bridge" -m comment --comment "$cluster-cluster" -j ACCEPT
  done
}

# control_plane NAME [DOCKER-RUN-OPTIONS] IMAGE [ARGS]: one container on the host dockerd, host network.
control_plane() {
  local name=$1; shift
  local c=$cluster-$name
  if [ "$("$DOCKER" inspect -f '{{.State.Running}}' "$c" 2>/dev/null)" = true ]; then return; fi
  "$DOCKER" rm -f "$c" >/dev/null 2>&1 || true
  "$DOCKER" run -d --name "$c" --label "berth.cluster=$cluster" --network host --restart unless-stopped \
    --log-opt max-size=10m -v "$pki:$pki:ro" "$@" >/dev/null 2>"$logs/$name.err" \
    || die "could not start $name: $(tail -1 "$logs/$name.err")"
}

start_control_plane() {
  mkdir -p "$home/etcd" "$home/nats"
  control_plane etcd -v "$home/etcd:/var/lib/etcd" "berth/etcd:$version" \
    --name "$cluster" --data-dir /var/lib/etcd \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$((etcd_port + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
    --initial-cluster "$cluster=http://127.0.0.1:$((etcd_port + 1))" --logger zap --log-level warn \
    --experimental-watch-progress-notify-interval 100ms
  control_plane nats -v "$home/nats:/data" "berth/nats:$version" -c "$pki/nats/nats.conf"
  wait_until 150 curl -sf "http://127.0.0.1:$etcd_port/health" || die "etcd did not become healthy: see $logs/etcd.log"
  wait_until 150 curl -sf "http://127.0.0.1:$((nats_port + 4000))/healthz?js-enabled-only=true" || die "NATS did not become healthy: see $logs/nats.log"
  control_plane apiserver -e "BERTH_NATS_URL=$(nats_url control-plane)" "berth/apiserver:$version" \
    --bind-address "$host_ip:$api_port" --health-port $((api_port + 1)) \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" --client-ca-file "$pki/ca.crt" \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" --authorization-mode RBAC --service-cluster-ip-range "$service_cidr"
  wait_until 300 curl -sf "http://127.0.0.1:$((api_port + 1))/readyz" || die "the apiserver did not become ready: see $logs/apiserver.log"
  control_plane scheduler -e "BERTH_NATS_URL=$(nats_url control-plane)" "berth/scheduler:$version" \
    --apiserver "$host_ip:$api_port" --ca-file "$pki/ca.crt" --cert-file "$pki/scheduler.crt" --key-file "$pki/scheduler.key" \
    --health-port $((api_port + 10))
  control_plane controller-manager -e "BERTH_NATS_URL=$(nats_url control-plane)" "berth/controller-manager:$version" \
    --apiserver "$host_ip:$api_port" --certificate-authority "$pki/ca.crt" \
    --client-certificate "$pki/controller-manager.crt" --client-key "$pki/controller-manager.key" \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --health-port $((api_port + 11)) --cluster-cidr "$cluster_cidr" \
    --node-monitor-grace-period "${BERTH_NODE_MONITOR_GRACE_PERIOD:-40s}" --pod-eviction-timeout "${BERTH_POD_EVICTION_TIMEOUT:-300s}"
}

# Images every node has, loaded from the host's dockerd in one stream (layers are shared).
node_images() {
  "$DOCKER" images --format '{{.Repository}}:{{.Tag}}' | grep -E '^(berth/pause|busybox|alpine|nginx|mongo|vfarcic/[^:]+|prom/[^:]+|berth/node|berth/dns):' | sort
}

up_node() {
  local x=$1 n ip sock; n=$(node_name "$x"); ip=$subnet.$((10 + x)); sock=$(node_sock "$x")
  mkdir -p "$home/nodes/$n"
  if ! ip netns list | grep -qx "$n\( .*\)\?"; then
    ip netns add "$n"
  fi
  if ! ip link show "$cluster-n$x-h" >/dev/null 2>&1; then
    ip link add "$cluster-n$x-h" type veth peer name eth0 netns "$n"
    ip link set "$cluster-n$x-h" master "$bridge" up
    ip -n "$n" addr add "$ip/24" dev eth0
    ip -n "$n" link set lo up
    ip -n "$n" link set eth0 up
    ip -n "$n" route add default via "$host_ip"
  fi
  ip netns exec "$n" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.route_localnet=1
  if ! alive "$n-dockerd"; then
    # setsid: the daemons outlive this script. --bridge=none: the kubelet makes the pod network.
    # DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: Swarm (bench/rollout compares against it) would try
    # a registry before using a local image; there is no registry here.
    DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 setsid nsenter --net="/run/netns/$n" -- dockerd --data-root "$home/nodes/$n/docker" --exec-root "/run/$n" \
      --pidfile "/run/$n.pid" -H "unix://$sock" --bridge=none --userland-proxy=false --ip-masq=false \
      --cgroup-parent "/$n" >"$logs/$n-dockerd.log" 2>&1 </dev/null &
    echo $! >"$run/$n-dockerd.pid"
  fi
}

start_node_agents() {
  local x=$1 n ip; n=$(node_name "$x"); ip=$subnet.$((10 + x))
  wait_until 300 ndocker "$x" info || die "the dockerd of $n did not start: see $logs/$n-dockerd.log"
  # Only the images whose id differs from the host's are sent.
  local want=() img
  for img in $(node_images); do
    [ "$(ndocker "$x" image inspect -f '{{.Id}}' "$img" 2>/dev/null)" = "$("$DOCKER" image inspect -f '{{.Id}}' "$img")" ] || want+=("$img")
  done
  [ ${#want[@]} = 0 ] || "$DOCKER" save "${want[@]}" | ndocker "$x" load -q >/dev/null
  local bundle=$root/dist/images
  # Node agents are light on CPU and every MB counts per node: a small young generation, no
  # GC or compiler threads (about 3-4 MB less RSS each, measured in bench/footprint).
  local v8=(--optimize-for-size --max-semi-space-size=1 --single-threaded)
  if ! alive "$n-kubelet"; then
    BERTH_NATS_URL=$(nats_url "node-$n") setsid nsenter --net="/run/netns/$n" -- node "${v8[@]}" "$bundle/kubelet/main.mjs" \
      --apiserver "$host_ip:$api_port" --ca-file "$pki/ca.crt" --cert-file "$pki/$n.crt" --key-file "$pki/$n.key" \
      --node-name "$n" --node-ip "$ip" --docker-host "$(node_sock "$x")" --root-dir "$home/nodes/$n/kubelet" \
      --pod-routes --cluster-cidr "$cluster_cidr" >"$logs/$n-kubelet.log" 2>&1 </dev/null &
    echo $! >"$run/$n-kubelet.pid"
  fi
  if ! alive "$n-kube-proxy"; then
    setsid nsenter --net="/run/netns/$n" -- node "${v8[@]}" "$bundle/kube-proxy/main.mjs" \
      --apiserver "$host_ip:$api_port" --certificate-authority "$pki/ca.crt" \
      --client-certificate "$pki/kube-proxy.crt" --client-key "$pki/kube-proxy.key" \
      --node-name "$n" --cluster-cidr "$cluster_cidr" --service-cidr "$service_cidr" --localhost-nodeports \
      >"$logs/$n-kube-proxy.log" 2>&1 </dev/null &
    echo $! >"$run/$n-kube-proxy.pid"
  fi
}

nodes_ready() { [ "$(berth get nodes --no-headers 2>/dev/null | grep -c ' Ready ')" -ge "$nodes" ]; }
dns_available() { [ "$(berth get deploy berth-dns -n kube-system -o jsonpath='{.status.availableReplicas}' 2>/dev/null)" -ge 1 ] 2>/dev/null; }

addons() {
  berth get secret berth-dns-tls -n kube-system >/dev/null 2>&1 \
    || berth create secret generic berth-dns-tls -n kube-system --from-file "ca.crt=$pki/ca.crt" \
      --from-file "tls.crt=$pki/dns.crt" --from-file "tls.key=$pki/dns.key" >/dev/null
  sed "s#image: berth/dns:.*#image: berth/dns:$version#" "$root/deploy/addons/dns.yaml" | berth apply -f - >/dev/null
}

up() {
  nodes=${BERTH_NODES:-2}
  while [ $# -gt 0 ]; do
    case $1 in
      --nodes) nodes=${2:-}; shift 2 ;;
      --nodes=*) nodes=${1#--nodes=}; shift ;;
      *) die "unknown flag $1: usage: cluster.sh up [--nodes N]" ;;
    esac
  done
  [[ "$nodes" =~ ^[1-9][0-9]?$ ]] && [ "$nodes" -le 50 ] || die "--nodes: invalid value \"$nodes\": want 1-50"
  local t0=$SECONDS
  preflight
  mkdir -p "$run" "$logs"
  failed=1
  trap 'if [ "$failed" = 1 ]; then echo "cluster up failed: removing what it made (logs in $logs)" >&2; down >/dev/null 2>&1; fi' EXIT
  build_all
  gen_secrets
  host_network
  say "starting the control plane"
  start_control_plane
  say "starting $nodes node(s)"
  for x in $(seq 1 "$nodes"); do up_node "$x"; done
  for x in $(seq 1 "$nodes"); do start_node_agents "$x"; done
  # Nodes beyond --nodes from an earlier, larger up are removed.
  for x in $(known_nodes); do [ "$x" -le "$nodes" ] || { down_node "$x"; say "node $(node_name "$x") removed"; }; done
  wait_until 600 nodes_ready || die "nodes did not become Ready in 2 minutes: see $logs/*-kubelet.log"
  addons
  wait_until 900 dns_available || die "cluster DNS did not become available: berth describe pods -n kube-system"
  failed=0
  cat <<MSG
Berth cluster "$cluster" is up with $nodes node(s) in $((SECONDS - t0))s.
  kubeconfig: $home/config        logs: $logs
  apiserver:  https://$host_ip:$api_port   nodes: $(for x in $(seq 1 "$nodes"); do printf '%s ' "$subnet.$((10 + x))"; done)
Try:   $( [ "$home/config" = "$HOME/.berth/config" ] && echo "npx berth get nodes" || echo "KUBECONFIG=$home/config npx berth get nodes")
       then the walk-through in README.md
Stop:  npx berth cluster down     (or bash deploy/local/down.sh)
MSG
}

cmd=${1:-}; shift || true
case $cmd in
  up) up "$@" ;;
  down) [ "$(id -u)" = 0 ] || die "cluster down needs root: run it with sudo"; down "$@" ;;
  status) status ;;
  *) echo "usage: cluster.sh up [--nodes N] | down [--purge] | status" >&2; exit 2 ;;
esac
