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
   * from v0.17, a breaking rename), the CRDs' (kserve-facts §1, K@<tag>:charts/<chart>/Chart.yaml)
   * and the llmisvc controller's with its presets (a release of its own).
   */
  helmCharts: { resources: string; crds: string; llmisvc: string };
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
    helmCharts: { resources: "kserve", crds: "kserve-crd", llmisvc: "llmisvc-resources" },
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
    helmCharts: {
      resources: "kserve-resources",
      crds: "kserve-crd",
      llmisvc: "kserve-llmisvc-resources",
    },
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

/**
 * Knative Serving releases with the networking releases that go with each (operator kodata),
 * and the oldest Kubernetes their controllers start on, "major.minor": knative.dev/pkg's
 * version.defaultMinimumVersion at the pkg the release's go.mod pins (serving v0.42.2 -> 1.28,
 * v0.48.1 -> 1.33); below it every controller exits at start ("kubernetes version ... is not
 * compatible"). Unknown for v1.11.0 (not checked).
 */
export const KNATIVE_RELEASES: Readonly<
  Record<string, { kourier: string; netIstio: string; minimumKubernetes?: string }>
> = {
  "v1.11.0": { kourier: "v1.11.0", netIstio: "v1.11.0" },
  "v1.15.2": { kourier: "v1.15.1", netIstio: "v1.15.1", minimumKubernetes: "1.28" },
  "v1.21.1": { kourier: "v1.21.0", netIstio: "v1.21.1", minimumKubernetes: "1.33" },
};

export { DEPENDENCY_SHA256, gatewayApiFiles } from "./dependency_sha256.ts";

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
export function helmChart(
  version: string | undefined,
  which: "resources" | "crds" | "llmisvc",
): string {
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
