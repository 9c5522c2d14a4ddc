#!/usr/bin/env bash
# Builds one archive per platform with `deno compile` (needs Deno's runtime download for each
# target) and writes dist/kserve.yaml from the krew template with the archives' sha256 values.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
version="v$(deno eval --quiet 'import m from "./deno.json" with { type: "json" }; console.log(m.version)')"
: "${HOMEPAGE:?set HOMEPAGE to the project page}" "${RELEASE_URL:?set RELEASE_URL to the base URL of release downloads}"
manifest=$(cat scripts/krew/kserve.yaml)
manifest=${manifest//\{\{VERSION\}\}/$version}
manifest=${manifest//\{\{HOMEPAGE\}\}/$HOMEPAGE}
manifest=${manifest//\{\{RELEASE_URL\}\}/$RELEASE_URL}
for platform in linux-amd64:x86_64-unknown-linux-gnu linux-arm64:aarch64-unknown-linux-gnu \
  darwin-amd64:x86_64-apple-darwin darwin-arm64:aarch64-apple-darwin; do
  name=${platform%%:*}
  TARGET=${platform#*:} bash scripts/compile.sh
  stage=$(mktemp -d)
  cp "dist/kubectl-kserve-${platform#*:}" "$stage/kubectl-kserve"
  printf '#!/bin/sh\nexec kubectl-kserve __complete "$@"\n' >"$stage/kubectl_complete-kserve"
  chmod +x "$stage/kubectl_complete-kserve"
  cp LICENSE "$stage/" 2>/dev/null || echo "Apache-2.0" >"$stage/LICENSE"
  tar -C "$stage" -czf "dist/kubectl-kserve-$name.tar.gz" .
  rm -rf "$stage"
  sum=$(sha256sum "dist/kubectl-kserve-$name.tar.gz" | cut -d' ' -f1)
  key="SHA256_$(echo "$name" | tr 'a-z-' 'A-Z_')"
  manifest=${manifest//\{\{$key\}\}/$sum}
done
printf '%s\n' "$manifest" >dist/kserve.yaml
echo "wrote dist/kserve.yaml and the archives for $version"
