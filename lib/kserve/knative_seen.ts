/**
 * Whether KServe's controller knows that Knative Serving exists. It asks once per process: its
 * discovery lookup is cached for the process's life (pkg/utils/utils.go
 * GetAvailableResourcesForApi, used by IsCrdAvailable), and it watches Knative Services only if
 * their CRD was there at start (pkg/controller/v1beta1/inferenceservice/controller.go
 * SetupWithManager; the same in v0.16.0 and v0.20.0). A controller started before Knative was
 * installed rejects every Knative-mode InferenceService with the event ServerlessModeRejected
 * until it restarts, while Knative itself is healthy.
 */
import { KSERVE } from "../defaults.ts";

/** The parts of a pod (core/v1) read here; timestamps as the API's RFC 3339 strings. */
export interface StartedPod {
  metadata?: { name?: string; deletionTimestamp?: string | Date };
  status?: { startTime?: string | Date };
}

/** The annotation `kubectl rollout restart` sets on a pod template to replace its pods. */
export const RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";

/**
 * The controller pods (`pods`: KServe's, listed by KSERVE.controllerSelector, or llmisvc's) that
 * started before a CRD was created (`crdCreated`, its creationTimestamp: Knative Serving's
 * Service CRD, or the latest of the CRDs llmisvc watches), as
 * "name (started T)"; pods being deleted do not count. Both timestamps have one-second resolution, so a pod started in the CRD's
 * own second cannot be placed: `ties` says how to count it. install counts it as blind (one
 * restart at most: its successor starts later); check counts it as seeing (no finding it cannot
 * back up). Empty when no CRD exists or no pod qualifies.
 */
export function startedBefore(
  pods: StartedPod[],
  crdCreated: string | undefined,
  ties: "blind" | "seeing",
): string[] {
  const created = crdCreated ? Date.parse(crdCreated) : NaN;
  if (Number.isNaN(created)) return [];
  return pods.flatMap((pod) => {
    // A pod being deleted is leaving anyway (a rollout's old pod): only running ones count.
    if (pod.metadata?.deletionTimestamp) return [];
    // Not started yet (no startTime): it will look Knative up when it starts.
    const started = pod.status?.startTime;
    const at = started === undefined ? NaN : new Date(started).getTime();
    const blind = ties === "blind" ? at <= created : at < created;
    return !Number.isNaN(at) && blind
      ? [`${pod.metadata?.name} (started ${new Date(at).toISOString().replace(".000Z", "Z")})`]
      : [];
  });
}

/** The command that replaces a controller's pods (KServe's by default), for hints. */
export function restartControllerCommand(
  namespace: string,
  deployment: string = KSERVE.controllerDeployment,
): string {
  return `kubectl rollout restart deployment/${deployment} -n ${namespace}`;
}

/** The latest creationTimestamp of the CRDs that exist, or undefined when none does. */
export function latestCreation(
  crds: ({ metadata?: { creationTimestamp?: string } } | undefined)[],
): string | undefined {
  return crds.map((crd) => crd?.metadata?.creationTimestamp)
    .filter((t): t is string => t !== undefined && !Number.isNaN(Date.parse(t)))
    .sort((a, b) => Date.parse(a) - Date.parse(b)).at(-1);
}

/** The strategic-merge patch `kubectl rollout restart` sends, stamped with `now`. */
export function restartPatch(now: Date): Record<string, unknown> {
  return {
    spec: { template: { metadata: { annotations: { [RESTARTED_AT]: now.toISOString() } } } },
  };
}
