/**
 * Builds what `deploy` sends: an InferenceService for the kserve backend, or a Deployment,
 * Service and HPA for the deployment backend. Pure functions on plain data.
 */
import type { V1EnvVar, V1ResourceRequirements } from "@kubernetes/client-node";
import { MANAGED_BY_LABEL, PLUGIN_NAME } from "../defaults.ts";
import {
  type InferenceService,
  type ModelSpec,
  predictorModel,
  type PredictorSpec,
} from "../kserve/inference_service.ts";
import { classifyMode, MODE_ANNOTATION, modeName } from "../kserve/versions.ts";
import { INITIAL_SCALE_ANNOTATION } from "../kserve/scale_to_zero.ts";
import type { KubeObject } from "../kube/client.ts";
import type { ObjectMeta } from "../kube/objects.ts";
import type { InferenceServiceFile } from "./file.ts";
import type { Runtime } from "./runtimes.ts";
import type { Backend, KServeMode, ScaleMetric } from "../options.ts";

export const BACKEND_LABEL = "kubectl-kserve/backend";
export { MODE_ANNOTATION };
/** Where the storage initializer puts the model, in both backends. */
export const MODEL_DIR = "/mnt/models";

export interface DeployRequest {
  name: string;
  namespace: string;
  backend: Backend;
  modelFormat?: { name: string; version?: string };
  storageUri?: string;
  runtime?: string;
  image?: string;
  args: string[];
  env: Record<string, string>;
  port?: number;
  cpu?: string;
  memory?: string;
  cpuLimit?: string;
  memoryLimit?: string;
  gpu?: number;
  minReplicas?: number;
  maxReplicas?: number;
  scaleMetric?: ScaleMetric;
  scaleTarget?: number;
  serviceAccount?: string;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  /** Sets the deployment-mode annotation; without it the cluster's default applies. */
  mode?: KServeMode;
  /** The inference protocol (predictor.model.protocolVersion); KServe's default is v1. */
  protocol?: "v1" | "v2";
  /** Pod nodeSelector, such as a GPU node pool's label. */
  nodeSelector?: Record<string, string>;
  /** Pod tolerations, such as for a tainted GPU node pool. */
  tolerations?: Toleration[];
  /** A Secret with an HF_TOKEN key (`creds hf`) the model's download and server use. */
  hfTokenSecret?: string;
  /** deploy --llm's own flags (an LLMInferenceService). */
  llm?: LLMRequest;
}

/** A model as the model flags give it: a DeployRequest before its namespace and backend are known. */
export type ModelRequest = Omit<DeployRequest, "namespace" | "backend">;

/** A pod toleration (core/v1 Toleration). */
export interface Toleration {
  key: string;
  operator: "Equal" | "Exists";
  value?: string;
  effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** requests and limits from the flags; a limit defaults to its request, and GPUs go in both. */
export function resourcesOf(request: DeployRequest): V1ResourceRequirements | undefined {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (request.cpu) requests.cpu = request.cpu;
  if (request.memory) requests.memory = request.memory;
  const cpuLimit = request.cpuLimit ?? request.cpu;
  const memoryLimit = request.memoryLimit ?? request.memory;
  if (cpuLimit) limits.cpu = cpuLimit;
  if (memoryLimit) limits.memory = memoryLimit;
  if (request.gpu) requests["nvidia.com/gpu"] = limits["nvidia.com/gpu"] = String(request.gpu);
  if (Object.keys(requests).length + Object.keys(limits).length === 0) return undefined;
  return {
    ...(Object.keys(requests).length ? { requests } : {}),
    ...(Object.keys(limits).length ? { limits } : {}),
  };
}

function envList(env: Record<string, string>): V1EnvVar[] | undefined {
  const entries = Object.entries(env).map(([name, value]) => ({ name, value }));
  return entries.length ? entries : undefined;
}

function nonEmpty(map: Record<string, string> | undefined): Record<string, string> | undefined {
  return map && Object.keys(map).length ? map : undefined;
}

function compact<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The InferenceService, from `base` (a -f file) with the flags laid over it. A legacy mode
 * value becomes the installed version's name, avoiding v0.16.0's stuck-object bug (kserve#5025).
 */
export function buildInferenceService(
  request: DeployRequest,
  kserveVersion: string | undefined,
  base?: InferenceServiceFile,
): KubeObject {
  const isvc: InferenceService = structuredClone(base ?? {});
  isvc.apiVersion = "serving.kserve.io/v1beta1";
  isvc.kind = "InferenceService";
  const metadata: ObjectMeta = {
    ...isvc.metadata,
    name: request.name,
    namespace: request.namespace,
  };
  isvc.metadata = metadata;
  const annotations: Record<string, string> = {
    ...metadata.annotations,
    ...request.annotations,
  };
  // --min-replicas 0 asks Knative to start each revision at zero too, not only to go there
  // once idle (KServe copies the annotation onto the revision; lib/kserve/scale_to_zero.ts).
  if (request.minReplicas === 0) annotations[INITIAL_SCALE_ANNOTATION] ??= "0";
  const existingMode = annotations[MODE_ANNOTATION];
  const kind = request.mode ?? (existingMode ? classifyMode(existingMode, undefined) : undefined);
  if (kind === "raw" || kind === "serverless") {
    annotations[MODE_ANNOTATION] = modeName(kind, kserveVersion);
  }
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  const labels = { ...metadata.labels, ...request.labels };
  if (Object.keys(labels).length) metadata.labels = labels;
  delete metadata.resourceVersion;

  const predictor: PredictorSpec = isvc.spec?.predictor ?? {};
  Object.assign(
    predictor,
    compact({
      minReplicas: request.minReplicas,
      maxReplicas: request.maxReplicas,
      scaleMetric: request.scaleMetric,
      scaleTarget: request.scaleTarget,
      serviceAccountName: request.serviceAccount,
      nodeSelector: nonEmpty(request.nodeSelector),
      tolerations: request.tolerations?.length ? request.tolerations : undefined,
    }),
  );
  isvc.spec = { ...isvc.spec, predictor };
  // The flags go where the file writes the model: predictor.model, a shorthand such as
  // predictor.sklearn, or a custom container (checkFlags refuses the flags a form has no field for).
  const existing = predictorModel(isvc);
  const model: ModelSpec = existing?.spec ?? {};
  Object.assign(
    model,
    compact({
      modelFormat: request.modelFormat && (existing?.form ?? "model") === "model"
        ? compact({ ...request.modelFormat })
        : undefined,
      storageUri: request.storageUri,
      runtime: request.runtime,
      protocolVersion: request.protocol,
      image: request.image,
      args: request.args.length ? request.args : undefined,
      env: envList(request.env),
      ports: request.port ? [{ containerPort: request.port, protocol: "TCP" }] : undefined,
      resources: resourcesOf(request),
    }),
  );
  if (!existing) predictor.model = model;
  return isvc;
}

/**
 * Deployment, Service and HPA for a model served without KServe. `liveReplicas`: the replica
 * count of the Deployment already there, which a re-deploy keeps.
 */
export function buildDeploymentBackend(
  request: DeployRequest,
  runtime: Runtime,
  storageInitializerImage: string,
  options: { liveReplicas?: number } = {},
): KubeObject[] {
  const labels = {
    ...request.labels,
    "app.kubernetes.io/name": request.name,
    [MANAGED_BY_LABEL]: PLUGIN_NAME,
    [BACKEND_LABEL]: "deployment",
  };
  const selector = { "app.kubernetes.io/name": request.name, [MANAGED_BY_LABEL]: PLUGIN_NAME };
  const port = request.port ?? runtime.port;
  const metadata = () => ({
    name: request.name,
    namespace: request.namespace,
    labels,
    ...(Object.keys(request.annotations).length ? { annotations: request.annotations } : {}),
  });
  const modelVolume = { name: "model", mountPath: MODEL_DIR };
  const initContainers = request.storageUri
    ? [{
      name: "storage-initializer",
      image: storageInitializerImage,
      args: [request.storageUri, MODEL_DIR],
      volumeMounts: [modelVolume],
    }]
    : undefined;
  const container = compact({
    name: "kserve-container",
    image: runtime.image,
    args: (request.args.length ? request.args : runtime.args).map((a) =>
      a.replaceAll("{{.Name}}", request.name)
    ),
    env: envList(request.env),
    ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
    resources: resourcesOf(request),
    volumeMounts: request.storageUri ? [{ ...modelVolume, readOnly: true }] : undefined,
  });
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: metadata(),
    spec: {
      // The HPA owns the replica count once it has scaled (through /scale, as
      // kube-controller-manager). A re-deploy applies the live count: another value would undo
      // the HPA's choice and conflict with its manager; leaving the field out would drop it to
      // the default of 1 when this tool still owns it. On create it starts at the minimum.
      replicas: options.liveReplicas ?? Math.max(1, request.minReplicas ?? 1),
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: compact({
          serviceAccountName: request.serviceAccount,
          nodeSelector: nonEmpty(request.nodeSelector),
          tolerations: request.tolerations?.length ? request.tolerations : undefined,
          initContainers,
          containers: [container],
          volumes: request.storageUri ? [{ name: "model", emptyDir: {} }] : undefined,
        }),
      },
    },
  };
  const service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: metadata(),
    spec: { selector, ports: [{ name: "http", port: 80, targetPort: port, protocol: "TCP" }] },
  };
  const metric = request.scaleMetric ?? "cpu";
  const hpa = {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: metadata(),
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: request.name },
      minReplicas: Math.max(1, request.minReplicas ?? 1),
      maxReplicas: Math.max(request.maxReplicas ?? 1, request.minReplicas ?? 1, 1),
      metrics: [{
        type: "Resource",
        resource: {
          name: metric,
          target: { type: "Utilization", averageUtilization: request.scaleTarget ?? 80 },
        },
      }],
    },
  };
  return [deployment, service, hpa];
}

/** What deploy --llm adds to a request. */
export interface LLMRequest {
  /** spec.model.name: the name the OpenAI API serves (default: the controller's, from the URI). */
  modelName?: string;
  /** spec.replicas. */
  replicas?: number;
  /** spec.router: false writes none (the workload Service alone; no Gateway API needed). */
  router: boolean;
  /** spec.router.scheduler: false (--no-scheduler) leaves the managed scheduler out. */
  scheduler: boolean;
  /** spec.router.gateway.refs: an existing Gateway instead of the managed default. */
  gateway?: { namespace: string; name: string };
}
