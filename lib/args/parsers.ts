/**
 * Flag values parsed where commander reads them (argParser), so each flag's type and check sit
 * beside its declaration; a bad value is our UsageError (exit 2), which commander passes through.
 */
import { Option } from "commander";
import { parseDuration } from "../duration.ts";
import { UsageError } from "../errors.ts";
import { MODE_NAMES } from "../kserve/versions.ts";
import { isDnsLabel } from "../kube/names.ts";
import {
  type Backend,
  BACKENDS,
  CHECK_MODES,
  type CheckMode,
  choice,
  type KServeMode,
} from "../options.ts";

/** A duration flag ("30s", "5m"), parsed to milliseconds; its default shown as written. */
export function durationOption(flags: string, description: string, defaultText?: string): Option {
  const flag = flags.split(" ")[0]!;
  const option = new Option(flags, description).argParser((value: string) =>
    parseDuration(value, flag)
  );
  return defaultText === undefined
    ? option
    : option.default(parseDuration(defaultText, flag), defaultText);
}

/** commander calls a parser with (value, previous): adapt a one-argument parser to that. */
export function one<T>(parse: (value: string) => T): (value: string) => T {
  return (value: string) => parse(value);
}

/**
 * A --mode value: raw or serverless, or KServe's own name of either in any version
 * (RawDeployment or Standard; Serverless or Knative), in any case. The guide's "serverless
 * without Knative" is named for what it is.
 */
export function parseKServeMode(value: string): KServeMode {
  const lower = value.toLowerCase();
  const name = Object.keys(MODE_NAMES).find((n) => n.toLowerCase() === lower);
  const kind = lower === "raw" || lower === "serverless" ? lower : name && MODE_NAMES[name];
  if (kind === "raw" || kind === "serverless") return kind;
  throw new UsageError(`Unknown mode "${value}"`, {
    hint: lower.includes("serverless")
      ? "Serverless without Knative does not exist (there is no kserve-serverless.yaml); the mode without Knative is --mode raw"
      : "Use --mode raw (RawDeployment/Standard, recommended) or --mode serverless (Knative)",
  });
}

/**
 * deploy --backend: kserve or deployment. A KServe mode given as the backend (raw, serverless,
 * Standard, Knative…) is named as the mode it is, with the flags that ask for it.
 */
export function parseBackend(value: string): Backend {
  let mode: KServeMode | undefined;
  try {
    mode = parseKServeMode(value);
  } catch {
    return choice("backend", "--backend", BACKENDS)(value);
  }
  throw new UsageError(
    `Unknown backend "${value}": it is a KServe deployment mode, not a backend`,
    {
      hint: `Use --backend kserve --mode ${mode}`,
    },
  );
}

/** check --mode: a KServe mode (any of its names) or deployment. */
export function parseCheckMode(value: string): CheckMode {
  if (value.toLowerCase() === "deployment") return "deployment";
  try {
    return parseKServeMode(value);
  } catch {
    throw new UsageError(`Unknown mode "${value}"`, {
      hint: `Use one of: ${CHECK_MODES.join(", ")}`,
    });
  }
}

/**
 * A -n value: namespaces are DNS-1123 labels. Checked at parse time, so a bad one is refused
 * before any request (and no hint offers `kubectl create namespace` with a name it refuses).
 */
export function parseNamespace(value: string): string {
  if (!isDnsLabel(value)) {
    throw new UsageError(`Invalid namespace "${value}": not a DNS-1123 label`, {
      hint:
        "Namespace names are at most 63 lower-case letters, digits and '-', alphanumeric at both ends",
    });
  }
  return value;
}

/** Ranges of the whole-number flags, as the API server and KServe's webhook accept them. */
export const COUNT_RANGES = {
  "--port": { min: 1, max: 65_535 },
  "--gpu": { min: 1 },
  "--min-replicas": { min: 0 },
  "--max-replicas": { min: 1 },
  /** deploy --llm: 0 keeps the LLMInferenceService with no model server pods. */
  "--replicas": { min: 0 },
  /** A utilization percentage of the requests. */
  "--scale-target": { min: 1, max: 100 },
  /** rollout start: the new revision's percent of the traffic. */
  "--traffic": { min: 0, max: 100 },
  /** OpenAI's max_tokens: at least one token. */
  "--max-tokens": { min: 1 },
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
