/** Go-style durations ("30s", "1m30s", "500ms"), as kubectl's --request-timeout takes them. */
import { UsageError } from "./errors.ts";
import { TIMINGS } from "./defaults.ts";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration to milliseconds; a bare number means seconds, as in kubectl. Usage errors:
 * not a duration, or longer than a timer can wait (TIMINGS.maxTimerMs, about 596h).
 */
export function parseDuration(text: string, flag: string): number {
  const trimmed = text.trim();
  const parts = /^\d+$/.test(trimmed)
    ? [[trimmed, trimmed, "s"]]
    : [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  const consumed = parts.map((p) => p[0]).join("");
  if (parts.length === 0 || consumed !== trimmed) {
    throw new UsageError(`Invalid value "${text}" for ${flag}: not a duration`, {
      hint: "Use a number with a unit, such as 30s, 2m or 1h30m",
    });
  }
  const ms = Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]!]!, 0));
  if (ms > TIMINGS.maxTimerMs) {
    const hours = Math.floor(TIMINGS.maxTimerMs / UNIT_MS.h!);
    throw new UsageError(
      `Invalid value "${text}" for ${flag}: longer than ${hours}h, the longest wait this tool can time`,
      { hint: `Use ${flag} ${hours}h or less` },
    );
  }
  return ms;
}
