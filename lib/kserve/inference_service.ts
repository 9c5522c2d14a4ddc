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
