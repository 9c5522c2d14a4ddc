/**
 * The InferenceService `rollout` applies, on plain data: the live object as deploy's base (so
 * the flags it is not given keep their values: a server-side apply drops the fields this tool
 * owns and leaves out), with the predictor's canaryTrafficPercent set or removed.
 */
import { FIELD_MANAGER } from "../defaults.ts";
import type { InferenceService } from "../kserve/inference_service.ts";
import type { ModelRequest } from "./spec.ts";

/** kubectl apply's record of the last client-side apply: not part of the model. */
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/** The live object without status and server bookkeeping: what deploy lays the flags over. */
export function rolloutBase(live: InferenceService): InferenceService {
  const { status: _status, metadata, ...rest } = structuredClone(live);
  const annotations = { ...metadata?.annotations };
  delete annotations[LAST_APPLIED];
  return {
    ...rest,
    metadata: {
      name: metadata?.name,
      namespace: metadata?.namespace,
      ...(metadata?.labels ? { labels: metadata.labels } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
  };
}

/** A model request with no flags: promote and undo change nothing but the traffic. */
export function noFlags(name: string): ModelRequest {
  return { name, args: [], env: {}, annotations: {}, labels: {} };
}

/** Whether `planned`'s predictor differs from `live`'s, canaryTrafficPercent aside (a new revision). */
export function changesPredictor(live: InferenceService, planned: InferenceService): boolean {
  return JSON.stringify(sorted(live.spec?.predictor, "canaryTrafficPercent")) !==
    JSON.stringify(sorted(planned.spec?.predictor, "canaryTrafficPercent"));
}

/** `value` with object keys sorted at every depth and `drop` left out at the top. */
function sorted(value: unknown, drop?: string): unknown {
  if (Array.isArray(value)) return value.map((item) => sorted(item));
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).filter(([key]) => key !== drop).sort(([a], [b]) => a.localeCompare(b))
      .map(([key, item]) => [key, sorted(item)]),
  );
}

/** Sets (a number) or removes (undefined) spec.predictor.canaryTrafficPercent. */
export function withCanary(isvc: InferenceService, percent: number | undefined): InferenceService {
  const predictor = { ...isvc.spec?.predictor };
  if (percent === undefined) delete predictor.canaryTrafficPercent;
  else predictor.canaryTrafficPercent = percent;
  return { ...isvc, spec: { ...isvc.spec, predictor } };
}

/**
 * The field managers other than this tool that own spec.predictor.canaryTrafficPercent
 * (metadata.managedFields, FieldsV1): a server-side apply cannot remove their value.
 */
export function canaryOwners(live: InferenceService): string[] {
  const entries = (live.metadata?.managedFields ?? []) as {
    manager?: string;
    fieldsV1?: Record<string, Record<string, Record<string, unknown>>>;
  }[];
  return entries.filter((entry) =>
    entry.manager !== FIELD_MANAGER &&
    entry.fieldsV1?.["f:spec"]?.["f:predictor"]?.["f:canaryTrafficPercent"] !== undefined
  ).map((entry) => entry.manager ?? "(unnamed)");
}
