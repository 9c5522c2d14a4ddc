#!/usr/bin/env bash
# Measures how long `deno task cluster up` takes to reach a usable cluster (readyz, default
# namespace, default ServiceAccount, nodes Ready) on an already built binary cache.
# Target: under 30 s (exit 1 when a round misses it). Also measures `reset`. Leaves the cluster
# as it found it (up or down).
# Usage: bash scripts/bench/cluster_up.sh [ROUNDS]   (default 1)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cluster="$root/scripts/cluster/cluster.sh"
rounds=${1:-1}

bash "$root/scripts/cluster/build.sh" >/dev/null # no-op when the cache is built
was_up=0
bash "$cluster" status >/dev/null 2>&1 && was_up=1

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

missed=0
for i in $(seq 1 "$rounds"); do
  bash "$cluster" down >/dev/null
  t=$(now)
  bash "$cluster" up >/dev/null
  up_s=$(elapsed "$t")
  bash "$cluster" exec -- kubectl get nodes >/dev/null
  t=$(now)
  bash "$cluster" reset >/dev/null
  reset_s=$(elapsed "$t")
  echo "cluster_up_seconds=$up_s cluster_reset_seconds=$reset_s (round $i/$rounds, target < 30)"
  awk -v s="$up_s" 'BEGIN { exit !(s >= 30) }' && missed=1
done

[ "$was_up" = 1 ] || bash "$cluster" down >/dev/null
if [ "$missed" = 1 ]; then
  echo "MISSED cluster up in under 30 s"
  exit 1
fi
