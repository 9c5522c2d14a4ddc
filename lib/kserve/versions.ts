/**
 * What each KServe version expects: mode names, the Kubernetes versions it supports and its
 * known bugs, all read from the release table (releases.ts).
 */
import type { KServeMode } from "../options.ts";
import { compareVersions, parseVersion, type SemVer } from "../semver.ts";
import { factsOf, releaseOf } from "./releases.ts";

export { compareVersions, parseVersion, type SemVer };

/** Whether installing `wanted` over the installed `current` would go back a version. */
export function isDowngrade(current: string | undefined, wanted: string): boolean {
  const [have, want] = [parseVersion(current), parseVersion(wanted)];
  return have !== undefined && want !== undefined && compareVersions(have, want) > 0;
}

export type ModeKind = KServeMode | "modelmesh";

/** The mode names before the rename to Standard/Knative (PR #4608), still accepted as annotations. */
export const LEGACY_MODE_NAMES: readonly string[] = ["RawDeployment", "Serverless"];

/** The annotation that picks an InferenceService's deployment mode. */
export const MODE_ANNOTATION = "serving.kserve.io/deploymentMode";

/** A model's deployment mode, and where it was read. */
export interface ModelMode {
  /** "Standard", "Knative", "RawDeployment", ...; "default" when nothing has decided yet. */
  value: string;
  /**
   * "status": KServe reconciled it (status.deploymentMode); "annotation": the model asks for it
   * and KServe has not reported yet; "default": neither, so the install's default decides
   * (`installDefault` when the caller knows it, else the word "default").
   */
  source: "status" | "annotation" | "default";
}

/**
 * The one answer for a model's mode, read by list, status and deploy: what KServe reports, else
 * what the model's annotation asks for, else the install's default. An unreconciled model
 * without an annotation is "default" (list said so, status showed nothing): it is true (KServe
 * will apply the install's default) and says why no mode name is known yet.
 */
export function modelMode(
  isvc: {
    metadata?: { annotations?: Record<string, string> };
    status?: { deploymentMode?: string };
  },
  installDefault?: string,
): ModelMode {
  const reported = isvc.status?.deploymentMode;
  if (reported) return { value: reported, source: "status" };
  const annotation = isvc.metadata?.annotations?.[MODE_ANNOTATION];
  if (annotation) return { value: annotation, source: "annotation" };
  return { value: installDefault ?? "default", source: "default" };
}

/**
 * A mode annotation the version's validator rejects on every update (and so on the finalizer
 * removal of a delete) when it differs from status.deploymentMode (kserve#5025; the release
 * table says which versions have it): the legacy names, which it stores as Standard/Knative.
 * Returns the value that passes (status.deploymentMode), or undefined when the annotation is fine.
 */
export function legacyModeFix(
  annotation: string | undefined,
  statusMode: string | undefined,
  kserveVersion: string | undefined,
): string | undefined {
  if (!releaseOf(kserveVersion)?.legacyModeAnnotationBug || !annotation) return undefined;
  if (!LEGACY_MODE_NAMES.includes(annotation)) return undefined;
  const passing = statusMode ?? (annotation === "RawDeployment" ? "Standard" : "Knative");
  return passing === annotation ? undefined : passing;
}

/** The mode name a version expects for raw (Standard/RawDeployment) or serverless (Knative/Serverless). */
export function modeName(kind: KServeMode, kserveVersion: string | undefined): string {
  return factsOf(kserveVersion).modes[kind];
}

/**
 * Every name KServe has given a deployment mode: RawDeployment and Serverless before the rename,
 * Standard and Knative after it (PR #4608; the old names stay accepted), and ModelMesh.
 */
export const MODE_NAMES: Readonly<Record<string, ModeKind>> = {
  RawDeployment: "raw",
  Standard: "raw",
  Serverless: "serverless",
  Knative: "serverless",
  ModelMesh: "modelmesh",
};

/** Classifies a configured mode for a version; undefined when that version rejects the value. */
export function classifyMode(
  value: string,
  kserveVersion: string | undefined,
): ModeKind | undefined {
  const { raw, serverless, legacy } = factsOf(kserveVersion).modes;
  if (![raw, serverless, ...legacy, "ModelMesh"].includes(value)) return undefined;
  return MODE_NAMES[value];
}

/** The mode values a version accepts, for messages. */
export function acceptedModes(kserveVersion: string | undefined): string[] {
  const { raw, serverless, legacy } = factsOf(kserveVersion).modes;
  return [raw, serverless, "ModelMesh", ...legacy.map((name) => `${name} (legacy)`)];
}

/** KServe's documented minimum Kubernetes version for a KServe version. */
export function minimumKubernetes(kserveVersion: string | undefined): SemVer {
  return parseVersion(factsOf(kserveVersion).minimumKubernetes)!;
}
