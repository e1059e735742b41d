#!/usr/bin/env bash
# Regenerates libs/api-types/src/generated from protos/ (protoc-gen-es via buf, both from npm,
# no network), then writes the index that exposes each proto package as a namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-libs/api-types/src/generated}
export PATH="$PWD/node_modules/.bin:$PATH"
if [ "$out" = libs/api-types/src/generated ]; then
  buf generate
else
  tmp=$(mktemp -d); sed "s#out: libs/api-types/src/generated#out: $out#" buf.gen.yaml > "$tmp/buf.gen.yaml"
  buf generate --template "$tmp/buf.gen.yaml"; rm -rf "$tmp"
fi
node scripts/write-api-index.mjs "$out"
