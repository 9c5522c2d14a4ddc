/**
 * The release table: every KServe release this plugin knows, with what it installs beside it
 * (the dependency pins, their sha256, where each file is published) and what it does
 * differently (mode names, the API versions its CRDs serve, minimum Kubernetes, Gateway API,
 * InferencePool, the LLM controller's stop annotation). Install, checks, hints and models all
 * read it here; no other file names a KServe version.
 *
 * Adding a release is one entry in KSERVE_RELEASES (newest last) plus its manifests in the
 * fixtures (tests/unit/releases_test.ts compares every fact it can with them).
 * Sources: kserve-facts §1, §2, §5 (KServe's scripts, go.mod and docs at each tag); the release
 * manifests themselves for API versions, kinds, the Namespace, the storage container and the
 * InferencePool (its CRD and the router's HTTPRoute backendRef).
 */
import { compareVersions, parseVersion } from "../semver.ts";

/** What install applies, per project; each has its own release URL layout. */
export type Component =
  | "kserve"
  | "cert-manager"
  | "knative-serving"
  | "net-kourier"
  | "net-istio"
  | "gateway-api";

/** The deployment mode names a release uses, and the older names it still accepts. */
export interface ModeNames {
  raw: string;
  serverless: string;
  /** Older names still accepted (and stored under the new ones). */
  legacy: readonly string[];
}

/** The group and version of the InferencePool an LLMInferenceService routes through by default. */
export interface ApiGroupVersion {
  group: string;
  version: string;
}

export interface KServeRelease {
  version: string;
  /** The version installed and checked against when none is given: exactly one entry. */
  default?: true;
  /** Dependency versions install pins with it (KServe's own scripts; cert-manager: see below). */
  certManager: string;
  /** Knative Serving; its networking layers come from KNATIVE_RELEASES. */
  knative: string;
  /** Knative minor versions the release was tested with (KServe docs' matrix). */
  supportedKnative: readonly string[];
  /** The Gateway API the release builds against (go.mod, kserve-deps.env). */
  gatewayApi: string;
  /** sha256 of each release asset install downloads, by file name. */
  sha256: Readonly<Record<string, string>>;
  /** Whether kserve.yaml holds the "kserve" Namespace (later releases strip it). */
  manifestHasNamespace: boolean;
  /** Which asset holds ClusterStorageContainer "default". */
  storageContainerFile: "kserve.yaml" | "kserve-cluster-resources.yaml";
  modes: ModeNames;
  /** The serving.kserve.io versions its CRDs serve (LLMInferenceService: v1alpha1, then v1alpha2). */
  apiVersions: readonly string[];
  /** Minimum Kubernetes, "major.minor" (KServe docs). */
  minimumKubernetes: string;
  /** The InferencePool its llmisvc controller reconciles; its CRD ships in the release's kserve.yaml. */
  inferencePool: ApiGroupVersion;
  /**
   * The LLMInferenceServiceConfigs (presets) its kserve-cluster-resources.yaml ships, which the
   * llmisvc controller looks up by name (pkg/controller/.../llmisvc/config_merge.go).
   */
  llmPresets: readonly string[];
  /**
   * The names of its Helm charts: the controller's (`kserve` up to v0.16, `kserve-resources`
   * from v0.17, a breaking rename) and the CRDs' (kserve-facts §1, K@<tag>:charts/<chart>/Chart.yaml).
   */
  helmCharts: { resources: string; crds: string };
  /** Whether the llmisvc controller stops an LLMInferenceService annotated serving.kserve.io/stop. */
  llmisvcHonoursStop: boolean;
  /**
   * The storage URI schemes the llmisvc controller can give an LLMInferenceService's model
   * (pkg/controller/{v1alpha1,v1alpha2}/llmisvc/workload_storage.go, attachModelArtifacts); any other is
   * "unsupported schema in model URI".
   */
  llmStorageSchemes: readonly string[];
  /**
   * The validator rejects every update of an InferenceService whose mode annotation is a legacy
   * name, so its deletion hangs (kserve#5025), and the release that fixed it.
   */
  legacyModeAnnotationBug?: { issue: string; fixedIn: string };
  /**
   * Canary rollouts outside Knative mode. `canaryTrafficPercent` is read only by the Knative
   * reconciler (pkg/controller/v1beta1/inferenceservice/reconcilers/knative/ksvc_reconciler.go):
   * in Standard mode it is ignored. `specCanary`: the CRD has spec.canary[], which deploys a
   * second predictor that the main route does not weight (weighted routing came later, through
   * the Gateway API: RAW_CANARY_ROUTING_SINCE).
   */
  standardCanary: { specCanary: boolean; weighted: boolean };
}

/** The first release that weights Standard-mode canaries, through the Gateway API (issue 24). */
export const RAW_CANARY_ROUTING_SINCE = "v0.21.0";

const MODES: ModeNames = {
  raw: "Standard",
  serverless: "Knative",
  legacy: ["RawDeployment", "Serverless"],
};

/** The presets every release in the table ships. */
const LLM_PRESETS = [
  "kserve-config-llm-decode-template",
  "kserve-config-llm-decode-worker-data-parallel",
  "kserve-config-llm-prefill-template",
  "kserve-config-llm-prefill-worker-data-parallel",
  "kserve-config-llm-router-route",
  "kserve-config-llm-scheduler",
  "kserve-config-llm-template",
  "kserve-config-llm-worker-data-parallel",
];

/** Oldest first. */
export const KSERVE_RELEASES: readonly KServeRelease[] = [
  {
    version: "v0.16.0",
    certManager: "v1.16.1",
    knative: "v1.15.2",
    supportedKnative: ["1.15", "1.16", "1.17", "1.18", "1.19", "1.20"],
    gatewayApi: "v1.2.1",
    sha256: {
      "kserve.yaml": "1cedecd9022a6793a394f3c8b8cdb8dab6d8b8b0cd33b2046a22f4f7356e6eb3",
      "kserve-cluster-resources.yaml":
        "67bcdfe0bce80e813cb4b35fadba54dc8f26172651ee263318c93930fdf1934d",
    },
    manifestHasNamespace: true,
    storageContainerFile: "kserve-cluster-resources.yaml",
    // The first release with Standard/Knative (PR #4608).
    modes: MODES,
    apiVersions: ["v1alpha1", "v1beta1"],
    // kserve/website#544, the docs at release.
    minimumKubernetes: "1.30",
    inferencePool: { group: "inference.networking.x-k8s.io", version: "v1alpha2" },
    llmPresets: [
      ...LLM_PRESETS,
    ],
    // K@v0.16.0:charts/kserve-resources/Chart.yaml names the chart kserve.
    helmCharts: { resources: "kserve", crds: "kserve-crd" },
    // K@v0.16.0: only the InferenceService and InferenceGraph code reads StopAnnotationKey.
    llmisvcHonoursStop: false,
    llmStorageSchemes: ["hf://", "s3://", "pvc://", "oci://"],
    legacyModeAnnotationBug: { issue: "kserve#5025", fixedIn: "v0.17.0" },
    // The CRD has no spec.canary (release manifests).
    standardCanary: { specCanary: false, weighted: false },
  },
  {
    version: "v0.20.0",
    default: true,
    // KServe's scripts pin 1.17.0 and accept any >= 1.15; 1.18.0 is the newest manifest with a pinned checksum.
    certManager: "v1.18.0",
    knative: "v1.21.1",
    supportedKnative: ["1.19", "1.20", "1.21"],
    gatewayApi: "v1.5.1",
    sha256: {
      "kserve.yaml": "6e6c1a5ceeb889e6ac41d68a551fa8c7d1fc1abcba10284154a0872bcc0d3fb8",
      "kserve-cluster-resources.yaml":
        "ee79c890721edc498738fd0f4d8a615adc8baa2d19d552d6d97528d858144e5d",
      "kserve-crds.yaml": "dd5fad5999862c34dde061c97e49419810034320e1245ce9c6e4bfd51cac6255",
    },
    manifestHasNamespace: false,
    storageContainerFile: "kserve.yaml",
    modes: MODES,
    apiVersions: ["v1alpha1", "v1alpha2", "v1beta1"],
    minimumKubernetes: "1.32",
    inferencePool: { group: "inference.networking.k8s.io", version: "v1" },
    llmPresets: [
      ...LLM_PRESETS,
      "kserve-config-llm-scheduler-latency-predictor",
      "kserve-config-llm-tracing",
    ],
    // Renamed in v0.17 (KServe's upgrade guide: "kserve → kserve-resources").
    helmCharts: { resources: "kserve-resources", crds: "kserve-crd" },
    // Added after the previous entry: pkg/controller/v1alpha1/llmisvc/controller_int_stop_test.go.
    llmisvcHonoursStop: true,
    // kserve-crds.yaml: inferenceservices spec.canary[] (and status.canaryStatuses), unweighted.
    standardCanary: { specCanary: true, weighted: false },
    // oci+native:// added (K@v0.20.0 pkg/constants OciNativeURIPrefix).
    llmStorageSchemes: ["hf://", "s3://", "pvc://", "oci://", "oci+native://"],
  },
];

/**
 * Versions older than every entry: before the mode rename (kserve-facts §2: RawDeployment,
 * Serverless and ModelMesh only); everything else as the oldest entry.
 */
const BEFORE_TABLE: Partial<KServeRelease> = {
  modes: { raw: "RawDeployment", serverless: "Serverless", legacy: [] },
  legacyModeAnnotationBug: undefined,
};

/** The KServe versions this plugin installs, oldest first. */
export const INSTALLABLE_KSERVE_VERSIONS: readonly string[] = KSERVE_RELEASES.map((r) => r.version);

/** The KServe version installed and checked against when none is given. */
export const DEFAULT_KSERVE_VERSION: string = KSERVE_RELEASES.find((r) => r.default)!.version;

/** Knative Serving releases with the networking releases that go with each (operator kodata). */
export const KNATIVE_RELEASES: Readonly<Record<string, { kourier: string; netIstio: string }>> = {
  "v1.11.0": { kourier: "v1.11.0", netIstio: "v1.11.0" },
  "v1.15.2": { kourier: "v1.15.1", netIstio: "v1.15.1" },
  "v1.21.1": { kourier: "v1.21.0", netIstio: "v1.21.1" },
};

/** sha256 of the dependencies' manifests, by <component>/<version>/<file>. */
export const DEPENDENCY_SHA256: Readonly<Record<string, string>> = {
  "cert-manager/v1.16.1/cert-manager.yaml":
    "ad09a35d3dd404f98f4e16555b01b89bdf7a499932b4567f3e2eddb4ef3cab15",
  "cert-manager/v1.18.0/cert-manager.yaml":
    "b77844d683952ce529ea5f4ec249d32851a75a2819662ecc1d171ee218a51c56",
  "knative-serving/v1.11.0/serving-crds.yaml":
    "cf1dd8d5403dafd735271bb083e44a991dfbb24d2b5a2514d159904668393f2b",
  "knative-serving/v1.11.0/serving-core.yaml":
    "6e20793baa17af9c16e05b4353273b3459f5ee603f3070359ec55b18c711f12a",
  "knative-serving/v1.15.2/serving-crds.yaml":
    "4bc2dc0070473e265a95bfe9358e5f98a4af4c000dc527c82b15107556bca57d",
  "knative-serving/v1.15.2/serving-core.yaml":
    "0fd68c013ae23fa30fedf9f040af4630bd91be57cfdbbe26b8e4c7f842d4ba3a",
  "knative-serving/v1.21.1/serving-crds.yaml":
    "bb6d837db047aef64dfb437f66365f95aa55b32db3f8e74343e59dc1f7e9ce8e",
  "knative-serving/v1.21.1/serving-core.yaml":
    "636e36155fecb51a60bf869c0d8fa3ef6c2966b1fa9ded8464a48e8a5a880669",
  "net-kourier/v1.11.0/kourier.yaml":
    "0b5c73527a0e7b2d004985c03d7ab26189e9d0dc2097bb97b585ad84d693c1c4",
  "net-kourier/v1.15.1/kourier.yaml":
    "57b4c31c7fc8efe1f02dfd03973063cc5b30bf84d0c74312dfae4e76bbcdaa7a",
  "net-kourier/v1.21.0/kourier.yaml":
    "2d6893e449e54f2dea4a9faaa75bf881ba91162d3f23651ab41b2db81f6d8a40",
  "net-istio/v1.11.0/net-istio.yaml":
    "e931f4a4f303ea2e40fb3d174af3107e520e03633266715771732ce11bde3165",
  "net-istio/v1.15.1/net-istio.yaml":
    "ab3ccb27575f717838b920a4f7828531edaf5899339e6bb3ea2e4a273c0db8bf",
  "net-istio/v1.21.1/net-istio.yaml":
    "4a06179fa88d3f6739b3c49f02cb721d90e3f131af4241bda0eb3e653ffb8ae1",
  // The standard channel, one file per CRD as the repository holds them at the tag
  // (config/crd/standard/); install applies every file of the release's gatewayApi version.
  "gateway-api/v1.2.1/gateway.networking.k8s.io_gatewayclasses.yaml":
    "f0dcbdd9fb49b4562dad27ceec96078b3846611708464120598949cd2ab1e765",
  "gateway-api/v1.2.1/gateway.networking.k8s.io_gateways.yaml":
    "9aea7ae080dfe9c25a814d3d14eed28f335d28de3cbdc00a0351e0e99cb3bf06",
  "gateway-api/v1.2.1/gateway.networking.k8s.io_grpcroutes.yaml":
    "8a705983343eabcb72c5bbfc2c090eed87b46763e2f6c67bd6b45552fcd5cc94",
  "gateway-api/v1.2.1/gateway.networking.k8s.io_httproutes.yaml":
    "db36230a2f54ca3f1733bebc9d303d4db16c958856bf2be941a2c6269b872014",
  "gateway-api/v1.2.1/gateway.networking.k8s.io_referencegrants.yaml":
    "d22a9164ae9ec443438dd3aaca7fb056d3264d76c880d949a1e6b2661ecb4234",
  "gateway-api/v1.5.1/gateway.networking.k8s.io_backendtlspolicies.yaml":
    "9b8818172153d72f9c84032db0be0a4a657277d13f5bbc22226ad9481ff57971",
  "gateway-api/v1.5.1/gateway.networking.k8s.io_gatewayclasses.yaml":
    "234ad4b2757ee1b3596a4187bb98df071c5bbdd9e1806f692f2dbf8387e6bef4",
  "gateway-api/v1.5.1/gateway.networking.k8s.io_gateways.yaml":
    "7416e8300eb4d8c0a71a23445609075bbacbe8bc80104584b019cfe1ebe77c31",
  "gateway-api/v1.5.1/gateway.networking.k8s.io_grpcroutes.yaml":
    "979f4125d44d3df24659ba00d1d04ff8e76c45423193e8aae82dd5810d7827df",
  "gateway-api/v1.5.1/gateway.networking.k8s.io_httproutes.yaml":
    "682203b109baecb18d38073a578f7bc2c17d22fe9b0c27bf030850abe014c370",
  "gateway-api/v1.5.1/gateway.networking.k8s.io_listenersets.yaml":
    "9221468d19fdfbb0026113b1ef64abac64f27607975aff2410361b8b38f0e0bb",
  "gateway-api/v1.5.1/gateway.networking.k8s.io_referencegrants.yaml":
    "a8902c486eed0b7339f5bb8a476ccaba0918eb038048402bdc01cbb69b0fbb51",
  "gateway-api/v1.5.1/gateway.networking.k8s.io_tlsroutes.yaml":
    "818e4827c469a40e2527a2851591e656782c50fea8dd44812c900d219da09345",
  "gateway-api/v1.5.1/gateway.networking.k8s.io_vap_safeupgrades.yaml":
    "981a4da92706cb567c051e006ff229429947f054b90cd0719c297abe14f958a1",
};

/** The Gateway API standard-channel files of a version, from DEPENDENCY_SHA256. */
export function gatewayApiFiles(version: string): string[] {
  const prefix = `gateway-api/${version}/`;
  return Object.keys(DEPENDENCY_SHA256).filter((k) => k.startsWith(prefix))
    .map((k) => k.slice(prefix.length));
}

/** Where each project publishes a release's file (kserve-facts §1, §10). */
export function releaseAssetUrl(component: Component, version: string, file: string): string {
  switch (component) {
    case "kserve":
      return `https://github.com/kserve/kserve/releases/download/${version}/${file}`;
    case "cert-manager":
      return `https://github.com/cert-manager/cert-manager/releases/download/${version}/${file}`;
    case "knative-serving":
      return `https://github.com/knative/serving/releases/download/knative-${version}/${file}`;
    case "net-kourier":
      return `https://github.com/knative/net-kourier/releases/download/knative-${version}/${file}`;
    case "net-istio":
      return `https://github.com/knative/net-istio/releases/download/knative-${version}/${file}`;
    case "gateway-api":
      return `https://raw.githubusercontent.com/kubernetes-sigs/gateway-api/${version}/config/crd/standard/${file}`;
  }
}

/** Where KServe's Helm charts are published, each as REGISTRY/<chart> (.github/workflows/helm-publish.yml). */
const KSERVE_HELM_REGISTRY = "oci://ghcr.io/kserve/charts";

/**
 * The OCI reference of a release's Helm chart (`which`: the controller's or the CRDs'), such as
 * oci://ghcr.io/kserve/charts/kserve-resources for v0.20.0; an unknown version gets the newest
 * entry's names (factsOf).
 */
export function helmChart(version: string | undefined, which: "resources" | "crds"): string {
  return `${KSERVE_HELM_REGISTRY}/${factsOf(version).helmCharts[which]}`;
}

/** The entry of exactly this version, or undefined for one the table does not list. */
export function releaseOf(
  version: string | undefined,
  releases: readonly KServeRelease[] = KSERVE_RELEASES,
): KServeRelease | undefined {
  return releases.find((r) => r.version === version);
}

/**
 * The facts that hold for any version: its own entry; for a version between two entries (or
 * newer than all, or unknown) the next newer entry's, since what changed between them changed on
 * the way there; for one older than every entry, the oldest entry's with BEFORE_TABLE's names.
 * Facts true of one release only (legacyModeAnnotationBug, apiVersions) are read with releaseOf.
 */
export function factsOf(
  version: string | undefined,
  releases: readonly KServeRelease[] = KSERVE_RELEASES,
): KServeRelease {
  const exact = releaseOf(version, releases);
  if (exact) return exact;
  const wanted = parseVersion(version);
  if (!wanted) return releases.at(-1)!;
  const newer = releases.find((r) => compareVersions(parseVersion(r.version)!, wanted) > 0);
  if (!newer) return releases.at(-1)!;
  return newer === releases[0] ? { ...newer, ...BEFORE_TABLE } : newer;
}
