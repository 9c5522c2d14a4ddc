#!/bin/bash
# Runs a controller process the way a pod would see its ServiceAccount namespace, so that
# controller-runtime's leader election works: it reads the namespace from
# /var/run/secrets/kubernetes.io/serviceaccount/namespace (a fixed path) and has no flag for it.
# With --etc DIR (pods with a network namespace of their own, see podnet.ts) it also mounts
# DIR/hosts and DIR/resolv.conf over /etc's: the cluster's DNS names for the process.
# The pod runner starts this in a mount namespace of its own (`unshare --mount --propagation
# private`, or `ip netns exec`, which makes one), so the mounts below are this process's own and
# the host's /run and /etc are untouched. Nothing on /run is used by controllers.
# Usage: in_pod.sh [--etc DIR] NAMESPACE COMMAND [ARG...]
set -euo pipefail
if [ "$1" = --etc ]; then
  etc=$2
  shift 2
  mount --bind "$etc/hosts" /etc/hosts
  mount --bind "$etc/resolv.conf" /etc/resolv.conf
fi
namespace=$1
shift
mount -t tmpfs -o size=64k,mode=0755 pod-run /run
mkdir -p /run/secrets/kubernetes.io/serviceaccount
printf '%s' "$namespace" >/run/secrets/kubernetes.io/serviceaccount/namespace
exec "$@"
