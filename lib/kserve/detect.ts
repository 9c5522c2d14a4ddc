/**
 * The one way to find the KServe installation of a cluster: where it is, which version, who
 * installed it. `version`, `check`, `deploy`, `install` and `uninstall` all use it. A user who
 * may not list Deployments cluster-wide still gets an answer from what they may read (API
 * discovery, the usual install namespaces); a lookup that fails otherwise is thrown, never read
 * as "not installed".
 */
import { CRD_PATH, KSERVE, KSERVE_OBJECTS } from "../defaults.ts";
import type { Kube } from "../kube/client.ts";
import { KubeApiError } from "../kube/errors.ts";
import { type OwnedMetadata, type Owner, ownerByManagers, ownerOf } from "../kube/owner.ts";
import { helmRecordProblem } from "../kube/helm_record.ts";
import type { DeploymentState } from "../kube/objects.ts";

/** An object as far as detection reads it. */
export interface DetectedObject {
  metadata: OwnedMetadata & { name: string; namespace?: string; deletionTimestamp?: string };
  spec?: {
    replicas?: number;
    template?: {
      metadata?: { labels?: Record<string, string> };
      spec?: {
        containers?: {
          name: string;
          image?: string;
          ports?: { containerPort: number; name?: string }[];
        }[];
      };
    };
  };
  /** A Deployment's status (what a diagnosis of the controller reads). */
  status?: DeploymentState["status"];
  data?: Record<string, string>;
}

export interface KServeInstall {
  /** A controller or its config map exists, in a namespace that is not being deleted. */
  installed: boolean;
  /** Where the controller or config map lives ("kserve" when neither exists). */
  namespace: string;
  /** The controller image tag, such as v0.16.0; "unknown" when pinned by digest. */
  version?: string;
  image?: string;
  /** The install namespace is being deleted: what is left of KServe is going away. */
  terminating?: boolean;
  /** The API server serves serving.kserve.io (its CRDs exist), from API discovery. */
  apiServed: boolean;
  /** Who installed it, from the controller's (else the config map's) metadata. */
  owner?: Owner;
  /** The controller could not be read with the user's permissions (403). */
  unreadable?: boolean;
  controller?: DetectedObject;
  configMap?: DetectedObject;
  /** Not installed, but KServe's InferenceService CRD is being deleted and something holds it. */
  crdDeleting?: DeletingCrd;
}

/** A CRD with a deletionTimestamp: since when, and what holds it. */
export interface DeletingCrd {
  name: string;
  since: string;
  /** Its finalizers and the Terminating condition's message (what is left to delete). */
  heldBy: string;
}

/** A CRD as far as its deletion goes. */
interface CrdState {
  metadata?: { name?: string; deletionTimestamp?: string; finalizers?: string[] };
  status?: { conditions?: { type: string; status?: string; message?: string }[] };
}

/** What detection reads; `check` passes what its cached lists already hold. */
export interface DetectionFacts {
  controllers: DetectedObject[];
  configMaps: DetectedObject[];
  apiServed: boolean;
  /** The namespace object of the install, when readable. */
  home?: { metadata?: { deletionTimestamp?: string } };
  unreadable?: boolean;
}

/** The install namespaces of KServe's own manifests: kserve.yaml and kserve_kubeflow.yaml. */
const KNOWN_NAMESPACES = [KSERVE.namespace, KSERVE.kubeflowNamespace] as const;

/** Reads the cluster and tells where KServe is, which version, and who installed it. */
export async function findKServe(kube: Kube): Promise<KServeInstall> {
  // The usual install namespaces are read in the same round as the lists: the install is
  // almost always in one of them, so no second round trip is needed to see if it is Terminating.
  const [apiServed, controllers, configMaps, ...known] = await Promise.all([
    servesKServe(kube),
    listOrGet(
      kube,
      "/apis/apps/v1/deployments",
      { labelSelector: KSERVE.controllerSelector },
      (ns) => `/apis/apps/v1/namespaces/${ns}/deployments/${KSERVE.controllerDeployment}`,
    ),
    listOrGet(
      kube,
      "/api/v1/configmaps",
      { fieldSelector: `metadata.name=${KSERVE_OBJECTS.configMap}` },
      (ns) => `/api/v1/namespaces/${ns}/configmaps/${KSERVE_OBJECTS.configMap}`,
    ),
    ...KNOWN_NAMESPACES.map((ns) => namespaceObject(kube, ns)),
  ]);
  const namespace = installNamespace(controllers.items, configMaps.items);
  const index = KNOWN_NAMESPACES.indexOf(namespace as typeof KNOWN_NAMESPACES[number]);
  const home = index >= 0 ? known[index] : await namespaceObject(kube, namespace);
  const get = (path: string, query: Record<string, string>) => kube.getOptional(path, { query });
  return await withDeletingCrd(
    await confirmHelmOwner(
      kserveFrom({
        controllers: controllers.items,
        configMaps: configMaps.items,
        apiServed,
        home,
        unreadable: controllers.unreadable,
      }),
      get,
    ),
    get,
  );
}

/**
 * When KServe is not installed but its API is still served, whether the InferenceService CRD
 * is stuck deleting (its finalizer waits for objects whose own finalizers need the controller
 * that is gone): that is an uninstall that did not finish, not "not installed".
 */
export async function withDeletingCrd(
  install: KServeInstall,
  get: (path: string, query: Record<string, string>) => Promise<unknown>,
): Promise<KServeInstall> {
  if (install.installed || !install.apiServed) return install;
  const crd = await (get(`${CRD_PATH}/${KSERVE.isvcCrd}`, {}) as Promise<CrdState | undefined>)
    .catch((error) => {
      if (error instanceof KubeApiError && error.status === 403) return undefined;
      throw error;
    });
  const deleting = crd && deletingCrd(crd);
  return deleting ? { ...install, crdDeleting: deleting } : install;
}

/** Pure: the deletion of a CRD that has a deletionTimestamp, else undefined. */
export function deletingCrd(crd: CrdState): DeletingCrd | undefined {
  const since = crd.metadata?.deletionTimestamp;
  if (!since) return undefined;
  const finalizers = crd.metadata?.finalizers ?? [];
  const terminating = crd.status?.conditions?.find((c) => c.type === "Terminating")?.message;
  return {
    name: crd.metadata?.name ?? KSERVE.isvcCrd,
    since,
    heldBy: `${finalizers.length ? `finalizer ${finalizers.join(", ")}` : "no finalizer left"}${
      terminating ? ` (${terminating})` : ""
    }`,
  };
}

/** "CRD X is stuck deleting since T: held by …", for every command that reports it. */
export function describeDeletingCrd(crd: DeletingCrd): string {
  return `KServe is being uninstalled and has not finished: CRD ${crd.name} is stuck deleting since ${crd.since}, held by ${crd.heldBy}`;
}

/** What to run to see what is left, and the objects whose finalizers hold the CRD. */
export function deletingCrdHint(crd: DeletingCrd): string {
  return `See what holds it: kubectl get crd ${crd.name} -o yaml; kubectl get ${crd.name} -A (each object left waits for its finalizer, which KServe's controller removes; re-install KServe to let it finish, or remove those finalizers)`;
}

/**
 * Keeps a Helm owner only when Helm can manage the install: its deployed release record loads
 * and holds the object the owner was read from. Otherwise the install is "mixed": another
 * tool's, with Helm's labels on some objects, and the hints are that tool's.
 */
export async function confirmHelmOwner(
  install: KServeInstall,
  get: (path: string, query: Record<string, string>) => Promise<unknown>,
): Promise<KServeInstall> {
  const owner = install.owner;
  const object = install.controller ?? install.configMap;
  if (owner?.by !== "helm" || !object) return install;
  const problem = await helmRecordProblem(get, owner.release, owner.namespace, {
    kind: install.controller ? "Deployment" : "ConfigMap",
    name: object.metadata.name,
  });
  if (!problem) return install;
  const byManagers = ownerByManagers(object.metadata);
  return {
    ...install,
    owner: {
      by: "other",
      managers: byManagers.by === "other" ? byManagers.managers : [],
      helmLabels: { release: owner.release, namespace: owner.namespace, problem },
    },
  };
}

/** A namespace object; undefined when it does not exist or may not be read (403). */
function namespaceObject(
  kube: Kube,
  name: string,
): Promise<{ metadata?: { deletionTimestamp?: string } } | undefined> {
  return kube.getOptional<{ metadata?: { deletionTimestamp?: string } }>(
    `/api/v1/namespaces/${name}`,
  ).catch((error) => {
    if (error instanceof KubeApiError && error.status === 403) return undefined;
    throw error;
  });
}

/** Pure: the install from what was read. */
export function kserveFrom(facts: DetectionFacts): KServeInstall {
  const namespace = installNamespace(facts.controllers, facts.configMaps);
  const controller = facts.controllers.find((c) => c.metadata.namespace === namespace);
  const configMap = facts.configMaps.find((c) => c.metadata.namespace === namespace);
  const terminating = Boolean(facts.home?.metadata?.deletionTimestamp);
  const image = controller ? controllerImage(controller) : undefined;
  const found = controller ?? configMap;
  return {
    installed: !terminating && found !== undefined,
    namespace,
    ...(image ? { image, version: versionFromImage(image) } : {}),
    ...(terminating ? { terminating } : {}),
    apiServed: facts.apiServed,
    ...(found ? { owner: ownerOf(found.metadata) } : {}),
    // Without serving.kserve.io in discovery there is no KServe, readable or not.
    ...(facts.unreadable && !found && facts.apiServed ? { unreadable: true } : {}),
    ...(controller ? { controller } : {}),
    ...(configMap ? { configMap } : {}),
  };
}

function installNamespace(controllers: DetectedObject[], configMaps: DetectedObject[]): string {
  return controllers[0]?.metadata.namespace ?? configMaps[0]?.metadata.namespace ??
    KSERVE.namespace;
}

/** Whether serving.kserve.io is served: discovery, which every authenticated user may read. */
export async function servesKServe(kube: Kube): Promise<boolean> {
  const group = await kube.getOptional(`/apis/${KSERVE.apiGroup}`);
  return group !== undefined;
}

/**
 * Lists cluster-wide; on 403 GETs the object in each known install namespace instead. Only
 * when every one of those is forbidden too is the result "unreadable" (never "absent").
 */
async function listOrGet(
  kube: Kube,
  collection: string,
  query: Record<string, string>,
  objectIn: (namespace: string) => string,
): Promise<{ items: DetectedObject[]; unreadable?: boolean }> {
  try {
    return {
      items: (await kube.request<{ items: DetectedObject[] }>("GET", collection, { query })).items,
    };
  } catch (error) {
    if (!(error instanceof KubeApiError) || error.status !== 403) throw error;
  }
  const found = await Promise.all(KNOWN_NAMESPACES.map(async (namespace) => {
    try {
      return { object: await kube.getOptional<DetectedObject>(objectIn(namespace)) };
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 403) return { forbidden: true };
      throw error;
    }
  }));
  const items = found.flatMap((f) => f.object ? [f.object] : []);
  return { items, ...(found.every((f) => f.forbidden) ? { unreadable: true } : {}) };
}

function controllerImage(deployment: DetectedObject): string | undefined {
  const containers = deployment.spec?.template?.spec?.containers ?? [];
  return containers.find((c) => c.image?.includes(KSERVE.controllerImage))?.image ??
    containers.find((c) => c.name === "manager")?.image;
}

/** "kserve/kserve-controller:v0.16.0" gives "v0.16.0"; a digest-only reference gives "unknown". */
export function versionFromImage(image: string): string {
  const withoutDigest = image.split("@")[0]!;
  const lastSlash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.indexOf(":", lastSlash + 1);
  return colon === -1 ? "unknown" : withoutDigest.slice(colon + 1);
}
