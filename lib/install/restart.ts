/**
 * Restarts a controller that started before CRDs it looks up once, at start, existed: KServe's
 * controller before Knative Serving (it would reject every Knative-mode InferenceService;
 * lib/kserve/knative_seen.ts says why), llmisvc's before the Gateway API and InferencePool CRDs
 * (it registers watches only for CRDs present at start: SetupWithManager, IsCrdAvailable). Done
 * the way `kubectl rollout restart` does it, a pod-template annotation set by a strategic-merge
 * patch, so the next server-side apply of the release neither removes it nor restarts again.
 */
import { CRD_PATH, FIELD_MANAGER, KNATIVE, KSERVE, LLM } from "../defaults.ts";
import type { Kube } from "../kube/client.ts";
import {
  latestCreation,
  restartPatch,
  startedBefore,
  type StartedPod,
} from "../kserve/knative_seen.ts";
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
export function restartControllerBlindToKnative(
  kube: Kube,
  namespace: string,
  deadline: number,
): Promise<Restart | undefined> {
  return restartIfStartedBefore(kube, {
    namespace,
    deployment: KSERVE.controllerDeployment,
    selector: KSERVE.controllerSelector,
    crds: [KNATIVE.serviceCrd],
    why: (pods) =>
      `pod ${pods} started before Knative Serving's ${KNATIVE.serviceCrd} existed and would reject Knative InferenceServices (ServerlessModeRejected)`,
  }, deadline);
}

/** The same for llmisvc and the CRDs it watches only when they exist at its start (`crds`). */
export function restartLlmControllerBlindToCrds(
  kube: Kube,
  namespace: string,
  crds: string[],
  deadline: number,
): Promise<Restart | undefined> {
  return restartIfStartedBefore(kube, {
    namespace,
    deployment: LLM.controllerDeployment,
    selector: LLM.controllerSelector,
    crds,
    why: (pods) =>
      `pod ${pods} started before the CRDs ${
        crds.join(", ")
      } existed, and watches only the CRDs present at its start`,
  }, deadline);
}

async function restartIfStartedBefore(
  kube: Kube,
  target: {
    namespace: string;
    deployment: string;
    selector: string;
    crds: string[];
    why: (pods: string) => string;
  },
  deadline: number,
): Promise<Restart | undefined> {
  const { namespace, deployment } = target;
  const [pods, ...crds] = await Promise.all([
    kube.request<{ items: StartedPod[] }>(
      "GET",
      `/api/v1/namespaces/${namespace}/pods`,
      { query: { labelSelector: target.selector } },
    ),
    ...target.crds.map((name) =>
      kube.getOptional<{ metadata?: { creationTimestamp?: string } }>(`${CRD_PATH}/${name}`)
    ),
  ]);
  const blind = startedBefore(pods.items, latestCreation(crds), "blind");
  if (!blind.length) return undefined;
  await kube.request(
    "PATCH",
    `/apis/apps/v1/namespaces/${namespace}/deployments/${deployment}`,
    {
      body: JSON.stringify(restartPatch(new Date())),
      contentType: "application/strategic-merge-patch+json",
      query: { fieldManager: FIELD_MANAGER },
    },
  );
  await waitDeployments(kube, namespace, [deployment], deadline);
  return { namespace, name: deployment, why: target.why(blind.join(", ")) };
}
