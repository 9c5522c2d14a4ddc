/**
 * Start-up benchmark: `kubectl kserve --help` and `version --client` against
 * `kubectl version --client`, run alternately on the same machine. Prints both medians and the ratio.
 * Target: at most 1.0x kubectl (exit 1 when missed). Usage: deno run -A scripts/bench/startup.ts [runs]
 */
import meta from "../../deno.json" with { type: "json" };
import { exitOnMissedTargets, target } from "./lib.ts";

const runs = Number(Deno.args[0] ?? 21);
const root = new URL("../../", import.meta.url).pathname;
const permissions = meta.tasks.kserve.split(" ").filter((w) => w.startsWith("--allow-"));
const kubectl = Deno.env.get("KUBECTL") ?? findKubectl();

function findKubectl(): string {
  const cache = `${Deno.env.get("HOME")}/.cache/kubectl-kserve/cluster`;
  try {
    for (const entry of Deno.readDirSync(cache)) {
      const candidate = `${cache}/${entry.name}/bin/kubectl`;
      try {
        Deno.statSync(candidate);
        return candidate;
      } catch { /* not built */ }
    }
  } catch { /* no cache */ }
  return "kubectl";
}

async function timeOnce(command: string, args: string[]): Promise<number> {
  const start = performance.now();
  const { success } = await new Deno.Command(command, { args, stdout: "null", stderr: "null" })
    .output();
  if (!success) throw new Error(`${command} ${args.join(" ")} failed`);
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const plugin = (args: string[]) => ["run", "--quiet", ...permissions, `${root}main.ts`, ...args];
const cases: [string, string, string[]][] = [
  ["kubectl version --client", kubectl, ["version", "--client"]],
  ["kubectl kserve --help", Deno.execPath(), plugin(["--help"])],
  ["kubectl kserve version --client", Deno.execPath(), plugin(["version", "--client"])],
];
const samples = cases.map(() => [] as number[]);
for (const [, command, args] of cases) await timeOnce(command, args); // warm caches
for (let i = 0; i < runs; i++) {
  for (const [index, [, command, args]] of cases.entries()) {
    samples[index]!.push(await timeOnce(command, args));
  }
}
const baseline = median(samples[0]!);
console.log(`runs: ${runs}, kubectl: ${kubectl}`);
for (const [index, [name]] of cases.entries()) {
  const value = median(samples[index]!);
  console.log(
    `${name.padEnd(34)} median ${value.toFixed(1).padStart(7)} ms   ratio ${
      (value / baseline).toFixed(2)
    }x`,
  );
}
for (const [index, [name]] of cases.entries()) {
  if (index === 0) continue;
  const ratio = median(samples[index]!) / baseline;
  target(`${name}: ${ratio.toFixed(2)}x kubectl version --client`, ratio <= 1.0, "<= 1.0x");
}
exitOnMissedTargets();
