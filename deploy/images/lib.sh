# Helpers shared by build.sh and build-components.sh (sourced, not run).
# Idempotency: each image carries the label berth.build-hash (hash of its build context and base image);
# an image whose tags all carry the current hash is not rebuilt.
DOCKER=/usr/bin/docker; [ -x "$DOCKER" ] || DOCKER=$(command -v docker)
export DOCKER_BUILDKIT=0            # Debian's docker.io has no buildx; the legacy builder is enough

# ctx_hash DIR EXTRA: a stable hash of a build context (names, modes, contents) plus EXTRA (base image ids).
ctx_hash() {
  { tar -C "$1" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - . | sha256sum; echo "$2"; } | sha256sum | cut -c1-16
}

# build CTX EXTRA TAG...: builds CTX with all TAGs unless every TAG already has the same build hash.
build() {
  local ctx=$1 extra=$2; shift 2
  local hash; hash=$(ctx_hash "$ctx" "$extra")
  local fresh=1 t
  for t in "$@"; do
    [ "$("$DOCKER" image inspect -f '{{index .Config.Labels "berth.build-hash"}}' "$t" 2>/dev/null || true)" = "$hash" ] || fresh=0
  done
  if [ $fresh = 1 ]; then echo "up to date: $*"; return; fi
  local args=() ; for t in "$@"; do args+=(-t "$t"); done
  "$DOCKER" build -q --label "berth.build-hash=$hash" "${args[@]}" "$ctx" >/dev/null
  echo "built: $* ($hash)"
}

image_id() { "$DOCKER" image inspect -f '{{.Id}}' "$1"; }
