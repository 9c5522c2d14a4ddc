/** Go-style durations ("30s", "1m30s", "500ms"), as kubectl's --request-timeout takes them. */
import { UsageError } from "./errors.ts";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a duration to milliseconds; a bare number means seconds, as in kubectl. */
export function parseDuration(text: string, flag: string): number {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  const consumed = parts.map((p) => p[0]).join("");
  if (parts.length === 0 || consumed !== trimmed) {
    throw new UsageError(`Invalid value "${text}" for ${flag}: not a duration`, {
      hint: `Use a number with a unit, such as 30s, 2m or 1h30m (0 means no limit)`,
    });
  }
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]!]!, 0));
}
