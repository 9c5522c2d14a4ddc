#!/usr/bin/env bash
# `deno task bench`: every benchmark, each printing kubectl-kserve's and kubectl's medians and
# the ratio, and exiting non-zero when it misses its target. Starts the test cluster when it is
# down (building it on first use) and leaves it up. Every benchmark runs even when an earlier one
# missed its target; the script exits 1 if any did. The scale benchmark fills the cluster with
# 10,000 InferenceServices, and the install benchmark resets the cluster between runs: scale
# goes after the benchmarks that need a healthy install, install last.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
export DENO_NO_UPDATE_CHECK=1
cluster=scripts/cluster/cluster.sh

bash scripts/cluster/build.sh >/dev/null || exit 1
bash scripts/cluster/build_kserve.sh v0.16.0 v0.20.0 >/dev/null || exit 1
bash "$cluster" status >/dev/null 2>&1 || bash "$cluster" up >/dev/null || exit 1

failed=0
run() { "$@" || failed=1; }
run deno run -A scripts/bench/startup.ts
run bash "$cluster" exec -- deno run -A scripts/bench/check.ts
run bash "$cluster" exec -- deno run -A scripts/bench/deploy.ts 15 standard
run bash "$cluster" exec -- deno run -A scripts/bench/deploy.ts 7 llm
run bash "$cluster" exec -- deno run -A scripts/bench/chat.ts
# Serverless mode needs an install of its own (Knative Serving), on a reset cluster.
bash "$cluster" reset >/dev/null || exit 1
run bash "$cluster" exec -- deno run -A scripts/bench/deploy.ts 7 serverless
bash "$cluster" reset >/dev/null || exit 1
run bash "$cluster" exec -- deno run -A scripts/bench/scale.ts
# Where list -n's time goes (no target): uses the scale benchmark's models in team-3.
run bash "$cluster" exec -- deno run -A scripts/bench/floor.ts team-3
run bash "$cluster" exec -- deno run -A scripts/bench/install.ts 3 v0.16.0
run bash "$cluster" exec -- deno run -A scripts/bench/install.ts 3 v0.20.0
exit $failed
