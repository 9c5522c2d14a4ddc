#!/usr/bin/env bash
# Builds Helm from the Go module proxy, once per pinned version (versions.sh), into the cache.
# The tests install KServe's own charts with it, to prove the plugin leaves Helm's releases alone.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.sh
. "$here/versions.sh"

if [ -x "$HELM_BIN_DIR/helm" ]; then
  echo "helm $HELM_VERSION: cached in $HELM_BIN_DIR"
  exit 0
fi
command -v go >/dev/null || { echo "error: Go is needed to build Helm (Go 1.26 or newer)" >&2; exit 1; }
mkdir -p "$HELM_BIN_DIR"
exec 9>"$HELM_BIN_DIR/../build.lock"
flock 9
[ -x "$HELM_BIN_DIR/helm" ] && { echo "helm: built by another run"; exit 0; }
start=$(date +%s)
echo "building helm $HELM_VERSION..."
GOBIN="$HELM_BIN_DIR" CGO_ENABLED=0 GOFLAGS= go install -trimpath \
  -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
  "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
echo "helm $HELM_VERSION: built in $(($(date +%s) - start))s into $HELM_BIN_DIR"
