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

KSERVE_MODULE=github.com/kserve/kserve
KSERVE_CMDS="manager llmisvc"
[ $# -gt 0 ] || set -- v0.16.0 v0.20.0

command -v go >/dev/null || { echo "error: Go is needed to build KServe (Go 1.26 or newer)" >&2; exit 1; }

# The module's go.mod directives that apply only when it is the main module. Dependencies'
# replace/exclude directives are ignored, so the throwaway module has to carry them itself.
main_module_directives() {
  awk '
    inblock { print; if ($0 ~ /^\)/) { inblock = 0; print "" } ; next }
    /^(replace|exclude|godebug)[ \t]*\(/ { print; inblock = 1; next }
    /^(replace|exclude|godebug)[ \t]/ { print; print "" }
  ' "$1"
}

build_version() {
  local version=$1
  local dir="$CLUSTER_CACHE_ROOT/kserve-$version"
  local bin="$dir/bin" work="$dir/src"
  have_all() {
    local c
    for c in $KSERVE_CMDS; do [ -x "$bin/$c" ] || return 1; done
  }

  if have_all; then
    echo "kserve $version: cached in $bin"
    return 0
  fi
  mkdir -p "$bin" "$work"
  exec 9>"$dir/build.lock"
  flock 9
  have_all && { echo "kserve $version: built by another run"; return 0; }

  local start mid upstream_mod pkgs="" c
  start=$(date +%s)
  export CGO_ENABLED=0 GOFLAGS=-mod=mod

  # `go install pkg@version` refuses kserve because its go.mod has replace and exclude
  # directives, so a throwaway module requires it and repeats those directives.
  echo "building kserve $version ($KSERVE_CMDS)..."
  cd "$work"
  upstream_mod=$(go mod download -json "$KSERVE_MODULE@$version" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
  [ -f "$upstream_mod" ] || { echo "error: could not download $KSERVE_MODULE@$version" >&2; return 1; }
  if main_module_directives "$upstream_mod" | grep -Eq '=>[[:space:]]*(\.|/)'; then
    echo "error: $KSERVE_MODULE@$version replaces a module with a local path; it cannot be built from the proxy" >&2
    return 1
  fi
  {
    printf 'module local/kservebuild\n\n%s\n\n' "$(grep -m1 '^go ' "$upstream_mod")"
    main_module_directives "$upstream_mod"
    printf 'require %s %s\n' "$KSERVE_MODULE" "$version"
  } >go.mod
  rm -f go.sum
  printf 'package tools\n' >tools.go
  for c in $KSERVE_CMDS; do pkgs="$pkgs $KSERVE_MODULE/cmd/$c"; done
  # shellcheck disable=SC2086
  go get $(for p in $pkgs; do printf '%s@%s ' "$p" "$version"; done)
  mid=$(date +%s)
  echo "kserve $version: modules resolved and downloaded in $((mid - start))s"

  # Built into a scratch folder and moved, so an interrupted build never looks cached.
  rm -rf "$dir/bin.tmp" && mkdir -p "$dir/bin.tmp"
  # shellcheck disable=SC2086
  go build -trimpath -ldflags '-s -w' -o "$dir/bin.tmp/" $pkgs
  for c in $KSERVE_CMDS; do mv -f "$dir/bin.tmp/$c" "$bin/$c"; done
  rmdir "$dir/bin.tmp"
  echo "kserve $version: compiled in $(($(date +%s) - mid))s"
  echo "kserve $version: built in $(($(date +%s) - start))s into $bin"
}

for v in "$@"; do
  (build_version "$v")
done
