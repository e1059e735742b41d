#!/usr/bin/env bash
# Stops what deploy/local/up.sh started (apiserver, NATS, etcd). Data stays in ~/.berth
# unless --purge is given.
set -uo pipefail
home=${BERTH_HOME:-$HOME/.berth}
run=$home/run
for name in apiserver nats etcd; do
  f=$run/$name.pid
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
    echo "stopped $name"
  fi
  rm -f "$f"
done
if [ "${1:-}" = "--purge" ]; then rm -rf "$home/etcd" "$home/nats" "$home/pki" "$home/config" "$home/logs"; echo "removed $home data"; fi
exit 0
