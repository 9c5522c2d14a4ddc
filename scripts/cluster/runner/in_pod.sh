#!/bin/bash
# Runs a controller process the way a pod would see its ServiceAccount namespace, so that
# controller-runtime's leader election works: it reads the namespace from
# /var/run/secrets/kubernetes.io/serviceaccount/namespace (a fixed path) and has no flag for it.
# The pod runner starts this under `unshare --mount --propagation private`, so the tmpfs below is
# this process's own and the host's /run is untouched. Nothing on /run is used by controllers.
# Usage: in_pod.sh NAMESPACE COMMAND [ARG...]
set -euo pipefail
namespace=$1
shift
mount -t tmpfs -o size=64k,mode=0755 pod-run /run
mkdir -p /run/secrets/kubernetes.io/serviceaccount
printf '%s' "$namespace" >/run/secrets/kubernetes.io/serviceaccount/namespace
exec "$@"
