/**
 * The model rules that read the cluster beyond the object (lib/kserve/model_rules.ts applies
 * them with the rest): a runtime that serves the predictor's format and protocol, and Knative's
 * config-features for pod placement in Knative mode; and what Knative's config-autoscaler keeps
 * a model asking for zero replicas from doing (lib/kserve/scale_to_zero.ts). What the rules read
 * (RuleContext), and how deploy, check and status read it (readRuleContext): only what a
 * model's rules need.
 */
import { namespaceLabels } from "../kube/namespaces.ts";
import { defaultDeploymentMode } from "./config.ts";
import type { KServeInstall } from "./detect.ts";
import { installRuntimesCommand } from "./hints.ts";
import { type InferenceService, predictorModel } from "./inference_service.ts";
import { readRuntimes, runtimeProblem, type ServingRuntime } from "./serving_runtimes.ts";
import { classifyMode, MODE_NAMES, modelMode } from "./versions.ts";
import { asksScaleToZero } from "./scale_to_zero.ts";

/** The components of an InferenceService, each with a model or its own containers. */
export const COMPONENTS = ["predictor", "transformer", "explainer"] as const;

/** One broken rule: what and why in one line, and the fix. */
export interface RuleProblem {
  message: string;
  fix: string;
}

/** What a model's rules read beyond the object: its namespace's labels, its host's labels. */
export interface RuleContext {
  /** The labels of the model's namespace, when known. */
  namespaceLabels?: Record<string, string>;
  /** The DNS labels of the predictor's host (lib/kserve/config.ts hostLabels), when known. */
  hostLabels?: string[];
  /**
   * The runtimes that could serve the predictor (its namespace's ServingRuntimes, then the
   * ClusterServingRuntimes); undefined when not read (KServe has reported its choice) or not
   * readable (403): the runtime rule then passes.
   */
  runtimes?: ServingRuntime[];
  /** How to install the release's runtimes, by the install's owner (hints.ts installRuntimesCommand). */
  installRuntimes?: string;
  /**
   * Knative Serving's config-features (its namespace and data), given only when the model runs
   * in Knative mode and places its pods; undefined otherwise (or unreadable): the rule passes.
   */
  knativeFeatures?: KnativeConfig;
  /**
   * Knative Serving's config-autoscaler, given only when the model asks for zero replicas
   * (spec.predictor.minReplicas 0) and runs in Knative mode; undefined otherwise (or
   * unreadable): its rules pass.
   */
  knativeAutoscaler?: KnativeConfig;
}

/** One of Knative Serving's ConfigMaps: the namespace it was read in, and its data. */
export interface KnativeConfig {
  namespace: string;
  data: Record<string, string>;
}

/**
 * Knative's config-features flag for each pod placement field: Knative rejects a Revision that
 * sets one unless its flag is "enabled" (Knative's "features" docs), and KServe in Knative mode
 * copies a component's placement into its Revision.
 */
const PLACEMENT_FLAGS = {
  nodeSelector: "kubernetes.podspec-nodeselector",
  tolerations: "kubernetes.podspec-tolerations",
  affinity: "kubernetes.podspec-affinity",
} as const;

/** Whether a spec field holds something: a non-empty object or array. */
function isSet(value: unknown): boolean {
  return typeof value === "object" && value !== null && Object.keys(value).length > 0;
}

/** The config-features flags the model's pod placement needs in Knative mode (empty: none). */
export function placementFlags(isvc: InferenceService): string[] {
  return Object.entries(PLACEMENT_FLAGS).filter(([field]) =>
    COMPONENTS.some((component) =>
      isSet((isvc.spec?.[component] as Record<string, unknown> | undefined)?.[field])
    )
  ).map(([, flag]) => flag);
}

/**
 * Pod placement that Knative rejects because config-features leaves its flag off (`features`
 * given only for a model in Knative mode), with the patch that enables it; undefined when none.
 */
export function placementProblem(
  isvc: InferenceService,
  features: RuleContext["knativeFeatures"],
): RuleProblem | undefined {
  if (!features) return undefined;
  const off = placementFlags(isvc).filter((flag) => features.data[flag] !== "enabled");
  if (!off.length) return undefined;
  return {
    message: `In Serverless (Knative) mode, Knative rejects a Revision's ${
      off.map((f) => f.replace("kubernetes.podspec-", "")).join(" and ")
    } unless config-features enables ${off.join(" and ")} (now: ${
      off.map((f) => features.data[f] ?? "unset").join(", ")
    })`,
    fix: `kubectl patch configmap config-features -n ${features.namespace} --type merge -p '${
      JSON.stringify({ data: Object.fromEntries(off.map((f) => [f, "enabled"])) })
    }', or deploy in raw mode (--mode raw)`,
  };
}

/** No runtime would serve the predictor's model (runtimes given): KServe's NoSupportingRuntime. */
export function runtimeRule(isvc: InferenceService, context: RuleContext): RuleProblem | undefined {
  const model = predictorModel(isvc);
  if (!model?.format || !context.runtimes) return undefined;
  const problem = runtimeProblem(context.runtimes, model.format, {
    installRuntimes: context.installRuntimes,
    protocol: model.spec.protocolVersion,
    named: model.spec.runtime,
    namespace: isvc.metadata?.namespace ?? "",
  });
  return problem && { message: problem.message, fix: problem.hint };
}

/** How readRuleContext reads the cluster; each is asked only when a rule of the model needs it. */
export interface RuleReads {
  /** A GET that answers undefined on 404 and throws other errors. */
  get(path: string): Promise<unknown>;
  /** The KServe install: its default mode and version, its owner for the runtimes' fix. */
  kserve(): Promise<KServeInstall | undefined>;
  /**
   * The namespace Knative Serving's controller runs in (lib/kserve/knative.ts
   * findKnativeNamespace); undefined when it may not be looked up (403). Other errors throw.
   */
  knativeNamespace(): Promise<string | undefined>;
}

/**
 * What the rules of `isvc` read, read with `reads`, or taken from `known` where the caller has
 * it already (deploy's lookups): the namespace's labels; the runtimes, when the predictor names
 * a format and KServe has not reported its runtime; Knative's config-features, when the model
 * places its pods, and config-autoscaler, when it asks for zero replicas, both only in Knative
 * mode (from its status, else its annotation, else the install's default). A 403 on the
 * runtimes or Knative's ConfigMaps leaves them out: KServe and Knative then decide, never
 * "there are none". Other errors are thrown.
 */
export async function readRuleContext(
  isvc: InferenceService,
  reads: RuleReads,
  known: Pick<RuleContext, "namespaceLabels" | "runtimes" | "hostLabels"> = {},
): Promise<RuleContext> {
  const namespace = isvc.metadata?.namespace ?? "";
  const reported = isvc.status?.servingRuntimeName ?? isvc.status?.clusterServingRuntimeName;
  const needsRuntimes = predictorModel(isvc)?.format !== undefined && !reported;
  const places = placementFlags(isvc).length > 0;
  const scalesToZero = asksScaleToZero(isvc);
  const needsInstall = needsRuntimes ||
    ((places || scalesToZero) && modelMode(isvc).source !== "status");
  const [labels, runtimes, kserve] = await Promise.all([
    known.namespaceLabels ?? namespaceLabels(
      (path) => reads.get(path) as Promise<{ metadata?: { labels?: Record<string, string> } }>,
      namespace,
    ),
    !needsRuntimes
      ? undefined
      : "runtimes" in known
      ? known.runtimes
      : readRuntimes((path) => reads.get(path), namespace),
    needsInstall ? reads.kserve().catch(() => undefined) : undefined,
  ]);
  const mode = modelMode(isvc, defaultDeploymentMode(kserve?.configMap?.data));
  const kind = mode.source === "status"
    ? MODE_NAMES[mode.value]
    : classifyMode(mode.value, kserve?.version);
  const knative = kind === "serverless";
  const [features, autoscaler] = await Promise.all([
    places && knative ? readKnativeConfig(reads, "config-features") : undefined,
    scalesToZero && knative ? readKnativeConfig(reads, "config-autoscaler") : undefined,
  ]);
  return {
    ...known,
    namespaceLabels: labels,
    runtimes,
    installRuntimes: kserve ? installRuntimesCommand(kserve) : undefined,
    knativeFeatures: features,
    knativeAutoscaler: autoscaler,
  };
}

/**
 * One of Knative's ConfigMaps, in the namespace its controller runs in (a Knative installed
 * elsewhere reads its own, never knative-serving's); undefined when it does not exist, or it or
 * that namespace may not be read (403). A failed lookup is thrown, never taken for the default.
 */
async function readKnativeConfig(
  reads: RuleReads,
  name: string,
): Promise<KnativeConfig | undefined> {
  const namespace = await reads.knativeNamespace();
  if (namespace === undefined) return undefined;
  try {
    const config = await reads.get(`/api/v1/namespaces/${namespace}/configmaps/${name}`);
    if (!config) return undefined;
    return { namespace, data: (config as { data?: Record<string, string> }).data ?? {} };
  } catch (error) {
    // A namespace editor may not read Knative's config: Knative itself then says no, on apply.
    if ((error as { status?: number }).status === 403) return undefined;
    throw error;
  }
}
