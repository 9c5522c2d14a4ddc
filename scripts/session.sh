#!/usr/bin/env bash
# Runs the README's session on the test cluster and prints it as a transcript: option 2 (no
# KServe), option 1 (raw) and option 3 (serverless), with install, deploy, predict, status,
# delete and uninstall. The cluster is reset first. Run it inside the cluster's namespace:
#   deno task cluster exec -- bash scripts/session.sh
# The model server behind both backends is the test image kubectl-kserve.test/model-server,
# which the test cluster's pod runner plays (tests/doubles/model_server.ts).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export NO_COLOR=1 DENO_NO_UPDATE_CHECK=1
fixtures=$(cd "$root/../shared/fixtures/manifests" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
DENO_INSTALL_ROOT="$work/root" bash scripts/install.sh >/dev/null
bash scripts/cluster/cluster.sh reset >/dev/null
# A fresh manifest cache, so that the session shows what a first install does. Deno keeps its own.
export DENO_DIR="${DENO_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/deno}"
export PATH="$work/root/bin:$PATH" XDG_CACHE_HOME="$work/cache"

image=kubectl-kserve.test/model-server:v1
request='{"instances": [[6.8, 2.8, 4.8, 1.4]]}'

# shellcheck source=transcript.sh
. scripts/transcript.sh

# Prints the command as typed, then runs it; output is shown as is (stderr included).
run() {
  print_command "$@" | sed "s|$fixtures|./manifests|g; s|$work/mirror|./mirror|g"
  "$@" 2>&1 | sed "s|$fixtures|./manifests|g; s|$work/mirror|./mirror|g"
  echo
}

echo "## Option 2: no KServe (USE_KSERVE=false)"
run kubectl create namespace models
run env USE_KSERVE=false kubectl kserve deploy toy -n models --image "$image" \
  --arg=--model_name=toy --arg=--http_port=8080 --port 8080 --min-replicas 1 --max-replicas 3 --wait
run kubectl kserve predict toy -n models -d "$request"
run kubectl kserve status toy -n models
run kubectl kserve delete toy -n models

echo "## Option 1: KServe in RawDeployment (Standard) mode, air-gapped"
# A mirror of the release files on loopback stands in for an internal artifact server.
python3 -m http.server --bind 127.0.0.1 8081 --directory "$fixtures" >/dev/null 2>&1 &
mirror_pid=$!
trap 'kill $mirror_pid 2>/dev/null; rm -rf "$work"' EXIT
sleep 1
run kubectl kserve manifests pull --manifests http://127.0.0.1:8081/ --dest "$work/mirror"
run kubectl kserve install --mode raw --manifests "$work/mirror"
run kubectl kserve check
run kubectl kserve deploy iris -n models --model-format sklearn \
  --storage-uri gs://kfserving-examples/models/sklearn/1.0/model --image "$image" --wait
run kubectl kserve predict iris -n models -d "$request"
run kubectl kserve list -n models
run kubectl kserve status iris -n models
run kubectl kserve delete iris -n models
run kubectl kserve uninstall --yes --with-cert-manager

echo "## Option 3: KServe in Serverless (Knative) mode"
run kubectl kserve install --mode serverless --version v0.16.0 --manifests "$fixtures"
run kubectl kserve check
run kubectl kserve uninstall --yes --with-knative --with-cert-manager
