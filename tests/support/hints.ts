/**
 * The hint runner: takes a check's or command's hint, runs every command in it (our own
 * `kubectl kserve …` through the plugin, `kubectl …` through the cluster's kubectl), so a test
 * can then re-run the check and assert that the hint fixed what it said it would.
 */
import assert from "node:assert/strict";
import { adminKubeconfig, kubectl } from "./cluster.ts";
import { runPlugin } from "./plugin.ts";
import { FIXTURES } from "./fixtures.ts";

/** The commands in a hint: each `kubectl …` up to a `;`, `,`, `(` or the end. */
export function hintCommands(hint: string): string[][] {
  return [...hint.matchAll(/kubectl (?:[^\s;,()'"`]+ ?)+/g)]
    .map((m) => m[0].trim().split(/\s+/));
}

/**
 * Runs every command of a hint in order; each must succeed. Returns how many ran. An install
 * gets `--manifests` pointed at the fixtures: tests never download anything.
 */
export async function runHint(
  hint: string,
  env: Record<string, string> = { KUBECONFIG: adminKubeconfig() },
): Promise<number> {
  const commands = hintCommands(hint);
  assert.ok(commands.length > 0, `the hint names no command to run: ${hint}`);
  for (const [, ...args] of commands) {
    const plugin = args.slice(1);
    if (plugin[0] === "install") plugin.push("--manifests", FIXTURES);
    const result = args[0] === "kserve" ? await runPlugin(plugin, { env }) : await kubectl(args);
    assert.equal(
      result.code,
      0,
      `hint command failed: kubectl ${args.join(" ")}\n${result.stderr}`,
    );
  }
  return commands.length;
}
