/**
 * What KServe's llmisvc controller needs and reports, per release: the CRDs it watches only when
 * they exist at its start (SetupWithManager: IsCrdAvailable for HTTPRoute, Gateway, InferencePool,
 * InferenceModel), and the preset an LLMInferenceService's PresetsCombined condition names as
 * missing (config_merge.go getConfig: the model's namespace first, then KServe's).
 */
import { LLM } from "../defaults.ts";
import type { Owner } from "../kube/owner.ts";
import { REAPPLY } from "./hints.ts";
import { helmChart, type KServeRelease, releaseAssetUrl } from "./releases.ts";

/** The Gateway API CRDs llmisvc watches when they exist at its start. */
export const GATEWAY_API_WATCHED = ["gateways", "httproutes"].map((r) =>
  `${r}.${LLM.gatewayApiGroup}`
);

/** The InferencePool CRD of the group the release reconciles. */
export function inferencePoolCrd(release: Pick<KServeRelease, "inferencePool">): string {
  return `inferencepools.${release.inferencePool.group}`;
}

/** Every CRD llmisvc looks up once, at start, for this release. */
export function llmWatchedCrds(release: Pick<KServeRelease, "inferencePool">): string[] {
  return [...GATEWAY_API_WATCHED, inferencePoolCrd(release)];
}

/** A preset the controller did not find, and the namespaces it looked in, in order. */
export interface MissingPreset {
  name: string;
  namespaces: string[];
}

/**
 * The preset named in a PresetsCombined message, or undefined for another failure. v0.16.0:
 * `failed to get LLMInferenceServiceConfig "N" from namespaces ["ns", "kserve"]: ... not found`
 * (reason CombineBaseError); v0.20.0: `LLMInferenceServiceConfig "N" not found in namespaces
 * [ns kserve]` (reason ConfigNotFound).
 */
export function missingPreset(message: string | undefined): MissingPreset | undefined {
  const match = /LLMInferenceServiceConfig "([^"]+)" (?:from|not found in) namespaces \[([^\]]*)\]/
    .exec(message ?? "");
  if (!match || !/not found/.test(message ?? "")) return undefined;
  const namespaces = match[2]!.split(/[\s,]+/).map((n) => n.replace(/"/g, "")).filter(Boolean);
  return { name: match[1]!, namespaces };
}

/**
 * Where a release's LLM presets (LLMInferenceServiceConfigs) come from on this install, and the
 * command that puts them back, by the owner of the llmisvc controller's Deployment: its Helm
 * chart (a release of its own, K@<tag>:charts/*llmisvc-resources), the release's
 * kserve-cluster-resources.yaml for another tool, or this plugin's install (REAPPLY).
 */
export function llmPresetsSource(
  version: string,
  owner: Owner | undefined,
): { where: string; fix: string } {
  if (owner?.by === "helm") {
    const chart = helmChart(version, "llmisvc");
    return {
      where: `KServe ${version}'s Helm chart ${chart}`,
      fix:
        `helm upgrade ${owner.release} ${chart} --version ${version} -n ${owner.namespace} --reuse-values`,
    };
  }
  const file = "kserve-cluster-resources.yaml";
  return {
    where: `KServe ${version}'s ${file}`,
    fix: owner?.by === "other"
      ? `kubectl apply --server-side -f ${releaseAssetUrl("kserve", version, file)}`
      : REAPPLY,
  };
}
