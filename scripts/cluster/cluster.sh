#!/usr/bin/env bash
# The test cluster: a real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler) plus kwok faking two nodes, all plain processes in a loopback-only network
# namespace. Usage: deno task cluster <up|down|reset|status|exec -- CMD...|logs COMPONENT>
# Environment: KSERVE_CLUSTER_DIR (state, default /tmp/kubectl-kserve-cluster),
#              KSERVE_CLUSTER_NETNS (network namespace, default kubectl-kserve).
set -euo pipefail
# Deno's background update check would look up dl.deno.land from inside the cluster's netns.
export DENO_NO_UPDATE_CHECK=1
CLUSTER_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$CLUSTER_SCRIPTS/lib.sh"
# shellcheck source=pki.sh
. "$CLUSTER_SCRIPTS/pki.sh"
# shellcheck source=components.sh
. "$CLUSTER_SCRIPTS/components.sh"

usage() {
  cat <<EOF
usage: deno task cluster <verb>
  up                 build the binaries (first time only) and start the cluster
  down               stop every cluster process, delete the network namespace and the state
  reset              return to an empty cluster (wipe etcd, restart the control plane)
  status             show what runs; exit 1 if the cluster is not up
  exec -- CMD...     run CMD in the cluster's network namespace with KUBECONFIG set, and the
                     cluster's kubectl and helm first on PATH (and the plugin, once
                     `deno task demo` has installed it: kubectl kserve)
  logs COMPONENT [-f]
                     print a component's log ($COMPONENTS)
  logs POD [-n NAMESPACE] [-c CONTAINER] [-p] [-f]
                     print the log of a process the pod runner plays for POD (a name or a
                     prefix of one); -p: the previous run's log
state: $STATE   netns: $NETNS   binaries: $CLUSTER_BIN_DIR
EOF
}

need_root() {
  [ "$(id -u)" = 0 ] || die "$1 needs root (it manages a network namespace)"
}

# Prints a hint if the script exits with an error from here on.
on_failure() {
  FAILURE_HINT=$1
  trap '[ $? = 0 ] || say "cluster: $FAILURE_HINT" >&2' EXIT
}

binaries_built() {
  local b
  for b in $CLUSTER_BINARIES; do [ -x "$CLUSTER_BIN_DIR/$b" ] || return 1; done
}

# Stops the recorded processes, deletes the namespace and the state dir. Needs the lock.
teardown() {
  stop_components
  pod_networks_delete
  netns_delete
  rm -rf "$STATE"
}

print_usage_hint() {
  say "cluster up in $1s (kubectl $K8S_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION)"
  say "  kubeconfig: $KUBECONFIG_FILE (only reachable inside netns $NETNS)"
  say "  try:        deno task cluster exec -- kubectl get nodes"
  say "  stop:       deno task cluster down"
}

# The pod runner plays KServe's controllers and Knative Serving (control plane and queue-proxy)
# with binaries built from the Go module proxy, cert-manager and Knative's networking layers with
# test doubles whose npm imports must be cached before entering the netns (it has no network),
# and the test-only model-server image with another double. None of this
# is fatal: the runner reports what is missing in the pod's status.
prepare_runner() {
  local repo
  repo=$(cd "$CLUSTER_SCRIPTS/../.." && pwd)
  # shellcheck disable=SC2086 # a list of versions
  bash "$CLUSTER_SCRIPTS/build_kserve.sh" $KSERVE_RUNNER_VERSIONS ||
    say "warning: building KServe failed; its pods will wait with reason ErrImageNeverPull" >&2
  # Every Knative Serving release the release table pins.
  bash "$CLUSTER_SCRIPTS/build_knative.sh" ||
    say "warning: building Knative Serving failed; its pods will wait with reason ErrImageNeverPull" >&2
  # Helm, on PATH inside the namespace, for the tests of KServe installed by its own charts.
  bash "$CLUSTER_SCRIPTS/build_helm.sh" || say "warning: building Helm failed" >&2
  if [ -f "$repo/tests/doubles/cert_manager.ts" ]; then
    (cd "$repo" && deno cache --quiet tests/doubles/cert_manager.ts) ||
      say "warning: cannot cache the cert-manager test double's imports" >&2
  fi
  if [ -f "$repo/tests/doubles/gateway_api.ts" ]; then
    (cd "$repo" && deno cache --quiet tests/doubles/gateway_api.ts) ||
      say "warning: cannot cache the Gateway API test double's imports" >&2
  fi
  if [ -f "$repo/tests/doubles/knative_networking.ts" ]; then
    (cd "$repo" && deno cache --quiet tests/doubles/knative_networking.ts) ||
      say "warning: cannot cache the Knative networking test double's imports" >&2
  fi
  # The model-server double (test image kubectl-kserve.test/model-server) runs with --no-config.
  if [ -f "$repo/tests/doubles/model_server.ts" ]; then
    (cd "$repo" && deno cache --quiet --no-config tests/doubles/model_server.ts) ||
      say "warning: cannot cache the model-server test double" >&2
  fi
}

cmd_up() {
  need_root up
  local start=$SECONDS
  binaries_built || bash "$CLUSTER_SCRIPTS/build.sh"
  prepare_runner
  lock_state
  if cluster_healthy; then
    say "cluster already up and healthy (kubeconfig: $KUBECONFIG_FILE)"
    say "  try: deno task cluster exec -- kubectl get nodes"
    return 0
  fi
  if netns_exists || [ -d "$STATE/pids" ] || [ -f "$KUBECONFIG_FILE" ]; then
    say "cleaning up a cluster that is only partly up..."
    teardown
    lock_state
  fi
  say "starting the cluster in netns $NETNS (state: $STATE)..."
  on_failure "up failed; logs are in $STATE/logs. Clean up with: deno task cluster down"
  netns_create
  make_pki
  make_kubeconfig
  start_cluster
  print_usage_hint $((SECONDS - start))
}

cmd_down() {
  need_root down
  if [ ! -d "$STATE" ] && ! netns_exists; then
    say "cluster is not running"
    return 0
  fi
  lock_state
  teardown
  say "cluster down: processes stopped, netns $NETNS and $STATE removed"
}

cmd_reset() {
  need_root reset
  local start=$SECONDS
  lock_state
  if ! netns_exists || [ ! -f "$KUBECONFIG_FILE" ] || [ ! -f "$PKI/ca.key" ]; then
    exec 9<&-
    say "cluster is not up; starting it"
    cmd_up
    return
  fi
  stop_components
  rm -rf "$STATE/etcd" "$STATE/logs"
  on_failure "reset failed; logs are in $STATE/logs. Start over with: deno task cluster down && deno task cluster up"
  start_cluster
  say "cluster reset to empty in $((SECONDS - start))s"
}

cmd_status() {
  local c pid up=0 state
  say "state dir:  $STATE"
  say "kubeconfig: $KUBECONFIG_FILE$([ -f "$KUBECONFIG_FILE" ] || echo ' (missing)')"
  say "netns:      $NETNS$(netns_exists || echo ' (missing)')"
  say "binaries:   $CLUSTER_BIN_DIR"
  say "versions:   kubernetes $K8S_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION"
  for c in $COMPONENTS; do
    pid=$(pid_of "$c")
    if component_alive "$c"; then state="running (pid $pid)"; else
      state="not running${pid:+ (stale pid $pid)}"
      up=1
    fi
    printf '  %-24s %s\n' "$c" "$state"
  done
  if [ -s "$STATE/runner/processes.txt" ]; then
    say "processes played by the pod runner:"
    sed 's/^/  /' "$STATE/runner/processes.txt"
  fi
  if [ "$up" = 0 ] && netns_exists && curl_api /readyz >/dev/null 2>&1; then
    say "api server: ready at $API_URL"
    kubectl_admin get nodes 2>/dev/null | sed 's/^/  /' || true
    return 0
  fi
  say "cluster is not up (start it with: deno task cluster up)"
  return 1
}

cmd_exec() {
  [ "${1:-}" = -- ] && shift
  [ $# -gt 0 ] || die "usage: deno task cluster exec -- CMD [ARGS...]"
  netns_exists || die "network namespace $NETNS does not exist; run: deno task cluster up"
  [ -f "$KUBECONFIG_FILE" ] || die "no kubeconfig at $KUBECONFIG_FILE; run: deno task cluster up"
  # $STATE/bin: the plugin scripts/demo.sh installs from this checkout (kubectl kserve).
  export KUBECONFIG="$KUBECONFIG_FILE" PATH="$CLUSTER_BIN_DIR:$HELM_BIN_DIR:$STATE/bin:$PATH"
  export KSERVE_CLUSTER_DIR="$STATE" KSERVE_CLUSTER_NETNS="$NETNS"
  if in_netns; then exec "$@"; fi
  need_root exec
  exec ip netns exec "$NETNS" "$@"
}

# logs COMPONENT [-f] | logs POD [-n NS] [-c CONTAINER] [-p] [-f]
cmd_logs() {
  local what=${1:-}
  [ -n "$what" ] || die "usage: deno task cluster logs <$(echo "$COMPONENTS" | tr ' ' '|')|POD> [-f]"
  shift
  case " $COMPONENTS " in
    *" $what "*)
      [ -f "$STATE/logs/$what.log" ] || die "no log for $what in $STATE/logs"
      if [ "${1:-}" = -f ]; then exec tail -n +1 -f "$STATE/logs/$what.log"; fi
      cat "$STATE/logs/$what.log"
      ;;
    *) pod_logs "$what" "$@" ;;
  esac
}

# A pod's process log, written by the pod runner in the CRI format (`<time> <stream> F <line>`)
# to logs/pods/<namespace>_<pod>/<container>.log; printed without the CRI prefix.
pod_logs() {
  local pod=$1 ns=default container="" previous="" follow="" dir f
  shift
  while [ $# -gt 0 ]; do
    case "$1" in
      -n | --namespace) ns=${2:?-n needs a namespace} && shift ;;
      -c | --container) container=${2:?-c needs a container} && shift ;;
      -p | --previous) previous=.previous ;;
      -f | --follow) follow=1 ;;
      *) die "unknown option for logs: $1" ;;
    esac
    shift
  done
  dir="$STATE/logs/pods/${ns}_$pod"
  if [ ! -d "$dir" ]; then
    # A prefix (e.g. the Deployment's name): the most recently started pod.
    dir=""
    for f in "$STATE/logs/pods/${ns}_$pod"*; do
      if [ -d "$f" ] && { [ -z "$dir" ] || [ "$f" -nt "$dir" ]; }; then dir=$f; fi
    done
    [ -n "$dir" ] || die "no pod $ns/$pod played by the pod runner (logs in $STATE/logs/pods; only $COMPONENTS and runner pods have logs here)"
  fi
  if [ -z "$container" ]; then
    local names=() n
    for f in "$dir"/*.log; do
      n=$(basename "$f" .log)
      case "$n" in *.previous | '*') ;; *) names+=("$n") ;; esac
    done
    [ "${#names[@]}" = 1 ] || die "pod $(basename "$dir") has logs for containers: ${names[*]}; choose one with -c"
    container=${names[0]}
  fi
  f="$dir/$container$previous.log"
  [ -f "$f" ] || die "no log $f"
  if [ -n "$follow" ]; then
    tail -n +1 -f "$f" | sed -u -E 's/^[^ ]+ (stdout|stderr) [FP] //'
  else
    sed -E 's/^[^ ]+ (stdout|stderr) [FP] //' "$f"
  fi
}

verb=${1:-}
[ $# -gt 0 ] && shift
case "$verb" in
  up) cmd_up ;;
  down) cmd_down ;;
  reset) cmd_reset ;;
  status) cmd_status ;;
  exec) cmd_exec "$@" ;;
  logs) cmd_logs "$@" ;;
  help | -h | --help) usage ;;
  *)
    usage >&2
    exit 2
    ;;
esac
