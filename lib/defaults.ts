/** Names, namespaces, versions and timeouts: the one place they are spelled out. */

export const PLUGIN_NAME = "kubectl-kserve";
export const FIELD_MANAGER = "kubectl-kserve";
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

export const DEFAULT_NAMESPACE = "default";
/** Where a pod finds its service account, for in-cluster config. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export const KSERVE = {
  namespace: "kserve",
  /** kserve_kubeflow.yaml installs into this namespace instead. */
  kubeflowNamespace: "kubeflow",
  controllerDeployment: "kserve-controller-manager",
  controllerSelector: "control-plane=kserve-controller-manager",
  controllerImage: "kserve/kserve-controller",
  apiGroup: "serving.kserve.io",
} as const;

export const TIMEOUTS = {
  /** Per-request timeout when --request-timeout is not given (kubectl's default is none). */
  requestMs: 30_000,
} as const;
