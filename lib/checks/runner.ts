/** Runs checks: independent ones in parallel, dependants after what they depend on. */
import {
  type Check,
  CheckFailed,
  type CheckReport,
  type CheckResult,
  SkipCheck,
} from "./check_types.ts";
import { CATEGORIES } from "./check_types.ts";
import { delay } from "../async.ts";
import { CliError } from "../errors.ts";

export interface RunOptions<Ctx> {
  /** One context is shared by the first attempt of every check; each retry gets a fresh one. */
  freshContext(): Ctx;
  /** Keep retrying failed retryable checks until this time (ms since epoch); 0 for no retries. */
  retryUntil?: number;
  retryIntervalMs?: number;
}

/** Runs every check once (or until it passes under --wait) and returns the results in order. */
export async function runChecks<Ctx>(
  checks: Check<Ctx>[],
  options: RunOptions<Ctx>,
): Promise<CheckResult[]> {
  const byId = new Map(checks.map((check) => [check.id, check]));
  for (const check of checks) {
    for (const dep of check.dependsOn ?? []) {
      if (!byId.has(dep)) throw new Error(`Check ${check.id} depends on unknown check ${dep}`);
    }
  }
  const shared = options.freshContext();
  const pending = new Map<string, Promise<CheckResult>>();
  const resultOf = (check: Check<Ctx>): Promise<CheckResult> => {
    let promise = pending.get(check.id);
    if (!promise) {
      promise = (async () => {
        const deps = await Promise.all(
          (check.dependsOn ?? []).map((id) => resultOf(byId.get(id)!)),
        );
        const blocker = deps.find((dep) => dep.result !== "pass" && dep.result !== "warn");
        const result = blocker
          ? skipped(check, `skipped: "${blocker.description}" did not pass`)
          : await attempt(check, shared, options);
        return result;
      })();
      pending.set(check.id, promise);
    }
    return promise;
  };
  return await Promise.all(checks.map(resultOf));
}

async function attempt<Ctx>(
  check: Check<Ctx>,
  shared: Ctx,
  options: RunOptions<Ctx>,
): Promise<CheckResult> {
  for (let ctx = shared;; ctx = options.freshContext()) {
    const result = await runOnce(check, ctx);
    const canRetry = result.transient === true && result.result === "fail" &&
      Date.now() + (options.retryIntervalMs ?? 2000) < (options.retryUntil ?? 0);
    if (!canRetry) return result;
    await delay(options.retryIntervalMs ?? 2000);
  }
}

async function runOnce<Ctx>(check: Check<Ctx>, ctx: Ctx): Promise<CheckResult> {
  const base = { id: check.id, category: check.category, description: check.description };
  try {
    const note = await check.run(ctx);
    return { ...base, result: "pass", ...(note ? { note } : {}) };
  } catch (error) {
    if (error instanceof SkipCheck) return { ...base, result: "skip", error: error.message };
    const message = error instanceof Error ? error.message : String(error);
    // The check's own hint fixes what it checks; an error it did not expect (a refused or
    // failed request) is answered by that error's hint, never by the check's.
    const hint = error instanceof CheckFailed
      ? error.hint ?? check.hint
      : error instanceof CliError
      ? error.hint
      : undefined;
    // Transient is a short, named list: only a finding that says what it waits for (a
    // certificate being issued, a pod starting, endpoints filling, a caBundle cainjector is
    // about to inject). Anything else, including what no check recognises, needs a fix.
    const transient = error instanceof CheckFailed && error.transient === true;
    return {
      ...base,
      result: check.warning ? "warn" : "fail",
      error: message,
      hint,
      ...(transient ? { transient } : {}),
    };
  }
}

function skipped<Ctx>(check: Check<Ctx>, reason: string): CheckResult {
  return {
    id: check.id,
    category: check.category,
    description: check.description,
    result: "skip",
    error: reason,
  };
}

/**
 * Whether a run under --wait ran out of time: a transient failure is left (it was retried until
 * the deadline). Only lasting failures left means waiting cannot help: the run ends at once,
 * exit 1, not 124.
 */
export function timedOut(results: CheckResult[]): boolean {
  return results.some((r) => r.result === "fail" && r.transient === true);
}

/** Groups results by category, in category order, into the report JSON output uses. */
export function toReport(
  results: CheckResult[],
  facts: { kserveVersion?: string; mode?: string } = {},
): CheckReport {
  const categories = CATEGORIES
    .map((name) => ({ name, checks: results.filter((r) => r.category === name) }))
    .filter((category) => category.checks.length > 0);
  return { success: results.every((r) => r.result !== "fail"), ...facts, categories };
}
