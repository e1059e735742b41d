#!/usr/bin/env bash
# Fails when the committed generated code differs from what protos/ generates,
# and when protos/ does not compile with Debian's protoc (the check for other languages).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/gen"
bash scripts/gen-protos.sh "$tmp/gen" >/dev/null
diff -r "$tmp/gen" libs/api-types/src/generated
diff "$tmp/index.ts" libs/api-types/src/index.ts
if command -v protoc >/dev/null; then
  mapfile -t protos < <(cd protos && find . -name '*.proto' | sed 's#^\./##' | sort)
  (cd protos && protoc -I . --include_imports --descriptor_set_out="$tmp/berth.pb" "${protos[@]}")
  mkdir -p "$tmp/py" "$tmp/cpp"
  (cd protos && protoc -I . --python_out="$tmp/py" --cpp_out="$tmp/cpp" "${protos[@]}")
  echo "protoc: ${#protos[@]} files compile for python and c++"
else
  echo "protoc missing: install protobuf-compiler" >&2; exit 1
fi
echo "generated code is up to date"
