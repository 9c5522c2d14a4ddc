#!/usr/bin/env bash
# Runs the README's session on the test cluster and prints it as a transcript: option 2 (no
# KServe), option 1 (raw) and option 3 (serverless, with a canary rollout), with install, deploy,
# predict, status, delete and uninstall, then an LLMInferenceService (install --llm, deploy --llm,
# chat, stop and start). The cluster is reset first. Run it inside the cluster's namespace:
#   deno task cluster exec -- bash scripts/session.sh
# The model server behind both backends is the test image kubectl-kserve.test/model-server,
# which the test cluster's pod runner plays (tests/doubles/model_server.ts); the same double
# plays vLLM for the llm-d image of the LLMInferenceService's preset.
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

# run, for an install: run again when the API server timed a request out (on the shared test
# machine, with several clusters on two cores, it can take longer than its own minute to store
# KServe v0.20.0's CRDs); an interrupted install converges when run again, as README says.
run_install() {
  local attempt rc
  for attempt in 1 2 3; do
    print_command "$@" | sed "s|$fixtures|./manifests|g; s|$work/mirror|./mirror|g"
    rc=0
    "$@" >"$work/install.out" 2>&1 || rc=$?
    sed "s|$fixtures|./manifests|g; s|$work/mirror|./mirror|g" "$work/install.out"
    echo
    grep -q "request did not complete within requested timeout" "$work/install.out" || break
  done
  return "$rc"
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
# Installs allow two minutes a request (see run_install).
run_install kubectl kserve install --mode raw --manifests "$work/mirror" --request-timeout 2m
run kubectl kserve check
run kubectl kserve deploy iris -n models --model-format sklearn \
  --storage-uri gs://kfserving-examples/models/sklearn/1.0/model --image "$image" --wait
run kubectl kserve predict iris -n models -d "$request"
run kubectl kserve list -n models
run kubectl kserve status iris -n models
run kubectl kserve delete iris -n models
run kubectl kserve uninstall --yes --with-cert-manager

echo "## Option 3: KServe in Serverless (Knative) mode, with a canary rollout"
run_install kubectl kserve install --mode serverless --version v0.16.0 --manifests "$fixtures" --request-timeout 2m
# The test image's registry does not exist: Knative must not resolve its tag to a digest.
run kubectl patch configmap config-deployment -n knative-serving --type merge \
  -p '{"data": {"registries-skipping-tag-resolving": "kind.local,ko.local,dev.local,kubectl-kserve.test"}}'
run kubectl kserve check
run kubectl kserve deploy iris -n models --mode serverless --model-format sklearn \
  --storage-uri gs://kfserving-examples/models/sklearn/1.0/model --image "$image" --wait
run kubectl kserve predict iris -n models -d "$request"
run kubectl kserve status iris -n models
run kubectl kserve rollout start iris -n models --traffic 10 \
  --storage-uri gs://kfserving-examples/models/sklearn/1.0/model-2 --image "$image" --wait
run kubectl kserve rollout status iris -n models
run kubectl kserve rollout promote iris -n models
run kubectl kserve rollout status iris -n models
run kubectl kserve delete iris -n models
run kubectl kserve uninstall --yes --with-knative --with-cert-manager

echo "## LLMs: an LLMInferenceService behind the Gateway API"
# A Gateway API implementation installs the GatewayClass CRD and its class; here the test
# cluster's double (scripts/cluster/gateway-api-double.yaml), class test-double.
run kubectl apply --server-side \
  -f "$fixtures/gateway-api/v1.5.1/gateway.networking.k8s.io_gatewayclasses.yaml"
run kubectl apply --server-side -f scripts/cluster/gateway-api-double.yaml
run kubectl wait --for=condition=Accepted gatewayclass/test-double --timeout=120s
run_install kubectl kserve install --llm --gateway-class test-double --manifests "$fixtures" --request-timeout 2m
run kubectl kserve deploy opt -n models --llm --storage-uri hf://facebook/opt-125m --gpu 1 --wait
run kubectl kserve list -n models
run kubectl kserve chat opt -n models -m "What is KServe?"
run kubectl kserve stop opt -n models --wait
run kubectl kserve list -n models
run kubectl kserve start opt -n models --wait
run kubectl kserve delete opt -n models
run kubectl kserve uninstall --yes --with-cert-manager
