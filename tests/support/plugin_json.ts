/** Runs `check -o json` and summarises its report for assertions. */
import { runPlugin } from "./plugin.ts";
import { waitFor } from "./cluster.ts";

export interface CheckSummary {
  code: number;
  failed: string[];
  warned: string[];
  skipped: string[];
  passed: string[];
  // deno-lint-ignore no-explicit-any
  report: any;
  byId(
    id: string,
  ):
    | { result: string; error?: string; hint?: string; note?: string; transient?: boolean }
    | undefined;
}

/** `kubectl kserve check -o json ARGS` with the given kubeconfig. */
export async function runCheck(args: string[], kubeconfig: string): Promise<CheckSummary> {
  const result = await runPlugin(["check", "-o", "json", ...args], {
    env: { KUBECONFIG: kubeconfig },
  });
  let report;
  try {
    report = JSON.parse(result.stdout);
  } catch {
    throw new Error(
      `check printed no JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  const checks: { id: string; result: string }[] = report.categories.flatMap((
    c: { checks: unknown[] },
  ) => c.checks);
  const ids = (result: string) => checks.filter((c) => c.result === result).map((c) => c.id);
  return {
    code: result.code,
    failed: ids("fail"),
    warned: ids("warn"),
    skipped: ids("skip"),
    passed: ids("pass"),
    report,
    byId: (id) => checks.find((c) => c.id === id),
  };
}

/**
 * Polls check until nothing fails and it exits 0: a fix may need a controller (cainjector, the
 * cert-manager double) to act on it first. On timeout, says what still failed.
 */
export async function untilCheckPasses(
  args: string[],
  kubeconfig: string,
  timeoutMs = 120_000,
): Promise<CheckSummary> {
  let last: CheckSummary | undefined;
  await waitFor("check to pass after the hint", async () => {
    last = await runCheck(args, kubeconfig);
    return last.failed.length === 0 && last.code === 0;
  }, { timeoutMs, intervalMs: 2000 }).catch((error) => {
    throw new Error(`${error.message}\n${JSON.stringify(last?.report.categories, null, 1)}`);
  });
  return last!;
}
