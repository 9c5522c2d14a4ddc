/**
 * The kinds of KServe's API group (serving.kserve.io), read from the release manifests' CRDs:
 * their resource, scope and API versions, and what uninstall does with their objects. The
 * release table (releases.ts) says which versions each release serves.
 */
import { KSERVE } from "../defaults.ts";

export interface KServeKind {
  kind: string;
  /** The plural resource name, as in the API path and the CRD name <resource>.<group>. */
  resource: string;
  namespaced: boolean;
  /** Its API versions, oldest first; the oldest is served by every release that has the kind. */
  versions: readonly string[];
  /** In every release's CRDs (the six of kserve-crds.yaml): the kserve.crds check requires them. */
  core: boolean;
  /**
   * What uninstall does with its objects: "model" ones carry a controller's finalizer and go
   * first, "cluster-resource" ones are admitted by the webhook and go before it, "llm-config"
   * ones after it (the webhook refuses their delete, the llmisvc controller finalizes them).
   */
  teardown?: "model" | "cluster-resource" | "llm-config";
}

const KINDS = [
  {
    kind: "InferenceService",
    resource: "inferenceservices",
    namespaced: true,
    versions: ["v1beta1"],
    core: true,
    teardown: "model",
  },
  {
    kind: "ServingRuntime",
    resource: "servingruntimes",
    namespaced: true,
    versions: ["v1alpha1"],
    core: true,
  },
  {
    kind: "ClusterServingRuntime",
    resource: "clusterservingruntimes",
    namespaced: false,
    versions: ["v1alpha1"],
    core: true,
    teardown: "cluster-resource",
  },
  {
    kind: "ClusterStorageContainer",
    resource: "clusterstoragecontainers",
    namespaced: false,
    versions: ["v1alpha1"],
    core: true,
    teardown: "cluster-resource",
  },
  {
    kind: "InferenceGraph",
    resource: "inferencegraphs",
    namespaced: true,
    versions: ["v1alpha1"],
    core: true,
    teardown: "model",
  },
  {
    kind: "TrainedModel",
    resource: "trainedmodels",
    namespaced: true,
    versions: ["v1alpha1"],
    core: true,
    teardown: "model",
  },
  {
    kind: "LLMInferenceService",
    resource: "llminferenceservices",
    namespaced: true,
    versions: ["v1alpha1", "v1alpha2"],
    core: false,
    teardown: "model",
  },
  {
    kind: "LLMInferenceServiceConfig",
    resource: "llminferenceserviceconfigs",
    namespaced: true,
    versions: ["v1alpha1", "v1alpha2"],
    core: false,
    teardown: "llm-config",
  },
] as const satisfies readonly KServeKind[];

export type KServeKindName = (typeof KINDS)[number]["kind"];

/** Every kind, in the order checks report missing CRDs and uninstall lists its objects. */
export const KSERVE_KINDS: readonly KServeKind[] = KINDS;

/** The table's entry of a kind. */
export function kserveKind(kind: KServeKindName): KServeKind {
  return KSERVE_KINDS.find((k) => k.kind === kind)!;
}

/** "serving.kserve.io/v1beta1": the group-version a kind is read at (its oldest by default). */
export function groupVersionOf(kind: KServeKind, version = kind.versions[0]!): string {
  return `${KSERVE.apiGroup}/${version}`;
}

/**
 * The API path of a kind's collection, in one namespace or (namespace undefined) all of them,
 * or of one object when `name` is given: "/apis/serving.kserve.io/v1beta1/namespaces/ns/inferenceservices".
 */
export function kindPath(
  kind: KServeKind,
  where: { namespace?: string; name?: string; version?: string } = {},
): string {
  const scope = kind.namespaced && where.namespace ? `/namespaces/${where.namespace}` : "";
  const object = where.name ? `/${where.name}` : "";
  return `/apis/${groupVersionOf(kind, where.version)}${scope}/${kind.resource}${object}`;
}

/** "inferenceservices.serving.kserve.io": the name of a kind's CRD. */
export function crdName(kind: KServeKind): string {
  return `${kind.resource}.${KSERVE.apiGroup}`;
}

/** The versions of a kind that a release serves, given the release's serving.kserve.io versions. */
export function servedVersions(kind: KServeKind, apiVersions: readonly string[]): string[] {
  return kind.versions.filter((v) => apiVersions.includes(v));
}
