/**
 * `install --mode raw` against the correct manual kubectl sequence, on the same cluster in the
 * same run, resetting the cluster before each. Run inside the test cluster:
 *   deno task cluster exec -- deno run -A scripts/bench/install.ts [runs] [version]
 */
import {
  ensure,
  exitOnMissedTargets,
  FIXTURES,
  median,
  plugin,
  report,
  stats,
  target,
  timed,
} from "./lib.ts";

const runs = Number(Deno.args[0] ?? 3);
const version = Deno.args[1] ?? "v0.20.0";
const certManager = version === "v0.16.0" ? "v1.16.1" : "v1.18.0";
const reset = new URL("../cluster/cluster.sh", import.meta.url).pathname;

async function manual(): Promise<number> {
  const start = performance.now();
  const k = async (...args: string[]) =>
    ensure(await timed("kubectl", args), `kubectl ${args.join(" ")}`);
  await k(
    "apply",
    "--server-side",
    "-f",
    `${FIXTURES}cert-manager/${certManager}/cert-manager.yaml`,
  );
  await k(
    "wait",
    "--for=condition=Available",
    "deployment",
    "--all",
    "-n",
    "cert-manager",
    "--timeout=300s",
  );
  if (version !== "v0.16.0") await k("create", "namespace", "kserve");
  // The LLMInferenceServiceConfigs in kserve.yaml need the webhook: the first apply fails on them.
  await timed("kubectl", [
    "apply",
    "--server-side",
    "-f",
    `${FIXTURES}kserve/${version}/kserve.yaml`,
  ]);
  await k(
    "wait",
    "--for=condition=Available",
    "deployment",
    "--all",
    "-n",
    "kserve",
    "--timeout=300s",
  );
  for (let attempt = 0;; attempt++) {
    const applied = await timed("kubectl", [
      "apply",
      "--server-side",
      "-f",
      `${FIXTURES}kserve/${version}/kserve.yaml`,
      "-f",
      `${FIXTURES}kserve/${version}/kserve-cluster-resources.yaml`,
    ]);
    if (applied.code === 0) break;
    if (attempt > 60) ensure(applied, "kubectl apply of the cluster resources");
    await new Promise((r) => setTimeout(r, 1000));
  }
  return performance.now() - start;
}

const ours: number[] = [];
const theirs: number[] = [];
const requests: number[] = [];
const peaks: number[] = [];
for (let i = 0; i < runs; i++) {
  ensure(await timed("bash", [reset, "reset"]), "cluster reset");
  const run = ensure(
    await timed(...plugin(["install", "--version", version, "--manifests", FIXTURES]), {
      KUBECTL_KSERVE_STATS: "1",
    }),
    "install",
  );
  ours.push(run.ms);
  requests.push(stats(run).requests);
  peaks.push(stats(run).peakMb);
  ensure(await timed("bash", [reset, "reset"]), "cluster reset");
  theirs.push(await manual());
}
report(
  `install ${version}`,
  ours,
  theirs,
  `API requests ${median(requests)}, peak memory ${Math.max(...peaks)} MB`,
);
const ratio = median(ours) / median(theirs);
target(`install ${version}: ${ratio.toFixed(2)}x the manual sequence`, ratio <= 0.8, "<= 0.8x");
const peak = Math.max(...peaks);
target(`install ${version}: peak memory ${peak} MB`, peak < 300, "< 300 MB");
exitOnMissedTargets();
