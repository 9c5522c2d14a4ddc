/** Checks a deploy request before anything is sent: each problem is one UsageError (exit 2). */
import { UsageError } from "../errors.ts";
import { isQuantity, quantityValue } from "../quantity.ts";
import { isDnsLabel } from "../kube/names.ts";

export const STORAGE_SCHEMES = ["gs", "s3", "pvc", "hf", "https", "http", "oci", "hdfs", "webhdfs"];

/**
 * A model name: a DNS-1123 label. (An InferenceService's must also start with a letter, as
 * KServe's webhook requires: lib/models/inference_service.ts.)
 */
export function validateName(name: string): void {
  if (!isDnsLabel(name)) {
    throw new UsageError(`Invalid name "${name}": not a DNS-1123 label`, {
      hint:
        "Use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit",
    });
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
