# shellcheck shell=bash
# Shared helpers for cluster.sh: paths, the network namespace, processes and waiting.
# Sourced, not run.

# shellcheck source=versions.sh
. "$CLUSTER_SCRIPTS/versions.sh"

NETNS=${KSERVE_CLUSTER_NETNS:-kubectl-kserve}
STATE=${KSERVE_CLUSTER_DIR:-/tmp/kubectl-kserve-cluster}
KUBECONFIG_FILE="$STATE/admin.kubeconfig"
PKI="$STATE/pki"
# Start order; stop order is the reverse. pod-runner (scripts/cluster/runner/) is a Deno program;
# the others are binaries in $CLUSTER_BIN_DIR.
COMPONENTS="etcd kube-apiserver kube-controller-manager kube-scheduler kwok pod-runner"
STOP_ORDER="pod-runner kwok kube-scheduler kube-controller-manager kube-apiserver etcd"
API_URL=https://127.0.0.1:6443

say() { printf '%s\n' "$*"; }
die() {
  printf 'cluster: %s\n' "$*" >&2
  exit 1
}

# --- the network namespace -------------------------------------------------------------

netns_exists() { [ -e "/run/netns/$NETNS" ]; }

# True when this process already runs inside the cluster's network namespace.
in_netns() {
  netns_exists && [ "$(stat -L -c '%d:%i' /proc/self/ns/net)" = "$(stat -L -c '%d:%i' "/run/netns/$NETNS" 2>/dev/null)" ]
}

# Runs a command inside the namespace (directly if already there).
in_ns() {
  if in_netns; then "$@"; else ip netns exec "$NETNS" "$@"; fi
}

netns_create() {
  ip netns add "$NETNS"
  ip -n "$NETNS" link set lo up
}

# The pod runner's pod networks (runner/podnet.ts) go with their pods; a runner that was killed
# leaves their processes (working dirs under $STATE/runner/pods) and names in /run/netns.
pod_networks_delete() {
  local proc cwd f
  for proc in /proc/[0-9]*; do
    cwd=$(readlink "$proc/cwd" 2>/dev/null) || continue
    case "$cwd" in "$STATE/runner/pods/"*)
      say "stopping leftover process ${proc#/proc/} ($(cat "$proc/comm" 2>/dev/null || echo '?')) of a pod network"
      stop_pid "${proc#/proc/}"
      ;;
    esac
  done
  for f in /run/netns/"$NETNS"-*; do
    [ -e "$f" ] || continue
    ip netns del "${f##*/}" 2>/dev/null || rm -f "$f"
  done
}

# Stops any process still inside the namespace (not this script or its callers), then deletes it.
netns_delete() {
  netns_exists || return 0
  local pids pid own
  own=" $(ancestors) "
  pids=$(ip netns pids "$NETNS" 2>/dev/null || true)
  for pid in $pids; do
    case "$own" in *" $pid "*) continue ;; esac
    say "stopping leftover process $pid ($(cat "/proc/$pid/comm" 2>/dev/null || echo '?')) in netns $NETNS"
    stop_pid "$pid"
  done
  ip netns del "$NETNS"
  # `ip netns add` made /run/netns a mount point; iproute2 recreates it when needed.
  if [ -z "$(ls -A /run/netns 2>/dev/null)" ]; then
    umount /run/netns 2>/dev/null || true
    rmdir /run/netns 2>/dev/null || true
  fi
}

# Pids of this shell and its ancestors.
ancestors() {
  local p=$$
  while [ "$p" -gt 1 ] 2>/dev/null; do
    printf '%s ' "$p"
    p=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null || echo 0)
  done
}

# --- processes ---------------------------------------------------------------------------

pid_of() { cat "$STATE/pids/$1.pid" 2>/dev/null || true; }

# True if pid is running (and not a zombie).
pid_alive() {
  local state
  [ -n "$1" ] && state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [ "$state" != Z ]
}

# True if the recorded pid of a component is alive and still that component (guards against pid reuse).
component_alive() {
  local pid exe want=$1
  pid=$(pid_of "$1")
  pid_alive "$pid" || return 1
  exe=$(basename "$(readlink "/proc/$pid/exe" 2>/dev/null)")
  [ "$1" = pod-runner ] && want=deno
  # bash: start_process's background subshell before it execs setsid (a wait right after a
  # start, as the pod runner's, can look in that moment and must not call it exited).
  case "$exe" in "$want" | ip | setsid | env | bash) return 0 ;; *) return 1 ;; esac
}

# Starts a process in its own session inside the namespace, logging to logs/<name>.log.
# Usage: start_process NAME [VAR=value...] -- COMMAND ARGS...
start_process() {
  local name=$1 envs=()
  shift
  while [ "$1" != -- ]; do envs+=("$1") && shift; done
  shift
  mkdir -p "$STATE/logs" "$STATE/pids"
  # fd 9 holds the state lock: the daemons must not inherit it.
  setsid ip netns exec "$NETNS" env "${envs[@]}" "$@" \
    </dev/null >>"$STATE/logs/$name.log" 2>&1 9<&- &
  echo $! >"$STATE/pids/$name.pid"
}

# Usage: start_component NAME [VAR=value...] -- ARGS...   (the binary is $CLUSTER_BIN_DIR/NAME)
start_component() {
  local name=$1 envs=()
  shift
  while [ "$1" != -- ]; do envs+=("$1") && shift; done
  shift
  start_process "$name" "${envs[@]}" -- "$CLUSTER_BIN_DIR/$name" "$@"
}

# TERM the process group, then KILL after ~10 s.
stop_pid() {
  local pid=$1
  pid_alive "$pid" || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  say "  $pid did not stop after 10s; killing it"
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
}

stop_components() {
  local c
  for c in $STOP_ORDER; do
    if component_alive "$c"; then
      say "stopping $c (pid $(pid_of "$c"))"
      stop_pid "$(pid_of "$c")"
    fi
    rm -f "$STATE/pids/$c.pid"
  done
}

# --- waiting -------------------------------------------------------------------------------

# wait_for DESCRIPTION TIMEOUT_SECONDS COMPONENT CMD...: polls CMD until it succeeds.
# Fails early, with the end of the component's log, if the component's process dies.
wait_for() {
  local what=$1 timeout=$2 comp=$3 deadline
  shift 3
  deadline=$(($(date +%s) + timeout))
  until "$@" >/dev/null 2>&1; do
    if [ -n "$comp" ] && ! component_alive "$comp"; then
      say "error: $comp exited while waiting for $what; end of $STATE/logs/$comp.log:" >&2
      tail -n 30 "$STATE/logs/$comp.log" >&2 || true
      return 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      say "error: timed out after ${timeout}s waiting for $what" >&2
      [ -z "$comp" ] || tail -n 30 "$STATE/logs/$comp.log" >&2 || true
      return 1
    fi
    sleep 0.2
  done
}

# --- locking -------------------------------------------------------------------------------

# Takes an exclusive flock on the state dir (fd 9) so two up/down/reset runs don't race.
# Re-checks after locking in case another run removed and recreated the directory meanwhile.
lock_state() {
  while :; do
    mkdir -p "$STATE"
    exec 9<"$STATE"
    if ! flock -w 0 9; then
      say "waiting for another cluster command (lock on $STATE)..."
      flock 9
    fi
    [ "$(stat -L -c '%d:%i' /proc/self/fd/9)" = "$(stat -c '%d:%i' "$STATE" 2>/dev/null)" ] && return 0
    exec 9<&-
  done
}
