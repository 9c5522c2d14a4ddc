/**
 * Where Knative Serving runs and who installed it. Its controller may run outside
 * `knative-serving` (an operator or a platform team installs it elsewhere), so it is found by the
 * labels serving-core.yaml gives the controller Deployment, not by namespace.
 */
import { CRD_PATH, KNATIVE, VERSION_LABEL } from "../defaults.ts";
import type { Kube, KubeObject } from "../kube/client.ts";
import { type OwnedMetadata, type Owner, ownerOf } from "../kube/owner.ts";
import { deploymentAvailable, type DeploymentState } from "./diagnose.ts";

export interface KnativeServing {
  /** The namespace of its controller; `knative-serving` when no controller is found. */
  namespace: string;
  /** From the services.serving.knative.dev CRD's app.kubernetes.io/version label: "1.15.2". */
  version?: string;
  /** Who applied the CRD. */
  owner: Owner;
  /** Its controller Deployment, when one exists. */
  controller?: KubeObject;
  /** Whether that controller is Available. */
  available: boolean;
  /** config-network's ingress-class (or the older ingress.class): which networking layer serves. */
  ingressClass?: string;
}

/**
 * Whether Knative Serving is served: API discovery of serving.knative.dev/v1 lists its
 * `services` resource. One meaning for every reader (deploy's refusal, check's mode checks): a
 * Service CRD that exists but is not Established yet is not served. `serves(groupVersion,
 * resource)` asks discovery (CheckContext.serves, ResourceMap.servesResource).
 */
export function knativeServed(
  serves: (groupVersion: string, resource: string) => Promise<boolean>,
): Promise<boolean> {
  return serves(`${KNATIVE.apiGroup}/v1`, "services");
}

/**
 * Knative Serving as installed (who applied it, which version, where its controller runs), or
 * undefined when its Service CRD does not exist: what install builds on, found from the CRD
 * object. Whether it is served is knativeServed's question. Reads the CRD,
 * the controller Deployments cluster-wide by label, and config-network. Errors (403 included)
 * are thrown: a failed lookup is never "not installed".
 */
export async function findKnativeServing(kube: Kube): Promise<KnativeServing | undefined> {
  const [crd, controller] = await Promise.all([
    kube.getOptional<KubeObject>(`${CRD_PATH}/${KNATIVE.serviceCrd}`),
    controllerDeployment(kube),
  ]);
  if (!crd) return undefined;
  const namespace = controller?.metadata?.namespace ?? KNATIVE.namespace;
  const network = await kube.getOptional<{ data?: Record<string, string> }>(
    `/api/v1/namespaces/${namespace}/configmaps/config-network`,
  );
  return {
    namespace,
    version: (crd.metadata?.labels as Record<string, string> | undefined)?.[VERSION_LABEL],
    owner: ownerOf((crd.metadata ?? {}) as OwnedMetadata),
    controller,
    available: controller !== undefined && deploymentAvailable(controller as DeploymentState),
    ingressClass: network?.data?.["ingress-class"] ?? network?.data?.["ingress.class"],
  };
}

/**
 * The namespace Knative Serving's controller runs in; `knative-serving` when none is found or
 * these credentials may not list Deployments cluster-wide (403: a namespace editor).
 */
export async function knativeNamespace(kube: Kube): Promise<string> {
  return await findKnativeNamespace(kube) ?? KNATIVE.namespace;
}

/**
 * The namespace Knative Serving's controller runs in (`knative-serving` when none is found), or
 * undefined when these credentials may not list Deployments cluster-wide (403): then it is not
 * known, for readers that must not guess (config-features of a Knative elsewhere). Other errors
 * are thrown.
 */
export async function findKnativeNamespace(kube: Kube): Promise<string | undefined> {
  try {
    return (await controllerDeployment(kube))?.metadata?.namespace ?? KNATIVE.namespace;
  } catch (error) {
    if ((error as { status?: number }).status === 403) return undefined;
    throw error;
  }
}

/** Knative Serving's controller Deployment, in any namespace, by its labels; undefined if none. */
async function controllerDeployment(kube: Kube): Promise<KubeObject | undefined> {
  const { items } = await kube.request<{ items: KubeObject[] }>(
    "GET",
    "/apis/apps/v1/deployments",
    {
      query: { labelSelector: KNATIVE.controllerLabels },
    },
  );
  return items[0];
}
