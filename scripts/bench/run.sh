#!/usr/bin/env bash
# `deno task bench`: every benchmark, each printing kubectl-kserve's and kubectl's medians and
# the ratio. Starts the test cluster when it is down (building it on first use) and leaves it up.
# The install benchmark resets the cluster between runs, so it goes last.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
export DENO_NO_UPDATE_CHECK=1
cluster=scripts/cluster/cluster.sh

bash scripts/cluster/build.sh >/dev/null
bash scripts/cluster/build_kserve.sh v0.16.0 v0.20.0 >/dev/null
bash "$cluster" status >/dev/null 2>&1 || bash "$cluster" up >/dev/null

deno run -A scripts/bench/startup.ts
bash "$cluster" exec -- deno run -A scripts/bench/check.ts
bash "$cluster" exec -- deno run -A scripts/bench/deploy.ts
bash "$cluster" exec -- deno run -A scripts/bench/install.ts 3 v0.16.0
bash "$cluster" exec -- deno run -A scripts/bench/install.ts 3 v0.20.0
