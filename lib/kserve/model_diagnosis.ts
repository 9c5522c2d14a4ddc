/**
 * Why an InferenceService is not Ready, and whether waiting can fix it: one diagnosis over its
 * spec (the model rules), its conditions, its events and the pods it owns, which `check`,
 * `status` and `deploy --wait` share. Transient only while the cluster is known to be on its
 * way (the controller has not reconciled the latest spec yet, a pod is starting, a condition is
 * Unknown); everything else is lasting. Pure functions on plain objects.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { type Event, eventsOf, type Owned } from "./events.ts";
import {
  classifyPods,
  eventTime,
  type Finding,
  lastingEvent,
  refusalWords,
  REFUSED_BY_API_SERVER,
} from "./failures.ts";
import { webhookCallFailure } from "./webhook_calls.ts";
import type { InferenceService } from "./inference_service.ts";
import { modelProblems, type RuleContext } from "./model_rules.ts";
import type { Deployment } from "../kube/objects.ts";
import { predictorDeployment, unrenderedSpec } from "./rendered.ts";

/** The parts of an InferenceService (serving.kserve.io/v1beta1) a diagnosis reads. */
export type InferenceServiceStatus = Pick<InferenceService, "metadata" | "status" | "spec">;

/** Conditions in the order their failure explains the others (KServe's isvc status types). */
const CAUSE_ORDER = [
  "PredictorConfigurationReady",
  "LatestDeploymentReady",
  "PredictorReady",
  "PredictorRouteReady",
  "TransformerReady",
  "ExplainerReady",
  "IngressReady",
];

/**
 * False condition reasons of a model on its way: its Deployment's pods are not available yet
 * (KServe copies the Deployment's Available condition, apps/v1 MinimumReplicasUnavailable).
 * Transient only while no pod has a lasting failure (classifyPod decides that first).
 */
const ON_ITS_WAY = ["MinimumReplicasUnavailable"];

function causeRank(type: string): number {
  const rank = CAUSE_ORDER.indexOf(type);
  return rank === -1 ? CAUSE_ORDER.length - 1 : rank;
}

/** A Stopped=True condition, in words. */
function stoppedCause(stopped: { message?: string }): string {
  return `it is stopped (the serving.kserve.io/stop annotation is "true"${
    stopped.message ? `: ${stopped.message}` : ""
  })`;
}

/** `T is S (REASON: MESSAGE)`. */
function conditionWords(c: { type: string; status: string; reason?: string; message?: string }) {
  return `${c.type} is ${c.status}${
    c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ""})` : ""
  }`;
}

/**
 * When the spec was last written (RFC 3339), from managedFields: the newest entry that is not
 * the status subresource; "" when the object carries none.
 */
function specWrittenAt(isvc: InferenceServiceStatus): string {
  const fields = isvc.metadata?.managedFields ?? [];
  return fields.filter((f) => !f.subresource).map((f) => String(f.time ?? "")).sort().at(-1) ?? "";
}

/**
 * A failure KServe keeps reporting until the spec or the cluster changes, for the current spec:
 * the API server refused what KServe rendered from it (v0.20: a False condition with reason
 * ReconcileFailed; v0.16: a Warning event InternalError "fails to reconcile predictor: ... is
 * invalid", with no condition newer than it; an update conflict, reported the same way, passes)
 * or an admission webhook failed that write (Knative's webhook down while KServe creates the
 * Knative Service: named with its fix, lib/kserve/webhook_calls.ts),
 * the model's own failure (modelStatus.lastFailureInfo: NoSupportingRuntime, ...; not
 * ModelLoadFailed, which is its pods' crash and said in their words by classifyPod),
 * a stop annotation, a lasting event (lib/kserve/failures.ts lastingEvent) of the model or of an
 * object it owns (`objects`: its ReplicaSets and pods; a quota refusal). A status of an earlier
 * generation says nothing (a fix re-deployed). Returns the cause (without the model's name), or
 * undefined when the model may still become Ready.
 */
export function lastingCause(
  isvc: InferenceServiceStatus,
  events: Event[],
  objects: Owned[] = [],
): string | undefined {
  const observed = isvc.status?.observedGeneration;
  const generation = isvc.metadata?.generation;
  if (
    observed !== undefined && generation !== undefined && observed < generation &&
    !specRendered(isvc, objects as Deployment[])
  ) return undefined;
  const conditions = isvc.status?.conditions ?? [];
  // A refusal is about the current spec only when no condition is newer than it.
  const latest = conditions.map((c) => c.lastTransitionTime ?? "").sort().at(-1) ?? "";
  const eventCauses = eventsOf(isvc, objects, events).map((e) => lastingEvent(e, latest));
  const rejected = eventCauses.find((c) => c?.startsWith("ServerlessModeRejected:"));
  if (rejected) return rejected;
  // ModelLoadFailed is KServe's reading of a crashed pod: the pod's own words (classifyPod)
  // speak for it, so deploy --wait, status and check name the same cause.
  const failure = isvc.status?.modelStatus?.lastFailureInfo;
  if (failure?.reason && failure.reason !== "ModelLoadFailed") {
    return `${failure.reason}: ${failure.message ?? ""}`.trim();
  }
  const stopped = conditions.find((c) => c.type === "Stopped" && c.status === "True");
  if (stopped) return stoppedCause(stopped);
  const refused = conditions.find((c) =>
    c.status === "False" && c.reason === "ReconcileFailed" &&
    REFUSED_BY_API_SERVER.test(c.message ?? "")
  );
  if (refused) {
    return `${refused.type} is False (${refusalWords("ReconcileFailed", refused.message ?? "")})`;
  }
  return eventCauses.findLast((c) => c !== undefined);
}

/**
 * Whether KServe rendered the current spec into the model's predictor Deployment: its template
 * shows the spec (lib/kserve/rendered.ts) and a writer other than the status subresource wrote it
 * since the spec was last written. False when the Deployment is not among `deployments`.
 */
export function specRendered(isvc: InferenceServiceStatus, deployments: Deployment[]): boolean {
  const predictor = predictorDeployment(isvc, deployments);
  const since = specWrittenAt(isvc);
  return predictor !== undefined && unrenderedSpec(isvc, predictor) === undefined &&
    (predictor.metadata?.managedFields ?? []).some((f) =>
      !f.subresource && String(f.time ?? "") >= since
    );
}

/**
 * The refusal of the model's current spec: a ReconcileFailed condition or a lasting event of the
 * model newer than the spec's last write, while KServe has not rendered that spec into its
 * predictor Deployment (`deployments`: the model's, when read; lib/kserve/rendered.ts). Its pods
 * still serve an earlier spec, so the model is not Ready with the spec it has. status.
 * observedGeneration does not decide it: KServe copies it from the Deployment (or Knative
 * Service), whose generation counts that object's changes, so a healthy re-deployed model may
 * show one lower than its own, and a refused one an equal or higher one. Returns the words, or
 * undefined.
 */
export function refusedGeneration(
  isvc: InferenceServiceStatus,
  events: Event[],
  deployments: Deployment[] = [],
): string | undefined {
  const generation = isvc.metadata?.generation;
  const since = specWrittenAt(isvc);
  if (specRendered(isvc, deployments)) return undefined;
  const condition = (isvc.status?.conditions ?? []).find((c) =>
    c.status === "False" && c.reason === "ReconcileFailed" &&
    REFUSED_BY_API_SERVER.test(c.message ?? "") && (c.lastTransitionTime ?? "") >= since &&
    !webhookDown(c.message ?? "")
  );
  const event = eventsOf(isvc, [], events).filter((e) =>
    (eventTime(e) ?? "") >= since && !webhookDown(String(e.message ?? ""))
  ).map((e) => lastingEvent(e, since)).findLast((c) => c !== undefined);
  const cause = condition ? conditionWords(condition) : event;
  return cause &&
    `the controller refuses generation ${generation} (${cause}): its pods serve an earlier spec`;
}

/**
 * Whether a write failed because a webhook could not be called: the cluster's fault, not the
 * spec's, so no refusal of a generation (lastingCause names the webhook).
 */
function webhookDown(message: string): boolean {
  const failure = webhookCallFailure(message);
  return failure !== undefined && !failure.denied;
}

/**
 * Why the model is not Ready, and whether waiting can fix it (the cause without the model's
 * name). `pods` and `objects` are what it owns (its pods; its ReplicaSets), `events` any events
 * (its own and its objects' are picked by UID), `context` what the model rules read.
 */
export function diagnoseInferenceService(
  isvc: InferenceServiceStatus,
  events: Event[],
  pods: V1Pod[] = [],
  context: RuleContext = {},
  objects: Owned[] = [],
  logs: Record<string, string> = {},
): Finding {
  const lasting = (cause: string): Finding => ({ cause, lasting: true });
  const waiting = (cause: string): Finding => ({ cause, lasting: false });
  const broken = modelProblems(isvc, context)[0];
  if (broken) return lasting(`${broken.message}. Fix: ${broken.fix}`);
  const refused = refusedGeneration(isvc, events, objects as Deployment[]);
  if (refused) return lasting(refused);
  const { generation, name } = isvc.metadata ?? {};
  const observed = isvc.status?.observedGeneration;
  // observedGeneration is the Deployment's (refusedGeneration says why): a rendered spec is no
  // reconcile to wait for.
  if (
    generation !== undefined && observed !== undefined && observed < generation &&
    !specRendered(isvc, objects as Deployment[])
  ) {
    return waiting(
      `waiting for the KServe controller to reconcile generation ${generation} (it has observed ${observed})`,
    );
  }
  const podFinding = classifyPods(pods, events, logs);
  if (podFinding?.lasting) return podFinding;
  const cause = lastingCause(isvc, events, [...objects, ...pods]);
  if (cause) return lasting(cause);
  if (podFinding) return podFinding;
  const conditions = isvc.status?.conditions ?? [];
  if (conditions.length === 0) {
    const last = eventsOf(isvc, [], events).filter((e) => e.type === "Warning").at(-1);
    return waiting(
      `waiting for the KServe controller to report the status of ${name}${
        last ? ` (last event ${last.reason}: ${last.message})` : ""
      }`,
    );
  }
  // The cause before its consequences: a failed Knative revision shows in the configuration
  // and predictor conditions; IngressReady is False only because of it. Stopped=False is
  // healthy (the model is not stopped) and is never a cause.
  const failing =
    conditions.filter((c) => c.type !== "Ready" && c.type !== "Stopped" && c.status === "False")
      .sort((a, b) => causeRank(a.type) - causeRank(b.type))[0];
  if (failing && ON_ITS_WAY.includes(failing.reason ?? "") && pods.length === 0) {
    return waiting(`waiting for its pods to be created (${conditionWords(failing)})`);
  }
  if (failing) return lasting(conditionWords(failing));
  const unknown = conditions.filter((c) => c.type !== "Ready" && c.status === "Unknown")
    .sort((a, b) => causeRank(a.type) - causeRank(b.type))[0];
  if (unknown) return waiting(`waiting for ${conditionWords(unknown)}`);
  const ready = conditions.find((c) => c.type === "Ready");
  return lasting(ready ? conditionWords(ready) : "it reports no Ready condition");
}

/** lastingCause() after the model's "namespace/name: ", as explainNotReady words it. */
export function lastingFailure(isvc: InferenceServiceStatus, events: Event[]): string | undefined {
  const cause = lastingCause(isvc, events);
  return cause && named(isvc, cause);
}

/** Why one InferenceService is not Ready (diagnoseInferenceService's cause), after "namespace/name: ". */
export function explainNotReady(...args: Parameters<typeof diagnoseInferenceService>): string {
  return named(args[0], diagnoseInferenceService(...args).cause);
}

function named(isvc: InferenceServiceStatus, cause: string): string {
  return `${isvc.metadata?.namespace}/${isvc.metadata?.name}: ${cause}`;
}
