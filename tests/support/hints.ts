/**
 * The hint runner: takes a check's or command's hint, parses every command in it (our own
 * `kubectl kserve …` with the plugin's CLI, `kubectl …` with kubectl's), and runs it (through the
 * plugin or the cluster's kubectl), so a test can then re-run the check and assert that the hint
 * fixed what it said it would. A hint a scenario cannot run (an editor, a download) is parsed.
 */
import assert from "node:assert/strict";
import { adminKubeconfig, kubectl, run } from "./cluster.ts";
import { runPlugin } from "./plugin.ts";
import { FIXTURES } from "./fixtures.ts";
import { parseCommandLine } from "../../lib/cli.ts";

/**
 * The commands in a hint: each `kubectl …` up to a `;`, `,`, `(` or the end. A single-quoted
 * argument (a JSON patch) is one argument, without its quotes, as a shell would pass it.
 */
export function hintCommands(hint: string): string[][] {
  return [...hint.matchAll(/kubectl(?: (?:'[^']*'|[^\s;,()'"`]+))+/g)]
    .map((m) => [...m[0].matchAll(/'([^']*)'|(\S+)/g)].map((t) => t[1] ?? t[2]!));
}

/**
 * Asserts that every command of a hint parses, and returns them: `kubectl kserve …` with the
 * plugin's own CLI; `kubectl …` with kubectl's own, as `kubectl ARGS --help`, which resolves the
 * command and parses every flag (an unknown one fails) without sending anything. A word that
 * names no subcommand of a command that has them ("rollout restat") shows the parent's usage,
 * which is refused too.
 */
export async function assertHintParses(hint: string): Promise<string[][]> {
  const commands = hintCommands(hint);
  assert.ok(commands.length > 0, `the hint names no command: ${hint}`);
  for (const [, ...args] of commands) {
    const line = `kubectl ${args.join(" ")}`;
    if (args[0] === "kserve") {
      await parseCommandLine(args.slice(1)).catch((error: Error) => {
        throw new assert.AssertionError({ message: `${line}: ${error.message}` });
      });
      continue;
    }
    // No cluster is asked: an empty kubeconfig is enough for kubectl to parse.
    const help = await run("kubectl", ["--kubeconfig", "/dev/null", ...args, "--help"]);
    assert.equal(help.code, 0, `kubectl's parser refuses ${line}: ${help.stderr}`);
    const usage = /^Usage:\n\s+(.*)$/m.exec(help.stdout)?.[1] ?? "";
    assert.doesNotMatch(usage, /SUBCOMMAND|\[command\]/, `${line} names no command: ${usage}`);
  }
  return commands;
}

/**
 * Asserts that every `helm …` command of a hint parses with helm's own parser (`helm ARGS
 * --help`: cobra parses every flag, an unknown one fails, before it shows the help), and
 * returns them. Needs the cluster's helm on PATH (e2e only).
 */
export async function assertHelmHintParses(hint: string): Promise<string[][]> {
  const commands = [...hint.matchAll(/\bhelm(?: (?:'[^']*'|[^\s;,()'"`]+))+/g)]
    .map((m) => [...m[0].matchAll(/'([^']*)'|(\S+)/g)].map((t) => t[1] ?? t[2]!));
  assert.ok(commands.length > 0, `the hint names no helm command: ${hint}`);
  for (const [, ...args] of commands) {
    const help = await run("helm", [...args, "--help"]);
    assert.equal(help.code, 0, `helm's parser refuses helm ${args.join(" ")}: ${help.stderr}`);
  }
  return commands;
}

/**
 * Runs every command of a hint in order, once all of them parse; each must succeed. Returns how many ran. An install
 * gets `--manifests` pointed at the fixtures (tests never download anything) and a longer
 * request timeout.
 */
export async function runHint(
  hint: string,
  env: Record<string, string> = { KUBECONFIG: adminKubeconfig() },
): Promise<number> {
  const commands = await assertHintParses(hint);
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
