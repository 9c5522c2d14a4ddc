/**
 * The release table: which dependency versions go with each KServe version, where each
 * manifest is published, and its pinned sha256. A downloaded file that does not match is refused.
 */
import { DEFAULT_KSERVE_VERSION } from "../defaults.ts";
import type { IngressLayer, KServeMode } from "../options.ts";

export type Component = "kserve" | "cert-manager" | "knative-serving" | "net-kourier" | "net-istio";

export interface ManifestFile {
  component: Component;
  version: string;
  file: string;
}

/** Dependencies KServe's own scripts and docs pair with each release (kserve-facts §5). */
export interface Release {
  certManager: string;
  knative: string;
  kourier: string;
  netIstio: string;
  /** v0.17+ kserve.yaml has no Namespace object: create "kserve" first. */
  manifestHasNamespace: boolean;
}

export const RELEASES: Record<string, Release> = {
  "v0.16.0": {
    certManager: "v1.16.1",
    knative: "v1.15.2",
    kourier: "v1.15.1",
    netIstio: "v1.15.1",
    manifestHasNamespace: true,
  },
  "v0.20.0": {
    // KServe's scripts pin 1.17.0 and accept any >= 1.15; 1.18.0 is the newest manifest with a pinned checksum.
    certManager: "v1.18.0",
    knative: "v1.21.1",
    kourier: "v1.21.0",
    netIstio: "v1.21.1",
    manifestHasNamespace: false,
  },
};

export { DEFAULT_KSERVE_VERSION };

/** Knative minor versions each KServe release was tested with (KServe docs' matrix). */
export const SUPPORTED_KNATIVE: Record<string, string[]> = {
  "v0.16.0": ["1.15", "1.16", "1.17", "1.18", "1.19", "1.20"],
  "v0.20.0": ["1.19", "1.20", "1.21"],
};

const SHA256: Record<string, string> = {
  "kserve/v0.16.0/kserve.yaml": "1cedecd9022a6793a394f3c8b8cdb8dab6d8b8b0cd33b2046a22f4f7356e6eb3",
  "kserve/v0.16.0/kserve-cluster-resources.yaml":
    "67bcdfe0bce80e813cb4b35fadba54dc8f26172651ee263318c93930fdf1934d",
  "kserve/v0.20.0/kserve.yaml": "6e6c1a5ceeb889e6ac41d68a551fa8c7d1fc1abcba10284154a0872bcc0d3fb8",
  "kserve/v0.20.0/kserve-cluster-resources.yaml":
    "ee79c890721edc498738fd0f4d8a615adc8baa2d19d552d6d97528d858144e5d",
  "kserve/v0.20.0/kserve-crds.yaml":
    "dd5fad5999862c34dde061c97e49419810034320e1245ce9c6e4bfd51cac6255",
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
};

/** The layout of release mirrors and air-gapped directories: <component>/<version>/<file>. */
export function manifestPath(file: ManifestFile): string {
  return `${file.component}/${file.version}/${file.file}`;
}

/** The pinned checksum, or undefined for a file this version of the plugin does not know. */
export function pinnedSha256(file: ManifestFile): string | undefined {
  return SHA256[manifestPath(file)];
}

/** Where the project itself publishes the file. */
export function upstreamUrl(file: ManifestFile): string {
  const { component, version } = file;
  switch (component) {
    case "kserve":
      return `https://github.com/kserve/kserve/releases/download/${version}/${file.file}`;
    case "cert-manager":
      return `https://github.com/cert-manager/cert-manager/releases/download/${version}/${file.file}`;
    case "knative-serving":
      return `https://github.com/knative/serving/releases/download/knative-${version}/${file.file}`;
    case "net-kourier":
      return `https://github.com/knative/net-kourier/releases/download/knative-${version}/${file.file}`;
    case "net-istio":
      return `https://github.com/knative/net-istio/releases/download/knative-${version}/${file.file}`;
  }
}

export interface InstallVersions {
  kserve: string;
  certManager: string;
  knative: string;
  kourier: string;
  netIstio: string;
}

/** The manifest files one install needs, in the order their components install. */
export function manifestsFor(
  mode: KServeMode,
  ingress: IngressLayer,
  versions: InstallVersions,
): ManifestFile[] {
  const files: ManifestFile[] = [
    { component: "cert-manager", version: versions.certManager, file: "cert-manager.yaml" },
  ];
  if (mode === "serverless") {
    files.push(
      { component: "knative-serving", version: versions.knative, file: "serving-crds.yaml" },
      { component: "knative-serving", version: versions.knative, file: "serving-core.yaml" },
      ingress === "kourier"
        ? { component: "net-kourier", version: versions.kourier, file: "kourier.yaml" }
        : { component: "net-istio", version: versions.netIstio, file: "net-istio.yaml" },
    );
  }
  files.push(
    { component: "kserve", version: versions.kserve, file: "kserve.yaml" },
    { component: "kserve", version: versions.kserve, file: "kserve-cluster-resources.yaml" },
  );
  return files;
}
