/** Checks a deploy request before anything is sent: each problem is one UsageError (exit 2). */
import { UsageError } from "../errors.ts";
import { isQuantity } from "../quantity.ts";
import { isDnsLabel } from "../kube/names.ts";
import { hostLabelProblem, storageUriProblem, withinLimitProblem } from "../kserve/model_rules.ts";

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

/** A kserve-backend name whose predictor host is too long (the model rule hostLabelProblem). */
export function validateHostLabel(name: string, namespace: string, labels: string[] | undefined) {
  const problem = hostLabelProblem(name, namespace, labels);
  if (problem) {
    throw new UsageError(`Invalid name "${name}": ${problem.message}`, { hint: problem.fix });
  }
}

/** A --storage-uri flag, by the model rule (lib/kserve/model_rules.ts). */
export function validateStorageUri(uri: string): void {
  const problem = storageUriProblem(uri);
  if (problem) throw new UsageError(`Unsupported ${problem.message}`, { hint: problem.fix });
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
    if (withinLimitProblem(request, limit)) {
      throw new UsageError(
        `${requestFlag} ${request} is more than ${limitFlag} ${limit}: a request may not exceed its limit`,
        { hint: `Make ${requestFlag} at most ${limitFlag}, or leave ${limitFlag} out` },
      );
    }
  }
}
