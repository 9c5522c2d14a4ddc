#!/usr/bin/env bash
# Builds Knative Serving's control plane and queue-proxy from the Go module proxy, once per version:
#   knative.dev/serving/cmd/{controller,webhook,autoscaler,activator,queue} -> bin/<name>
#   (images gcr.io/knative-releases/knative.dev/serving/cmd/<name>, played by the pod runner)
# Usage: build_knative.sh [VERSION...]   Knative releases as the release table names them (v1.15.2);
# default: every Knative release lib/kserve/releases.ts pins. The Go module version is the
# release's minor plus 27 (Knative 1.15.2 is knative.dev/serving v0.42.2).
# The binaries are cached outside the repo in $CLUSTER_CACHE_ROOT/knative-serving-<module version>/bin.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.sh
. "$here/versions.sh"
# shellcheck source=go_build.sh
. "$here/go_build.sh"

KNATIVE_MODULE=knative.dev/serving
KNATIVE_CMDS="controller webhook autoscaler activator queue"

if [ $# -eq 0 ]; then
  # shellcheck disable=SC2046
  set -- $(deno eval --quiet --no-config \
    'import { KSERVE_RELEASES } from "'"$here"'/../../lib/kserve/releases.ts";
     console.log([...new Set(KSERVE_RELEASES.map((r) => r.knative))].join(" "));')
fi

for v in "$@"; do
  module_version=$(knative_module_version "$v")
  (build_go_commands knative-serving "$KNATIVE_MODULE" "$module_version" \
    "$CLUSTER_CACHE_ROOT/knative-serving-$module_version" $KNATIVE_CMDS)
done
