/** Models of both backends seen the same way: find, list, wait for and address them. */
import { ISVC_LABEL, ISVC_PATH, MANAGED_BY_LABEL, PLUGIN_NAME } from "../defaults.ts";
import { CliError } from "../errors.ts";
import type { Kube } from "../kube/client.ts";
import { listPaged } from "../kube/list.ts";
import { deploymentAvailable } from "../kserve/diagnose.ts";
import { BACKEND_LABEL, MODE_ANNOTATION } from "./spec.ts";
import type { ModelWait } from "./wait.ts";

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;

export type Backend = "kserve" | "deployment";

export { ISVC_PATH };

export function isvcReady(isvc: Obj | undefined): boolean {
  return (isvc?.status?.conditions ?? []).some((c: Obj) =>
    c.type === "Ready" && c.status === "True"
  );
}

/** What deploy --wait watches for each backend. */
export function modelWait(backend: Backend, namespace: string, name: string): ModelWait {
  if (backend === "kserve") {
    return {
      namespace,
      name,
      path: `${ISVC_PATH}/namespaces/${namespace}/inferenceservices`,
      description: `InferenceService ${namespace}/${name}`,
      ready: (isvc) => isvcReady(isvc) ? true : readyReason(isvc),
      failedObject: (isvc) => {
        const failure = isvc.status?.modelStatus?.lastFailureInfo;
        return failure?.reason ? `${failure.reason}: ${failure.message ?? ""}`.trim() : undefined;
      },
      podSelector: `${ISVC_LABEL}=${name}`,
    };
  }
  return {
    namespace,
    name,
    path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
    description: `Deployment ${namespace}/${name}`,
    ready: (d) => d && deploymentAvailable(d) ? true : "not Available yet",
    podSelector: `app.kubernetes.io/name=${name},${MANAGED_BY_LABEL}=${PLUGIN_NAME}`,
  };
}

function readyReason(isvc: Obj | undefined): string {
  if (!isvc) return "not created yet";
  const ready = (isvc.status?.conditions ?? []).find((c: Obj) => c.type === "Ready");
  return ready
    ? `Ready is ${ready.status}${ready.reason ? ` (${ready.reason})` : ""}`
    : "no status from the controller yet";
}

/** External URL (when there is one) and in-cluster address of a model. */
export function modelAddress(
  backend: Backend,
  object: Obj,
  namespace: string,
  name: string,
): { url?: string; internal: string } {
  if (backend === "kserve") {
    return {
      url: object.status?.url,
      internal: object.status?.address?.url ??
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

/** Models of both backends in a namespace, or in all of them. */
export async function listModels(kube: Kube, namespace: string | undefined): Promise<ModelRow[]> {
  const scope = namespace ? `/namespaces/${namespace}` : "";
  // Only the Deployments of models, by label: ours, and KServe's predictors. A cluster's
  // thousands of other Deployments are never read; large lists come in pages of 500.
  const [isvcs, predictors, ours] = await Promise.all([
    listPaged<Obj>(kube, `${ISVC_PATH}${scope}/inferenceservices`),
    listPaged<Obj>(kube, `/apis/apps/v1${scope}/deployments`, {
      labelSelector: ISVC_LABEL,
    }),
    listPaged<Obj>(kube, `/apis/apps/v1${scope}/deployments`, {
      labelSelector: `${BACKEND_LABEL}=deployment`,
    }),
  ]);
  const deployments = { items: ours ?? [] };
  const byModel = new Map(
    (predictors ?? []).filter((d) => String(d.metadata.name).endsWith("-predictor")).map((d) => [
      `${d.metadata.namespace}/${d.metadata.labels?.[ISVC_LABEL]}`,
      d,
    ]),
  );
  const predictor = (isvc: Obj) => byModel.get(`${isvc.metadata.namespace}/${isvc.metadata.name}`);
  const rows: ModelRow[] = (isvcs ?? []).map((i) => ({
    name: i.metadata.name,
    namespace: i.metadata.namespace,
    backend: "kserve",
    mode: i.status?.deploymentMode ?? i.metadata.annotations?.[MODE_ANNOTATION] ?? "default",
    ready: isvcReady(i),
    url: i.status?.url ?? "",
    replicas: replicasOf(predictor(i)),
    created: i.metadata.creationTimestamp,
  }));
  for (const d of deployments.items) {
    rows.push({
      name: d.metadata.name,
      namespace: d.metadata.namespace,
      backend: "deployment",
      mode: "Deployment",
      ready: deploymentAvailable(d),
      url: `http://${d.metadata.name}.${d.metadata.namespace}.svc.cluster.local`,
      replicas: replicasOf(d),
      created: d.metadata.creationTimestamp,
    });
  }
  return rows.sort((a, b) =>
    a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name)
  );
}

function replicasOf(deployment: Obj | undefined): string {
  return deployment
    ? `${deployment.status?.readyReplicas ?? 0}/${deployment.spec?.replicas ?? 1}`
    : "-";
}

/** Like findModel, but a model that is not there is an error naming how to list the others. */
export async function requireModel(
  kube: Kube,
  namespace: string,
  name: string,
): Promise<{ backend: Backend; object: Obj }> {
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
): Promise<{ backend: Backend; object: Obj } | undefined> {
  const [isvc, deployment] = await Promise.all([
    kube.getOptional<Obj>(`${ISVC_PATH}/namespaces/${namespace}/inferenceservices/${name}`).catch(
      () => undefined,
    ),
    kube.getOptional<Obj>(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`),
  ]);
  if (isvc) return { backend: "kserve", object: isvc };
  if (deployment?.metadata?.labels?.[BACKEND_LABEL] === "deployment") {
    return { backend: "deployment", object: deployment };
  }
  return undefined;
}
