/**
 * What `rollout` reads and waits for: the model, its mode, its Knative revisions' readiness and
 * the traffic as the Route sends it (lib/kserve/traffic.ts). Decisions are rollout_plan.ts's.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { KNATIVE } from "../defaults.ts";
import { podFailure } from "../deploy/wait.ts";
import { CliError } from "../errors.ts";
import type { Kube } from "../kube/client.ts";
import { waitFor } from "../kube/wait.ts";
import { findKServe, type KServeInstall } from "../kserve/detect.ts";
import type { InferenceService } from "../kserve/inference_service.ts";
import {
  predictorStatus,
  routedAsAsked,
  type TrafficView,
  trafficView,
} from "../kserve/traffic.ts";
import type { RolloutMode, RolloutRefusal } from "./rollout_traits.ts";
import { kindOf, requireModel } from "./kinds.ts";
import { INFERENCE_SERVICE } from "./inference_service.ts";
import { revisionReadiness } from "./revisions.ts";

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
  const revisions = revisionReadiness(kube, namespace, name);
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
 * `timeoutMs`.
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
  let view: TrafficView = { revisions: [], notes: [] };
  const latestOf = (isvc: InferenceService) => {
    const latest = predictorStatus(isvc).latestCreatedRevision;
    const fresh = latest !== target.stable && latest !== target.earlier;
    return latest && fresh && routedAsAsked(isvc) ? latest : undefined;
  };
  await waitFor<InferenceService>(kube, {
    path: INFERENCE_SERVICE.collection(namespace),
    fieldSelector: `metadata.name=${name}`,
    description:
      `InferenceService ${namespace}/${name} to send ${target.percent}% to a new ready revision`,
    async failed([isvc]) {
      if (!isvc || !latestOf(isvc)) return undefined;
      view = trafficView(isvc, await revisionReadiness(kube, namespace, name));
      const latest = view.revisions.find((r) => r.latest);
      if (!latest || latest.ready === "True") return undefined;
      // Knative judges a crashing container only when the revision's Deployment changes (its
      // progress deadline, 10 minutes by default): its pods say it at once.
      const why = latest.ready === "False"
        ? `${latest.reason ?? "Ready is False"}${latest.message ? ` (${latest.message})` : ""}`
        : await revisionPodFailure(kube, namespace, latest.revision);
      if (!why) return undefined;
      return new CliError(
        `Revision ${latest.revision} failed: ${why}. Knative sends its ${target.percent}% to the latest ready revision instead`,
        {
          hint:
            `Return all traffic with: kubectl kserve rollout undo ${name} -n ${namespace}; see where it goes with: kubectl kserve rollout status ${name} -n ${namespace}`,
        },
      );
    },
    ready([isvc]) {
      if (!isvc) return "the InferenceService is gone";
      const latest = latestOf(isvc);
      if (!latest) {
        return "the new revision is not created, or the Route does not send the split asked for, yet";
      }
      const row = view.revisions.find((r) => r.revision === latest);
      if (row?.ready !== "True") return `revision ${latest} is not ready yet`;
      return row.percent === target.percent
        ? true
        : `the Route sends ${row.percent}% to ${latest}, not ${target.percent}% yet`;
    },
  }, {
    timeoutMs: target.timeoutMs,
    ...(target.applied?.metadata?.resourceVersion
      ? {
        since: {
          items: [target.applied],
          resourceVersion: target.applied.metadata.resourceVersion,
        },
      }
      : {}),
  });
  return view;
}

/** The lasting failure of a revision's pods (deploy --wait's words), or undefined while they may start. */
async function revisionPodFailure(
  kube: Kube,
  namespace: string,
  revision: string,
): Promise<string | undefined> {
  const pods = await kube.request<{ items: V1Pod[] }>(
    "GET",
    `/api/v1/namespaces/${namespace}/pods`,
    { query: { labelSelector: `${KNATIVE.apiGroup}/revision=${revision}` } },
  );
  for (const pod of pods.items) {
    const failure = await podFailure(kube, pod);
    if (failure) return failure;
  }
  return undefined;
}
