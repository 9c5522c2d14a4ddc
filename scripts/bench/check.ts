/**
 * `check` on a healthy cluster against the guide's manual check (kubectl get pods -n kserve,
 * then kubectl get crd three times, filtered for kserve, knative and istio), in the same run.
 * Run inside the test cluster: deno task cluster exec -- deno run -A scripts/bench/check.ts [runs]
 * It first runs install (raw, from the fixtures), which changes nothing on a healthy install.
 */
import {
  ensure,
  ensureHealthyInstall,
  exitOnMissedTargets,
  median,
  plugin,
  report,
  stats,
  target,
  timed,
} from "./lib.ts";

const runs = Number(Deno.args[0] ?? 7);
await ensureHealthyInstall();

const manual = async () => {
  const start = performance.now();
  ensure(await timed("kubectl", ["get", "pods", "-n", "kserve"]), "kubectl get pods");
  for (const word of ["kserve", "knative", "istio"]) {
    // The guide pipes into grep; filtering here keeps the benchmark free of shell strings.
    const crds = ensure(await timed("kubectl", ["get", "crd"]), "kubectl get crd");
    crds.stdout.split("\n").filter((line) => line.includes(word));
  }
  return performance.now() - start;
};

const ours: number[] = [];
const theirs: number[] = [];
const requests: number[] = [];
const peaks: number[] = [];
for (let i = 0; i < runs; i++) {
  const run = ensure(
    await timed(...plugin(["check"]), { KUBECTL_KSERVE_STATS: "1" }),
    "kubectl kserve check",
  );
  ours.push(run.ms);
  requests.push(stats(run).requests);
  peaks.push(stats(run).peakMb);
  theirs.push(await manual());
}
// `-v` logs every request: no list may be asked twice in one run (the same path and selectors),
// and Deployments only by namespace or selector, never every one of the cluster.
const traced = ensure(await timed(...plugin(["check", "-v"])), "kubectl kserve check -v");
const lists = [...traced.stderr.matchAll(/\] GET ([^ ?]+)(\?[^ ]*)? 200/g)]
  .filter((m) => /\/(?:api\/v1|apis\/[^/]+\/[^/]+)(?:\/namespaces\/[^/]+)?\/[a-z]+$/.test(m[1]!))
  .map((m) => `${m[1]}${m[2] ?? ""}`);
const twice = lists.filter((request, i) => lists.indexOf(request) !== i);
const everyDeployment = lists.filter((request) =>
  /^\/apis\/apps\/v1\/deployments(?:\?(?!.*labelSelector)|$)/.test(request)
);
console.log(
  `check lists ${lists.length} collections; listed twice: ${
    twice.length ? twice.join(", ") : "none"
  }; every Deployment of the cluster: ${everyDeployment.length ? "listed" : "never"}`,
);
report(
  "check",
  ours,
  theirs,
  `API requests per check ${median(requests)}, peak memory ${Math.max(...peaks)} MB`,
);
const ratio = median(ours) / median(theirs);
target(`check: ${ratio.toFixed(2)}x the guide's kubectl commands`, ratio <= 1.0, "<= 1.0x");
target(`check: peak memory ${Math.max(...peaks)} MB`, Math.max(...peaks) < 150, "< 150 MB");
target(`check: collections listed twice: ${twice.length}`, twice.length === 0, "none");
target(
  `check: lists of every Deployment: ${everyDeployment.length}`,
  everyDeployment.length === 0,
  "none",
);
exitOnMissedTargets();
