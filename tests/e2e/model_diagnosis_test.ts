/**
 * One failing model, one cause: deploy --wait, status and check describe it in the same words
 * (lib/kserve/failures.ts, lib/kserve/model_diagnosis.ts), check --wait returns at once on what
 * waiting cannot fix, and the rules deploy applies before it sends are applied by check and
 * status to models it did not write (lib/kserve/model_rules.ts).
 */
import assert from "node:assert/strict";
import { adminKubeconfig, applyYaml, kubectlOk, resetCluster } from "../support/cluster.ts";
import { installKServe, SKLEARN } from "../support/kserve.ts";
import { runPlugin } from "../support/plugin.ts";
import { runCheck } from "../support/plugin_json.ts";

const plugin = (args: string[]) => runPlugin(args, { env: { KUBECONFIG: adminKubeconfig() } });

/** An InferenceService as kubectl, Helm or a GitOps tool would write it. */
function isvc(name: string, namespace: string, storageUri: string): string {
  return JSON.stringify({
    apiVersion: "serving.kserve.io/v1beta1",
    kind: "InferenceService",
    metadata: { name, namespace, annotations: { "serving.kserve.io/deploymentMode": "Standard" } },
    spec: { predictor: { model: { modelFormat: { name: "sklearn" }, storageUri } } },
  });
}

Deno.test("one failing model on v0.20.0: deploy --wait, status and check name the same cause; check --wait returns at once; models kubectl wrote are held to deploy's rules", async (t) => {
  await resetCluster();
  await installKServe(["--version", "v0.20.0", "--request-timeout", "2m"]);
  await kubectlOk(["create", "namespace", "models"]);

  await t.step(
    "a model whose server cannot start: the same cause everywhere, lasting",
    async () => {
      // The model server exits at once without a model name: its pod crash-loops.
      const deployed = await plugin([
        "deploy",
        "crash",
        "-n",
        "models",
        ...SKLEARN,
        "--mode",
        "raw",
        "--image",
        "kubectl-kserve.test/model-server:v1",
        "--arg=--model_name=",
        "--wait",
        "--timeout",
        "2m",
      ]);
      assert.equal(deployed.code, 1, deployed.stderr);
      const cause = /pod (crash-predictor-\S+): container kserve-container is in CrashLoopBackOff/
        .exec(deployed.stderr);
      assert.ok(cause, deployed.stderr);
      const words = new RegExp(`models/crash: ${cause[0]}`);

      const status = await plugin(["status", "crash", "-n", "models"]);
      assert.equal(status.code, 1, status.stdout + status.stderr);
      assert.match(status.stdout, new RegExp(`Diagnosis: +${words.source}`));

      const check = await runCheck(["-n", "models"], adminKubeconfig());
      const ready = check.byId("models.ready")!;
      assert.equal(ready.result, "fail");
      assert.match(ready.error!, words);
      assert.equal(ready.transient, undefined, "a crash loop needs a fix");

      // Waiting cannot fix it: check --wait ends at once with exit 1, not 124 after 2 minutes.
      const started = Date.now();
      const waited = await runCheck(["-n", "models", "--wait", "2m"], adminKubeconfig());
      assert.equal(waited.code, 1);
      assert.ok(Date.now() - started < 60_000, `returned after ${Date.now() - started} ms`);
      assert.match(waited.byId("models.ready")!.error!, words);
      await kubectlOk(["delete", "isvc", "crash", "-n", "models"]);
    },
  );

  await t.step(
    "a storage URI without a scheme, written by kubectl: check and status say what deploy says",
    async () => {
      await applyYaml(isvc("noscheme", "models", "models/iris"));
      const words =
        /models\/noscheme: spec\.predictor\.model\.storageUri "models\/iris" has no scheme, which KServe's storage initializer cannot read\. Fix: Use one of the schemes/;
      const check = await runCheck(["-n", "models"], adminKubeconfig());
      const spec = check.byId("models.spec")!;
      assert.equal(spec.result, "fail", JSON.stringify(spec));
      assert.match(spec.error!, words);
      assert.equal(spec.transient, undefined);
      const status = await plugin(["status", "noscheme", "-n", "models"]);
      assert.match(
        status.stdout,
        /spec\.predictor\.model\.storageUri "models\/iris" has no scheme, which KServe's storage initializer cannot read/,
      );
      // deploy refuses the same file, in the same words, before it sends anything.
      const file = await Deno.makeTempFile({ suffix: ".json" });
      await Deno.writeTextFile(file, isvc("noscheme2", "models", "models/iris"));
      const refused = await plugin(["deploy", "noscheme2", "-n", "models", "-f", file]);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /storageUri "models\/iris" has no scheme/);
      await kubectlOk(["delete", "isvc", "noscheme", "-n", "models", "--wait=false"]);
    },
  );

  await t.step(
    "an mlflow model on protocol v1, written by kubectl: check and status say what deploy says; on v2 it passes",
    async () => {
      // Field report: deploy refused it (no runtime serves mlflow over v1); the same object
      // applied with kubectl passed check.
      const mlflow = (name: string, protocolVersion?: string) =>
        JSON.stringify({
          apiVersion: "serving.kserve.io/v1beta1",
          kind: "InferenceService",
          metadata: { name, namespace: "models" },
          spec: {
            predictor: {
              model: {
                modelFormat: { name: "mlflow" },
                storageUri: "gs://kfserving-examples/models/mlflow/wine",
                ...(protocolVersion ? { protocolVersion } : {}),
              },
            },
          },
        });
      await applyYaml(mlflow("wine"));
      await applyYaml(mlflow("wine2", "v2"));
      const words =
        /mlflow is served over protocol v2 only \(by kserve-mlserver\), and v1 was asked \(KServe's default\)\. Fix: Add --protocol v2/;
      const check = await runCheck(["-n", "models"], adminKubeconfig());
      const spec = check.byId("models.spec")!;
      assert.equal(spec.result, "fail", JSON.stringify(spec));
      assert.match(spec.error!, new RegExp(`models/wine: ${words.source}`));
      assert.doesNotMatch(spec.error!, /models\/wine2/);
      assert.equal(spec.transient, undefined);
      const status = await plugin(["status", "wine", "-n", "models"]);
      assert.match(status.stdout, words);
      const sibling = await plugin(["status", "wine2", "-n", "models"]);
      assert.doesNotMatch(sibling.stdout, /mlflow is served over protocol/);
      await kubectlOk(["delete", "isvc", "wine", "wine2", "-n", "models", "--wait=false"]);
    },
  );

  await t.step(
    "sibling: a model in a namespace labelled control-plane is named by check",
    async () => {
      await kubectlOk(["create", "namespace", "platform"]);
      await kubectlOk(["label", "namespace", "platform", "control-plane=platform"]);
      await applyYaml(
        isvc("inside", "platform", "gs://kfserving-examples/models/sklearn/1.0/model"),
      );
      const check = await runCheck(["-n", "platform"], adminKubeconfig());
      const spec = check.byId("models.spec")!;
      assert.equal(spec.result, "fail", JSON.stringify(spec));
      assert.match(
        spec.error!,
        /platform\/inside: namespace "platform" is labelled control-plane, which KServe's pod mutator skips/,
      );
      await kubectlOk(["delete", "isvc", "inside", "-n", "platform", "--wait=false"]);
    },
  );
  await resetCluster();
});
