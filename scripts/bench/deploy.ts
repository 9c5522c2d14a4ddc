/**
 * Deploying a model with the plugin against doing the same with kubectl, on the same cluster in
 * the same run, one part of the cluster's install at a time:
 * - `standard`: `deploy --wait` against `kubectl apply` + `kubectl wait --for=condition=Ready` of
 *   the same InferenceService in Standard (raw) mode. It first runs install (a no-op on a
 *   healthy install).
 * - `serverless`: `deploy --mode serverless --wait` against `kubectl apply` + `kubectl wait` of
 *   the same InferenceService on Knative's real controllers, then `rollout start --traffic 10
 *   --wait` against `kubectl patch` (canaryTrafficPercent and the new model) + `kubectl wait` for
 *   the split (the new revision at 10% in status.components.predictor.traffic). It first runs
 *   `install --mode serverless` (run it on a reset cluster: it does not switch a raw install).
 * - `llm`: `deploy --llm --wait` against `kubectl apply` + `kubectl wait` of the same
 *   LLMInferenceService (no router: Ready from the workload alone, no Gateway needed). It first
 *   runs install.
 * kubectl is given exactly what the plugin writes: its `--dry-run=client -o yaml`, renamed.
 * The model server is the test image kubectl-kserve.test/model-server (the cluster's pod runner
 * plays it, behind queue-proxy in Knative mode); it also plays the LLM's vLLM (the presets'
 * llm-d images).
 *   deno task cluster exec -- deno run -A scripts/bench/deploy.ts [runs] [standard|serverless|llm]
 */
import {
  ensure,
  ensureHealthyInstall,
  exitOnMissedTargets,
  FIXTURES,
  median,
  plugin,
  report,
  target,
  timed,
} from "./lib.ts";

const runs = Number(Deno.args[0] ?? 15);
const part = Deno.args[1] ?? "standard";
const namespace = `bench-deploy-${part}`;
const IMAGE = "kubectl-kserve.test/model-server:v1";
const SKLEARN = ["--model-format", "sklearn", "--storage-uri"];
/** The Standard row's model keeps the runtime's image: a kwok fake, Ready at once. */
const SKLEARN_MODEL = [...SKLEARN, "gs://kfserving-examples/models/sklearn/1.0/model"];
const MODEL = [...SKLEARN_MODEL, "--image", IMAGE];
const MODEL_2 = "gs://kfserving-examples/models/sklearn/1.0/model-2";
const file = await Deno.makeTempFile({ suffix: ".yaml" });

/** Runs the plugin, failing loudly; its time in ms. */
async function ours(args: string[]): Promise<number> {
  return ensure(await timed(...plugin(args)), args.slice(0, 2).join(" ")).ms;
}

/** Runs kubectl commands one after the other, as a user types them; their time in ms. */
async function theirs(...commands: string[][]): Promise<number> {
  const start = performance.now();
  for (const args of commands) ensure(await timed("kubectl", args), `kubectl ${args[0]}`);
  return performance.now() - start;
}

/** The plugin's object for `deployArgs` (its client dry run), as a file kubectl applies. */
async function sameObject(name: string, deployArgs: string[]): Promise<string> {
  const dry = ensure(
    await timed(
      ...plugin(["deploy", name, "-n", namespace, ...deployArgs, "--dry-run=client", "-o", "yaml"]),
    ),
    "deploy --dry-run=client",
  );
  await Deno.writeTextFile(file, dry.stdout);
  return file;
}

/**
 * Runs the plugin's step and kubectl's, the plugin first on even runs and kubectl first on odd
 * ones: the controllers may still be busy with the step before, and neither side always pays.
 */
async function inTurn(
  run: number,
  pluginStep: () => Promise<unknown>,
  kubectlStep: () => Promise<unknown>,
) {
  if (run % 2 === 0) {
    await pluginStep();
    await kubectlStep();
  } else {
    await kubectlStep();
    await pluginStep();
  }
}

/** Prints the medians and the ratio, with the target of at most 1.0x. */
function compare(name: string, kubectlWay: string, pluginMs: number[], kubectlMs: number[]) {
  report(name, pluginMs, kubectlMs, `${pluginMs.length} runs`);
  const ratio = median(pluginMs) / median(kubectlMs);
  target(`${name}: ${ratio.toFixed(2)}x ${kubectlWay}`, ratio <= 1.0, "<= 1.0x");
}

const wait = (resource: string, condition = "condition=Ready") => [
  "wait",
  `--for=${condition}`,
  resource,
  "-n",
  namespace,
  "--timeout=180s",
];

/** `deploy --wait` of each model against `kubectl apply` + `kubectl wait` of the same object. */
async function deployRows(label: string, kind: string, deployArgs: string[], prefix = "") {
  const pluginMs: number[] = [];
  const kubectlMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const args = ["-n", namespace, ...deployArgs, "--wait", "--timeout", "3m"];
    const yaml = await sameObject(`${prefix}theirs-${i}`, deployArgs);
    await inTurn(
      i,
      async () => pluginMs.push(await ours(["deploy", `${prefix}ours-${i}`, ...args])),
      async () =>
        kubectlMs.push(await theirs(["apply", "-f", yaml], wait(`${kind}/${prefix}theirs-${i}`))),
    );
  }
  compare(label, "apply + wait", pluginMs, kubectlMs);
}

/**
 * `rollout start --traffic 10 --wait` of each serverless model deployed by deployRows against
 * `kubectl patch` of the same change and a wait for the split KServe's status reports.
 */
async function rolloutRows() {
  const pluginMs: number[] = [];
  const kubectlMs: number[] = [];
  const canary = JSON.stringify({
    spec: { predictor: { canaryTrafficPercent: 10, model: { storageUri: MODEL_2 } } },
  });
  for (let i = 0; i < runs; i++) {
    const split =
      `jsonpath={.status.components.predictor.traffic[?(@.revisionName=="theirs-${i}-predictor-00002")].percent}=10`;
    await inTurn(
      i,
      async () =>
        pluginMs.push(
          await ours(["rollout", "start", `ours-${i}`, "-n", namespace, "--traffic", "10"]
            .concat(["--storage-uri", MODEL_2, "--image", IMAGE, "--wait", "--timeout", "3m"])),
        ),
      async () =>
        kubectlMs.push(
          await theirs(
            ["patch", `isvc/theirs-${i}`, "-n", namespace, "--type=merge", "-p", canary],
            wait(`isvc/theirs-${i}`, split),
          ),
        ),
    );
  }
  compare("rollout start --traffic 10 --wait", "patch + wait for the split", pluginMs, kubectlMs);
}

if (part === "serverless") {
  console.log("making sure KServe is installed in serverless mode...");
  ensure(
    await timed(...plugin(["install", "--mode", "serverless", "--manifests", FIXTURES]
      .concat(["--timeout", "5m", "--request-timeout", "2m"]))),
    "install --mode serverless",
  );
  // The test registry does not exist: Knative must not resolve its tags to digests.
  const skip = "kind.local,ko.local,dev.local,kubectl-kserve.test";
  ensure(
    await timed(
      "kubectl",
      ["patch", "configmap", "config-deployment", "-n", "knative-serving"]
        .concat([
          "--type=merge",
          "-p",
          JSON.stringify({ data: { "registries-skipping-tag-resolving": skip } }),
        ]),
    ),
    "kubectl patch config-deployment",
  );
  await new Promise((resolve) => setTimeout(resolve, 5000));
} else {
  await ensureHealthyInstall();
}
// A previous run's namespace may still be terminating, with models of the same names in it.
await timed("kubectl", ["delete", "namespace", namespace, "--ignore-not-found", "--timeout=5m"]);
ensure(await timed("kubectl", ["create", "namespace", namespace]), "create namespace");

if (part === "standard") {
  await deployRows("deploy --wait", "isvc", [
    "--backend",
    "kserve",
    "--mode",
    "raw",
    ...SKLEARN_MODEL,
  ]);
} else if (part === "serverless") {
  await deployRows("deploy --mode serverless --wait", "isvc", ["--mode", "serverless", ...MODEL]);
  await rolloutRows();
} else if (part === "llm") {
  const llm = ["--llm", "--storage-uri", "hf://facebook/opt-125m", "--no-router"];
  await deployRows("deploy --llm --wait", "llminferenceservice", llm, "opt-");
} else {
  throw new Error(`unknown part "${part}": standard, serverless or llm`);
}
await timed("kubectl", ["delete", "namespace", namespace, "--wait=false"]);
await Deno.remove(file);
exitOnMissedTargets();
