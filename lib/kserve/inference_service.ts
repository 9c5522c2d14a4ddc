/**
 * The InferenceService (serving.kserve.io/v1beta1) as this plugin reads and writes it: the one
 * home of its shape. Field names and meanings are KServe's (pkg/apis/serving/v1beta1:
 * inference_service.go, predictor.go, inference_service_status.go).
 */
import type {
  V1ContainerPort,
  V1EnvVar,
  V1ResourceRequirements,
  V1Toleration,
} from "@kubernetes/client-node";
import type { ObjectMeta } from "../kube/objects.ts";
import { MODE_NAMES } from "./versions.ts";

/**
 * A Knative-style condition (knative.dev/pkg apis.Condition), which KServe reports: unlike
 * metav1.Condition, reason and message may be absent. lastTransitionTime is the JSON's string.
 */
export interface KnativeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  severity?: string;
  lastTransitionTime?: string;
}

/**
 * An InferenceService as read from the API or a user's file. Only the fields named here are
 * read or set; every other field passes through untouched (a -f file is applied as given).
 */
export interface InferenceService {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: InferenceServiceSpec;
  status?: InferenceServiceState;
  [field: string]: unknown;
}

/** spec: the predictor is what deploy writes; transformers and explainers pass through. */
export interface InferenceServiceSpec {
  predictor?: PredictorSpec;
  [field: string]: unknown;
}

/** spec.predictor (v1beta1 PredictorSpec): scaling, pod placement and the model. */
export interface PredictorSpec {
  minReplicas?: number;
  maxReplicas?: number;
  /** Knative mode only: the latest revision's share, the rest to the last rolled-out one. */
  canaryTrafficPercent?: number;
  scaleMetric?: string;
  scaleTarget?: number;
  serviceAccountName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
  model?: ModelSpec;
  [field: string]: unknown;
}

/** spec.predictor.model (v1beta1 ModelSpec): a container spec plus the model's format and place. */
export interface ModelSpec {
  modelFormat?: { name: string; version?: string };
  storageUri?: string;
  /** A ServingRuntime or ClusterServingRuntime by name; KServe selects one when absent. */
  runtime?: string;
  /** "v1" or "v2"; KServe's default is v1. */
  protocolVersion?: string;
  image?: string;
  args?: string[];
  env?: V1EnvVar[];
  ports?: V1ContainerPort[];
  resources?: V1ResourceRequirements;
  [field: string]: unknown;
}

/** status (v1beta1 InferenceServiceStatus): the parts this plugin reads. */
export interface InferenceServiceState {
  conditions?: KnativeCondition[];
  /** The external URL, when the ingress gives one. */
  url?: string;
  /** The in-cluster address. */
  address?: { url?: string };
  /** The metadata.generation this status was written for (Knative duck status). */
  observedGeneration?: number;
  /** The deployment mode the controller applied (lib/kserve/versions.ts names them). */
  deploymentMode?: string;
  /** The runtime the controller chose (one of the two; the CRD of v0.16.0 and v0.20.0). */
  servingRuntimeName?: string;
  clusterServingRuntimeName?: string;
  modelStatus?: { lastFailureInfo?: { reason?: string; message?: string } };
  /** Each component's rollout state in Knative mode (lib/kserve/traffic.ts reads it). */
  components?: { predictor?: PredictorStatus; [component: string]: PredictorStatus | undefined };
}

/** A Knative TrafficTarget as the Route resolved it (knative.dev/serving apis/serving/v1). */
export interface TrafficTarget {
  tag?: string;
  revisionName?: string;
  latestRevision?: boolean;
  /** 0..100; absent means 0. */
  percent?: number;
  /** Set for a tagged target (tag routing): that revision's own address. */
  url?: string;
}

/** status.components.predictor (ComponentStatusSpec in inference_service_status.go), the fields read here. */
export interface PredictorStatus {
  latestCreatedRevision?: string;
  latestReadyRevision?: string;
  /** The latest revision that received 100% of the traffic. */
  latestRolledoutRevision?: string;
  /** The one before it: where the "prev" share goes right after a promote. */
  previousRolledoutRevision?: string;
  traffic?: TrafficTarget[];
  url?: string;
}

/**
 * The name KServe gives an InferenceService's predictor: its Service, raw-mode Deployment and
 * HPA, and the first label of its host (pkg/constants: PredictorServiceName, NAME-predictor).
 */
export function predictorName(name: string): string {
  return `${name}-predictor`;
}

export function isvcReady(isvc: Pick<InferenceService, "status"> | undefined): boolean {
  return (isvc?.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/**
 * Whether KServe serves this InferenceService from Deployments it rolls out (raw mode, from
 * status.deploymentMode). Knative's revisions are judged by Ready itself: an old revision's
 * Deployment scaled to zero is not a stuck rollout.
 */
export function rendersDeployments(isvc: InferenceService): boolean {
  return MODE_NAMES[isvc.status?.deploymentMode ?? ""] === "raw";
}

/**
 * The predictor shorthand KServe documents and its webhook accepts: `spec.predictor.<format>`,
 * where the key is the model format (pkg/apis/serving/v1beta1/predictor.go PredictorSpec).
 */
export const PREDICTOR_SHORTHANDS = [
  "sklearn",
  "xgboost",
  "tensorflow",
  "pytorch",
  "triton",
  "onnx",
  "pmml",
  "lightgbm",
  "paddle",
  "huggingface",
] as const;

/** The predictor's model container, in whichever of KServe's three forms the spec writes it. */
export interface PredictorModel {
  /** "model": spec.predictor.model; "shorthand": spec.predictor.<format>; "containers": custom. */
  form: "model" | "shorthand" | "containers";
  /** The field that holds it: spec.predictor.model, spec.predictor.sklearn, spec.predictor.containers[0]. */
  path: string;
  /** The object at `path` (the live object, not a copy: writing it writes the spec). */
  spec: ModelSpec;
  /** modelFormat of predictor.model, the key of a shorthand; none for a custom container. */
  format?: { name: string; version?: string };
}

/**
 * The predictor's model container, or undefined when the spec has none of the three forms.
 * A custom predictor's first container is the model server (KServe names it kserve-container).
 */
export function predictorModel(isvc: InferenceService): PredictorModel | undefined {
  const predictor = isvc.spec?.predictor;
  if (!predictor) return undefined;
  if (predictor.model) {
    return {
      form: "model",
      path: "spec.predictor.model",
      spec: predictor.model,
      format: predictor.model.modelFormat,
    };
  }
  const key = PREDICTOR_SHORTHANDS.find((format) => isObject(predictor[format]));
  if (key) {
    return {
      form: "shorthand",
      path: `spec.predictor.${key}`,
      spec: predictor[key] as ModelSpec,
      format: { name: key },
    };
  }
  const containers = predictor.containers;
  if (Array.isArray(containers) && isObject(containers[0])) {
    return { form: "containers", path: "spec.predictor.containers[0]", spec: containers[0] };
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
