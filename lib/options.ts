/**
 * Options below the CLI: the flags every command takes and the closed sets of values a flag
 * may have, each declared once with its list of values. A leaf: it imports nothing.
 */
import { UsageError } from "./errors.ts";

/** Flags every command takes; kubectl does not pass its own global flags to plugins. */
export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  /** Milliseconds; 0 means no limit. */
  requestTimeoutMs?: number;
  output?: string;
  verbose: boolean;
  color: boolean;
}

/** kubectl's --dry-run values: client prints and sends nothing; server validates, persists nothing. */
export const DRY_RUN_MODES = ["client", "server"] as const;
export type DryRunMode = typeof DRY_RUN_MODES[number];

/** Parses a --dry-run value; anything else is a usage error naming the allowed values. */
export function parseDryRun(
  value: string | undefined,
  allowed: readonly DryRunMode[] = DRY_RUN_MODES,
): DryRunMode | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`Invalid --dry-run "${value}"`, {
      hint: `Use ${allowed.map((m) => `--dry-run=${m}`).join(" or ")}`,
    });
  }
  return value as DryRunMode;
}

/** What kubectl appends to a line about an object under --dry-run: " (dry run)" for client,
 * " (server dry run)" for server, "" for a real change. */
export function dryRunSuffix(mode: DryRunMode | undefined): string {
  if (mode === undefined) return "";
  return mode === "server" ? " (server dry run)" : " (dry run)";
}

/**
 * KServe's deployment modes as this plugin's flags name them: raw (KServe's RawDeployment, named
 * Standard from v0.16) and serverless (Serverless, named Knative from v0.16). The names KServe
 * itself uses per version are in lib/kserve/versions.ts.
 */
export const KSERVE_MODES = ["raw", "serverless"] as const;
export type KServeMode = typeof KSERVE_MODES[number];

/** check --mode: a KServe mode, or deployment (no KServe: Deployment + Service + HPA). */
export const CHECK_MODES = [...KSERVE_MODES, "deployment"] as const;
export type CheckMode = typeof CHECK_MODES[number];

/**
 * Where a model runs: an InferenceService (kserve), the plugin's own Deployment (deployment), or
 * an LLMInferenceService (llm: deploy --llm).
 */
export const BACKENDS = ["kserve", "deployment", "llm"] as const;
export type Backend = typeof BACKENDS[number];

/** Knative Serving's networking layers that install sets up for serverless mode. */
export const INGRESS_LAYERS = ["kourier", "istio"] as const;
export type IngressLayer = typeof INGRESS_LAYERS[number];

/** What an autoscaler scales a model on. */
export const SCALE_METRICS = ["cpu", "memory"] as const;
export type ScaleMetric = typeof SCALE_METRICS[number];

/** KServe's inference protocols: v1 (KServe's own) and v2 (Open Inference Protocol). */
export const PROTOCOLS = ["v1", "v2"] as const;
export type Protocol = typeof PROTOCOLS[number];

/**
 * A parser for a flag whose values are a closed set: the value, or a usage error that names
 * the value given and every allowed one ("Unknown backend "x"", hint "Use --backend kserve or
 * --backend deployment").
 */
export function choice<T extends string>(
  what: string,
  flag: string,
  values: readonly T[],
): (value: string) => T {
  return (value: string): T => {
    if ((values as readonly string[]).includes(value)) return value as T;
    throw new UsageError(`Unknown ${what} "${value}"`, {
      hint: `Use ${values.map((v) => `${flag} ${v}`).join(" or ")}`,
    });
  };
}

/** Parses a --protocol value; anything else is a usage error naming the allowed values. */
export const parseProtocol = choice("protocol", "--protocol", PROTOCOLS);

/**
 * What predict can send: a model server's v1 or v2 request, or an OpenAI chat completion, which
 * KServe's huggingface server (and any server built on its OpenAI data plane) answers under
 * /openai (K@v0.16.0:python/kserve/kserve/protocol/rest/openai/endpoints.py, OPENAI_ROUTE_PREFIX).
 */
export const REQUEST_PROTOCOLS = [...PROTOCOLS, "openai"] as const;
export type RequestProtocol = typeof REQUEST_PROTOCOLS[number];
export const parseRequestProtocol = choice("protocol", "--protocol", REQUEST_PROTOCOLS);

/** predict's request: a body (-d: JSON, @FILE or @-) sent as is, or one chat message. */
export type PredictRequest =
  | { protocol: RequestProtocol; data: string }
  | { protocol: "openai"; chat: string };
