/** A Knative-mode predictor's Revisions as `status`, `rollout` and predict read them. */
import { KNATIVE } from "../defaults.ts";
import type { Kube } from "../kube/client.ts";
import { predictorName } from "../kserve/inference_service.ts";
import type { V1Pod } from "@kubernetes/client-node";
import {
  readinessOf,
  type RevisionObject,
  type RevisionReadiness,
  withPodFailures,
} from "../kserve/traffic.ts";

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

/**
 * revisionReadiness, with the pods' lasting failure of each revision Knative has not judged
 * (withPodFailures): what `status` and `rollout status` show. The pods are read only when a
 * revision's Ready is Unknown; a user who may not list pods (403) sees the readiness alone.
 */
export async function judgedReadiness(
  kube: Kube,
  namespace: string,
  name: string,
): Promise<Record<string, RevisionReadiness>> {
  const readiness = await revisionReadiness(kube, namespace, name);
  if (!Object.values(readiness).some((r) => r.status === "Unknown")) return readiness;
  const pods = await kube.getOptional<{ items: V1Pod[] }>(
    `/api/v1/namespaces/${namespace}/pods`,
    { query: { labelSelector: revisionSelector(name) } },
  ).catch((error) => {
    if ((error as { status?: number }).status === 403) return undefined;
    throw error;
  });
  return withPodFailures(readiness, pods?.items ?? []);
}

/** The label of the Revisions, and their pods, of a model's predictor (Knative's own). */
export function revisionSelector(name: string): string {
  return `${KNATIVE.apiGroup}/service=${predictorName(name)}`;
}
