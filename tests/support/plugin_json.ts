/** Runs `check -o json` and summarises its report for assertions. */
import { runPlugin } from "./plugin.ts";

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
