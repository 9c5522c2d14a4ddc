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

/** KServe's inference protocols: v1 (KServe's own) and v2 (Open Inference Protocol). */
export const PROTOCOLS = ["v1", "v2"] as const;
export type Protocol = typeof PROTOCOLS[number];

/** Parses a --protocol value; anything else is a usage error naming the allowed values. */
export function parseProtocol(value: string | undefined): Protocol | undefined {
  if (value === undefined) return undefined;
  if (!(PROTOCOLS as readonly string[]).includes(value)) {
    throw new UsageError(`Unknown protocol "${value}"`, {
      hint: `Use ${PROTOCOLS.map((p) => `--protocol ${p}`).join(" or ")}`,
    });
  }
  return value as Protocol;
}
