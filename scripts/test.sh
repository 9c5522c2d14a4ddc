#!/usr/bin/env bash
# The project's test command (`deno task test`): format, lint and type checks, then every test
# inside the test cluster's network namespace. The last line is "N passed, N failed[, N skipped]".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export NO_COLOR=1
# Deno's background update check would look up dl.deno.land; tests reach only the cluster.
export DENO_NO_UPDATE_CHECK=1

echo "== deno fmt --check, deno lint, deno check"
deno fmt --check
deno lint
deno check main.ts lib/ tests/ scripts/
# Tests run offline inside the namespace, so every npm package must be cached first.
deno install --quiet

echo "== test cluster"
started_cluster=0
if ! bash scripts/cluster/cluster.sh status >/dev/null 2>&1; then
  bash scripts/cluster/cluster.sh up
  started_cluster=1
fi

report=$(mktemp)
stop() {
  rm -f "$report"
  if [ "$started_cluster" = 1 ]; then bash scripts/cluster/cluster.sh down >/dev/null 2>&1 || true; fi
}
trap stop EXIT

echo "== deno test (inside the cluster's network namespace)"
tests_start=$(date +%s)
set +e
bash scripts/cluster/cluster.sh exec -- deno test --allow-all --quiet "$@" tests/ 2>&1 | tee "$report"
status=${PIPESTATUS[0]}
set -e

summary=$(grep -E '^(ok|FAILED) \|' "$report" | tail -n 1 || true)
passed=$(sed -n 's/.* \([0-9]\+\) passed.*/\1/p' <<<"$summary")
failed=$(sed -n 's/.* \([0-9]\+\) failed.*/\1/p' <<<"$summary")
ignored=$(sed -n 's/.* \([0-9]\+\) ignored.*/\1/p' <<<"$summary")
if [ -z "$passed" ]; then
  echo "deno test printed no summary (exit $status)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
echo "tests took $(($(date +%s) - tests_start))s"
line="$passed passed, ${failed:-0} failed"
if [ "${ignored:-0}" != 0 ]; then line="$line, $ignored skipped"; fi
echo "$line"
exit "$status"
