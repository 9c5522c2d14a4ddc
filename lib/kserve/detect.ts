/** Finds the KServe installation in a cluster from its controller Deployment. */
import { KSERVE } from "../defaults.ts";
import type { Kube } from "../kube/client.ts";
import { KubeApiError } from "../kube/errors.ts";

export interface KServeInstall {
  /** The controller image tag, such as v0.16.0; "unknown" when the image is pinned by digest. */
  version: string;
  namespace: string;
  image: string;
}

interface Deployment {
  metadata: { name: string; namespace: string };
  spec?: { template?: { spec?: { containers?: { name: string; image?: string }[] } } };
}

/**
 * Lists controller Deployments cluster-wide; a user who may not do that still gets an answer
 * when they may read the usual install namespaces.
 */
export async function findKServe(kube: Kube): Promise<KServeInstall | undefined> {
  try {
    const list = await kube.request<{ items: Deployment[] }>("GET", "/apis/apps/v1/deployments", {
      query: { labelSelector: KSERVE.controllerSelector },
    });
    return list.items.map(installOf).find((found) => found !== undefined);
  } catch (error) {
    if (!(error instanceof KubeApiError) || error.status !== 403) throw error;
    for (const namespace of [KSERVE.namespace, KSERVE.kubeflowNamespace]) {
      try {
        const deployment = await kube.getOptional<Deployment>(
          `/apis/apps/v1/namespaces/${namespace}/deployments/${KSERVE.controllerDeployment}`,
        );
        if (deployment) return installOf(deployment);
      } catch (inner) {
        if (!(inner instanceof KubeApiError) || inner.status !== 403) throw inner;
      }
    }
    throw error;
  }
}

function installOf(deployment: Deployment): KServeInstall | undefined {
  const containers = deployment.spec?.template?.spec?.containers ?? [];
  const image = containers.find((c) => c.image?.includes(KSERVE.controllerImage))?.image ??
    containers.find((c) => c.name === "manager")?.image;
  if (!image) return undefined;
  return { version: versionFromImage(image), namespace: deployment.metadata.namespace, image };
}

/** "kserve/kserve-controller:v0.16.0" gives "v0.16.0"; a digest-only reference gives "unknown". */
export function versionFromImage(image: string): string {
  const withoutDigest = image.split("@")[0]!;
  const lastSlash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.indexOf(":", lastSlash + 1);
  return colon === -1 ? "unknown" : withoutDigest.slice(colon + 1);
}
