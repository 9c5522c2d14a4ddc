/**
 * Where `list -n NS`'s time goes, against `kubectl get isvc -n NS`: the same GET made by a Deno
 * process with no library (the floor any Deno plugin pays), then with commander, then with
 * commander and yaml loaded first (what the plugin loads to parse its command line and the
 * kubeconfig), and the plugin itself. Prints medians and ratios to kubectl; no target (it
 * explains the `list -n` figure of scripts/bench/scale.ts).
 *   deno task cluster exec -- deno run -A scripts/bench/floor.ts [NAMESPACE] [RUNS]
 */
import { ensure, kubectl, median, plugin, timed } from "./lib.ts";

const namespace = Deno.args[0] ?? "default";
const runs = Number(Deno.args[1] ?? 15);
const floor = new URL("./floor/list.ts", import.meta.url).pathname;
const config = new URL("../../deno.json", import.meta.url).pathname;
const deno = (extra: string[]): [string, string[]] => [
  Deno.execPath(),
  ["run", "--quiet", "-A", "--config", config, floor, namespace, ...extra],
];

const variants: { name: string; argv: [string, string[]] }[] = [
  { name: `kubectl get isvc -n ${namespace}`, argv: kubectl(["get", "isvc", "-n", namespace]) },
  { name: "deno: one GET, no library", argv: deno([]) },
  {
    name: "deno: one GET + commander's node: modules",
    argv: deno(["--with", "node-builtins"]),
  },
  { name: "deno: one GET + commander", argv: deno(["--with", "commander"]) },
  {
    name: "deno: one GET + commander + yaml",
    argv: deno(["--with", "commander", "--with", "yaml"]),
  },
  { name: `kubectl kserve list -n ${namespace}`, argv: plugin(["list", "-n", namespace]) },
];
const times = variants.map(() => [] as number[]);
for (let i = 0; i < runs + 1; i++) {
  for (const [v, variant] of variants.entries()) {
    const run = ensure(await timed(...variant.argv), variant.name);
    if (i > 0) times[v]!.push(run.ms); // the first round warms caches
  }
}
const base = median(times[0]!);
for (const [v, variant] of variants.entries()) {
  const ms = median(times[v]!);
  console.log(
    `${variant.name.padEnd(46)} median ${ms.toFixed(0).padStart(4)} ms  ${
      (ms / base).toFixed(2)
    }x kubectl`,
  );
}
