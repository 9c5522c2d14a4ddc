#!/usr/bin/env bash
# The test cluster: a real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler) plus kwok faking two nodes, all plain processes in a loopback-only network
# namespace. Usage: deno task cluster <up|down|reset|status|exec -- CMD...|logs COMPONENT>
# Environment: KSERVE_CLUSTER_DIR (state, default /tmp/kubectl-kserve-cluster),
#              KSERVE_CLUSTER_NETNS (network namespace, default kubectl-kserve).
set -euo pipefail
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
  exec -- CMD...     run CMD in the cluster's network namespace with KUBECONFIG set
  logs COMPONENT     print a component's log ($COMPONENTS)
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
  netns_delete
  rm -rf "$STATE"
}

print_usage_hint() {
  say "cluster up in $1s (kubectl $K8S_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION)"
  say "  kubeconfig: $KUBECONFIG_FILE (only reachable inside netns $NETNS)"
  say "  try:        deno task cluster exec -- kubectl get nodes"
  say "  stop:       deno task cluster down"
}

cmd_up() {
  need_root up
  local start=$SECONDS
  binaries_built || bash "$CLUSTER_SCRIPTS/build.sh"
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
  export KUBECONFIG="$KUBECONFIG_FILE" PATH="$CLUSTER_BIN_DIR:$PATH"
  export KSERVE_CLUSTER_DIR="$STATE" KSERVE_CLUSTER_NETNS="$NETNS"
  if in_netns; then exec "$@"; fi
  need_root exec
  exec ip netns exec "$NETNS" "$@"
}

# logs COMPONENT [-f]. Other kinds of logs (e.g. pods) can be added as more cases here.
cmd_logs() {
  local what=${1:-} follow=${2:-}
  [ -n "$what" ] || die "usage: deno task cluster logs <$(echo "$COMPONENTS" | tr ' ' '|')> [-f]"
  case " $COMPONENTS " in
    *" $what "*)
      [ -f "$STATE/logs/$what.log" ] || die "no log for $what in $STATE/logs"
      if [ "$follow" = -f ]; then exec tail -n +1 -f "$STATE/logs/$what.log"; fi
      cat "$STATE/logs/$what.log"
      ;;
    *) die "unknown component '$what'; one of: $COMPONENTS" ;;
  esac
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
