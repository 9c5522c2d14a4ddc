/** A Knative-mode predictor's Revisions as `status`, `rollout` and predict read them. */
import { KNATIVE } from "../defaults.ts";
import type { Kube } from "../kube/client.ts";
import { type KnativeCondition, predictorName } from "../kserve/inference_service.ts";
import type { RevisionReadiness } from "../kserve/traffic.ts";

/**
 * The Ready condition of each Revision of the model's predictor, by name (Knative labels them
 * serving.knative.dev/service=<the Knative Service>, which KServe names NAME-predictor).
 */
export async function revisionReadiness(
  kube: Kube,
  namespace: string,
  name: string,
): Promise<Record<string, RevisionReadiness>> {
  const list = await kube.getOptional<{
    items: { metadata?: { name?: string }; status?: { conditions?: KnativeCondition[] } }[];
  }>(`/apis/${KNATIVE.apiGroup}/v1/namespaces/${namespace}/revisions`, {
    query: { labelSelector: `${KNATIVE.apiGroup}/service=${predictorName(name)}` },
  });
  return Object.fromEntries((list?.items ?? []).map((revision) => {
    const ready = revision.status?.conditions?.find((c) => c.type === "Ready");
    return [revision.metadata?.name ?? "", {
      status: ready?.status ?? "Unknown",
      ...(ready?.reason ? { reason: ready.reason } : {}),
      ...(ready?.message ? { message: ready.message } : {}),
    }];
  }));
}
