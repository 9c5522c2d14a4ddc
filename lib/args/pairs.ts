/**
 * KEY=VALUE and taint-like flag values (--env, --label, --annotation, --node-selector,
 * --toleration), parsed and checked as the API server will check them.
 */
import { UsageError } from "../errors.ts";
import type { Toleration } from "../deploy/spec.ts";

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
