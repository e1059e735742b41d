#!/usr/bin/env bash
# Builds one image per Berth component, locally and without any registry:
#   berth/<app>:<version>   app in: apiserver scheduler controller-manager kubelet kube-proxy dns
#                           version: the root package.json's
#   berth/etcd:<version>, berth/nats:<version>   Debian's etcd and nats-server binaries (+ their ldd libs) FROM scratch
# Each image is FROM berth/node:20 with /app/main.mjs (an esbuild bundle of apps/<app>/src/main.ts) and, in
# /app/node_modules, the packages that cannot be bundled plus their production dependency closure.
# kubelet and kube-proxy also get the host's iptables (nft backend), nft, ip (iproute2) and conntrack (if installed).
# Incremental: a bundle is redone only when one of its inputs (from esbuild's metafile), the unbundled
# packages' package.json or this script changed; an image is rebuilt only when its context hash changed (lib.sh).
# Output: dist/images/<app>/ (what goes to /app), dist/images/.state/ (metafiles and input stamps).
# Env: DOCKER_HOST (optional, e.g. unix:///run/node1.sock), BERTH_COMPONENTS (space-separated subset of the names above).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/lib.sh"                    # DOCKER, ctx_hash, build, image_id
cd "$repo"                          # esbuild's metafile and closure.mjs use paths relative to the repo root

APPS="apiserver scheduler controller-manager kubelet kube-proxy dns"
INFRA="etcd nats"
ALL="$APPS $INFRA"
WANT=${BERTH_COMPONENTS:-$ALL}
COMPONENTS=; SERVERS=
for app in $WANT; do
  [[ " $ALL " == *" $app "* ]] || { echo "error: unknown component '$app' (known: $ALL)" >&2; exit 1; }
  if [[ " $INFRA " == *" $app "* ]]; then SERVERS+=" $app"; else COMPONENTS+=" $app"; fi
done
VERSION=$(node -p 'require("./package.json").version')
ESBUILD=$repo/node_modules/.bin/esbuild
OUT=$repo/dist/images
STATE=$OUT/.state
# ESM output, but bundled CommonJS packages still call require() (node builtins, their own files).
BANNER="import { createRequire as __berthCreateRequire } from 'node:module'; const require = __berthCreateRequire(import.meta.url);"
WORK=$(mktemp -d /tmp/berth-components.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$STATE"

# Packages an app must not bundle: dockerode loads .proto files relative to its own directory, and its
# ssh2/cpu-features have optional native parts.
externals() {
  case $1 in
    kubelet) echo dockerode ;;
  esac
}
needs_net_tools() { [ "$1" = kubelet ] || [ "$1" = kube-proxy ]; }

# V8 flags of an app's entrypoint. The control plane allocates a little per request and per
# watch event: semi-spaces of 32 MB instead of V8's 16 MB scavenge half as often and promote
# less (GC went from 14% to 10% of the apiserver's busy time in bench/scheduler; ~10 MB more
# RSS under load, none at idle). Node agents get their small-heap flags from cluster.sh.
node_flags() {
  case $1 in apiserver|scheduler|controller-manager) printf '"--max-semi-space-size=32",' ;; esac
}

# bundle APP: makes dist/images/APP/{main.mjs,node_modules/} unless its inputs are unchanged; sets BUNDLED=1 if it did.
bundle() {
  local app=$1 out=$OUT/$1 meta=$STATE/$1.meta.json stamp=$STATE/$1.stamp
  local closure=() ext=() d pkgs
  pkgs=$(externals "$app")
  # shellcheck disable=SC2086  # one word per package
  [ -z "$pkgs" ] || mapfile -t closure < <(node "$here/closure.mjs" $pkgs)
  # The whole closure stays external (it ships in node_modules anyway): no second, bundled copy of grpc-js etc.
  # Nested copies (node_modules/x/node_modules/y) are only reachable from x, so they need no flag.
  for d in "${closure[@]}"; do
    [[ "${d#node_modules/}" == */node_modules/* ]] || ext+=("--external:${d#node_modules/}")
  done
  local args=("apps/$app/src/main.ts" --bundle --platform=node --target=node20 --format=esm "--banner:js=$BANNER"
    "--outfile=$out/main.mjs" "--metafile=$meta" --log-level=warning "${ext[@]}")

  # The inputs of the last bundle (its metafile), the esbuild command line and version, these scripts and the
  # unbundled packages' versions. An edit that adds an import changes an existing input, so the list stays valid.
  input_key() {
    {
      "$ESBUILD" --version; printf '%s\n' "${args[@]}"
      sha256sum "$here/build-components.sh" "$here/closure.mjs"
      for d in "${closure[@]}"; do sha256sum "$d/package.json"; done
      node -e 'for (const f of Object.keys(require(process.argv[1]).inputs)) console.log(f)' "$meta" | xargs -r -d '\n' sha256sum 2>/dev/null || true
    } | sha256sum | cut -c1-16
  }
  if [ -f "$out/main.mjs" ] && [ -f "$meta" ] && [ -f "$stamp" ] && [ "$(input_key)" = "$(cat "$stamp")" ]; then
    echo "bundle up to date: $app"; return
  fi
  rm -rf "$out" "$stamp"; mkdir -p "$out"
  "$ESBUILD" "${args[@]}"
  # Each package directory without its own node_modules (nested packages are closure entries of their own);
  # type declarations and source maps are never loaded at run time.
  for d in "${closure[@]}"; do
    mkdir -p "$out/$d"
    tar -C "$d" --exclude=node_modules --exclude='*.d.ts' --exclude='*.map' -cf - . | tar -C "$out/$d" -xf -
  done
  input_key > "$stamp"
  BUNDLED=1
  echo "bundled: $app ($(du -sh "$out" | cut -f1))"
}

# smoke_check APP DIR: the bundle in DIR must start and reach its config parsing, which rejects an unknown flag
# with "error: Unknown option ..." and exit code 2. DIR is outside the repo, so nothing resolves from the repo's node_modules.
smoke_check() {
  local app=$1 dir=$2 rc=0 err
  err=$(node "$dir/main.mjs" --berth-smoke-check 2>&1 >/dev/null) || rc=$?
  if [ $rc != 2 ] || [[ "$err" != *"Unknown option"* ]]; then
    echo "error: $app bundle does not start (exit $rc, expected 2 with a config error):" >&2
    echo "$err" | head -20 >&2
    exit 1
  fi
}

# net_tools_rootfs ROOT: the host's iptables (nft backend, modules dir), nft, ip and conntrack, with the shared
# libraries berth/node:20 lacks (it has node's ldd libs only). Paths as on Debian.
net_tools_rootfs() {
  local root=$1 xt=/usr/lib/x86_64-linux-gnu/xtables l f bins=()
  # /run: `ip netns add` creates /run/netns but not /run itself, and berth/node:20 has none
  mkdir -p "$root/usr/sbin" "$root/sbin" "$root$xt" "$root/run"
  cp /usr/sbin/xtables-nft-multi "$root/usr/sbin/"; bins+=(/usr/sbin/xtables-nft-multi)
  for l in iptables iptables-save iptables-restore; do ln -s xtables-nft-multi "$root/usr/sbin/$l"; done
  cp -a "$xt/." "$root$xt/"
  f=$(readlink -f /usr/sbin/ip); cp "$f" "$root/usr/sbin/ip"; bins+=("$f")
  ln -s /usr/sbin/ip "$root/sbin/ip"          # replaces busybox's ip applet (it has no `ip netns`)
  if f=$(PATH=/usr/sbin:/sbin:$PATH command -v nft); then   # kube-proxy --proxy-mode nftables
    f=$(readlink -f "$f"); cp "$f" "$root/usr/sbin/nft"; bins+=("$f")
  fi
  if f=$(PATH=/usr/sbin:/sbin:$PATH command -v conntrack); then
    f=$(readlink -f "$f"); cp "$f" "$root/usr/sbin/conntrack"; bins+=("$f")
  else
    echo "note: conntrack is not installed on this host; images get no conntrack (UDP conntrack clearing is skipped)"
  fi
  local have; have=$(ldd "$(readlink -f "$(command -v node)")" | grep -oE '/[^ ]+')
  for l in $(for f in "${bins[@]}" "$xt"/*.so; do ldd "$f"; done | grep -oE '/[^ ]+' | sort -u); do
    grep -qxF "$l" <<<"$have" && continue
    mkdir -p "$root$(dirname "$l")"; cp -L "$l" "$root$l"
  done
}

# ---- base image: built by build.sh, only when missing ----
if ! "$DOCKER" image inspect berth/node:20 >/dev/null 2>&1; then
  BERTH_IMAGES=node bash "$here/build.sh"
fi
NB=$(image_id berth/node:20)

TOOLS=
for app in $COMPONENTS; do
  BUNDLED=0
  bundle "$app"
  C=$WORK/$app; mkdir -p "$C"
  cp -a "$OUT/$app" "$C/app"
  [ $BUNDLED = 0 ] || smoke_check "$app" "$C/app"
  df='FROM berth/node:20\n'
  if needs_net_tools "$app"; then
    [ -n "$TOOLS" ] || { TOOLS=$WORK/net-tools; net_tools_rootfs "$TOOLS"; }
    cp -a "$TOOLS" "$C/rootfs"
    df+='COPY rootfs/ /\n'
  fi
  df+="COPY app/ /app/\nENTRYPOINT [\"node\",$(node_flags "$app")\"/app/main.mjs\"]\n"
  printf '%b' "$df" > "$C/Dockerfile"
  build "$C" "$NB" "berth/$app:$VERSION"
done

# ---- etcd and NATS: the Debian binaries the tests also use, each alone in its image ----
server_binary() { case $1 in etcd) command -v etcd ;; nats) command -v nats-server ;; esac; }
for srv in $SERVERS; do
  bin=$(server_binary "$srv") || { echo "error: $srv is not installed: apt-get install $([ "$srv" = etcd ] && echo etcd-server || echo nats-server)" >&2; exit 1; }
  bin=$(readlink -f "$bin")
  C=$WORK/$srv; mkdir -p "$C/rootfs/usr/local/bin" "$C/rootfs/tmp" "$C/rootfs/data"; chmod 1777 "$C/rootfs/tmp"
  cp "$bin" "$C/rootfs/usr/local/bin/$srv"
  for l in $(ldd "$bin" 2>/dev/null | grep -oE '/[^ ]+' || true); do mkdir -p "$C/rootfs$(dirname "$l")"; cp -L "$l" "$C/rootfs$l"; done
  printf 'FROM scratch\nCOPY rootfs/ /\nENTRYPOINT ["/usr/local/bin/%s"]\n' "$srv" > "$C/Dockerfile"
  build "$C" "" "berth/$srv:$VERSION"
done
