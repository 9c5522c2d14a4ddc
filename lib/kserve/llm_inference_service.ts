/**
 * The LLMInferenceService (serving.kserve.io v1alpha1, v1alpha2 from v0.17) as this plugin reads
 * and writes it: the one home of its shape, its names and its condition tree. Field names and
 * meanings are KServe's (pkg/apis/serving/v1alpha2/llm_inference_service_types.go and
 * llm_inference_service_lifecycle.go; v1alpha1 has the same fields deploy writes).
 */
import type { V1EnvVar, V1ResourceRequirements } from "@kubernetes/client-node";
import type { ObjectMeta } from "../kube/objects.ts";
import type { KnativeCondition } from "./inference_service.ts";

/** The model server's container in spec.template (the presets name it so; the controller merges by name). */
export const LLM_MAIN_CONTAINER = "main";

/** A container of spec.template (a core/v1 Container; "main" is the model server). */
export interface LLMContainer {
  name: string;
  args?: string[];
  env?: V1EnvVar[];
  resources?: V1ResourceRequirements;
  [field: string]: unknown;
}

/** spec.router: each part present (even empty) asks the controller for the managed default. */
export interface LLMRouter {
  route?: Record<string, unknown>;
  gateway?: { refs?: { name: string; namespace: string }[] };
  scheduler?: Record<string, unknown>;
}

export interface LLMInferenceService {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: {
    model?: { uri?: string; name?: string };
    replicas?: number;
    template?: { containers?: LLMContainer[]; [field: string]: unknown };
    router?: LLMRouter;
    [field: string]: unknown;
  };
  status?: {
    conditions?: KnativeCondition[];
    url?: string;
    addresses?: { url?: string; name?: string }[];
    address?: { url?: string };
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

/**
 * Ready's tree: Ready rolls up WorkloadsReady and RouterReady, each the first False of its
 * leaves that are present (DetermineWorkloadReadiness, DetermineRouterReadiness).
 * PresetsCombined is outside the rollup but blocks reconciling when False.
 */
export const LLM_CONDITION_TREE: Readonly<Record<string, readonly string[]>> = {
  Ready: ["PresetsCombined", "WorkloadsReady", "RouterReady"],
  WorkloadsReady: [
    "MainWorkloadReady",
    "WorkerWorkloadReady",
    "PrefillWorkloadReady",
    "PrefillWorkerWorkloadReady",
    "ScalingReady",
    "PrefillScalingReady",
  ],
  RouterReady: ["GatewaysReady", "HTTPRoutesReady", "InferencePoolReady", "SchedulerWorkloadReady"],
};

/** The reason the controllers give a workload they stopped (workload_single_node.go). */
export const STOPPED_REASON = "Stopped";

/** One condition of the tree with its depth (0: Ready), in tree order. */
export interface TreeCondition extends KnativeCondition {
  depth: number;
}

/** The conditions as a tree, depth first from Ready; conditions outside the tree come last. */
export function conditionTree(conditions: KnativeCondition[]): TreeCondition[] {
  const byType = new Map(conditions.map((c) => [c.type, c]));
  const seen = new Set<string>();
  const out: TreeCondition[] = [];
  const walk = (type: string, depth: number) => {
    const condition = byType.get(type);
    if (condition) {
      out.push({ ...condition, depth });
      seen.add(type);
    }
    for (const child of LLM_CONDITION_TREE[type] ?? []) walk(child, condition ? depth + 1 : depth);
  };
  walk("Ready", 0);
  for (const c of conditions) if (!seen.has(c.type)) out.push({ ...c, depth: 0 });
  return out;
}

/** The deepest False condition of the tree (the leaf that makes Ready False), if any. */
export function failingLeaf(conditions: KnativeCondition[]): KnativeCondition | undefined {
  const tree = conditionTree(conditions);
  let leaf: TreeCondition | undefined;
  for (const c of tree) if (c.status === "False" && (!leaf || c.depth > leaf.depth)) leaf = c;
  return leaf;
}

export function llmReady(object: LLMInferenceService | undefined): boolean {
  return (object?.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/** Whether the controller reports the workload stopped (v0.17+; v0.16.0 never does). */
export function llmStopReported(object: LLMInferenceService): boolean {
  return (object.status?.conditions ?? []).some((c) =>
    c.type === "MainWorkloadReady" && c.reason === STOPPED_REASON
  );
}

/** The pods, Deployment and Service of a single-node workload (singleNodeLabels). */
export const llmPodSelector = (name: string) =>
  `app.kubernetes.io/part-of=llminferenceservice,app.kubernetes.io/name=${name}`;

/** The Service in front of the workload: kmeta.ChildName(name, "-kserve-workload-svc"), https 8000. */
export const llmWorkloadService = (name: string) => `${name}-kserve-workload-svc`;

/** The workload Service's port (workload.go: "https", 8000, the presets' vLLM port). */
export const LLM_WORKLOAD_PORT = 8000;

/** The HTTPRoute and InferencePool the managed router creates (router.go, scheduler.go). */
export const llmRouteName = (name: string) => `${name}-kserve-route`;
export const llmPoolName = (name: string) => `${name}-inference-pool`;
