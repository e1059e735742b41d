#!/usr/bin/env bash
# Starts Debian's dockerd in the background when no daemon answers, and waits until it is ready.
# Idempotent: does nothing when `docker info` already succeeds. Never uses --privileged.
# There is no systemd on the project machines (and policy-rc.d blocks service starts), so we run it ourselves.
# Env: DOCKER_HOST_SOCK (default /var/run/docker.sock), BERTH_DOCKERD_LOG (default /var/log/berth-dockerd.log),
#      BERTH_DOCKERD_TIMEOUT seconds (default 60).
set -euo pipefail
SOCK=${DOCKER_HOST_SOCK:-/var/run/docker.sock}
LOG=${BERTH_DOCKERD_LOG:-/var/log/berth-dockerd.log}
TIMEOUT=${BERTH_DOCKERD_TIMEOUT:-60}
# Debian's CLI matches the daemon's API version; fall back to whatever docker is on PATH.
DOCKER=/usr/bin/docker; [ -x "$DOCKER" ] || DOCKER=$(command -v docker || true)
here=$(cd "$(dirname "$0")" && pwd)

ready() { [ -n "$DOCKER" ] && "$DOCKER" -H "unix://$SOCK" info >/dev/null 2>&1; }

if ready; then exit 0; fi
if [ ! -x /usr/sbin/dockerd ]; then
  BERTH_NEED_DOCKER=1 bash "$here/install-system-deps.sh"
  DOCKER=/usr/bin/docker
fi
if [ "$(id -u)" != 0 ]; then echo "error: dockerd is not running and starting it needs root" >&2; exit 1; fi

# Another start may be in progress (a pidfile with a live process): just wait for it.
PIDFILE=/var/run/docker.pid
if ! { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }; then
  rm -f "$PIDFILE"
  # setsid: the daemon must outlive the shell or test process that started it.
  setsid /usr/sbin/dockerd -H "unix://$SOCK" --pidfile "$PIDFILE" >>"$LOG" 2>&1 < /dev/null &
fi
deadline=$((SECONDS + TIMEOUT))
until ready; do
  if [ $SECONDS -ge $deadline ]; then
    echo "error: dockerd did not become ready within ${TIMEOUT}s; last log lines ($LOG):" >&2
    tail -n 20 "$LOG" >&2 || true
    exit 1
  fi
  sleep 0.2
done
echo "dockerd ready on $SOCK"
