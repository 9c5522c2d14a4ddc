/** Shared by the benchmarks: run commands, time them, take medians, and read the plugin's stats. */
import meta from "../../deno.json" with { type: "json" };

const root = new URL("../../", import.meta.url).pathname;
const permissions = meta.tasks.kserve.split(" ").filter((w) => w.startsWith("--allow-"));

export const FIXTURES = new URL("../../../shared/fixtures/manifests/", import.meta.url).pathname;

/** The argv that runs the plugin exactly as the installed shim does, under GNU time for peak memory. */
export function plugin(args: string[]): [string, string[]] {
  return ["/usr/bin/time", [
    "-f",
    "peak_rss_kb=%M",
    Deno.execPath(),
    "run",
    "--quiet",
    ...permissions,
    `${root}main.ts`,
    ...args,
  ]];
}

export interface Run {
  ms: number;
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs one command (argument array, no shell) and times it. */
export async function timed(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Run> {
  const start = performance.now();
  const output = await new Deno.Command(command, {
    args,
    env: { DENO_NO_UPDATE_CHECK: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const ms = performance.now() - start;
  const decoder = new TextDecoder();
  return {
    ms,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
    code: output.code,
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** API requests (from a run with KUBECTL_KSERVE_STATS=1) and peak memory (from GNU time). */
export function stats(run: Run): { requests: number; peakMb: number } {
  const requests = /stats: api_requests=(\d+)/.exec(run.stderr)?.[1];
  const peakKb = /peak_rss_kb=(\d+)/.exec(run.stderr)?.[1];
  return { requests: Number(requests ?? NaN), peakMb: Math.round(Number(peakKb ?? NaN) / 1024) };
}

/** Fails loudly: a benchmark of a broken command measures nothing. */
export function ensure(run: Run, what: string): Run {
  if (run.code !== 0) {
    throw new Error(`${what} failed (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
  return run;
}

/**
 * Installs KServe raw from the fixtures (a no-op on a healthy install, so it also repairs a
 * cluster another benchmark left half-done) and lets the controllers settle before measuring.
 */
export async function ensureHealthyInstall(): Promise<void> {
  console.log("making sure KServe is installed and healthy...");
  ensure(
    // KServe v0.20.0's 7 MB of CRDs can take longer than the default 30 s per request on a
    // loaded machine (the e2e tests give install the same).
    await timed(
      ...plugin(["install", "--manifests", FIXTURES, "--timeout", "5m", "--request-timeout", "2m"]),
    ),
    "install",
  );
  await new Promise((resolve) => setTimeout(resolve, 5000));
}

export function report(name: string, pluginMs: number[], kubectlMs: number[], extra: string): void {
  const ours = median(pluginMs);
  const theirs = median(kubectlMs);
  console.log(
    `${name}: kubectl-kserve median ${ours.toFixed(0)} ms, kubectl median ${
      theirs.toFixed(0)
    } ms, ratio ${(ours / theirs).toFixed(2)}x${extra ? `; ${extra}` : ""}`,
  );
}

/** kubectl under GNU time, for its peak memory beside ours. */
export function kubectl(args: string[]): [string, string[]] {
  return ["/usr/bin/time", ["-f", "peak_rss_kb=%M", "kubectl", ...args]];
}

const missed: string[] = [];

/** Prints a figure with its target; a missed target makes the benchmark exit non-zero. */
export function target(figure: string, met: boolean, goal: string): void {
  console.log(`  ${met ? "ok    " : "MISSED"} ${figure} (target: ${goal})`);
  if (!met) missed.push(`${figure} (target: ${goal})`);
}

/** Ends a benchmark: exit 1 when a target was missed, naming each. */
export function exitOnMissedTargets(): void {
  if (missed.length === 0) return;
  console.log(`${missed.length} target(s) missed:\n${missed.map((m) => `  ${m}`).join("\n")}`);
  Deno.exit(1);
}
