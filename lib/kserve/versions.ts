/** What each KServe version expects: mode names and the Kubernetes versions it supports. */
import type { KServeMode } from "../options.ts";

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
}

/** "v0.16.0" or "0.16" gives {0, 16, 0}; anything else gives undefined. */
export function parseVersion(text: string | undefined): SemVer | undefined {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text ?? "");
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0) };
}

/** Negative, zero or positive as a is older than, equal to or newer than b. */
export function compareVersions(a: SemVer, b: SemVer): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** Whether installing `wanted` over the installed `current` would go back a version. */
export function isDowngrade(current: string | undefined, wanted: string): boolean {
  const [have, want] = [parseVersion(current), parseVersion(wanted)];
  return have !== undefined && want !== undefined && compareVersions(have, want) > 0;
}

/** KServe v0.16.0 renamed the modes (PR #4608); older versions reject the new names. */
export function usesNewModeNames(kserveVersion: string | undefined): boolean {
  const version = parseVersion(kserveVersion);
  return !version || compareVersions(version, { major: 0, minor: 16, patch: 0 }) >= 0;
}

export type ModeKind = KServeMode | "modelmesh";

/** The mode names before v0.16.0's rename (PR #4608), still accepted as annotations. */
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
 * A mode annotation KServe v0.16.0's validator rejects on every update (and so on the
 * finalizer removal of a delete) when it differs from status.deploymentMode (kserve#5025,
 * fixed in v0.17.0): the legacy names, which v0.16.0 stores as Standard/Knative. Returns the
 * value that passes (status.deploymentMode), or undefined when the annotation is fine.
 */
export function legacyModeFix(
  annotation: string | undefined,
  statusMode: string | undefined,
  kserveVersion: string | undefined,
): string | undefined {
  if (kserveVersion !== "v0.16.0" || !annotation) return undefined;
  if (!LEGACY_MODE_NAMES.includes(annotation)) return undefined;
  const passing = statusMode ?? (annotation === "RawDeployment" ? "Standard" : "Knative");
  return passing === annotation ? undefined : passing;
}

/** The mode name a version expects for raw (Standard/RawDeployment) or serverless (Knative/Serverless). */
export function modeName(kind: KServeMode, kserveVersion: string | undefined): string {
  const modern = usesNewModeNames(kserveVersion);
  if (kind === "raw") return modern ? "Standard" : "RawDeployment";
  return modern ? "Knative" : "Serverless";
}

/**
 * Every name KServe has given a deployment mode: RawDeployment and Serverless until v0.16.0,
 * Standard and Knative from it (PR #4608; the old names stay accepted), and ModelMesh.
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
  if (!usesNewModeNames(kserveVersion) && (value === "Standard" || value === "Knative")) {
    return undefined;
  }
  return Object.hasOwn(MODE_NAMES, value) ? MODE_NAMES[value] : undefined;
}

/** The mode values a version accepts, for messages. */
export function acceptedModes(kserveVersion: string | undefined): string[] {
  return usesNewModeNames(kserveVersion)
    ? ["Standard", "Knative", "ModelMesh", "RawDeployment (legacy)", "Serverless (legacy)"]
    : ["RawDeployment", "Serverless", "ModelMesh"];
}

/** KServe's documented minimum Kubernetes version: 1.30 at v0.16.0, 1.32 from v0.17 on. */
export function minimumKubernetes(kserveVersion: string | undefined): SemVer {
  const version = parseVersion(kserveVersion);
  if (version && compareVersions(version, { major: 0, minor: 17, patch: 0 }) < 0) {
    return { major: 1, minor: 30, patch: 0 };
  }
  return { major: 1, minor: 32, patch: 0 };
}
