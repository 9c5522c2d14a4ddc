/**
 * Where a Knative-mode InferenceService's traffic really goes, from plain data: the predictor's
 * component status (KServe pkg/apis/serving/v1beta1/inference_service_status.go
 * ComponentStatusSpec, which copies the Knative Route's status.traffic) and the Revisions'
 * Ready conditions (serving.knative.dev/v1 Revision). KServe writes the split as two Knative
 * traffic targets (pkg/controller/v1beta1/inferenceservice/reconcilers/knative/
 * ksvc_reconciler.go): `latestRevision: true` with canaryTrafficPercent, and the last rolled-out
 * revision (tag "prev") with the rest, and only when such a revision exists. Knative resolves
 * `latestRevision` to the latest READY revision, so a failed canary's share goes to the old one:
 * the Route's status names the revision that receives each share, and this view adds them up.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { KNATIVE } from "../defaults.ts";
import { classifyPod } from "./failures.ts";
import type { InferenceService, KnativeCondition, PredictorStatus } from "./inference_service.ts";

/** A Revision's Ready condition (status "True", "False" or "Unknown"), by revision name. */
export interface RevisionReadiness {
  status: string;
  reason?: string;
  message?: string;
  /** Ready is Unknown while a pod of it fails lastingly (withPodFailures): the pod's cause. */
  pods?: string;
}

/** A Knative Revision (serving.knative.dev/v1) as its readiness is read. */
export interface RevisionObject {
  metadata?: { name?: string };
  status?: { conditions?: KnativeCondition[] };
}

/** The Ready condition of each of `revisions`, by name ("Unknown" before it has one). */
export function readinessOf(revisions: RevisionObject[]): Record<string, RevisionReadiness> {
  return Object.fromEntries(revisions.map((revision) => {
    const ready = revision.status?.conditions?.find((c) => c.type === "Ready");
    return [revision.metadata?.name ?? "", {
      status: ready?.status ?? "Unknown",
      ...(ready?.reason ? { reason: ready.reason } : {}),
      ...(ready?.message ? { message: ready.message } : {}),
    }];
  }));
}

/**
 * `readiness` with what Knative has not judged yet: a revision whose Ready is Unknown while a pod
 * of it fails in a way waiting cannot fix (a crash loop: Knative marks the revision failed only
 * at its progress deadline, 10 minutes by default) gets that pod's cause (classifyPod) as `pods`.
 * `pods`: the revisions' pods, labelled serving.knative.dev/revision.
 */
export function withPodFailures(
  readiness: Readonly<Record<string, RevisionReadiness>>,
  pods: V1Pod[],
): Record<string, RevisionReadiness> {
  const judged = { ...readiness };
  for (const [revision, ready] of Object.entries(readiness)) {
    if (ready.status !== "Unknown") continue;
    const failure = pods
      .filter((pod) => pod.metadata?.labels?.[`${KNATIVE.apiGroup}/revision`] === revision)
      .map((pod) => classifyPod(pod))
      .find((finding) => finding?.lasting);
    if (failure) judged[revision] = { ...ready, pods: failure.cause };
  }
  return judged;
}

/**
 * Whether the Route sends `percent` to `revision` and KServe reports it the latest ready one
 * (status.components.predictor.latestReadyRevision, Knative's Configuration's, which Knative
 * sets once the Revision is Ready); else why not yet. The Route names a revision in its traffic
 * only once it is ready (`latestRevision` resolves to the latest ready one).
 */
export function splitReached(
  isvc: InferenceService,
  revision: string,
  percent: number,
): true | string {
  if (predictorStatus(isvc).latestReadyRevision !== revision) {
    return `revision ${revision} is not ready yet`;
  }
  const sent = trafficView(isvc).revisions.find((r) => r.revision === revision)?.percent ?? 0;
  return sent === percent ? true : `the Route sends ${sent}% to ${revision}, not ${percent}% yet`;
}

/** One revision of the view: the share the Route sends it, and whether it is ready. */
export interface RevisionTraffic {
  revision: string;
  /** Percent of requests the Route sends it now (0..100). */
  percent: number;
  /** The tags of its targets ("prev", "latest"), and their URLs under tag routing. */
  tags: string[];
  urls: string[];
  /** The latest created revision: the new model, the canary while a split is on. */
  latest: boolean;
  ready: string;
  reason?: string;
  message?: string;
  /** Not judged by Knative yet, but its pods fail lastingly: their cause (withPodFailures). */
  pods?: string;
}

export interface TrafficView {
  /** spec.predictor.canaryTrafficPercent: the share asked for the latest revision. */
  canaryTrafficPercent?: number;
  revisions: RevisionTraffic[];
  /** What differs between the split asked for and the one happening, each one sentence. */
  notes: string[];
}

/** spec.predictor.canaryTrafficPercent, when set. */
export function canaryPercent(isvc: InferenceService): number | undefined {
  const value = isvc.spec?.predictor?.canaryTrafficPercent;
  return typeof value === "number" ? value : undefined;
}

/** status.components.predictor, or an empty status before KServe has written one. */
export function predictorStatus(isvc: InferenceService): PredictorStatus {
  return isvc.status?.components?.predictor ?? {};
}

/**
 * The traffic of `isvc` by revision, as the Route sends it, with `revisions` (their Ready
 * conditions; a revision not in the map counts as ready when it is latestReadyRevision, else
 * Unknown). The latest created revision is listed even when it receives nothing (a failed
 * canary), and notes say where its share went and why.
 */
export function trafficView(
  isvc: InferenceService,
  revisions: Readonly<Record<string, RevisionReadiness>> = {},
): TrafficView {
  const status = predictorStatus(isvc);
  const canary = canaryPercent(isvc);
  const rows = new Map<string, RevisionTraffic>();
  const row = (revision: string): RevisionTraffic => {
    const known = rows.get(revision);
    if (known) return known;
    const readiness = revisions[revision] ??
      { status: revision === status.latestReadyRevision ? "True" : "Unknown" };
    const created: RevisionTraffic = {
      revision,
      percent: 0,
      tags: [],
      urls: [],
      latest: revision === status.latestCreatedRevision,
      ready: readiness.status,
      ...(readiness.reason ? { reason: readiness.reason } : {}),
      ...(readiness.message ? { message: readiness.message } : {}),
      ...(readiness.pods ? { pods: readiness.pods } : {}),
    };
    rows.set(revision, created);
    return created;
  };
  for (const target of status.traffic ?? []) {
    if (!target.revisionName) continue;
    const entry = row(target.revisionName);
    entry.percent += target.percent ?? 0;
    if (target.tag && !entry.tags.includes(target.tag)) entry.tags.push(target.tag);
    if (target.url && !entry.urls.includes(target.url)) entry.urls.push(target.url);
  }
  if (status.latestCreatedRevision) row(status.latestCreatedRevision);
  const view: TrafficView = {
    ...(canary !== undefined ? { canaryTrafficPercent: canary } : {}),
    revisions: [...rows.values()].sort((a, b) => Number(b.latest) - Number(a.latest)),
    notes: [],
  };
  view.notes = !status.traffic || routedAsAsked(isvc) ? notesOf(view, status, canary) : [
    `The Route does not send the split the spec asks for yet (KServe and Knative are still reconciling): this is the traffic it sends now`,
  ];
  return view;
}

/**
 * The Knative revision that serves most of a Knative-mode model's requests: the one the Route
 * gives the largest share (the latest created on a tie), else the latest ready one; undefined in
 * Standard mode (no revisions) or before a revision is ready.
 */
export function servingRevision(isvc: InferenceService): string | undefined {
  const [most] = trafficView(isvc).revisions
    .filter((r) => r.percent > 0)
    .sort((a, b) => b.percent - a.percent || Number(b.latest) - Number(a.latest));
  return most?.revision ?? predictorStatus(isvc).latestReadyRevision;
}

/**
 * The Service through which the API server's proxy reaches a Knative revision's pods: its
 * private Service (Knative's ServerlessService makes REVISION-private, selecting the revision's
 * pods, port 80 to queue-proxy; knative.dev/serving pkg/reconciler/serverlessservice). The
 * Route's own NAME-predictor is an ExternalName to the ingress, which the proxy cannot reach,
 * and the public REVISION Service follows the activator while it is in the path. A revision at
 * zero has no pod behind its private Service: it is not woken this way.
 */
export function revisionService(revision: string): string {
  return `${revision}-private`;
}

/**
 * Whether the Route sends the split the spec asks for: its `latestRevision` target has
 * canaryTrafficPercent (100 without one, or before any revision rolled out: KServe then asks
 * for no split). status.observedGeneration cannot say it: KServe copies the Knative Service's
 * there (inference_service_status.go PropagateStatus), whose generations count differently (an
 * undo after a promote updates the Knative Service twice).
 */
export function routedAsAsked(isvc: InferenceService): boolean {
  const status = predictorStatus(isvc);
  const latest = status.traffic?.find((target) => target.latestRevision === true);
  if (!latest) return false;
  const canary = canaryPercent(isvc);
  const asked = canary !== undefined && status.latestRolledoutRevision ? canary : 100;
  return (latest.percent ?? 0) === asked;
}

function notesOf(
  view: TrafficView,
  status: PredictorStatus,
  canary: number | undefined,
): string[] {
  const notes: string[] = [];
  const latest = view.revisions.find((r) => r.latest);
  const serving = view.revisions.filter((r) => r.percent > 0 && !r.latest);
  const elsewhere = serving.map((r) => `${r.revision} (${r.percent}%)`).join(", ");
  if (latest && latest.ready !== "True" && latest.revision !== status.latestReadyRevision) {
    const why = latest.ready === "False"
      ? `failed${latest.reason ? `: ${latest.reason}` : ""}${
        latest.message ? ` (${latest.message})` : ""
      }`
      : latest.pods
      ? `is failing, though Knative has not judged it yet: ${latest.pods}`
      : "is not ready yet";
    notes.push(
      elsewhere
        ? `The latest revision ${latest.revision} ${why}. Knative sends the latest revision's share to the latest ready one: all traffic goes to ${elsewhere}, whatever the spec asks${
          canary !== undefined ? ` (canaryTrafficPercent ${canary})` : ""
        }`
        : `The latest revision ${latest.revision} ${why}, and no other revision is ready: nothing serves the model`,
    );
  }
  const split = status.traffic?.some((t) => t.latestRevision === false) === true;
  if (canary !== undefined && canary < 100 && status.traffic && !split) {
    notes.push(
      `canaryTrafficPercent ${canary} is ignored: no earlier revision has rolled out (the model's first rollout), so KServe sends 100% to the latest revision`,
    );
  }
  return notes;
}

/**
 * The warning for a model outside Knative mode whose spec asks for a canary: KServe reads
 * canaryTrafficPercent only in its Knative reconciler, so the new model gets all the traffic.
 * `mode`: the model's mode name (modelMode); undefined when there is nothing to say.
 */
export function standardCanaryWarning(
  isvc: InferenceService,
  mode: { kind: string | undefined; value: string },
  kserveVersion: string | undefined,
): { message: string; fix: string } | undefined {
  const canary = canaryPercent(isvc);
  if (canary === undefined || mode.kind !== "raw") return undefined;
  const { name, namespace } = isvc.metadata ?? {};
  return {
    message: `spec.predictor.canaryTrafficPercent is ${canary}, but KServe ${
      kserveVersion ?? ""
    } ignores it in ${mode.value} mode (only its Knative reconciler reads it): 100% of the traffic goes to the new model`
      .replace("KServe  ", "KServe "),
    fix:
      `remove the field (canaries need Knative mode): kubectl patch inferenceservice ${name} -n ${namespace} --type json -p '[{"op":"remove","path":"/spec/predictor/canaryTrafficPercent"}]'`,
  };
}
