# shellcheck shell=bash
# Starting the control plane, kwok and the fake nodes, and probing them. Sourced by cluster.sh.
# Everything listens on 127.0.0.1 inside the network namespace, so the ports are fixed.

kubectl_admin() { in_ns env KUBECONFIG="$KUBECONFIG_FILE" "$CLUSTER_BIN_DIR/kubectl" "$@"; }
curl_ns() { in_ns curl -fsS --max-time 2 "$@"; }
curl_api() { curl_ns --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$API_URL$1"; }

start_etcd() {
  start_component etcd -- \
    --name=node0 --data-dir="$STATE/etcd" \
    --listen-client-urls=http://127.0.0.1:2379 --advertise-client-urls=http://127.0.0.1:2379 \
    --listen-peer-urls=http://127.0.0.1:2380 --initial-advertise-peer-urls=http://127.0.0.1:2380 \
    --initial-cluster=node0=http://127.0.0.1:2380 \
    --auto-compaction-retention=1 --quota-backend-bytes=8589934592 \
    --unsafe-no-fsync=true --log-level=warn
}

start_apiserver() {
  start_component kube-apiserver -- \
    --etcd-servers=http://127.0.0.1:2379 \
    --bind-address=127.0.0.1 --secure-port=6443 \
    --advertise-address=127.0.0.1 --endpoint-reconciler-type=none \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range=10.96.0.0/16 \
    --authorization-mode=Node,RBAC \
    --allow-privileged=true --profiling=false --v=1
}

# The controller manager and scheduler both use the admin kubeconfig.
start_controller_manager() {
  start_component kube-controller-manager -- \
    --kubeconfig="$KUBECONFIG_FILE" \
    --authentication-kubeconfig="$KUBECONFIG_FILE" --authorization-kubeconfig="$KUBECONFIG_FILE" \
    --bind-address=127.0.0.1 --secure-port=10257 --leader-elect=false \
    '--controllers=*' \
    --root-ca-file="$PKI/ca.crt" --service-account-private-key-file="$PKI/sa.key" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --service-cluster-ip-range=10.96.0.0/16 \
    --node-monitor-period=5s --node-monitor-grace-period=40s \
    --profiling=false --v=1
}

start_scheduler() {
  start_component kube-scheduler -- \
    --kubeconfig="$KUBECONFIG_FILE" \
    --authentication-kubeconfig="$KUBECONFIG_FILE" --authorization-kubeconfig="$KUBECONFIG_FILE" \
    --bind-address=127.0.0.1 --secure-port=10259 --leader-elect=false \
    --profiling=false --v=1
}

kwok_module_dir() {
  local dir
  dir="$(go env GOMODCACHE)/sigs.k8s.io/kwok@$KWOK_VERSION"
  if [ ! -d "$dir/kustomize" ]; then
    (cd /tmp && go mod download "sigs.k8s.io/kwok@$KWOK_VERSION") || die "cannot find kwok's module in $dir"
  fi
  printf '%s\n' "$dir"
}

# The pattern of the images the pod runner plays (scripts/cluster/runner/images.ts).
runner_images_pattern() {
  "$(deno_bin)" run --quiet --no-config "$CLUSTER_SCRIPTS/runner/images.ts" --pattern
}

deno_bin() { command -v deno || die "deno is not on PATH (the pod runner is a Deno program)"; }

# kwok ships no stages of its own: its config is the stage files from the kwok module (downloaded
# by build.sh), concatenated at start time. Options go on the command line: a KwokConfiguration
# in the file would replace kwok's defaults instead of being merged with them.
# Pods whose image the pod runner plays get runner/kwok-stage.yaml instead of kwok's pod-ready:
# kwok gives them an IP and leaves them Pending and not Ready, and the runner owns their status
# from then on (Ready only when the process's readiness probe passes; CrashLoopBackOff, restart
# counts). Without the extra selector kwok's pod-ready would mark them Ready at once (it matches
# Pending pods whose Ready is not True), and the runner and kwok would fight over it.
# kwok's pod-delete gets the same selector: the runner deletes its pods itself once their
# processes have stopped, as a kubelet does (runner/deletions.ts).
write_kwok_config() {
  local stages f pattern exclude
  stages="$(kwok_module_dir)/kustomize/stage"
  pattern=$(runner_images_pattern) || die "cannot read the pod runner's image table"
  exclude="    - key: '[.spec.containers[].image | test(\"$pattern\")] | any'\n      operator: 'NotIn'\n      values:\n      - 'true'"
  {
    for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
      pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
      printf -- '---\n'
      if [ "$f" = pod/fast/pod-ready.yaml ] || [ "$f" = pod/fast/pod-delete.yaml ]; then
        awk -v extra="$exclude" '{ print } /^    matchExpressions:$/ && !done { print extra; done = 1 }' "$stages/$f"
      else
        cat "$stages/$f"
      fi
    done
    printf -- '---\n'
    sed "s#@RUNNER_IMAGES@#$pattern#" "$CLUSTER_SCRIPTS/runner/kwok-stage.yaml"
    # Containers nobody runs print nothing: `kubectl logs` on a kwok pod gives an empty log (the
    # runner's per-pod Logs objects take precedence over this ClusterLogs).
    printf -- '---\napiVersion: kwok.x-k8s.io/v1alpha1\nkind: ClusterLogs\nmetadata:\n  name: fake-containers\n'
    printf 'spec:\n  logs:\n  - logsFile: %s\n' "$STATE/kwok-empty.log"
  } >"$STATE/kwok.yaml"
  : >"$STATE/kwok-empty.log"
  [ "$(grep -cxF -- "$(printf '%b' "$exclude" | head -n 1)" "$STATE/kwok.yaml")" = 2 ] ||
    die "could not add the pod runner's selector to kwok's pod-ready and pod-delete stages"
}

# `kubectl logs` works through kwok: --node-port makes node-initialize publish the node's
# kubelet port (daemonEndpoints) next to its Hostname address (--node-name=localhost), so the
# API server dials https://localhost:10247/containerLogs/... inside the netns. kwok answers TLS
# there with a self-signed test certificate, which kube-apiserver accepts because it has no
# --kubelet-certificate-authority. kwok reads the log from the files a Logs object names (CRI
# format); the pod runner creates one per pod it plays. With --enable-crds=Logs kwok watches
# those objects, so their CRD must exist before kwok starts. (The CRD is visible in the cluster.)
install_kwok_crds() {
  kubectl_admin apply -f "$(kwok_module_dir)/kustomize/crd/bases/kwok.x-k8s.io_logs.yaml" >/dev/null
  kubectl_admin wait --for=condition=Established crd/logs.kwok.x-k8s.io --timeout=30s >/dev/null
}

# HOME points at the state dir so kwok does not also load ~/.kwok/kwok.yaml.
start_kwok() {
  start_component kwok HOME="$STATE" -- \
    --kubeconfig="$KUBECONFIG_FILE" --config="$STATE/kwok.yaml" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --cidr=10.244.0.0/16 --node-name=localhost --node-lease-duration-seconds=40 \
    --server-address=127.0.0.1:10247 --node-port=10247 --enable-crds=Logs
}

# The pod runner (scripts/cluster/runner/main.ts): real processes for the pods of selected images.
start_runner() {
  start_process pod-runner NO_COLOR=1 -- "$(deno_bin)" run -A --quiet --no-config \
    "$CLUSTER_SCRIPTS/runner/main.ts" --state "$STATE" --cache "$CLUSTER_CACHE_ROOT" --netns "$NETNS"
}

# node_yaml NAME POD_CIDR [EXTRA_RESOURCES]
node_yaml() {
  cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: $1
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: $1
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
spec:
  podCIDR: $2
  podCIDRs: [$2]
  providerID: kwok://$1
status:
  capacity: {cpu: "32", memory: 256Gi, pods: "110"${3:-}}
  allocatable: {cpu: "32", memory: 256Gi, pods: "110"${3:-}}
  nodeInfo: {architecture: amd64, operatingSystem: linux, kubeletVersion: fake}
  phase: Running
EOF
}

create_nodes() {
  {
    node_yaml kwok-node-0 10.244.0.0/24
    node_yaml kwok-node-1 10.244.1.0/24 ', nvidia.com/gpu: "2"'
  } | kubectl_admin create -f - >/dev/null
}

nodes_untainted() {
  [ -z "$(kubectl_admin get nodes -o 'jsonpath={.items[*].spec.taints}')" ]
}

# Starts all components on existing PKI and kubeconfig, creates the nodes and waits until the
# cluster is usable: readyz, default namespace, default ServiceAccount, nodes Ready and schedulable.
start_cluster() {
  mkdir -p "$STATE/logs" "$STATE/pids" "$STATE/etcd"
  chmod 700 "$STATE/etcd"
  write_kwok_config
  start_etcd
  wait_for "etcd health" 30 etcd curl_ns http://127.0.0.1:2379/health
  start_apiserver
  wait_for "kube-apiserver /readyz" 120 kube-apiserver curl_api /readyz
  start_controller_manager
  start_scheduler
  create_nodes
  wait_for "kube-apiserver to accept CRDs" 30 kube-apiserver install_kwok_crds
  start_kwok
  wait_for "namespace default" 30 kube-apiserver kubectl_admin get namespace default
  wait_for "kube-controller-manager /healthz" 60 kube-controller-manager curl_ns -k https://127.0.0.1:10257/healthz
  wait_for "kube-scheduler /healthz" 60 kube-scheduler curl_ns -k https://127.0.0.1:10259/healthz
  wait_for "kwok /healthz" 60 kwok curl_ns http://127.0.0.1:10247/healthz
  wait_for "ServiceAccount default/default" 60 kube-controller-manager kubectl_admin -n default get serviceaccount default
  wait_for "nodes Ready" 60 kwok kubectl_admin wait --for=condition=Ready node/kwok-node-0 node/kwok-node-1 --timeout=5s
  wait_for "nodes without not-ready taints" 60 kube-controller-manager nodes_untainted
  start_runner
  wait_for "pod runner" 30 pod-runner test -f "$STATE/runner/ready"
}

# Healthy = every component process alive and the API server ready.
cluster_healthy() {
  local c
  netns_exists && [ -f "$KUBECONFIG_FILE" ] || return 1
  for c in $COMPONENTS; do component_alive "$c" || return 1; done
  curl_api /readyz >/dev/null 2>&1
}
