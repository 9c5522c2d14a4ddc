/**
 * Why a workload is not ready, from pod status and events: the answer `kubectl describe`
 * would give, in one line. Pure functions on plain objects; check and deploy share them.
 */
import { countOf } from "../output.ts";
import type {
  CoreV1Event,
  V1ContainerStatus,
  V1DeploymentCondition,
  V1DeploymentSpec,
  V1Pod,
} from "@kubernetes/client-node";
import type { ObjectMeta } from "../kube/objects.ts";
import { eventsOf } from "./events.ts";
import type { InferenceService } from "./inference_service.ts";

/**
 * A core/v1 Event as read from the API (every field may be absent). client-node's types describe
 * its deserialized objects, whose timestamps are Dates; here they are the JSON's RFC 3339
 * strings.
 */
export type Event =
  & Partial<
    Omit<CoreV1Event, "metadata" | "eventTime" | "firstTimestamp" | "lastTimestamp" | "series">
  >
  & {
    metadata?: ObjectMeta;
    eventTime?: string;
    firstTimestamp?: string;
    lastTimestamp?: string;
    series?: { count?: number; lastObservedTime?: string };
  };

/** The parts of a Deployment (apps/v1) whose readiness is judged. */
export interface DeploymentState {
  metadata?: { generation?: number };
  spec?: Pick<V1DeploymentSpec, "replicas">;
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: Pick<V1DeploymentCondition, "type" | "status" | "reason" | "message">[];
  };
}

/** The parts of an InferenceService (serving.kserve.io/v1beta1) a diagnosis reads. */
export type InferenceServiceStatus = Pick<InferenceService, "metadata" | "status">;

/** Log lines that name the cause of a KServe controller crash (kserve-facts §6-7). */
const KNOWN_CRASH_LINES = [
  /unable to get (?:deploy|ingress) config/,
  /invalid ingress config[^"]*/,
  /invalid deploy(?:ment)? (?:config|mode)[^"]*/,
  /Gateway API CRD not available/,
  /unable to get configmap[^"]*/,
  /failed to (?:create|start) manager[^"]*/,
];

/** One sentence on why these pods are not ready, or undefined when nothing explains it. */
export function explainPods(
  pods: V1Pod[],
  events: Event[],
  logs: Record<string, string> = {},
): string | undefined {
  const reasons = pods.map((pod) => explainPod(pod, events, logs[pod.metadata?.name ?? ""] ?? ""))
    .filter((r): r is string => r !== undefined);
  return reasons.length ? [...new Set(reasons)].join("; ") : undefined;
}

function explainPod(pod: V1Pod, events: Event[], log: string): string | undefined {
  const name = `pod ${pod.metadata?.name}`;
  const mine = eventsOf(pod, [], events);
  const failedMount = mine.find((e) => e.reason === "FailedMount");
  if (failedMount) return `${name} cannot start: ${failedMount.message}`;
  const statuses: V1ContainerStatus[] = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ];
  for (const status of statuses) {
    const waiting = status.state?.waiting;
    const lastTerminated = status.lastState?.terminated;
    if (lastTerminated?.reason === "OOMKilled") {
      return `${name}: container ${status.name} was OOMKilled (memory limit too low)`;
    }
    if (waiting?.reason === "CrashLoopBackOff" || (waiting && lastTerminated)) {
      const line = crashLine(log);
      const restarts = status.restartCount ?? 0;
      return `${name}: container ${status.name} is in CrashLoopBackOff (restarted ${
        countOf(restarts, "time")
      })${line ? `; its log says: ${line}` : ""}`;
    }
    if (waiting?.reason && /ImagePull|ErrImage|InvalidImageName/.test(waiting.reason)) {
      return `${name}: image ${status.image} cannot be pulled (${waiting.reason}${
        waiting.message ? `: ${waiting.message}` : ""
      })`;
    }
    if (
      waiting?.reason && waiting.reason !== "ContainerCreating" &&
      waiting.reason !== "PodInitializing"
    ) {
      return `${name}: container ${status.name} is waiting (${waiting.reason}${
        waiting.message ? `: ${waiting.message}` : ""
      })`;
    }
  }
  const scheduled = (pod.status?.conditions ?? []).find((c) => c.type === "PodScheduled");
  if (pod.status?.phase === "Pending" && scheduled?.status === "False") {
    return `${name} cannot be scheduled: ${scheduled.message ?? scheduled.reason}`;
  }
  const failedScheduling = mine.find((e) => e.reason === "FailedScheduling");
  if (failedScheduling) return `${name} cannot be scheduled: ${failedScheduling.message}`;
  const warning = mine.filter((e) => e.type === "Warning").at(-1);
  if (warning) return `${name}: ${warning.reason}: ${warning.message}`;
  return undefined;
}

/**
 * A pod's STATUS as `kubectl get pods` prints it (k8s.io/kubernetes/pkg/printers/internalversion
 * printPod): Terminating while deleted; else the reason a container waits or ended with
 * (CrashLoopBackOff, ImagePullBackOff, Error, OOMKilled), init containers first as Init:REASON;
 * else the pod's reason or phase. A crash-looping pod is "Running" by phase, never by this.
 */
export function podStatus(pod: V1Pod): string {
  if (pod.metadata?.deletionTimestamp) return "Terminating";
  for (const init of pod.status?.initContainerStatuses ?? []) {
    const reason = init.state?.waiting?.reason ??
      (init.state?.terminated && init.state.terminated.exitCode !== 0
        ? init.state.terminated.reason ?? `ExitCode:${init.state.terminated.exitCode}`
        : undefined);
    if (reason && reason !== "PodInitializing") return `Init:${reason}`;
  }
  let status = pod.status?.reason ?? pod.status?.phase ?? "Unknown";
  for (const container of [...(pod.status?.containerStatuses ?? [])].reverse()) {
    const waiting = container.state?.waiting?.reason;
    const terminated = container.state?.terminated;
    if (waiting) status = waiting;
    else if (terminated) status = terminated.reason ?? `ExitCode:${terminated.exitCode}`;
  }
  return status;
}

/** The most telling line of a crashed container's log. */
export function crashLine(log: string): string | undefined {
  for (const pattern of KNOWN_CRASH_LINES) {
    const match = pattern.exec(log);
    if (match) return match[0].trim();
  }
  const errorLine = log.split("\n").reverse().find((line) => /error|fatal|panic/i.test(line));
  return errorLine?.trim().slice(0, 300);
}

/** Why a Deployment is not Available, from its own conditions (quota, replica failures). */
export function explainDeployment(
  deployment: Pick<DeploymentState, "status">,
): string | undefined {
  const conditions = deployment.status?.conditions ?? [];
  const failure = conditions.find((c) => c.type === "ReplicaFailure" && c.status === "True");
  if (failure) return `${failure.reason}: ${failure.message}`;
  const progressing = conditions.find((c) => c.type === "Progressing" && c.status === "False");
  if (progressing) return `${progressing.reason}: ${progressing.message}`;
  return undefined;
}

/** Whether a Deployment has all its replicas available (a Deployment scaled to 0 is not serving). */
export function deploymentAvailable(deployment: Pick<DeploymentState, "spec" | "status">): boolean {
  const wanted = deployment.spec?.replicas ?? 1;
  const available = deployment.status?.availableReplicas ?? 0;
  const condition = (deployment.status?.conditions ?? []).find((c) => c.type === "Available");
  return wanted > 0 && available >= wanted && condition?.status === "True";
}

/**
 * Whether a Deployment's latest spec is rolled out, as `kubectl rollout status` decides it
 * (k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go): the controller has observed the
 * spec, every replica runs it, no replica of an older ReplicaSet is left, and all are available.
 * Available alone is not enough after a change: the old ReplicaSet keeps it True while the new
 * one starts, so a release's old controller would still be the one running. Returns true, or
 * what is still rolling.
 */
export function deploymentRolledOut(deployment: DeploymentState): true | string {
  const status = deployment.status ?? {};
  const wanted = deployment.spec?.replicas ?? 1;
  if ((status.observedGeneration ?? 0) < (deployment.metadata?.generation ?? 0)) {
    return "the change is not observed by the Deployment controller yet";
  }
  const updated = status.updatedReplicas ?? 0;
  if (updated < wanted) return `${updated} of ${wanted} replicas run the new spec`;
  const old = (status.replicas ?? 0) - updated;
  if (old > 0) return `${old} old replica(s) pending termination`;
  if (!deploymentAvailable(deployment)) return "not Available";
  return true;
}

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

function causeRank(type: string): number {
  const rank = CAUSE_ORDER.indexOf(type);
  return rank === -1 ? CAUSE_ORDER.length - 1 : rank;
}

/**
 * What the API server says when it refuses an object KServe rendered from the spec (a field's
 * value, a policy or a quota): the same spec is refused again on every reconcile.
 */
export const REFUSED_BY_API_SERVER = /is invalid|Invalid value|forbidden|exceeded quota/i;

/** When an event last happened (RFC 3339, second resolution), by whichever field the producer set. */
export function eventTime(event: Event): string | undefined {
  return event.series?.lastObservedTime ?? event.lastTimestamp ?? event.eventTime ??
    event.firstTimestamp;
}

/** A Stopped=True condition, in words. */
function stoppedCause(stopped: { message?: string }): string {
  return `it is stopped (the serving.kserve.io/stop annotation is "true"${
    stopped.message ? `: ${stopped.message}` : ""
  })`;
}

/**
 * A failure KServe keeps reporting until the spec or the cluster changes, for the current spec:
 * the API server refused what KServe rendered from it (v0.20: a False condition with reason
 * ReconcileFailed; v0.16: a Warning event InternalError "fails to reconcile predictor: ... is
 * invalid", with no condition newer than it; an update conflict, reported the same way, passes),
 * the model's own failure (modelStatus.lastFailureInfo: NoSupportingRuntime, ModelLoadFailed, ...),
 * a stop annotation, or ServerlessModeRejected. A status of an earlier generation says nothing
 * (a fix re-deployed). Returns the cause (without the model's name), or undefined when the model
 * may still become Ready.
 */
export function lastingCause(isvc: InferenceServiceStatus, events: Event[]): string | undefined {
  const observed = isvc.status?.observedGeneration;
  const generation = isvc.metadata?.generation;
  if (observed !== undefined && generation !== undefined && observed < generation) return undefined;
  const warnings = eventsOf(isvc, [], events).filter((e) => e.type === "Warning");
  const rejected = warnings.find((e) => e.reason === "ServerlessModeRejected");
  if (rejected) return `${rejected.reason}: ${rejected.message}`;
  const failure = isvc.status?.modelStatus?.lastFailureInfo;
  if (failure?.reason) return `${failure.reason}: ${failure.message ?? ""}`.trim();
  const conditions = isvc.status?.conditions ?? [];
  const stopped = conditions.find((c) => c.type === "Stopped" && c.status === "True");
  if (stopped) return stoppedCause(stopped);
  const refused = conditions.find((c) =>
    c.status === "False" && c.reason === "ReconcileFailed" &&
    REFUSED_BY_API_SERVER.test(c.message ?? "")
  );
  if (refused) return `${refused.type} is False (ReconcileFailed: ${refused.message})`;
  const latest = conditions.map((c) => c.lastTransitionTime ?? "").sort().at(-1) ?? "";
  const refusal = warnings.findLast((e) =>
    e.reason === "InternalError" && REFUSED_BY_API_SERVER.test(e.message ?? "") &&
    (eventTime(e) ?? "") >= latest
  );
  return refusal ? `${refusal.reason}: ${refusal.message}` : undefined;
}

/** lastingCause() with the model's "namespace/name: " first, as explainInferenceService words it. */
export function lastingFailure(isvc: InferenceServiceStatus, events: Event[]): string | undefined {
  const cause = lastingCause(isvc, events);
  return cause && `${isvc.metadata?.namespace}/${isvc.metadata?.name}: ${cause}`;
}

/** Why one InferenceService is not Ready, from its conditions, model status and events. */
export function explainInferenceService(
  isvc: InferenceServiceStatus,
  events: Event[],
): string {
  const name = `${isvc.metadata?.namespace}/${isvc.metadata?.name}`;
  // Its own events only: by UID (lib/kserve/events.ts), so an earlier model of the same name
  // does not speak for this one.
  const mine = eventsOf(isvc, [], events).filter((e) => e.type === "Warning");
  const rejected = mine.find((e) => e.reason === "ServerlessModeRejected");
  if (rejected) return `${name}: ${rejected.reason}: ${rejected.message}`;
  const conditions = isvc.status?.conditions ?? [];
  if (conditions.length === 0) {
    const last = mine.at(-1);
    return `${name}: the controller has not reported status${
      last ? ` (${last.reason}: ${last.message})` : ""
    }`;
  }
  const failure = isvc.status?.modelStatus?.lastFailureInfo;
  if (failure?.reason) return `${name}: ${failure.reason}: ${failure.message ?? ""}`.trim();
  const stopped = conditions.find((c) => c.type === "Stopped" && c.status === "True");
  if (stopped) return `${name}: ${stoppedCause(stopped)}`;
  // The cause before its consequences: a failed Knative revision shows in the configuration
  // and predictor conditions; IngressReady is False only because of it. Stopped=False is
  // healthy (the model is not stopped) and is never a cause.
  const failing = conditions.filter((c) =>
    c.type !== "Ready" && c.type !== "Stopped" && c.status === "False"
  ).sort((a, b) => causeRank(a.type) - causeRank(b.type));
  const bad = failing[0] ?? conditions.find((c) => c.type === "Ready");
  return `${name}: ${bad?.type} is ${bad?.status}${
    bad?.reason ? ` (${bad.reason}${bad.message ? `: ${bad.message}` : ""})` : ""
  }`;
}
