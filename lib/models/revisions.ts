/** A Knative-mode predictor's Revisions as `status`, `rollout` and predict read them. */
import { KNATIVE } from "../defaults.ts";
import type { Kube } from "../kube/client.ts";
import { predictorName } from "../kserve/inference_service.ts";
import { readinessOf, type RevisionObject, type RevisionReadiness } from "../kserve/traffic.ts";

/**
 * The Ready condition of each Revision of the model's predictor, by name (Knative labels them
 * serving.knative.dev/service=<the Knative Service>, which KServe names NAME-predictor).
 */
export async function revisionReadiness(
  kube: Kube,
  namespace: string,
  name: string,
): Promise<Record<string, RevisionReadiness>> {
  const list = await kube.getOptional<{ items: RevisionObject[] }>(
    `/apis/${KNATIVE.apiGroup}/v1/namespaces/${namespace}/revisions`,
    { query: { labelSelector: revisionSelector(name) } },
  );
  return readinessOf(list?.items ?? []);
}

/** The label of the Revisions, and their pods, of a model's predictor (Knative's own). */
export function revisionSelector(name: string): string {
  return `${KNATIVE.apiGroup}/service=${predictorName(name)}`;
}
