/** Models of both backends seen the same way: find, list, wait for and address them. */
import { ISVC_LABEL, ISVC_PATH, MANAGED_BY_LABEL, PLUGIN_NAME } from "../defaults.ts";
import { CliError } from "../errors.ts";
import type { Kube, KubeObject } from "../kube/client.ts";
import type { Backend } from "../options.ts";
import { MODE_NAMES } from "../kserve/versions.ts";
import { listPaged } from "../kube/list.ts";
import type { Deployment } from "../kube/objects.ts";
import { deploymentAvailable, deploymentRolledOut, lastingCause } from "../kserve/diagnose.ts";
import type { InferenceService } from "../kserve/inference_service.ts";
import { BACKEND_LABEL, MODE_ANNOTATION } from "./spec.ts";
import { type ModelWait, waitForModel } from "./wait.ts";

/** A deployed model: its backend and main object, an InferenceService or a Deployment. */
export type Model =
  | { backend: "kserve"; object: InferenceService }
  | { backend: "deployment"; object: Deployment };

export { ISVC_PATH };

export function isvcReady(isvc: Pick<InferenceService, "status"> | undefined): boolean {
  return (isvc?.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/**
 * The label selector of a model's pods, ReplicaSets and Deployments: KServe's label, or for the
 * deployment backend the plugin's own pair (a name label alone also matches another app's pods).
 */
export function modelPodSelector(backend: Backend, name: string): string {
  return backend === "kserve"
    ? `${ISVC_LABEL}=${name}`
    : `app.kubernetes.io/name=${name},${MANAGED_BY_LABEL}=${PLUGIN_NAME}`;
}

/** What deploy --wait watches for each backend. */
export function modelWait(
  backend: "kserve",
  namespace: string,
  name: string,
): ModelWait<InferenceService>;
export function modelWait(
  backend: "deployment",
  namespace: string,
  name: string,
): ModelWait<Deployment>;
export function modelWait(
  backend: Backend,
  namespace: string,
  name: string,
): ModelWait<InferenceService> | ModelWait<Deployment> {
  if (backend === "kserve") {
    return {
      namespace,
      name,
      path: `${ISVC_PATH}/namespaces/${namespace}/inferenceservices`,
      description: `InferenceService ${namespace}/${name}`,
      ready: (isvc: InferenceService | undefined) => isvcReady(isvc) ? true : readyReason(isvc),
      // What waiting cannot fix fails at once (field report: an invalid node selector waited
      // out the whole --timeout on ReconcileFailed).
      failedObject: (isvc: InferenceService) => lastingCause(isvc, []),
      podSelector: modelPodSelector(backend, name),
      // Raw mode: the predictor Deployment KServe renders must run the change too. (Knative
      // reports a revision that is not ready yet in Ready itself.)
      rolloutSelector: (isvc: InferenceService) =>
        rendersDeployments(isvc) ? `${ISVC_LABEL}=${name}` : undefined,
    };
  }
  return {
    namespace,
    name,
    path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
    description: `Deployment ${namespace}/${name}`,
    // Rolled out, not only Available: after a re-deploy the old pod keeps it Available.
    ready: (d: Deployment | undefined) => d ? deploymentRolledOut(d) : "not created yet",
    podSelector: modelPodSelector(backend, name),
  };
}

/** The UIDs of a model's pods now (by the label its wait watches them with). */
export async function modelPodUids(
  kube: Kube,
  backend: Backend,
  namespace: string,
  name: string,
): Promise<Set<string>> {
  const pods = await kube.request<{ items: { metadata?: { uid?: string } }[] }>(
    "GET",
    `/api/v1/namespaces/${namespace}/pods`,
    { query: { labelSelector: modelPodSelector(backend, name) } },
  );
  return new Set(pods.items.map((p) => p.metadata?.uid ?? ""));
}

/** Waits until a model of either backend serves (deploy --wait); failures as waitForModel's. */
export async function waitForModelOf(
  backend: Backend,
  kube: Kube,
  namespace: string,
  name: string,
  timeoutMs: number,
  applied?: KubeObject,
  earlierPods?: Set<string>,
): Promise<Model> {
  if (backend === "kserve") {
    const wait = modelWait(backend, namespace, name);
    return { backend, object: await waitForModel(kube, wait, timeoutMs, applied, earlierPods) };
  }
  const wait = modelWait(backend, namespace, name);
  return { backend, object: await waitForModel(kube, wait, timeoutMs, applied, earlierPods) };
}

/**
 * Whether KServe serves this InferenceService from Deployments it rolls out (raw mode, from
 * status.deploymentMode). Knative's revisions are judged by Ready itself: an old revision's
 * Deployment scaled to zero is not a stuck rollout.
 */
export function rendersDeployments(isvc: InferenceService): boolean {
  return MODE_NAMES[isvc.status?.deploymentMode ?? ""] === "raw";
}

function readyReason(isvc: InferenceService | undefined): string {
  if (!isvc) return "not created yet";
  const ready = (isvc.status?.conditions ?? []).find((c) => c.type === "Ready");
  return ready
    ? `Ready is ${ready.status}${ready.reason ? ` (${ready.reason})` : ""}`
    : "no status from the controller yet";
}

/** External URL (when there is one) and in-cluster address of a model. */
export function modelAddress(
  model: Model,
  namespace: string,
  name: string,
): { url?: string; internal: string } {
  if (model.backend === "kserve") {
    return {
      url: model.object.status?.url,
      internal: model.object.status?.address?.url ??
        `http://${name}-predictor.${namespace}.svc.cluster.local`,
    };
  }
  return { internal: `http://${name}.${namespace}.svc.cluster.local` };
}

export interface ModelRow {
  name: string;
  namespace: string;
  backend: Backend;
  mode: string;
  ready: boolean;
  url: string;
  replicas: string;
  created: string;
}

/**
 * Models of both backends in a namespace, or in all of them. Only the Deployments of models are
 * read, by label (ours, and KServe's predictors), never a cluster's thousands of others; lists
 * come in pages of 500, and each page becomes table rows as it arrives, so 10,000
 * InferenceServices are never held in memory as whole objects.
 */
export async function listModels(kube: Kube, namespace: string | undefined): Promise<ModelRow[]> {
  const scope = namespace ? `/namespaces/${namespace}` : "";
  const deployments = `/apis/apps/v1${scope}/deployments`;
  const [isvcs, predictors, ours] = await Promise.all([
    listPaged<InferenceService, ModelRow>(
      kube,
      `${ISVC_PATH}${scope}/inferenceservices`,
      {},
      isvcRow,
    ),
    listPaged<Deployment, [string, string] | undefined>(
      kube,
      deployments,
      { labelSelector: ISVC_LABEL },
      (d) =>
        String(d.metadata?.name).endsWith("-predictor")
          ? [`${d.metadata?.namespace}/${d.metadata?.labels?.[ISVC_LABEL]}`, replicasOf(d)]
          : undefined,
    ),
    listPaged<Deployment, ModelRow>(
      kube,
      deployments,
      { labelSelector: `${BACKEND_LABEL}=deployment` },
      deploymentRow,
    ),
  ]);
  const replicas = new Map((predictors ?? []).filter((p) => p !== undefined));
  const rows = (isvcs ?? []).map((row) => ({
    ...row,
    replicas: replicas.get(`${row.namespace}/${row.name}`) ?? "-",
  }));
  rows.push(...ours ?? []);
  return rows.sort((a, b) =>
    a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name)
  );
}

// A listed object always has a name, a namespace and a creation time (the API server sets them);
// the fallbacks only satisfy the types.
function isvcRow(i: InferenceService): ModelRow {
  return {
    name: i.metadata?.name ?? "",
    namespace: i.metadata?.namespace ?? "",
    backend: "kserve",
    mode: i.status?.deploymentMode ?? i.metadata?.annotations?.[MODE_ANNOTATION] ?? "default",
    ready: isvcReady(i),
    url: i.status?.url ?? "",
    replicas: "-",
    created: i.metadata?.creationTimestamp ?? "",
  };
}

function deploymentRow(d: Deployment): ModelRow {
  return {
    name: d.metadata?.name ?? "",
    namespace: d.metadata?.namespace ?? "",
    backend: "deployment",
    mode: "Deployment",
    ready: deploymentAvailable(d),
    url: `http://${d.metadata?.name}.${d.metadata?.namespace}.svc.cluster.local`,
    replicas: replicasOf(d),
    created: d.metadata?.creationTimestamp ?? "",
  };
}

function replicasOf(deployment: Deployment): string {
  return `${deployment.status?.readyReplicas ?? 0}/${deployment.spec?.replicas ?? 1}`;
}

/** Like findModel, but a model that is not there is an error naming how to list the others. */
export async function requireModel(
  kube: Kube,
  namespace: string,
  name: string,
): Promise<Model> {
  const model = await findModel(kube, namespace, name);
  if (!model) {
    throw new CliError(`No model "${name}" in namespace ${namespace}`, {
      hint: `List them with: kubectl kserve list -n ${namespace}`,
    });
  }
  return model;
}

/** Which backend serves NAME, with its main object, or undefined when it is not deployed. */
export async function findModel(
  kube: Kube,
  namespace: string,
  name: string,
): Promise<Model | undefined> {
  const [isvc, deployment] = await Promise.all([
    // 404 (no such model, or KServe's API not served) is undefined; any other failure is an error.
    kube.getOptional<InferenceService>(
      `${ISVC_PATH}/namespaces/${namespace}/inferenceservices/${name}`,
    ),
    kube.getOptional<Deployment>(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`),
  ]);
  if (isvc) return { backend: "kserve", object: isvc };
  if (deployment?.metadata?.labels?.[BACKEND_LABEL] === "deployment") {
    return { backend: "deployment", object: deployment };
  }
  return undefined;
}
