/**
 * `deploy --wait` against `kubectl apply -f isvc.yaml && kubectl wait --for=condition=Ready`,
 * on the same cluster in the same run. It first runs install (a no-op on a healthy install).
 *   deno task cluster exec -- deno run -A scripts/bench/deploy.ts [runs]
 */
import {
  ensure,
  ensureHealthyInstall,
  exitOnMissedTargets,
  median,
  plugin,
  report,
  target,
  timed,
} from "./lib.ts";

const runs = Number(Deno.args[0] ?? 15);
await ensureHealthyInstall();
const namespace = "bench-deploy";
// A previous run's namespace may still be terminating, with models of the same names in it.
await timed("kubectl", ["delete", "namespace", namespace, "--ignore-not-found", "--timeout=5m"]);
ensure(await timed("kubectl", ["create", "namespace", namespace]), "create namespace");
const isvc = (name: string) =>
  `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: ${name}
  namespace: ${namespace}
  annotations: {serving.kserve.io/deploymentMode: Standard}
spec:
  predictor:
    model:
      modelFormat: {name: sklearn}
      storageUri: gs://kfserving-examples/models/sklearn/1.0/model
`;
const file = await Deno.makeTempFile({ suffix: ".yaml" });
const ours: number[] = [];
const theirs: number[] = [];
for (let i = 0; i < runs; i++) {
  ours.push(
    ensure(
      await timed(
        ...plugin([
          "deploy",
          `ours-${i}`,
          "-n",
          namespace,
          "--backend",
          "kserve",
          "--mode",
          "raw",
          "--model-format",
          "sklearn",
          "--storage-uri",
          "gs://kfserving-examples/models/sklearn/1.0/model",
          "--wait",
        ]),
      ),
      "deploy",
    ).ms,
  );
  await Deno.writeTextFile(file, isvc(`theirs-${i}`));
  const start = performance.now();
  ensure(await timed("kubectl", ["apply", "-f", file]), "kubectl apply");
  ensure(
    await timed("kubectl", [
      "wait",
      "--for=condition=Ready",
      `isvc/theirs-${i}`,
      "-n",
      namespace,
      "--timeout=120s",
    ]),
    "kubectl wait",
  );
  theirs.push(performance.now() - start);
}
await timed("kubectl", ["delete", "namespace", namespace, "--wait=false"]);
await Deno.remove(file);
report("deploy --wait", ours, theirs, "");
const ratio = median(ours) / median(theirs);
target(`deploy --wait: ${ratio.toFixed(2)}x apply + wait`, ratio <= 1.0, "<= 1.0x");
exitOnMissedTargets();
