#!/usr/bin/env bash
# Builds KServe's controllers from the Go module proxy, once per version:
#   github.com/kserve/kserve/cmd/manager -> bin/manager (image kserve/kserve-controller)
#   github.com/kserve/kserve/cmd/llmisvc -> bin/llmisvc (image kserve/llmisvc-controller)
# Usage: build_kserve.sh [VERSION...]   (default: v0.16.0 v0.20.0)
# The binaries are cached outside the repo in $CLUSTER_CACHE_ROOT/kserve-<version>/bin (see versions.sh).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.sh
. "$here/versions.sh"
# shellcheck source=go_build.sh
. "$here/go_build.sh"

[ $# -gt 0 ] || set -- v0.16.0 v0.20.0
for v in "$@"; do
  (build_go_commands kserve github.com/kserve/kserve "$v" "$CLUSTER_CACHE_ROOT/kserve-$v" manager llmisvc)
done
