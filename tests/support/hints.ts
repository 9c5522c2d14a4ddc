/**
 * The hint runner: takes a check's or command's hint, runs every command in it (our own
 * `kubectl kserve …` through the plugin, `kubectl …` through the cluster's kubectl), so a test
 * can then re-run the check and assert that the hint fixed what it said it would.
 */
import assert from "node:assert/strict";
import { adminKubeconfig, kubectl } from "./cluster.ts";
import { runPlugin } from "./plugin.ts";
import { FIXTURES } from "./fixtures.ts";

/**
 * The commands in a hint: each `kubectl …` up to a `;`, `,`, `(` or the end. A single-quoted
 * argument (a JSON patch) is one argument, without its quotes, as a shell would pass it.
 */
export function hintCommands(hint: string): string[][] {
  return [...hint.matchAll(/kubectl(?: (?:'[^']*'|[^\s;,()'"`]+))+/g)]
    .map((m) => [...m[0].matchAll(/'([^']*)'|(\S+)/g)].map((t) => t[1] ?? t[2]!));
}

/**
 * Runs every command of a hint in order; each must succeed. Returns how many ran. An install
 * gets `--manifests` pointed at the fixtures (tests never download anything) and a longer
 * request timeout.
 */
export async function runHint(
  hint: string,
  env: Record<string, string> = { KUBECONFIG: adminKubeconfig() },
): Promise<number> {
  const commands = hintCommands(hint);
  assert.ok(commands.length > 0, `the hint names no command to run: ${hint}`);
  for (const [, ...args] of commands) {
    const plugin = args.slice(1);
    // The test cluster shares two cores with others: re-applying KServe's 7 MB of CRDs can take
    // longer than the default 30 s per request there.
    if (plugin[0] === "install") plugin.push("--manifests", FIXTURES, "--request-timeout", "2m");
    const result = args[0] === "kserve" ? await runPlugin(plugin, { env }) : await kubectl(args);
    assert.equal(
      result.code,
      0,
      `hint command failed: kubectl ${args.join(" ")}\n${result.stderr}`,
    );
  }
  return commands.length;
}
