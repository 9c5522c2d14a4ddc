/**
 * The LLMInferenceService (serving.kserve.io v1alpha1, v1alpha2 from v0.17) as this plugin reads
 * and writes it: the one home of its shape, its names and its condition tree. Field names and
 * meanings are KServe's (pkg/apis/serving/v1alpha2/llm_inference_service_types.go and
 * llm_inference_service_lifecycle.go; v1alpha1 has the same fields deploy writes).
 */
import type { V1EnvVar, V1ResourceRequirements } from "@kubernetes/client-node";
import type { Kube } from "../kube/client.ts";
import type { ObjectMeta } from "../kube/objects.ts";
import { groupVersionOf, kserveKind } from "./api_kinds.ts";
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

/** The Service in front of the workload: kmeta.ChildName(name, "-kserve-workload-svc"), port 8000. */
export const llmWorkloadService = (name: string) => `${name}-kserve-workload-svc`;

/** The workload Service's port (workload.go: 8000, the presets' vLLM port). */
export const LLM_WORKLOAD_PORT = 8000;

/**
 * Whether vLLM serves HTTPS behind the workload Service, from the object as read and, where the
 * release decides it by configuration, that Service (`readService`; undefined: not there). From v0.17 (v1alpha2) the controller names the port after the
 * scheme the presets serve, "http" or "https" as the ingress config's
 * enableLLMInferenceServiceTLS says (v1alpha2/llmisvc/workload.go reconcileWorkloadService;
 * the presets then pass vLLM --ssl-certfile). v0.16.0 (v1alpha1 only) names it "https" while
 * its presets serve plain HTTP ("BackendTLSPolicy is not implemented yet").
 */
export async function llmServesTls(
  object: LLMInferenceService,
  readService: () => Promise<{ spec?: { ports?: { name?: string; port?: number }[] } } | undefined>,
): Promise<boolean> {
  if (String(object.apiVersion ?? "").endsWith("/v1alpha1")) return false;
  const port = (await readService())?.spec?.ports?.find((p) => p.port === LLM_WORKLOAD_PORT);
  return port?.name === "https";
}

/** The HTTPRoute and InferencePool the managed router creates (router.go, scheduler.go). */
export const llmRouteName = (name: string) => `${name}-kserve-route`;
export const llmPoolName = (name: string) => `${name}-inference-pool`;

const LLM_KIND = kserveKind("LLMInferenceService");

/** The version found by discovery in this process (one cluster a command), once known. */
let discovered: Promise<string | undefined> | undefined;
let known: string | undefined;

/**
 * The version LLMInferenceServices are read and written at: the newest of the kind's versions
 * the API serves (discovery: v1alpha2 from v0.17, which it stores; v1alpha1 on v0.16.0), so that
 * no read goes through the llmisvc conversion webhook. Undefined when neither is served. Asked
 * once a process; a discovery failure other than a 404 is thrown.
 */
export function llmVersion(kube: Kube): Promise<string | undefined> {
  discovered ??= (async () => {
    const newestFirst = [...LLM_KIND.versions].reverse();
    const lists = await Promise.all(
      newestFirst.map((v) =>
        kube.getOptional<{ resources: { name: string }[] }>(`/apis/${groupVersionOf(LLM_KIND, v)}`)
      ),
    );
    known = newestFirst.find((_, i) =>
      lists[i]?.resources.some((r) => r.name === LLM_KIND.resource)
    );
    return known;
  })();
  return discovered;
}

/**
 * The version llmVersion() found, for paths built without a client (a watch, a patch after the
 * model was read); before any discovery, the oldest, which every release with the kind serves.
 */
export function llmVersionKnown(): string {
  return known ?? LLM_KIND.versions[0]!;
}
