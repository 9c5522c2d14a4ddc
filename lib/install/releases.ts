/**
 * The manifest files of an install: which files each component needs, where a mirror keeps them,
 * and their pinned checksums and upstream URLs from the release table (lib/kserve/releases.ts).
 * A downloaded file that does not match its checksum is refused.
 */
import {
  type Component,
  DEPENDENCY_SHA256,
  factsOf,
  gatewayApiFiles,
  releaseAssetUrl,
  releaseOf,
} from "../kserve/releases.ts";
import type { IngressLayer, KServeMode } from "../options.ts";

export type { Component };

export interface ManifestFile {
  component: Component;
  version: string;
  file: string;
}

/** The layout of release mirrors and air-gapped directories: <component>/<version>/<file>. */
export function manifestPath(file: ManifestFile): string {
  return `${file.component}/${file.version}/${file.file}`;
}

/** The pinned checksum, or undefined for a file this version of the plugin does not know. */
export function pinnedSha256(file: ManifestFile): string | undefined {
  return file.component === "kserve"
    ? releaseOf(file.version)?.sha256[file.file]
    : DEPENDENCY_SHA256[manifestPath(file)];
}

/** Where the project itself publishes the file. */
export function upstreamUrl(file: ManifestFile): string {
  return releaseAssetUrl(file.component, file.version, file.file);
}

export interface InstallVersions {
  kserve: string;
  certManager: string;
  knative: string;
  kourier: string;
  netIstio: string;
}

/**
 * The manifest files one install needs, in the order their components install; with `llm`, the
 * Gateway API files of the version the KServe release pins.
 */
export function manifestsFor(
  mode: KServeMode,
  ingress: IngressLayer,
  versions: InstallVersions,
  llm = false,
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
  if (llm) {
    const version = factsOf(versions.kserve).gatewayApi;
    files.push(
      ...gatewayApiFiles(version).map((file) => ({
        component: "gateway-api" as const,
        version,
        file,
      })),
    );
  }
  return files;
}
