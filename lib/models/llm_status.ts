/**
 * `status` of an LLMInferenceService: its condition tree (the failing leaf first), the workload
 * pods, the HTTPRoute and InferencePool its router made, and its OpenAI URL.
 */
import type { Kube } from "../kube/client.ts";
import { explainPods } from "../kserve/diagnose.ts";
import {
  conditionTree,
  failingLeaf,
  type LLMInferenceService,
  llmPoolName,
  llmRouteName,
} from "../kserve/llm_inference_service.ts";
import { KSERVE_RELEASES } from "../kserve/releases.ts";
import type { ModelKind, ModelStatus } from "./kind.ts";
import { baseReport, finishReport, observe } from "./status.ts";

type RouteConditions = { conditions?: { type: string; status: string; reason?: string }[] }[];

/** An HTTPRoute or InferencePool: its parents' conditions (InferencePool v1alpha2 says `parent`). */
interface Routed {
  status?: { parents?: RouteConditions; parent?: RouteConditions };
}

/** Everything `status` reports of an LLMInferenceService of `kind`. */
export async function explainLLM(
  kind: ModelKind,
  kube: Kube,
  object: LLMInferenceService,
  namespace: string,
  name: string,
): Promise<ModelStatus> {
  const [observed, routing] = await Promise.all([
    observe(kube, object, {
      namespace,
      podSelector: kind.podSelector(name),
      hpaName: `${name}-kserve-hpa`,
      listDeployments: true,
      hpaIsRoot: false,
    }),
    object.spec?.router ? readRouting(kube, namespace, name) : Promise.resolve([]),
  ]);
  const report = baseReport(
    { backend: kind.backend, object, name, namespace, mode: "LLMInferenceService" },
    observed,
    kind.ready(object),
    kind.address(object, namespace, name),
  );
  const conditions = object.status?.conditions ?? [];
  const tree = conditionTree(conditions).map((c) => ({
    type: c.type,
    status: c.status,
    reason: c.reason,
    message: c.message,
    depth: c.depth,
  }));
  const leaf = failingLeaf(conditions);
  report.conditions = leaf
    ? [...tree.filter((c) => c.type === leaf.type), ...tree.filter((c) => c.type !== leaf.type)]
    : tree;
  if (routing.length) report.routing = routing;
  const openai = kind.openaiPath?.(
    namespace,
    name,
    await kind.openaiTls?.(kube, object, namespace, name),
  );
  if (openai) report.openai = `${kube.server}${openai}`;
  return finishReport(report, object, observed, observed.deployments, [], () => {
    if (!leaf) return "the llmisvc controller has not reported Ready yet";
    const pods = explainPods(observed.pods, observed.events);
    return `${leaf.type} is False${leaf.reason ? ` (${leaf.reason})` : ""}${
      leaf.message ? `: ${leaf.message}` : ""
    }${pods ? `; ${pods}` : ""}`;
  });
}

/**
 * The HTTPRoute and InferencePools the managed router creates, as "KIND/NAME: state". Each known
 * InferencePool group is asked, the newest first (a 404 is "not there", any other failure an
 * error): v0.20.0 writes its pool in both groups, v0.16.0 in x-k8s.io only.
 */
async function readRouting(kube: Kube, namespace: string, name: string): Promise<string[]> {
  const pools = [
    ...new Set(
      KSERVE_RELEASES.map((r) => `${r.inferencePool.group}/${r.inferencePool.version}`),
    ),
  ].reverse();
  const [route, ...found] = await Promise.all([
    kube.getOptional<Routed>(
      `/apis/gateway.networking.k8s.io/v1/namespaces/${namespace}/httproutes/${llmRouteName(name)}`,
    ),
    ...pools.map((gv) =>
      kube.getOptional<Routed>(
        `/apis/${gv}/namespaces/${namespace}/inferencepools/${llmPoolName(name)}`,
      )
    ),
  ]);
  const state = (object: Routed) => {
    const parents = object.status?.parents ?? object.status?.parent ?? [];
    const conditions = parents.flatMap((p) => p.conditions ?? []);
    return conditions.length
      ? conditions.map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ""}`).join(", ")
      : "no status from a Gateway implementation";
  };
  return [
    route
      ? `HTTPRoute/${llmRouteName(name)}: ${state(route)}`
      : `HTTPRoute/${llmRouteName(name)}: not created`,
    ...found.flatMap((pool, i) =>
      pool ? [`InferencePool/${llmPoolName(name)} (${pools[i]}): ${state(pool)}`] : []
    ),
  ];
}
