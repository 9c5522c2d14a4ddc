/** Checks a deploy request before anything is sent: each problem is one UsageError (exit 2). */
import { UsageError } from "../errors.ts";
import { isQuantity, quantityValue } from "../quantity.ts";
import type { Toleration } from "./spec.ts";
import type { Backend } from "../options.ts";

export const STORAGE_SCHEMES = ["gs", "s3", "pvc", "hf", "https", "http", "oci", "hdfs", "webhdfs"];

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A model name: a DNS-1123 label, starting with a letter as KServe's webhook requires. */
export function validateName(name: string, backend: Backend): void {
  if (!DNS1123_LABEL.test(name) || name.length > 63) {
    throw new UsageError(`Invalid name "${name}": not a DNS-1123 label`, {
      hint:
        "Use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit",
    });
  }
  if (backend === "kserve" && !/^[a-z]/.test(name)) {
    throw new UsageError(
      `Invalid name "${name}": an InferenceService name must start with a letter`,
    );
  }
}

/**
 * A kserve-backend name whose predictor host (KServe's domainTemplate, default
 * NAME-predictor-NAMESPACE) has a DNS label over 63 characters: KServe would accept the
 * InferenceService and then fail to reconcile it ("invalid domain name", ReconcileFailed).
 */
export function validateHostLabel(name: string, namespace: string, labels: string[] | undefined) {
  const long = (labels ?? []).find((label) => label.length > 63);
  if (long) {
    throw new UsageError(
      `Invalid name "${name}": KServe would name its host "${long}", ${long.length} characters, and a DNS label holds at most 63`,
      {
        hint: `Use a name of at most ${
          name.length - (long.length - 63)
        } characters in namespace ${namespace}`,
      },
    );
  }
}

/**
 * A -n value: namespaces are DNS-1123 labels. Checked at parse time, so a bad one is refused
 * before any request (and no hint offers `kubectl create namespace` with a name it refuses).
 */
export function parseNamespace(value: string): string {
  if (!DNS1123_LABEL.test(value) || value.length > 63) {
    throw new UsageError(`Invalid namespace "${value}": not a DNS-1123 label`, {
      hint:
        "Namespace names are at most 63 lower-case letters, digits and '-', alphanumeric at both ends",
    });
  }
  return value;
}

export function validateStorageUri(uri: string): void {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//.exec(uri)?.[1];
  if (!scheme || !STORAGE_SCHEMES.includes(scheme)) {
    throw new UsageError(`Unsupported storage URI "${uri}"`, {
      hint: `Use one of the schemes KServe's storage initializer knows: ${
        STORAGE_SCHEMES.map((s) => `${s}://`).join(", ")
      }`,
    });
  }
}

export function validateQuantity(value: string, flag: string): void {
  if (!isQuantity(value)) {
    throw new UsageError(`Invalid quantity "${value}" for ${flag}`, {
      hint: "Use a Kubernetes quantity such as 500m, 2, 512Mi or 4Gi",
    });
  }
}

export function validateReplicas(min: number | undefined, max: number | undefined): void {
  for (const [flag, value] of [["--min-replicas", min], ["--max-replicas", max]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
      throw new UsageError(`Invalid ${flag} ${value}: expected a whole number of at least 0`);
    }
  }
  if (min !== undefined && max !== undefined && min > max) {
    throw new UsageError(`--min-replicas ${min} is greater than --max-replicas ${max}`, {
      hint: "Make --min-replicas at most --max-replicas",
    });
  }
}

/** A label or annotation key: [prefix/]name, as apimachinery's IsQualifiedName checks it. */
const QUALIFIED_NAME =
  /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** A label value: empty, or up to 63 of [-A-Za-z0-9_.], alphanumeric at both ends. */
const LABEL_VALUE = /^(?:[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
/** An environment variable name, as the API server accepts it (IsEnvVarName). */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** What a KEY=VALUE flag's pairs become, which decides the syntax the API server holds them to. */
export type PairKind = "label" | "annotation" | "env";

function keyProblem(key: string, kind: PairKind): string | undefined {
  if (kind === "env") {
    return ENV_NAME.test(key) ? undefined : "not an environment variable name";
  }
  const slash = key.indexOf("/");
  const [prefix, name] = [key.slice(0, Math.max(slash, 0)), key.slice(slash + 1)];
  if (!QUALIFIED_NAME.test(key) || prefix.length > 253 || name.length > 63) {
    return "not a qualified name ([prefix/]name: up to 63 letters, digits, '-', '_' or '.', alphanumeric at both ends)";
  }
  return undefined;
}

/**
 * Parses repeated KEY=VALUE flags, each key (and a label's value) checked as the API server
 * will check it, so that a bad one is refused before anything is sent: KServe would copy it to
 * its Deployment and fail to reconcile (ReconcileFailed) with nothing to say so at deploy time.
 */
export function parsePairs(
  values: string[],
  flag: string,
  kind: PairKind,
): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const value of values) {
    const index = value.indexOf("=");
    if (index <= 0) {
      throw new UsageError(`Invalid ${flag} "${value}": expected KEY=VALUE`);
    }
    const [key, item] = [value.slice(0, index), value.slice(index + 1)];
    const problem = keyProblem(key, kind);
    if (problem) throw new UsageError(`Invalid ${flag} "${value}": the key "${key}" is ${problem}`);
    if (kind === "label" && (!LABEL_VALUE.test(item) || item.length > 63)) {
      throw new UsageError(
        `Invalid ${flag} "${value}": the value "${item}" is not a label value (up to 63 letters, digits, '-', '_' or '.', alphanumeric at both ends)`,
      );
    }
    pairs[key] = item;
  }
  return pairs;
}

/** Requests above their limits are refused by the API server only once KServe applies them. */
export function validateWithinLimits(
  pairs: [request: string | undefined, limit: string | undefined, flags: [string, string]][],
): void {
  for (const [request, limit, [requestFlag, limitFlag]] of pairs) {
    if (request === undefined || limit === undefined) continue;
    if (quantityValue(request)! > quantityValue(limit)!) {
      throw new UsageError(
        `${requestFlag} ${request} is more than ${limitFlag} ${limit}: a request may not exceed its limit`,
        { hint: `Make ${requestFlag} at most ${limitFlag}, or leave ${limitFlag} out` },
      );
    }
  }
}

/** Ranges of the whole-number flags, as the API server and KServe's webhook accept them. */
export const COUNT_RANGES = {
  "--port": { min: 1, max: 65_535 },
  "--gpu": { min: 1 },
  "--min-replicas": { min: 0 },
  "--max-replicas": { min: 1 },
  /** A utilization percentage of the requests. */
  "--scale-target": { min: 1, max: 100 },
} as const satisfies Record<string, { min: number; max?: number }>;

/** Parses a whole-number flag and checks its range; out of range is a usage error naming it. */
export function parseCount(value: string, flag: keyof typeof COUNT_RANGES): number {
  const range: { min: number; max?: number } = COUNT_RANGES[flag];
  const expected = range.max === undefined
    ? `a whole number of at least ${range.min}`
    : `a whole number from ${range.min} to ${range.max}`;
  const number = Number(value);
  if (
    !/^\d+$/.test(value) || number < range.min || (range.max !== undefined && number > range.max)
  ) {
    throw new UsageError(`Invalid ${flag} "${value}": expected ${expected}`);
  }
  return number;
}

const EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

/**
 * Parses --toleration KEY[=VALUE][:EFFECT], as kubectl taint writes taints: with a value the
 * operator is Equal, without one Exists; without an effect every effect is tolerated.
 */
export function parseToleration(value: string): Toleration {
  const match = /^([A-Za-z0-9][-A-Za-z0-9_./]*)(?:=([^:]*))?(?::(\w+))?$/.exec(value);
  const effect = match?.[3];
  if (!match || (effect && !(EFFECTS as readonly string[]).includes(effect))) {
    throw new UsageError(`Invalid --toleration "${value}": expected KEY[=VALUE][:EFFECT]`, {
      hint: `EFFECT is one of ${EFFECTS.join(", ")}; for example nvidia.com/gpu:NoSchedule`,
    });
  }
  return {
    key: match[1]!,
    operator: match[2] === undefined ? "Exists" : "Equal",
    ...(match[2] !== undefined ? { value: match[2] } : {}),
    ...(effect ? { effect: effect as Toleration["effect"] } : {}),
  };
}
