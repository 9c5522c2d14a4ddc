#!/usr/bin/env bash
# `deno task demo`: the plugin's main job, on the built-in test cluster (no cluster of your own
# needed). Starts the cluster (building it on first use), installs KServe in Standard (raw)
# mode, deploys a model, waits for it, asks it for a prediction and shows its status; then
# leaves the cluster running and says how to go on. Run again, it changes nothing and says so;
# interrupted, it converges when run again. Every cluster command goes through
# `cluster.sh exec`, which sets KUBECONFIG to the built-in cluster's: no other cluster is
# ever contacted, whatever KUBECONFIG or ~/.kube/config say.
# The model server is the test image kubectl-kserve.test/model-server, which the cluster's pod
# runner plays (tests/doubles/model_server.ts): the cluster has no container runtime.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export DENO_NO_UPDATE_CHECK=1
CLUSTER_SCRIPTS="$root/scripts/cluster"
# shellcheck source=cluster/lib.sh
. "$CLUSTER_SCRIPTS/lib.sh" # STATE, NETNS, KUBECONFIG_FILE, in_netns, say
# shellcheck source=transcript.sh
. scripts/transcript.sh

namespace=models
model=iris
image=kubectl-kserve.test/model-server:v1
request='{"instances": [[6.8, 2.8, 4.8, 1.4]]}'
plugin="$STATE/bin/kubectl-kserve" # installed by the plugin phase; on the PATH of cluster exec
manifests=""                        # chosen by the manifests phase
cluster_was_up=0
current_phase=""

cluster() { bash "$CLUSTER_SCRIPTS/cluster.sh" "$@"; }

fail() {
  printf 'demo: %s\n' "$*" >&2
  exit 1
}

# Shows a command as typed, then runs it on the built-in cluster (stderr included).
on_cluster() {
  print_command "$@"
  cluster exec -- "$@" 2>&1
  echo
}

# phase TITLE FUNCTION: runs FUNCTION under TITLE, then prints how long it took.
phase() {
  local start=$SECONDS
  current_phase=$1
  printf '== %s\n' "$1"
  "$2"
  printf '   (%s: %ss)\n\n' "$1" $((SECONDS - start))
}

start_cluster() {
  if cluster status >/dev/null 2>&1; then
    cluster_was_up=1
    say "the built-in cluster is already up (netns $NETNS, state $STATE)"
  elif in_netns; then
    fail "this runs inside netns $NETNS, whose cluster is not healthy: see deno task cluster status"
  else
    cluster up
  fi
}

# This checkout's plugin, where `cluster.sh exec` puts it on PATH: `kubectl kserve` there is this
# code. It lives in the cluster's state directory and goes with `cluster down`.
install_plugin() {
  DENO_INSTALL_ROOT="$STATE" bash scripts/install.sh >/dev/null
  say "kubectl kserve: $root/main.ts, as $plugin"
}

# The pinned release files: downloaded where the release downloads can be reached (or from the
# plugin's cache of verified files), else the project's local copies. The pull runs here, not
# in the cluster's namespace, which has no route out; it reads no kubeconfig.
choose_manifests() {
  local pulled="$STATE/manifests" out fixtures
  print_command kubectl kserve manifests pull --mode raw --dest "$pulled"
  if out=$(KUBECONFIG="$KUBECONFIG_FILE" timeout 300 "$plugin" manifests pull --mode raw \
    --dest "$pulled" 2>&1); then
    printf '%s\n' "$out"
    manifests=$pulled
    say "Using the pinned release files (sha256 verified): downloaded now, or kept in the plugin's cache by an earlier download or install."
    return
  fi
  printf '%s\n' "$out" | grep -m1 '^error' || printf '%s\n' "$out" | tail -n 1
  fixtures="$root/../shared/fixtures/manifests" # where the project keeps them (as session.sh)
  [ -d "$fixtures" ] ||
    fail "the release downloads cannot be reached and there are no local copies in $fixtures; run it where github.com is reachable"
  manifests=$(cd "$fixtures" && pwd)
  say "The release downloads cannot be reached: using the local copies in $manifests (install verifies each against its pinned sha256)."
}

install_kserve() {
  on_cluster kubectl kserve install --mode raw --manifests "$manifests"
}

deploy_model() {
  printf '$ kubectl create namespace %s --dry-run=client -o yaml | kubectl apply -f -\n' "$namespace"
  cluster exec -- kubectl create namespace "$namespace" --dry-run=client -o yaml |
    cluster exec -- kubectl apply -f - 2>&1
  echo
  on_cluster kubectl kserve deploy "$model" -n "$namespace" --model-format sklearn \
    --storage-uri gs://kfserving-examples/models/sklearn/1.0/model --image "$image" --wait
}

predict() { on_cluster kubectl kserve predict "$model" -n "$namespace" -d "$request"; }

status() { on_cluster kubectl kserve status "$model" -n "$namespace"; }

# Where it stopped, and that a re-run picks up from there.
trap 'rc=$?; [ "$rc" = 0 ] || [ -z "$current_phase" ] ||
  printf "demo: stopped during \"%s\"; run deno task demo again once fixed: it picks up where it stopped\n" "$current_phase" >&2' EXIT

phase "the built-in test cluster" start_cluster
phase "the plugin" install_plugin
phase "KServe's release files" choose_manifests
phase "KServe in Standard (raw) mode" install_kserve
phase "a model: $model (sklearn), with --wait" deploy_model
phase "a prediction" predict
phase "its status" status
current_phase=""

# The commands to go on with; the cluster's location goes with them when it is not the default.
env_prefix=""
if [ -n "${KSERVE_CLUSTER_DIR:-}${KSERVE_CLUSTER_NETNS:-}" ]; then
  env_prefix="KSERVE_CLUSTER_DIR=$STATE KSERVE_CLUSTER_NETNS=$NETNS "
fi
if [ "$cluster_was_up" = 1 ]; then
  say "Done, on the cluster that was already up. Install and deploy above say what they changed."
else
  say "Done. The cluster was started for this demo."
fi
say "The cluster keeps running. Go on with:"
say "  ${env_prefix}deno task cluster exec -- kubectl kserve list -n $namespace"
say "  ${env_prefix}deno task cluster exec -- kubectl get inferenceservices,pods -n $namespace"
say "  ${env_prefix}deno task cluster down"
