#!/usr/bin/env bash
# Builds every image Berth's pods need, locally and without any registry (infra-notes §2):
#   berth/pause:3.9                 static C pause (the pod sandbox)
#   busybox:latest                  Debian's busybox-static + applet links
#   berth/node:20                   FROM scratch + the host's node binary + its ldd libs + busybox userland
#   vfarcic/go-demo-2:{latest,1.0,2.0,3.0,4.0}, mongo:{latest,3.3,3.4}, alpine:latest, nginx:{latest,...},
#   vfarcic/jenkins:latest, prom/prometheus:v2.0.0, vfarcic/devops-toolkit-series:latest   stand-ins (book-features §D)
# Idempotent: each image carries the label berth.build-hash (hash of its build context and base image);
# an image whose tags all carry the current hash is skipped.
# Env: DOCKER_HOST (optional, e.g. unix:///run/node1.sock), BERTH_IMAGES (space-separated subset of the names below).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"                    # DOCKER, ctx_hash, build, image_id
WORK=$(mktemp -d /tmp/berth-images.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

if [ ! -x /bin/busybox ]; then
  [ "$(id -u)" = 0 ] || { echo "error: /bin/busybox missing (apt package busybox-static) and not root" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends busybox-static >/dev/null
fi

want() { [ -z "${BERTH_IMAGES:-}" ] || [[ " $BERTH_IMAGES " == *" $1 "* ]]; }

# A busybox rootfs (binary + one link per applet) in $1.
busybox_rootfs() {
  local root=$1 a
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/root"
  cp /bin/busybox "$root/bin/busybox"
  for a in $(/bin/busybox --list-full); do
    [ "$a" = bin/busybox ] && continue
    mkdir -p "$root/$(dirname "$a")"; ln -sf /bin/busybox "$root/$a"
  done
  chmod 1777 "$root/tmp"
  # Debian's busybox-static has no pkill/pgrep (the book runs `pkill mongod`)
  install -m 755 "$here/busybox-extras/pkill" "$root/usr/bin/pkill"; ln -sf pkill "$root/usr/bin/pgrep"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
}

# ---- pause ----
if want pause; then
  C=$WORK/pause; mkdir -p "$C"
  gcc -Os -static -o "$C/pause" "$here/pause/pause.c"; strip "$C/pause"
  printf 'FROM scratch\nCOPY pause /pause\nENTRYPOINT ["/pause"]\n' > "$C/Dockerfile"
  build "$C" "" berth/pause:3.9
fi

# ---- busybox, alpine, nginx, devops-toolkit-series ----
# The web servers run under a shell that exits on SIGTERM, as nginx does: httpd as PID 1 would
# ignore it (no handler) and every pod would take its whole grace period to stop.
C=$WORK/busybox; mkdir -p "$C"; busybox_rootfs "$C/rootfs"
printf 'FROM scratch\nCOPY rootfs/ /\nENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nCMD ["sh"]\n' > "$C/Dockerfile"
want busybox && build "$C" "" busybox:latest
BB=$(image_id busybox:latest)

if want alpine; then
  C=$WORK/alpine; mkdir -p "$C"
  # busybox provides wget; `curl` here is a small wget wrapper for the book's `curl <url>` commands.
  printf '#!/bin/sh\nargs=""\nfor a in "$@"; do case "$a" in -s|-S|-sS|-L|-f|-i) ;; *) args="$args $a";; esac; done\nexec wget -qO- $args\n' > "$C/curl"
  printf 'FROM busybox:latest\nCOPY curl /usr/bin/curl\nRUN chmod 755 /usr/bin/curl\nCMD ["sh"]\n' > "$C/Dockerfile"
  build "$C" "$BB" alpine:latest alpine:3.7
fi

if want nginx; then
  C=$WORK/nginx; mkdir -p "$C/html"
  printf '<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>\n' > "$C/html/index.html"
  printf 'FROM busybox:latest\nCOPY html/ /usr/share/nginx/html/\nEXPOSE 80\nCMD ["sh","-c","trap \x27exit 0\x27 TERM INT; httpd -f -v -p 80 -h /usr/share/nginx/html \x26 wait"]\n' > "$C/Dockerfile"
  build "$C" "$BB" nginx:latest nginx:alpine nginx:1.7.9 nginx:1.9.1 nginx:1.12.2 nginx:1.13.8
fi

if want devops-toolkit-series; then
  C=$WORK/dts; mkdir -p "$C/html"; cp "$here/static-site/index.html" "$C/html/index.html"
  printf 'FROM busybox:latest\nCOPY html/ /www/\nEXPOSE 80\nCMD ["sh","-c","trap \x27exit 0\x27 TERM INT; httpd -f -v -p 80 -h /www \x26 wait"]\n' > "$C/Dockerfile"
  build "$C" "$BB" vfarcic/devops-toolkit-series:latest
fi

# ---- node base and the node-based stand-ins ----
if want node || want go-demo-2 || want mongo || want jenkins || want prometheus; then
  C=$WORK/node; mkdir -p "$C"; busybox_rootfs "$C/rootfs"
  NODE=$(readlink -f "$(command -v node)")
  mkdir -p "$C/rootfs/usr/local/bin"; cp "$NODE" "$C/rootfs/usr/local/bin/node"
  for lib in $(ldd "$NODE" | grep -oE '/[^ ]+'); do
    mkdir -p "$C/rootfs$(dirname "$lib")"; cp -L "$lib" "$C/rootfs$lib"
  done
  printf 'FROM scratch\nCOPY rootfs/ /\nENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nCMD ["node"]\n' > "$C/Dockerfile"
  build "$C" "" berth/node:20
  NB=$(image_id berth/node:20)

  if want go-demo-2; then
    C=$WORK/go-demo-2; mkdir -p "$C"; cp "$here/go-demo-2/server.js" "$C/"
    printf 'FROM berth/node:20\nCOPY server.js /app/server.js\nENV DB=localhost\nEXPOSE 8080\nCMD ["node","/app/server.js"]\n' > "$C/Dockerfile"
    build "$C" "$NB" vfarcic/go-demo-2:latest
    for v in 1.0 2.0 3.0 4.0; do
      V=$WORK/go-demo-2-$v; mkdir -p "$V"
      printf 'FROM vfarcic/go-demo-2:latest\nENV RELEASE=%s\n' "$v" > "$V/Dockerfile"
      build "$V" "$(image_id vfarcic/go-demo-2:latest)" "vfarcic/go-demo-2:$v"
    done
  fi
  if want mongo; then
    C=$WORK/mongo; mkdir -p "$C"; cp "$here/mongo/mongod.js" "$here/mongo/mongo.sh" "$C/"
    printf '#!/bin/sh\nexec node /opt/mongo/mongod.js "$@"\n' > "$C/mongod"
    printf 'FROM berth/node:20\nCOPY mongod.js /opt/mongo/mongod.js\nCOPY mongod /usr/bin/mongod\nCOPY mongo.sh /usr/bin/mongo\nRUN chmod 755 /usr/bin/mongod /usr/bin/mongo\nEXPOSE 27017 28017\nCMD ["mongod"]\n' > "$C/Dockerfile"
    build "$C" "$NB" mongo:latest mongo:3.3 mongo:3.4
  fi
  if want jenkins; then
    C=$WORK/jenkins; mkdir -p "$C"; cp "$here/jenkins/jenkins.js" "$C/"
    printf 'FROM berth/node:20\nCOPY jenkins.js /opt/jenkins/jenkins.js\nRUN mkdir -p /var/jenkins_home\nEXPOSE 8080 50000\nCMD ["node","/opt/jenkins/jenkins.js"]\n' > "$C/Dockerfile"
    build "$C" "$NB" vfarcic/jenkins:latest
  fi
  if want prometheus; then
    C=$WORK/prometheus; mkdir -p "$C"; cp "$here/prometheus/prometheus.js" "$C/"
    printf '#!/bin/sh\nexec node /opt/prometheus/prometheus.js "$@"\n' > "$C/prometheus"
    printf 'scrape_configs: []\n' > "$C/prometheus.yml"
    printf 'FROM berth/node:20\nCOPY prometheus.js /opt/prometheus/prometheus.js\nCOPY prometheus /bin/prometheus\nCOPY prometheus.yml /etc/prometheus/prometheus.yml\nRUN chmod 755 /bin/prometheus\nEXPOSE 9090\nENTRYPOINT ["/bin/prometheus"]\nCMD ["--config.file=/etc/prometheus/prometheus.yml"]\n' > "$C/Dockerfile"
    build "$C" "$NB" prom/prometheus:v2.0.0
  fi
fi
