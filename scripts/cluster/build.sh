#!/usr/bin/env bash
# Builds the test cluster's binaries from the Go module proxy, once per pinned version set.
# The binaries are cached outside the repo (see versions.sh) and never committed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.sh
. "$here/versions.sh"

have_all() {
  local b
  for b in $CLUSTER_BINARIES; do [ -x "$CLUSTER_BIN_DIR/$b" ] || return 1; done
}

if have_all; then
  echo "cluster binaries: cached in $CLUSTER_BIN_DIR"
  exit 0
fi

command -v go >/dev/null || { echo "error: Go is needed to build the test cluster (Go 1.26 or newer)" >&2; exit 1; }
work="$CLUSTER_BIN_DIR/../src"
mkdir -p "$CLUSTER_BIN_DIR" "$work"
exec 9>"$CLUSTER_BIN_DIR/../build.lock"
flock 9
have_all && { echo "cluster binaries: built by another run"; exit 0; }

start=$(date +%s)
export CGO_ENABLED=0 GOFLAGS=-mod=mod

# Kubernetes: k8s.io/kubernetes requires its staging modules at v0.0.0 through replace
# directives that consumers ignore, so a throwaway module replaces each with its release.
if [ ! -x "$CLUSTER_BIN_DIR/kubectl" ]; then
  echo "building Kubernetes $K8S_VERSION (apiserver, controller-manager, scheduler, kubectl)..."
  mkdir -p "$work/k8s" && cd "$work/k8s"
  upstream_mod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
  godebug=$(grep -m1 '^godebug ' "$upstream_mod" || true)
  {
    printf 'module local/k8sbuild\n\ngo 1.26.0\n\n%s\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$godebug" "$K8S_VERSION"
    sed -n "s#^\t\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\t\1 => \1 $K8S_STAGING_VERSION#p" "$upstream_mod"
    echo ')'
  } >go.mod
  printf 'package tools\n' >tools.go
  cmds="k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl"
  # shellcheck disable=SC2086
  go get $(for c in $cmds; do printf '%s@%s ' "$c" "$K8S_VERSION"; done)
  ldflags="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags="$ldflags -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$K8S_MINOR -X $p.gitTreeState=clean"
  done
  # shellcheck disable=SC2086
  go build -trimpath -ldflags "$ldflags" -o "$CLUSTER_BIN_DIR/" $cmds
fi

if [ ! -x "$CLUSTER_BIN_DIR/etcd" ]; then
  echo "building etcd $ETCD_VERSION..."
  mkdir -p "$work/etcd" && cd "$work/etcd"
  printf 'module local/etcdbuild\n\ngo 1.26.0\n' >go.mod
  go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  go build -trimpath -ldflags '-s -w' -o "$CLUSTER_BIN_DIR/etcd" go.etcd.io/etcd/server/v3
fi

if [ ! -x "$CLUSTER_BIN_DIR/kwok" ]; then
  echo "building kwok $KWOK_VERSION..."
  GOBIN="$CLUSTER_BIN_DIR" GOFLAGS= go install -trimpath -ldflags '-s -w' "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
fi

echo "cluster binaries: built in $(($(date +%s) - start))s into $CLUSTER_BIN_DIR"
