# shellcheck shell=bash
# Builds commands of one Go module version from the Go module proxy into a cache folder, once.
# Sourced by build_kserve.sh and build_knative.sh, not run.
#   build_go_commands LABEL MODULE VERSION DIR CMD...
# builds MODULE/cmd/CMD for each CMD at VERSION into DIR/bin/CMD, in a throwaway module DIR/src
# (`go install pkg@version` refuses modules whose go.mod has replace or exclude directives, and
# building all commands in one `go build` shares the work). Go's build cache is reused across
# builds and versions. Prints how long resolving and compiling took.

# The module's go.mod directives that apply only when it is the main module. Dependencies'
# replace/exclude directives are ignored, so the throwaway module has to carry them itself.
main_module_directives() {
  awk '
    inblock { print; if ($0 ~ /^\)/) { inblock = 0; print "" } ; next }
    /^(replace|exclude|godebug)[ \t]*\(/ { print; inblock = 1; next }
    /^(replace|exclude|godebug)[ \t]/ { print; print "" }
  ' "$1"
}

build_go_commands() {
  local label=$1 module=$2 version=$3 dir=$4
  shift 4
  local cmds="$*"
  local bin="$dir/bin" work="$dir/src"
  have_all() {
    local c
    for c in $cmds; do [ -x "$bin/$c" ] || return 1; done
  }

  if have_all; then
    echo "$label $version: cached in $bin"
    return 0
  fi
  command -v go >/dev/null || { echo "error: Go is needed to build $label (Go 1.26 or newer)" >&2; return 1; }
  mkdir -p "$bin" "$work"
  exec 9>"$dir/build.lock"
  flock 9
  have_all && { echo "$label $version: built by another run"; return 0; }

  local start mid upstream_mod pkgs="" c
  start=$(date +%s)
  export CGO_ENABLED=0 GOFLAGS=-mod=mod

  echo "building $label $version ($cmds)..."
  cd "$work"
  upstream_mod=$(go mod download -json "$module@$version" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
  [ -f "$upstream_mod" ] || { echo "error: could not download $module@$version" >&2; return 1; }
  if main_module_directives "$upstream_mod" | grep -Eq '=>[[:space:]]*(\.|/)'; then
    echo "error: $module@$version replaces a module with a local path; it cannot be built from the proxy" >&2
    return 1
  fi
  {
    printf 'module local/build\n\n%s\n\n' "$(grep -m1 '^go ' "$upstream_mod")"
    main_module_directives "$upstream_mod"
    printf 'require %s %s\n' "$module" "$version"
  } >go.mod
  rm -f go.sum
  printf 'package tools\n' >tools.go
  for c in $cmds; do pkgs="$pkgs $module/cmd/$c"; done
  # shellcheck disable=SC2086
  go get $(for p in $pkgs; do printf '%s@%s ' "$p" "$version"; done)
  mid=$(date +%s)
  echo "$label $version: modules resolved and downloaded in $((mid - start))s"

  # Built into a scratch folder and moved, so an interrupted build never looks cached.
  rm -rf "$dir/bin.tmp" && mkdir -p "$dir/bin.tmp"
  # shellcheck disable=SC2086
  go build -trimpath -ldflags '-s -w' -o "$dir/bin.tmp/" $pkgs
  for c in $cmds; do mv -f "$dir/bin.tmp/$c" "$bin/$c"; done
  rmdir "$dir/bin.tmp"
  echo "$label $version: compiled in $(($(date +%s) - mid))s"
  echo "$label $version: built in $(($(date +%s) - start))s into $bin"
}
