/**
 * KEY=VALUE and taint-like flag values (--env, --label, --annotation, --node-selector,
 * --toleration), parsed and checked as the API server will check them.
 */
import { UsageError } from "../errors.ts";
import type { Toleration } from "../deploy/spec.ts";
import { keyProblem, labelValueProblem, type PairKind } from "../kserve/model_rules.ts";

export type { PairKind };

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
    const valueProblem = kind === "label" ? labelValueProblem(item) : undefined;
    if (valueProblem) {
      throw new UsageError(`Invalid ${flag} "${value}": the value "${item}" is ${valueProblem}`);
    }
    pairs[key] = item;
  }
  return pairs;
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
