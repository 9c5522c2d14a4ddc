/**
 * Scale: what the plugin's read commands cost on a cluster full of models and of Deployments
 * that are not models, against the kubectl command a user would type, in the same run.
 * The cluster (scale_seed.ts): KServe's CRDs only, 3,000 other Deployments, and 100, then 1,000,
 * then 10,000 InferenceServices in 50 namespaces; at each size:
 *   list -A        vs kubectl get isvc -A
 *   list -n NS     vs kubectl get isvc -n NS
 *   check -A       vs kubectl get isvc -A   (every check; without a controller, some fail)
 *   status NAME    vs kubectl get isvc NAME
 * with medians, ratios, API requests per run and peak memory (RSS) of both.
 * Run inside a test cluster of its own (it leaves the objects there):
 *   deno task cluster exec -- deno run -A scripts/bench/scale.ts [runs] [sizes, e.g. 100,1000,10000]
 */
import {
  exitOnMissedTargets,
  kubectl,
  median,
  plugin,
  type Run,
  stats,
  target,
  timed,
} from "./lib.ts";
import {
  modelName,
  namespaceOf,
  seedBase,
  seedModels,
  seedOtherDeployments,
} from "./scale_seed.ts";

const runs = Number(Deno.args[0] ?? 7);
const sizes = (Deno.args[1] ?? "100,1000,10000").split(",").map(Number);
const OTHER_DEPLOYMENTS = 3000;
const NS = namespaceOf(3);
const MODEL = modelName(3, 0);

interface Case {
  name: string;
  ours: string[];
  theirs: string[];
  /** Exit codes that still mean the command did its work (check reports failures with 1). */
  oursExit?: number[];
}
const cases: Case[] = [
  { name: "list -A", ours: ["list", "-A"], theirs: ["get", "isvc", "-A"] },
  { name: "list -n NS", ours: ["list", "-n", NS], theirs: ["get", "isvc", "-n", NS] },
  { name: "check -A", ours: ["check", "-A"], theirs: ["get", "isvc", "-A"], oursExit: [0, 1] },
  {
    name: "status NAME",
    ours: ["status", MODEL, "-n", NS],
    theirs: ["get", "isvc", MODEL, "-n", NS],
  },
];

interface Figures {
  ours: number;
  theirs: number;
  ratio: number;
  requests: number;
  oursMb: number;
  theirsMb: number;
}

function accept(run: Run, what: string, codes = [0]): Run {
  if (!codes.includes(run.code)) {
    throw new Error(`${what} failed (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
  return run;
}

async function measure(c: Case): Promise<Figures> {
  const ours: number[] = [];
  const theirs: number[] = [];
  const requests: number[] = [];
  const oursMb: number[] = [];
  const theirsMb: number[] = [];
  // One unmeasured run of each warms the API server's caches and the page cache.
  accept(await timed(...plugin(c.ours)), c.name, c.oursExit);
  accept(await timed(...kubectl(c.theirs)), `kubectl ${c.theirs.join(" ")}`);
  for (let i = 0; i < runs; i++) {
    const run = accept(
      await timed(...plugin(c.ours), { KUBECTL_KSERVE_STATS: "1" }),
      c.name,
      c.oursExit,
    );
    ours.push(run.ms);
    requests.push(stats(run).requests);
    oursMb.push(stats(run).peakMb);
    const their = accept(await timed(...kubectl(c.theirs)), `kubectl ${c.theirs.join(" ")}`);
    theirs.push(their.ms);
    theirsMb.push(stats(their).peakMb);
  }
  return {
    ours: median(ours),
    theirs: median(theirs),
    ratio: median(ours) / median(theirs),
    requests: median(requests),
    oursMb: Math.max(...oursMb),
    theirsMb: Math.max(...theirsMb),
  };
}

console.log("building the cluster: KServe CRDs, namespaces, other Deployments...");
await seedBase();
await seedOtherDeployments(OTHER_DEPLOYMENTS);
const results = new Map<number, Map<string, Figures>>();
for (const size of sizes) {
  const started = performance.now();
  await seedModels(size);
  console.log(
    `\n${size} InferenceServices in 50 namespaces, ${OTHER_DEPLOYMENTS} other Deployments ` +
      `(seeded in ${((performance.now() - started) / 1000).toFixed(0)} s); ${runs} runs each`,
  );
  const figures = new Map<string, Figures>();
  for (const c of cases) {
    const f = await measure(c);
    figures.set(c.name, f);
    console.log(
      `${c.name.padEnd(12)} ${f.ours.toFixed(0).padStart(5)} ms vs kubectl ${c.theirs.join(" ")} ${
        f.theirs.toFixed(0)
      } ms: ${
        f.ratio.toFixed(2)
      }x; ${f.requests} API requests; peak ${f.oursMb} MB (kubectl ${f.theirsMb} MB)`,
    );
  }
  results.set(size, figures);
}

console.log("\ntargets:");
for (const [size, figures] of results) {
  if (size < 1000) continue;
  for (const name of ["list -A", "list -n NS"]) {
    const ratio = figures.get(name)!.ratio;
    target(`${name} at ${size} models: ${ratio.toFixed(2)}x kubectl`, ratio <= 1.0, "<= 1.0x");
  }
}
const largest = Math.max(...sizes);
const peak = results.get(largest)!.get("list -A")!.oursMb;
target(`peak RSS of list -A at ${largest} models: ${peak} MB`, peak < 150, "< 150 MB");
// status against its own kubectl baseline, which does not grow: the ratio may move within noise.
const smallest = Math.min(...sizes);
if (largest > smallest) {
  const from = results.get(smallest)!.get("status NAME")!;
  const to = results.get(largest)!.get("status NAME")!;
  target(
    `status: ${from.requests} -> ${to.requests} API requests from ${smallest} to ${largest} models`,
    from.requests === to.requests,
    "the same",
  );
  target(
    `status: ${from.ratio.toFixed(2)}x -> ${
      to.ratio.toFixed(2)
    }x kubectl get isvc NAME from ${smallest} to ${largest} models`,
    to.ratio <= from.ratio * 1.25,
    "within 25%",
  );
}
exitOnMissedTargets();
