/**
 * Restarts KServe's controller when it started before Knative Serving existed: it would reject
 * every Knative-mode InferenceService (lib/kserve/knative_seen.ts says why). Done the way
 * `kubectl rollout restart` does it, a pod-template annotation set by a strategic-merge patch,
 * so the next server-side apply of the release neither removes it nor restarts again.
 */
import { CRD_PATH, FIELD_MANAGER, KNATIVE, KSERVE } from "../defaults.ts";
import type { Kube } from "../kube/client.ts";
import { blindToKnative, restartPatch, type StartedPod } from "../kserve/knative_seen.ts";
import { waitDeployments } from "./waits.ts";

/** A Deployment install restarted after its rollout, and why. */
export interface Restart {
  namespace: string;
  name: string;
  why: string;
}

/**
 * After the controller's rollout: if Knative's Service CRD exists and a running controller pod
 * started no later than it, restarts the Deployment and waits for the new rollout (bounded by
 * `deadline`, ms since the epoch). Returns the Deployment restarted and why, or undefined when
 * nothing was restarted. API errors are thrown.
 */
export async function restartControllerBlindToKnative(
  kube: Kube,
  namespace: string,
  deadline: number,
): Promise<Restart | undefined> {
  const [crd, pods] = await Promise.all([
    kube.getOptional<{ metadata?: { creationTimestamp?: string } }>(
      `${CRD_PATH}/${KNATIVE.serviceCrd}`,
    ),
    kube.request<{ items: StartedPod[] }>(
      "GET",
      `/api/v1/namespaces/${namespace}/pods`,
      { query: { labelSelector: KSERVE.controllerSelector } },
    ),
  ]);
  const blind = blindToKnative(pods.items, crd?.metadata?.creationTimestamp, "blind");
  if (!blind.length) return undefined;
  await kube.request(
    "PATCH",
    `/apis/apps/v1/namespaces/${namespace}/deployments/${KSERVE.controllerDeployment}`,
    {
      body: JSON.stringify(restartPatch(new Date())),
      contentType: "application/strategic-merge-patch+json",
      query: { fieldManager: FIELD_MANAGER },
    },
  );
  await waitDeployments(kube, namespace, [KSERVE.controllerDeployment], deadline);
  return {
    namespace,
    name: KSERVE.controllerDeployment,
    why: `pod ${
      blind.join(", ")
    } started before Knative Serving's ${KNATIVE.serviceCrd} existed and would reject Knative InferenceServices (ServerlessModeRejected)`,
  };
}
