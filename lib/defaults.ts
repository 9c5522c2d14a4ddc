/** Names, namespaces, versions and timeouts: the one place they are spelled out. */

export const PLUGIN_NAME = "kubectl-kserve";
export const FIELD_MANAGER = "kubectl-kserve";
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
/** Set on their objects by the cert-manager and Knative release manifests. */
export const VERSION_LABEL = "app.kubernetes.io/version";
/** The API path of CustomResourceDefinitions, which install, uninstall and their waits all read. */
export const CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
/** Set on a CRD whose deletion is stuck, to make the API server retry its cleanup. */
export const CLEANUP_RETRY_ANNOTATION = "kubectl-kserve/cleanup-retry";

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
  /** The InferenceService CRD: its metadata says who installed KServe's CRDs (Helm's kserve-crd). */
  isvcCrd: "inferenceservices.serving.kserve.io",
} as const;

/** KServe's LLM controller, and the Gateway its LLMInferenceServices route through by default. */
export const LLM = {
  controllerDeployment: "llmisvc-controller-manager",
  controllerSelector: "control-plane=llmisvc-controller-manager",
  /** The managed default Gateway (config-llm-router-route's parentRefs; KServe's docs). */
  gatewayNamespace: "kserve",
  gatewayName: "kserve-ingress-gateway",
  gatewayApiGroup: "gateway.networking.k8s.io",
} as const;

/** KServe labels an InferenceService's Deployments, ReplicaSets and pods with its name. */
export const ISVC_LABEL = "serving.kserve.io/inferenceservice";

/** The API path of KServe's InferenceServices (serving.kserve.io/v1beta1). */
export const ISVC_PATH = `/apis/${KSERVE.apiGroup}/v1beta1`;

/** Named timings, in milliseconds, each with why it is what it is. */
export const TIMINGS = {
  /** Per-request timeout when --request-timeout is not given (kubectl's default is none). */
  requestMs: 30_000,
  /** Shell completion asks the server with this timeout, so that a TAB never hangs. */
  completionRequestMs: 5_000,
  /** A watch answered 429 (Too Many Requests): pause before the caller lists again. */
  throttledWatchMs: 1_000,
  /** A token file is read again after this long (projected ServiceAccount tokens rotate). */
  tokenFileReuseMs: 60_000,
  /** A webhook configuration just deleted may still be called for a moment. */
  webhookDropMs: 2_000,
  /** How long a delete keeps retrying a webhook that was removed a moment ago and still called. */
  webhookGoneRetryMs: 10_000,
  /** How often deleted CRDs are looked at for a finalizer that holds them. */
  crdDeletePollMs: 1_500,
  /** How long llmisvc gets to finish its LLMInferenceServiceConfigs before finalizers go. */
  llmConfigFinalizeMs: 10_000,
  /** Extra time to wait for models after their finalizers were stripped at the deadline. */
  modelStripGraceMs: 30_000,
  /** How long re-creating an object whose immutable fields change may take without a deadline. */
  replaceMs: 60_000,
  /**
   * The longest a timer can wait (a signed 32-bit count of milliseconds, about 24.8 days): a
   * longer setTimeout or AbortSignal.timeout fires at once, so a wait would become a busy loop.
   */
  maxTimerMs: 2 ** 31 - 1,
} as const;

/** Names in a KServe installation (the same in v0.16.0 and v0.20.0). */
export const KSERVE_OBJECTS = {
  configMap: "inferenceservice-config",
  certificate: "serving-cert",
  certSecret: "kserve-webhook-server-cert",
  webhookService: "kserve-webhook-server-service",
  issuer: "selfsigned-issuer",
  /** Webhook configurations are named after the resource: "inferenceservice.serving.kserve.io". */
  webhookSuffix: ".serving.kserve.io",
  defaulterWebhook: "inferenceservice.kserve-webhook-server.defaulter",
  storageContainer: "default",
} as const;

export const CERT_MANAGER = {
  namespace: "cert-manager",
  apiGroup: "cert-manager.io",
  deployments: ["cert-manager", "cert-manager-cainjector", "cert-manager-webhook"],
  /** Asks cainjector to fill an object's caBundle from a Certificate's CA. */
  injectAnnotation: "cert-manager.io/inject-ca-from",
  /** Its presence says cert-manager is installed; its labels say which release. */
  certificateCrd: "certificates.cert-manager.io",
  /** cert-manager's Helm chart repository (chart "cert-manager"). */
  chartRepo: "https://charts.jetstack.io",
} as const;

export const KNATIVE = {
  namespace: "knative-serving",
  apiGroup: "serving.knative.dev",
  kourierNamespace: "kourier-system",
  kourierClass: "kourier.ingress.networking.knative.dev",
  istioClass: "istio.ingress.networking.knative.dev",
  /** The CRD whose presence means Knative Serving is installed, and whose labels give its release. */
  serviceCrd: "services.serving.knative.dev",
  /** Labels of Knative Serving's controller Deployment (serving-core.yaml), wherever it runs. */
  controllerLabels: "app.kubernetes.io/name=knative-serving,app.kubernetes.io/component=controller",
} as const;

export const ISTIO = {
  /** Without it KServe v0.20 warns VirtualServiceCRDNotFound on every InferenceService. */
  virtualServiceCrd: "virtualservices.networking.istio.io",
} as const;

/**
 * The resource metrics API that HPAs read CPU and memory from: served by metrics-server through
 * this APIService. KServe's raw-mode HPAs and --mode deployment's HPAs never scale without it.
 */
export const METRICS_API = {
  apiService: "v1beta1.metrics.k8s.io",
  groupVersion: "metrics.k8s.io/v1beta1",
  install:
    "kubectl apply -f https://github.com/kubernetes-sigs/metrics-server/releases/latest/download/components.yaml",
} as const;
