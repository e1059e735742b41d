#!/usr/bin/env bash
# Brings up Berth's control plane on this machine: etcd, NATS (JetStream) and the apiserver
# over TLS with certificates from a local cluster CA, and writes ~/.berth/config for `berth`.
# Idempotent: what already runs is left alone. Stop everything with deploy/local/down.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
home=${BERTH_HOME:-$HOME/.berth}
run=$home/run; logs=$home/logs
etcd_port=${BERTH_ETCD_PORT:-2379}; nats_port=${BERTH_NATS_PORT:-4222}; api_port=${BERTH_API_PORT:-6443}
mkdir -p "$run" "$logs"

die() { echo "error: $*" >&2; exit 1; }
alive() { [ -f "$run/$1.pid" ] && kill -0 "$(cat "$run/$1.pid")" 2>/dev/null; }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_http() { for _ in $(seq 1 150); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
failed=1
cleanup_on_failure() { if [ "$failed" = 1 ]; then echo "up failed: stopping what it started (logs in $logs)" >&2; bash "$root/deploy/local/down.sh" >/dev/null 2>&1 || true; fi; }
trap cleanup_on_failure EXIT

bash "$root/scripts/install-system-deps.sh"
command -v curl >/dev/null || { apt-get install -y -qq curl >/dev/null 2>&1 || die "curl is missing: apt-get install curl"; }
[ -d "$root/node_modules/@berth/api" ] || (cd "$root" && npm ci --no-audit --no-fund)

for svc in etcd:$etcd_port nats:$nats_port apiserver:$api_port; do
  name=${svc%%:*}; port=${svc##*:}
  if ! alive "$name" && ! port_free "$port"; then
    die "port $port (for $name) is already in use: stop what holds it, or set BERTH_${name^^}_PORT"
  fi
done

if ! alive etcd; then
  etcd --name berth --data-dir "$home/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$((etcd_port + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
    --initial-cluster "berth=http://127.0.0.1:$((etcd_port + 1))" --logger zap --log-level warn \
    --experimental-watch-progress-notify-interval 100ms >"$logs/etcd.log" 2>&1 &
  echo $! >"$run/etcd.pid"
  wait_http "http://127.0.0.1:$etcd_port/health" || die "etcd did not become healthy; see $logs/etcd.log"
fi

if ! alive nats; then
  nats-server -a 127.0.0.1 -p "$nats_port" -m $((nats_port + 4000)) -js -sd "$home/nats" >"$logs/nats.log" 2>&1 &
  echo $! >"$run/nats.pid"
  wait_http "http://127.0.0.1:$((nats_port + 4000))/healthz?js-enabled-only=true" || die "nats-server did not become healthy; see $logs/nats.log"
fi

(cd "$root" && npx tsx deploy/local/gen-pki.ts "$home/pki" "$home/config" "https://127.0.0.1:$api_port")

if ! alive apiserver; then
  (cd "$root" && exec node --import tsx apps/apiserver/src/main.ts \
    --bind-address "127.0.0.1:$api_port" --health-port $((api_port + 1)) \
    --etcd-servers "http://127.0.0.1:$etcd_port" --nats-url "nats://127.0.0.1:$nats_port" \
    --tls-cert-file "$home/pki/apiserver.crt" --tls-private-key-file "$home/pki/apiserver.key" \
    --client-ca-file "$home/pki/ca.crt") >"$logs/apiserver.log" 2>&1 &
  echo $! >"$run/apiserver.pid"
  wait_http "http://127.0.0.1:$((api_port + 1))/readyz" || die "the apiserver did not become ready; see $logs/apiserver.log"
fi

failed=0
cat <<MSG
Berth control plane is up: apiserver https://127.0.0.1:$api_port (health http://127.0.0.1:$((api_port + 1))/readyz)
kubeconfig: $home/config     logs: $logs
Try:  npx berth get namespaces      Stop: bash deploy/local/down.sh
MSG
