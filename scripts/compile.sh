#!/usr/bin/env bash
# `deno task compile`: a self-contained binary in dist/. deno compile needs Deno's runtime
# (denort): it downloads it on first use, or takes a local copy from DENORT_BIN.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
permissions=$(deno eval --quiet 'import m from "./deno.json" with { type: "json" };
  console.log(m.tasks.kserve.split(" ").filter((w) => w.startsWith("--allow-")).join(" "))')
target_args=()
if [ -n "${TARGET:-}" ]; then target_args=(--target "$TARGET"); fi
mkdir -p dist
# shellcheck disable=SC2086
if ! deno compile --quiet $permissions "${target_args[@]}" --output "dist/kubectl-kserve${TARGET:+-$TARGET}" main.ts; then
  echo "deno compile failed: it needs to download Deno's runtime, or DENORT_BIN=/path/to/denort" >&2
  exit 1
fi
echo "built dist/kubectl-kserve${TARGET:+-$TARGET}"
