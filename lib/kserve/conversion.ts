/**
 * Which KServe CRDs convert between their versions with KServe's own webhook. From v0.17.0 the
 * LLMInferenceService API has v1alpha1 and v1alpha2 (stored), and its two CRDs call
 * llmisvc-webhook-server-service at /convert; before, no KServe CRD has a conversion webhook
 * (the conversion stanzas of kserve.yaml of v0.16.0 and v0.20.0).
 */
import { compareVersions, parseVersion } from "./versions.ts";

/**
 * The CRDs (plural.group) whose conversion webhook appeared in v0.17.0: the only KServe CRDs
 * that any release converts, so the only ones whose stanza can be stale or left behind (by a
 * downgrade) that check reads (each is megabytes).
 */
export const CONVERTED_FROM_V0_17 = [
  "llminferenceservices.serving.kserve.io",
  "llminferenceserviceconfigs.serving.kserve.io",
] as const;

/** The CRDs with a conversion webhook in `version`; undefined when the version is not known. */
export function conversionWebhookCrds(version: string | undefined): readonly string[] | undefined {
  const parsed = parseVersion(version);
  if (!parsed) return undefined;
  return compareVersions(parsed, { major: 0, minor: 17, patch: 0 }) >= 0
    ? CONVERTED_FROM_V0_17
    : [];
}
