#!/usr/bin/env bash
# Regenerates libs/api-types/src/generated from protos/ with Debian's protoc and the
# protoc-gen-es plugin from npm (no network), then writes the index that exposes each
# proto package as a namespace. Usage: gen-protos.sh [output-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-libs/api-types/src/generated}
command -v protoc >/dev/null || { echo "protoc not found: apt-get install protobuf-compiler (or run scripts/install-system-deps.sh)" >&2; exit 1; }
plugin="$PWD/node_modules/.bin/protoc-gen-es"
[ -x "$plugin" ] || { echo "protoc-gen-es not found: run npm ci" >&2; exit 1; }
case "$out" in /*) abs=$out ;; *) abs="$PWD/$out" ;; esac
rm -rf "$abs" && mkdir -p "$abs"
mapfile -t protos < <(cd protos && find . -name '*.proto' | sed 's#^\./##' | sort)
(cd protos && protoc -I . --plugin=protoc-gen-es="$plugin" --es_out="$abs" \
  --es_opt=target=ts,json_types=true,import_extension=none "${protos[@]}")
node scripts/write-api-index.mjs "$out"
