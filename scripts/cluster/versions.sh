# Pinned versions of the test cluster's components, and where their binaries are cached.
# Sourced by the other scripts in this folder; changing a pin gives a new cache directory.
K8S_VERSION=v1.36.3
K8S_STAGING_VERSION=v0.36.3
K8S_MINOR=36
ETCD_VERSION=v3.6.13
KWOK_VERSION=v0.8.0

CLUSTER_CACHE_ROOT=${KSERVE_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-kserve/cluster}
CLUSTER_BIN_DIR="$CLUSTER_CACHE_ROOT/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION/bin"
CLUSTER_BINARIES="etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok"

# KServe versions whose controllers the pod runner plays (built by build_kserve.sh during `up`).
KSERVE_RUNNER_VERSIONS="v0.16.0 v0.20.0"

# Helm, for the tests of KServe installed by its own charts (the plugin must respect them).
HELM_VERSION=v3.22.0
HELM_BIN_DIR="$CLUSTER_CACHE_ROOT/helm-$HELM_VERSION/bin"

# Knative Serving's Go module version for a release (v1.15.2 -> v0.42.2: the minor plus 27).
# The pod runner finds the binaries in $CLUSTER_CACHE_ROOT/knative-serving-<module version>/bin.
knative_module_version() {
  local v=${1#v} major minor patch
  IFS=. read -r major minor patch <<<"$v"
  [ "$major" = 1 ] && [ -n "$patch" ] || { echo "error: not a Knative release version: $1" >&2; return 1; }
  echo "v0.$((minor + 27)).$patch"
}
