/**
 * What `rollout` reads and waits for: the model, its mode, its Knative revisions' readiness and
 * the traffic as the Route sends it (lib/kserve/traffic.ts). Decisions are rollout_plan.ts's.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { KNATIVE } from "../defaults.ts";
import { podFailure } from "../deploy/wait.ts";
import { CliError } from "../errors.ts";
import type { Kube } from "../kube/client.ts";
import { failureOnly, waitFor } from "../kube/wait.ts";
import { findKServe, type KServeInstall } from "../kserve/detect.ts";
import type { InferenceService } from "../kserve/inference_service.ts";
import {
  predictorStatus,
  readinessOf,
  type RevisionObject,
  type RevisionReadiness,
  routedAsAsked,
  splitReached,
  type TrafficView,
  trafficView,
} from "../kserve/traffic.ts";
import type { RolloutMode, RolloutRefusal } from "./rollout_traits.ts";
import { kindOf, requireModel } from "./kinds.ts";
import { INFERENCE_SERVICE } from "./inference_service.ts";
import { judgedReadiness, revisionReadiness, revisionSelector } from "./revisions.ts";

/** A model as rollout sees it. `view` is empty where its kind refuses a split. */
export interface RolloutState {
  live: InferenceService;
  kserve: KServeInstall;
  mode: RolloutMode;
  /** Why the model has no split to roll out (its kind's answer), undefined in Knative mode. */
  refusal: RolloutRefusal | undefined;
  view: TrafficView;
}

/**
 * Reads the model, the install (version, default mode; `install`: a read already started) and,
 * in Knative mode, its revisions. The three are read together: the revisions' read is left
 * unawaited (its failure unseen) where the model's kind or mode refuses a split.
 */
export async function readRollout(
  kube: Kube,
  namespace: string,
  name: string,
  install: Promise<KServeInstall> = findKServe(kube),
): Promise<RolloutState> {
  const revisions = judgedReadiness(kube, namespace, name);
  revisions.catch(() => {});
  const [model, kserve] = await Promise.all([requireModel(kube, namespace, name), install]);
  const { rollout } = kindOf(model);
  const mode = rollout.mode(model.object, kserve);
  const refusal = rollout.refusal(name, namespace, mode, kserve.version);
  // Only an InferenceService in Knative mode has no refusal.
  const live = model.object as InferenceService;
  const view = refusal ? { revisions: [], notes: [] } : trafficView(live, await revisions);
  return { live, kserve, mode, refusal, view };
}

/**
 * Waits until the Route sends `percent` to a ready latest revision that is not `stable` (nor
 * `earlier`: the latest one before an apply that changes the model, which makes a new one);
 * fails fast (CliError) when that revision fails, with its reason; DeadlineError after
 * `timeoutMs`. Returns the traffic as it then is. The model, its revisions and their pods are
 * watched together: a failure is seen as it is reported, and no read waits between the status
 * that shows the split and the answer.
 */
export async function waitForSplit(
  kube: Kube,
  namespace: string,
  name: string,
  target: {
    percent: number;
    stable: string | undefined;
    earlier: string | undefined;
    timeoutMs: number;
    /** The apply's answer: the watch starts from it, with no list first. */
    applied?: InferenceService;
  },
): Promise<TrafficView> {
  const stop = new AbortController();
  const options = { timeoutMs: target.timeoutMs, signal: stop.signal };
  // What the three watches share: the new revision once the Route sends the split asked for
  // (latestOf), the revisions' readiness, and the revision pods, as last seen.
  let latest: string | undefined;
  let readiness: Record<string, RevisionReadiness> | undefined;
  let pods: V1Pod[] = [];
  const latestOf = (isvc: InferenceService) => {
    const created = predictorStatus(isvc).latestCreatedRevision;
    const fresh = created !== target.stable && created !== target.earlier;
    return created && fresh && routedAsAsked(isvc) ? created : undefined;
  };
  const failure = async (): Promise<CliError | undefined> => {
    const state = latest ? readiness?.[latest] : undefined;
    if (!latest || !state || state.status === "True") return undefined;
    // Knative judges a crashing container only when the revision's Deployment changes (its
    // progress deadline, 10 minutes by default): its pods say it at once.
    const why = state.status === "False"
      ? `${state.reason ?? "Ready is False"}${state.message ? ` (${state.message})` : ""}`
      : await podsFailure(kube, pods.filter((pod) => revisionOf(pod) === latest));
    if (!why) return undefined;
    return new CliError(
      `Revision ${latest} failed: ${why}. Knative sends its ${target.percent}% to the latest ready revision instead`,
      {
        hint:
          `Return all traffic with: kubectl kserve rollout undo ${name} -n ${namespace}; see where it goes with: kubectl kserve rollout status ${name} -n ${namespace}`,
      },
    );
  };
  const split = waitFor<InferenceService>(kube, {
    path: INFERENCE_SERVICE.collection(namespace),
    fieldSelector: `metadata.name=${name}`,
    description:
      `InferenceService ${namespace}/${name} to send ${target.percent}% to a new ready revision`,
    failed([isvc]) {
      latest = isvc ? latestOf(isvc) : undefined;
      return failure();
    },
    ready([isvc]) {
      if (!isvc) return "the InferenceService is gone";
      if (!latest) {
        return "the new revision is not created, or the Route does not send the split asked for, yet";
      }
      return splitReached(isvc, latest, target.percent);
    },
  }, {
    ...options,
    ...(target.applied?.metadata?.resourceVersion
      ? {
        since: {
          items: [target.applied],
          resourceVersion: target.applied.metadata.resourceVersion,
        },
      }
      : {}),
  });
  const revisions = waitFor<RevisionObject & { metadata?: { namespace?: string } }>(kube, {
    path: `/apis/${KNATIVE.apiGroup}/v1/namespaces/${namespace}/revisions`,
    labelSelector: revisionSelector(name),
    description: "revisions",
    ready: () => "watching",
    failed(items) {
      readiness = readinessOf(items);
      return failure();
    },
  }, options);
  const podWatch = waitFor<V1Pod>(kube, {
    path: `/api/v1/namespaces/${namespace}/pods`,
    labelSelector: revisionSelector(name),
    description: "pods",
    ready: () => "watching",
    failed(items) {
      pods = items;
      return failure();
    },
  }, options);
  try {
    const [isvc] = await Promise.race([
      split,
      failureOnly<InferenceService[]>(revisions),
      failureOnly<InferenceService[]>(podWatch),
    ]);
    // The revisions as watched; the new one as KServe reports it where the watch is behind.
    const known = { ...(readiness ?? await revisionReadiness(kube, namespace, name)) };
    if (latest && known[latest]?.status !== "True") delete known[latest];
    return trafficView(isvc!, known);
  } finally {
    stop.abort();
    // The losers of the race end with the abort; their rejections are expected.
    for (const loser of [split, revisions, podWatch]) loser.catch(() => {});
  }
}

function revisionOf(pod: V1Pod): string | undefined {
  return pod.metadata?.labels?.[`${KNATIVE.apiGroup}/revision`];
}

/** The first lasting failure of `pods` (deploy --wait's words), or undefined while they may start. */
async function podsFailure(kube: Kube, pods: V1Pod[]): Promise<string | undefined> {
  for (const pod of pods) {
    const failure = await podFailure(kube, pod);
    if (failure) return failure;
  }
  return undefined;
}
