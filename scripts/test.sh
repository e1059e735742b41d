#!/usr/bin/env bash
# The README's test command: generated code up to date, types, lint, then every project's
# tests (unit and integration with real etcd and NATS started by the harness).
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_SKIP_NX_CACHE=true
echo "== generated code"; bash scripts/verify-gen.sh
echo "== typecheck"; npx tsc -p tsconfig.json
echo "== lint"; npx nx show projects >/dev/null; npx eslint --max-warnings=0 .
echo "== tests"
out=$(mktemp); trap 'rm -f "$out"' EXIT
set +e
npx nx run-many -t test --parallel=1 --outputStyle=stream 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
set -e
pass=$(grep -E 'ℹ pass [0-9]+$' "$out" | awk '{s+=$NF} END {print s+0}')
fail=$(grep -E 'ℹ fail [0-9]+$' "$out" | awk '{s+=$NF} END {print s+0}')
echo "$pass passed, $fail failed"
if [ "$pass" -eq 0 ]; then echo "error: no test ran" >&2; exit 1; fi
exit "$rc"
