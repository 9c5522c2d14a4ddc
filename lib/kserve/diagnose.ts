/**
 * Why a workload is not ready, from pod status and events: the answer `kubectl describe`
 * would give, in one line. Pure functions on plain objects; check and deploy share them.
 */
import { classifyPods } from "./failures.ts";
import type { V1Pod } from "@kubernetes/client-node";
import type { DeploymentState } from "../kube/objects.ts";
import type { Event } from "./events.ts";

export type { Event } from "./events.ts";

export type { DeploymentState } from "../kube/objects.ts";

export type { InferenceServiceStatus } from "./model_diagnosis.ts";

/**
 * The lasting failures of these pods, in one line (classifyPod's words), or undefined when
 * waiting may still make them ready. `logs` by pod name: a crashed container's last lines.
 */
export function explainPods(
  pods: V1Pod[],
  events: Event[],
  logs: Record<string, string> = {},
): string | undefined {
  const finding = classifyPods(pods, events, logs);
  return finding?.lasting ? finding.cause : undefined;
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

export {
  explainNotReady,
  lastingCause,
  lastingFailure,
  refusedGeneration,
} from "./model_diagnosis.ts";
export { eventTime, REFUSED_BY_API_SERVER } from "./failures.ts";
