#!/usr/bin/env bash
# Runs every *.test.ts under the current project's src/ with node's test runner (via tsx).
# Node 20's --test does not expand globs or pick up .ts files in directories, so list them.
set -euo pipefail
mapfile -t files < <(find src -name '*.test.ts' 2>/dev/null | sort)
if [ ${#files[@]} -eq 0 ]; then
  echo "no tests in $(basename "$PWD")"; exit 0
fi
exec node --import tsx --test --test-concurrency=1 --test-reporter=spec "$@" "${files[@]}"
