/**
 * Checks are data: `{id, category, description, hint, run}`. The runner produces results and
 * renderers print them; a check knows nothing about output.
 */

/** Categories in the order they print. */
export const CATEGORIES = [
  "cluster",
  "cert-manager",
  "kserve",
  "webhooks",
  "mode",
  "runtimes",
  "llm",
  "models",
  "deployment",
  "pre",
] as const;
export type Category = typeof CATEGORIES[number];

export type Result = "pass" | "warn" | "fail" | "skip";

export interface Check<Ctx> {
  /** Stable identifier, such as "kserve.controller-available"; JSON output and tests use it. */
  id: string;
  category: Category;
  /** An assertion, printed as the check's line: "the KServe controller Deployment is Available". */
  description: string;
  /** A concrete fix: a command to run, or a link to versioned KServe docs. */
  hint: string;
  /** Checks that must pass first; when one does not, this one is skipped with the reason. */
  dependsOn?: string[];
  /** A failure is reported as a warning and does not fail the run. */
  warning?: boolean;
  /**
   * May report a transient finding (a pod starting, a certificate being issued), which --wait
   * retries; a failure is transient only when its CheckFailed says so, never by this flag.
   */
  retryable?: boolean;
  /**
   * Starts, as the run begins, a slow request this check will await (a webhook's round trip),
   * so that it overlaps the checks before it; `run` then reads the same cached promise.
   */
  prefetch?(ctx: Ctx): void;
  /** Resolves to pass (optionally with a note); throws CheckFailed or SkipCheck otherwise. */
  run(ctx: Ctx): Promise<string | void>;
}

/**
 * A failed check; `hint` replaces the check's own when the fix depends on what was found.
 * `transient` says that this failure resolves on its own (a certificate being issued, pods
 * starting, endpoints filling, a caBundle cainjector is about to inject: retried under --wait);
 * its message then says what it waits for. Without it the failure needs a fix.
 */
export class CheckFailed extends Error {
  readonly hint: string | undefined;
  readonly transient: boolean | undefined;
  constructor(message: string, hint?: string, options: { transient?: boolean } = {}) {
    super(message);
    this.name = "CheckFailed";
    this.hint = hint;
    this.transient = options.transient;
  }
}

/** The check does not apply here (for example a Knative check in raw mode). */
export class SkipCheck extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "SkipCheck";
  }
}

export interface CheckResult {
  id: string;
  category: Category;
  description: string;
  result: Result;
  /** What was found: the failure, the skip reason, or a note on a pass. */
  error?: string;
  note?: string;
  hint?: string;
  /** A failure that resolves on its own (re-run with --wait); absent when it needs a fix. */
  transient?: boolean;
}

export interface CheckReport {
  success: boolean;
  kserveVersion?: string;
  mode?: string;
  categories: { name: Category; checks: CheckResult[] }[];
}
