/** deploy, list, status and delete with the kserve backend, against the real KServe controller. */
import assert from "node:assert/strict";
import {
  adminKubeconfig,
  applyYaml,
  kubectl,
  kubectlJson,
  kubectlOk,
  resetCluster,
  run,
  tempDir,
  waitFor,
} from "../support/cluster.ts";
import {
  deploymentModeOf,
  inferenceServiceJson,
  installKServe,
  kserveControllerPods,
  patchKServeConfig,
  scaleController,
  SKLEARN,
} from "../support/kserve.ts";
import { runPlugin } from "../support/plugin.ts";
import { namespaceEditorKubeconfig } from "../support/credentials.ts";
import { runCheck } from "../support/plugin_json.ts";
import { runHint } from "../support/hints.ts";
import {
  assertSameCluster,
  assertUnchangedBy,
  settledSnapshot,
  snapshot,
} from "../support/snapshot.ts";

/** The same kubeconfig with its server moved to a loopback port nothing listens on. */
async function unreachableKubeconfig(path: string): Promise<string> {
  const text = await Deno.readTextFile(path);
  const moved = `${path}.unreachable`;
  await Deno.writeTextFile(
    moved,
    text.replace(/server: *"?https:\/\/[^\s"]+"?/, "server: https://127.0.0.1:1"),
  );
  return moved;
}

const ISVC_IRIS = "serving.kserve.io/inferenceservice=iris";

/** The predictor Deployment is the current InferenceService's (by UID) and serves. */
async function assertServedByCurrent(name: string): Promise<void> {
  const isvc = await kubectlJson<{ metadata: { uid: string } }>(
    ["get", "isvc", name, "-n", "models", "-o", "json"],
  );
  const predictor = await kubectlJson<{
    metadata: { ownerReferences?: { uid: string }[]; deletionTimestamp?: string };
    status: { availableReplicas?: number };
  }>(["get", "deployment", `${name}-predictor`, "-n", "models", "-o", "json"]);
  assert.deepEqual(predictor.metadata.ownerReferences?.map((o) => o.uid), [isvc.metadata.uid]);
  assert.equal(predictor.metadata.deletionTimestamp, undefined);
  assert.ok((predictor.status.availableReplicas ?? 0) >= 1, "the new Deployment serves");
}

/** Sets the finalizers of the iris predictor Deployment (null: none), to hold its deletion. */
const holdPredictor = (finalizers: string[] | null) =>
  kubectlOk([
    "patch",
    "deployment",
    "iris-predictor",
    "-n",
    "models",
    "--type=merge",
    "-p",
    JSON.stringify({ metadata: { finalizers } }),
  ]);

const plugin = (args: string[], extra: Record<string, string> = {}) =>
  runPlugin(args, { env: { KUBECONFIG: adminKubeconfig(), ...extra } });

async function freshInstall(version: string): Promise<void> {
  await resetCluster();
  await installKServe(["--version", version, "--request-timeout", "2m"]);
  await kubectlOk(["create", "namespace", "models"]);
}

Deno.test("kserve backend on v0.16.0: deploy --wait, list, status, refusals, fail-fast reasons, delete", async (t) => {
  await freshInstall("v0.16.0");

  await t.step(
    "deploy --wait reaches Ready with the Standard annotation and the storage initializer",
    async () => {
      const result = await plugin([
        "deploy",
        "iris",
        "-n",
        "models",
        ...SKLEARN,
        "--mode",
        "raw",
        "--max-replicas",
        "3",
        "--wait",
        "--timeout",
        "2m",
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /Using the kserve backend \(KServe v0\.16\.0 is installed/);
      assert.match(
        result.stderr,
        /in-cluster address: +http:\/\/iris-predictor\.models\.svc\.cluster\.local/,
      );
      assert.equal(await deploymentModeOf("iris", "models"), "Standard");
      const pods = await kubectlJson<
        { items: { spec: { initContainers?: { name: string }[] } }[] }
      >(
        [
          "get",
          "pods",
          "-n",
          "models",
          "-l",
          "serving.kserve.io/inferenceservice=iris",
          "-o",
          "json",
        ],
      );
      assert.equal(pods.items[0]?.spec.initContainers?.[0]?.name, "storage-initializer");
      await kubectlOk(["get", "hpa", "iris-predictor", "-n", "models"]);
    },
  );

  await t.step("list and status show the model", async () => {
    const listed = JSON.parse((await plugin(["list", "-A", "-o", "json"])).stdout);
    const row = listed.items.find((r: { name: string }) => r.name === "iris");
    assert.deepEqual([row.backend, row.mode, row.ready, row.replicas], [
      "kserve",
      "Standard",
      true,
      "1/1",
    ]);
    const status = await plugin(["status", "iris", "-n", "models"]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /Backend: +kserve \(mode Standard\)/);
    // The runtime is the one the controller reports it chose, read from the object.
    const chosen = await kubectlJson<{ status: { clusterServingRuntimeName?: string } }>(
      ["get", "isvc", "iris", "-n", "models", "-o", "json"],
    );
    assert.equal(chosen.status.clusterServingRuntimeName, "kserve-sklearnserver");
    assert.match(status.stdout, /Runtime: +kserve-sklearnserver \(chosen by KServe\)/);
    assert.match(status.stdout, /PredictorReady +True/);
  });

  await t.step(
    "a huggingface model: deploy, status and KServe agree on kserve-huggingfaceserver",
    async () => {
      // Field report: the plugin predicted the multinode runtime (priority 2, a workerSpec),
      // which KServe never picks for a predictor without a workerSpec.
      const deployed = await plugin([
        "deploy",
        "qwen",
        "-n",
        "models",
        "--model-format",
        "huggingface",
        "--storage-uri",
        "hf://Qwen/Qwen2.5-0.5B-Instruct",
        "--wait",
        "--timeout",
        "90s",
      ]);
      assert.equal(deployed.code, 0, deployed.stderr);
      const isvc = await kubectlJson<{ status: { clusterServingRuntimeName?: string } }>(
        ["get", "isvc", "qwen", "-n", "models", "-o", "json"],
      );
      assert.equal(isvc.status.clusterServingRuntimeName, "kserve-huggingfaceserver");
      const status = await plugin(["status", "qwen", "-n", "models"]);
      assert.match(status.stdout, /Runtime: +kserve-huggingfaceserver \(chosen by KServe\)/);
      // The deployment backend builds the same runtime (not the multinode one's GPU image).
      const plain = await plugin([
        "deploy",
        "qwen-plain",
        "-n",
        "models",
        "--backend",
        "deployment",
        "--model-format",
        "huggingface",
        "--storage-uri",
        "hf://Qwen/Qwen2.5-0.5B-Instruct",
        "--dry-run=client",
        "-o",
        "json",
      ]);
      assert.equal(plain.code, 0, plain.stderr);
      const images = plain.stdout.match(/"image": "kserve\/huggingfaceserver:[^"]*"/g) ?? [];
      assert.deepEqual(images, ['"image": "kserve/huggingfaceserver:v0.16.0"']);
      await plugin(["delete", "qwen", "-n", "models"]);
    },
  );

  await t.step(
    "re-deploy over a kubectl patch is refused naming the field and its manager, changes nothing; --force-conflicts takes it",
    async () => {
      const args = ["deploy", "iris", "-n", "models", ...SKLEARN, "--mode", "raw"];
      const same = await plugin([...args, "--max-replicas", "3"]);
      assert.equal(same.code, 0, `a plain re-deploy meets no conflict: ${same.stderr}`);
      await kubectlOk([
        "patch",
        "isvc",
        "iris",
        "-n",
        "models",
        "--type",
        "merge",
        "-p",
        '{"spec":{"predictor":{"maxReplicas":5}}}',
      ]);
      const before = await settledSnapshot();
      const refused = await plugin([...args, "--max-replicas", "3"]);
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(
        refused.stderr,
        /InferenceService models\/iris: \.spec\.predictor\.maxReplicas \(set by kubectl-patch\)/,
      );
      assertSameCluster(before, await snapshot(), "a refused re-deploy");
      const forced = await plugin([...args, "--max-replicas", "3", "--force-conflicts"]);
      assert.equal(forced.code, 0, forced.stderr);
      const isvc = await kubectlJson<{ spec: { predictor: { maxReplicas: number } } }>(
        ["get", "isvc", "iris", "-n", "models", "-o", "json"],
      );
      assert.equal(isvc.spec.predictor.maxReplicas, 3);
    },
  );

  await t.step("status shows only the model's own events, not those of iris2", async () => {
    // Field report: status iris showed the events of iris2 and iris3 (a name-prefix match).
    const other = await plugin([
      "deploy",
      "iris2",
      "-n",
      "models",
      ...SKLEARN,
      "--wait",
      "--timeout",
      "2m",
    ]);
    assert.equal(other.code, 0, other.stderr);
    const status = JSON.parse(
      (await plugin(["status", "iris", "-n", "models", "-o", "json"])).stdout,
    );
    const objects: string[] = status.events.map((e: { object: string }) => e.object);
    assert.ok(objects.length > 0, "iris has events of its own");
    assert.deepEqual(objects.filter((o) => o.includes("iris2")), []);
    const mine = JSON.parse(
      (await plugin(["status", "iris2", "-n", "models", "-o", "json"])).stdout,
    );
    assert.ok(mine.events.every((e: { object: string }) => e.object.includes("iris2")));
    await kubectlOk(["delete", "isvc", "iris2", "-n", "models", "--cascade=foreground"]);
  });

  await t.step(
    "USE_KSERVE=false picks the deployment backend where KServe is installed",
    async () => {
      const result = await plugin(
        ["deploy", "plain", "-n", "models", ...SKLEARN, "--dry-run=client", "-o", "json"],
        { USE_KSERVE: "false" },
      );
      assert.equal(result.code, 0, result.stderr);
      const kinds = JSON.parse(result.stdout).items.map((o: { kind: string }) => o.kind);
      assert.deepEqual(kinds, ["Deployment", "Service", "HorizontalPodAutoscaler"]);
    },
  );

  await t.step("--dry-run=client -o yaml is a valid object for the real webhooks", async () => {
    const yaml = await plugin([
      "deploy",
      "other",
      "-n",
      "models",
      ...SKLEARN,
      "--mode",
      "raw",
      "--dry-run=client",
      "-o",
      "yaml",
    ]);
    assert.equal(yaml.code, 0, yaml.stderr);
    const server = await run("kubectl", ["create", "--dry-run=server", "-f", "-"], {
      stdin: yaml.stdout,
    });
    assert.equal(server.code, 0, server.stderr);
    assert.notEqual((await kubectl(["get", "isvc", "other", "-n", "models"])).code, 0);
  });

  await t.step("refusals: the kserve namespace, an unknown format, a backend change", async () => {
    // Each is refused before changing anything, anywhere.
    await assertUnchangedBy("a refused deploy", async () => {
      // Field report: a 60-character name is a valid label, but KServe names the host
      // NAME-predictor-NAMESPACE and fails to reconcile it ("invalid domain name").
      const long = await plugin(["deploy", "a".repeat(60), "-n", "models", ...SKLEARN]);
      assert.equal(long.code, 2, long.stderr);
      assert.match(
        long.stderr,
        /KServe would name its host "a{60}-predictor-models", 77 characters, and a DNS label holds at most 63/,
      );
      assert.match(long.stderr, /Use a name of at most 46 characters in namespace models/);
      // Sibling: the longest name that fits is accepted (server-side dry run).
      const fits = await plugin([
        "deploy",
        "a".repeat(46),
        "-n",
        "models",
        ...SKLEARN,
        "--dry-run=server",
      ]);
      assert.equal(fits.code, 0, fits.stderr);
      const inKServe = await plugin(["deploy", "m", "-n", "kserve", ...SKLEARN]);
      assert.equal(inKServe.code, 2);
      assert.match(inKServe.stderr, /labelled control-plane, which KServe's pod mutator skips/);
      const format = await plugin([
        "deploy",
        "m",
        "-n",
        "models",
        "--model-format",
        "caffe",
        "--storage-uri",
        "gs://a/b",
      ]);
      assert.equal(format.code, 2);
      assert.match(
        format.stderr,
        /No ServingRuntime or ClusterServingRuntime supports model format "caffe"/,
      );
      // Field report: mlflow on the default protocol found no runtime, after the apply.
      const mlflowArgs = ["deploy", "m", "-n", "models", "--model-format", "mlflow"]
        .concat(["--storage-uri", "gs://a/b"]);
      const mlflow = await plugin(mlflowArgs);
      assert.equal(mlflow.code, 2, mlflow.stderr);
      assert.match(mlflow.stderr, /mlflow is served over protocol v2 only \(by kserve-mlserver\)/);
      assert.match(mlflow.stderr, /Add --protocol v2/);
      const v2 = await plugin([...mlflowArgs, "--protocol", "v2", "--dry-run=server"]);
      assert.equal(v2.code, 0, v2.stderr);
      // Its sibling: a --runtime that does not exist.
      const runtime = await plugin([
        "deploy",
        "m",
        "-n",
        "models",
        ...SKLEARN,
        "--runtime",
        "nope",
      ]);
      assert.equal(runtime.code, 2, runtime.stderr);
      assert.match(runtime.stderr, /Runtime "nope" does not exist/);
      const backend = await plugin([
        "deploy",
        "iris",
        "-n",
        "models",
        ...SKLEARN,
        "--backend",
        "deployment",
      ]);
      assert.equal(backend.code, 1);
      assert.match(backend.stderr, /already deployed in models with the kserve backend/);
      assert.equal((await kubectl(["get", "isvc", "m", "-n", "models"])).code, 1);
      assert.equal((await kubectl(["get", "deployment", "iris", "-n", "models"])).code, 1);
    });
  });

  await t.step(
    "a model format version no runtime supports fails fast with NoSupportingRuntime",
    async () => {
      const result = await plugin([
        "deploy",
        "old",
        "-n",
        "models",
        "--model-format",
        "sklearn:99",
        "--storage-uri",
        "gs://a/b",
        "--mode",
        "raw",
        "--wait",
        "--timeout",
        "90s",
      ]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /InferenceService models\/old failed: NoSupportingRuntime/);
    },
  );

  await t.step(
    "check -n names the model that is not Ready and a legacy mode annotation with its fix",
    async () => {
      // "old" failed with NoSupportingRuntime above; "legacy" is created with v0.16.0's legacy
      // value, as the field report's models were (v0.16.0 then refuses updates that keep it).
      await applyYaml(JSON.stringify({
        apiVersion: "serving.kserve.io/v1beta1",
        kind: "InferenceService",
        metadata: {
          name: "legacy",
          namespace: "models",
          annotations: { "serving.kserve.io/deploymentMode": "RawDeployment" },
        },
        spec: {
          predictor: {
            model: {
              modelFormat: { name: "sklearn" },
              storageUri: "gs://kfserving-examples/models/sklearn/1.0/model",
            },
          },
        },
      }));
      const check = await runCheck(["-n", "models"], adminKubeconfig());
      const ready = check.byId("models.ready")!;
      assert.equal(ready.result, "fail");
      assert.match(ready.error!, /models\/old: .*NoSupportingRuntime|models\/old/);
      const legacy = check.byId("models.legacy-mode-annotation")!;
      assert.equal(legacy.result, "warn");
      assert.match(
        legacy.error!,
        /models\/legacy: serving\.kserve\.io\/deploymentMode=RawDeployment is a legacy value; v0\.16\.0 rejects every update of it .* until it reads Standard/,
      );
      const status = await plugin(["status", "legacy", "-n", "models"]);
      assert.match(
        status.stdout,
        /Warning: +serving\.kserve\.io\/deploymentMode=RawDeployment is a legacy value/,
      );
      await runHint(legacy.hint!);
      const fixed = await runCheck(["-n", "models"], adminKubeconfig());
      assert.equal(fixed.byId("models.legacy-mode-annotation")!.result, "pass");
      // Gone with what it owns before the next step's snapshot.
      await kubectlOk(["delete", "isvc", "legacy", "-n", "models", "--cascade=foreground"]);
    },
  );

  await t.step(
    "default mode Serverless without Knative: deploy is refused before the apply, with --mode raw",
    async () => {
      // Field report: a bare deploy applied, then failed with ServerlessModeRejected, and neither
      // it nor status pointed at --mode raw.
      await patchKServeConfig("deploy", { defaultDeploymentMode: "Serverless" });
      try {
        const before = await settledSnapshot();
        const result = await plugin(["deploy", "knative", "-n", "models", ...SKLEARN, "--wait"]);
        assert.equal(result.code, 2, result.stderr);
        assert.match(
          result.stderr,
          /default deployment mode here is Serverless, which needs Knative Serving, and Knative Serving is not installed: KServe would reject this InferenceService \(ServerlessModeRejected\)/,
        );
        assert.match(result.stderr, /Deploy in raw mode: add --mode raw; or add Knative Serving: /);
        assertSameCluster(before, await snapshot(), "a refused deploy");
        // The hint's flag fixes it (validated by the API server and KServe's webhook).
        const raw = await plugin([
          "deploy",
          "knative",
          "-n",
          "models",
          ...SKLEARN,
          "--mode",
          "raw",
          "--dry-run=server",
        ]);
        assert.equal(raw.code, 0, raw.stderr);
        // So does a raw-mode annotation in an -f file: the model's own mode decides, not the default.
        await using dir = await tempDir();
        const file = `${dir.path}/raw.json`;
        await Deno.writeTextFile(
          file,
          JSON.stringify({
            apiVersion: "serving.kserve.io/v1beta1",
            kind: "InferenceService",
            metadata: {
              name: "filed",
              annotations: { "serving.kserve.io/deploymentMode": "Standard" },
            },
            spec: {
              predictor: { model: { modelFormat: { name: "sklearn" }, storageUri: "gs://a/b" } },
            },
          }),
        );
        const filed = await plugin([
          "deploy",
          "filed",
          "-n",
          "models",
          "-f",
          file,
          "--dry-run=server",
        ]);
        assert.equal(filed.code, 0, filed.stderr);
      } finally {
        await patchKServeConfig("deploy", { defaultDeploymentMode: "Standard" });
      }
      // Sibling: --mode serverless asked for on a raw default, without Knative.
      const asked = await plugin([
        "deploy",
        "knative",
        "-n",
        "models",
        ...SKLEARN,
        "--mode",
        "serverless",
      ]);
      assert.equal(asked.code, 2, asked.stderr);
      assert.match(
        asked.stderr,
        /annotation serving\.kserve\.io\/deploymentMode=Knative asks for Knative mode, which needs Knative Serving, and Knative Serving is not installed/,
      );
    },
  );

  await t.step(
    "a spec KServe cannot render (a predictor's nodeSelector, its pod-level request over the limit): deploy refuses it; written by kubectl, check and status name it as a fix",
    async () => {
      await using dir = await tempDir();
      // Field report: an invalid node selector waited out --timeout on ReconcileFailed, and check
      // said "still settling". Sibling: a CPU request over its limit. Both are predictor fields
      // (not the model container's), which models written by others set.
      const specs = {
        badsel: {
          fields: { nodeSelector: { "Bad Key": "x" } },
          words: /spec\.predictor\.nodeSelector "Bad Key=x" is not a qualified name/,
        },
        overlimit: {
          fields: { resources: { requests: { cpu: "2" }, limits: { cpu: "1" } } },
          words:
            /spec\.predictor\.resources cpu: the request 2 is more than the limit 1, which the API server refuses/,
        },
      };
      const files: Record<string, string> = {};
      for (const [name, { fields }] of Object.entries(specs)) {
        files[name] = `${dir.path}/${name}.json`;
        await Deno.writeTextFile(
          files[name]!,
          JSON.stringify({
            apiVersion: "serving.kserve.io/v1beta1",
            kind: "InferenceService",
            metadata: { name },
            spec: {
              predictor: {
                ...fields,
                model: { modelFormat: { name: "sklearn" }, storageUri: "gs://a/b" },
              },
            },
          }),
        );
      }
      await assertUnchangedBy("refused predictor fields", async () => {
        for (const [name, { words }] of Object.entries(specs)) {
          const refused = await plugin(["deploy", "-n", "models", "-f", files[name]!]);
          assert.equal(refused.code, 2, refused.stderr);
          assert.match(refused.stderr, words);
        }
      });
      for (const name of Object.keys(specs)) {
        await kubectlOk(["apply", "-n", "models", "-f", files[name]!]);
      }
      const check = await runCheck(["-n", "models"], adminKubeconfig());
      const [ready, spec] = [check.byId("models.ready")!, check.byId("models.spec")!];
      for (const [name, { words }] of Object.entries(specs)) {
        const named = new RegExp(`models/${name}: ${words.source}`);
        assert.match(spec.error!, named);
        assert.match(ready.error!, named);
        const status = await plugin(["status", name, "-n", "models"]);
        assert.equal(status.code, 1, status.stdout + status.stderr);
        assert.match(status.stdout, new RegExp(`Diagnosis: +${named.source}`));
      }
      assert.equal(ready.transient, undefined, "needs a fix: not retried under --wait");
      assert.equal(spec.transient, undefined);
      assert.match(ready.hint!, /kubectl kserve status \S+ -n models/);
      assert.doesNotMatch(ready.hint!, /NAME|NAMESPACE/);
      for (const name of Object.keys(specs)) {
        await kubectlOk(["delete", "isvc", name, "-n", "models", "--wait=false"]);
      }
    },
  );

  await t.step(
    "a user with edit rights in one namespace gets the kserve backend, never a silent Deployment",
    async () => {
      // Field report: such a user got "Using the deployment backend (KServe is not installed)"
      // and a plain Deployment, in a cluster where KServe is installed.
      await using kubeconfig = await namespaceEditorKubeconfig("models");
      const env = { KUBECONFIG: kubeconfig.path };
      const result = await runPlugin(["deploy", "edited", "-n", "models", ...SKLEARN], { env });
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stderr,
        /Using the kserve backend \(serving\.kserve\.io is served; these credentials may not read its controller/,
      );
      await kubectlOk(["get", "inferenceservice", "edited", "-n", "models"]);
      assert.notEqual(
        (await kubectl(["get", "deployment", "edited", "-n", "models"])).code,
        0,
        "no plain Deployment named after the model",
      );
      const version = await runPlugin(["version"], { env });
      assert.match(version.stdout, /KServe Version: unknown \(serving\.kserve\.io is served/);
      assert.doesNotMatch(version.stdout, /not installed/);
      await kubectlOk(["delete", "isvc", "edited", "-n", "models", "--wait=false"]);
      // status of a model that names no runtime, and for which KServe reports none (no runtime
      // serves its format): status would read the runtimes, which this user may not list
      // (403). Field report: status failed where deploy goes on without them.
      await applyYaml(`apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {name: unlisted, namespace: models}
spec:
  predictor:
    model: {modelFormat: {name: no-such-format}, storageUri: "gs://bucket/model"}
`);
      const shown = await runPlugin(["status", "unlisted", "-n", "models"], { env });
      assert.equal(shown.code, 1, shown.stdout + shown.stderr);
      assert.match(shown.stdout, /^Name: +unlisted$/m);
      assert.match(
        shown.stdout,
        /^Runtime: +not known yet \(KServe chooses one for no-such-format, protocol v1; these credentials may not list the runtimes\)$/m,
      );
      assert.doesNotMatch(shown.stderr, /forbidden/i);
      await kubectlOk(["delete", "isvc", "unlisted", "-n", "models", "--wait=false"]);
      // Its sibling: an unreachable server is an error before any backend is chosen.
      const refused = await runPlugin(["deploy", "x", "-n", "models", ...SKLEARN], {
        env: { KUBECONFIG: await unreachableKubeconfig(kubeconfig.path) },
      });
      assert.equal(refused.code, 1);
      assert.doesNotMatch(refused.stderr, /Using the .* backend/);
      assert.match(refused.stderr, /Cannot reach/);
    },
  );

  await t.step(
    "delete waits until the model is gone, and refuses when the controller is down",
    async () => {
      const deleted = await plugin(["delete", "iris", "-n", "models"]);
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.notEqual((await kubectl(["get", "isvc", "iris", "-n", "models"])).code, 0);
      await scaleController(0);
      await kubectlOk([
        "wait",
        "--for=delete",
        "pod",
        "-l",
        "control-plane=kserve-controller-manager",
        "-n",
        "kserve",
        "--timeout=60s",
      ]);
      const refused = await plugin(["delete", "old", "-n", "models"]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /would hang in Terminating/);
      assert.match(refused.stderr, /kubectl kserve check/);
    },
  );
  await resetCluster();
});

Deno.test("kserve backend on v0.20.0: the mode annotation is Standard, the model becomes Ready, a re-created model's status shows none of the deleted one's events, and a re-deploy's --wait waits for its rollout", async () => {
  await freshInstall("v0.20.0");
  const deploy = ["deploy", "iris", "-n", "models", ...SKLEARN, "--mode", "raw", "--wait"];
  const result = await plugin([...deploy, "--timeout", "2m"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(await deploymentModeOf("iris", "models"), "Standard");
  const isvc = await kubectlJson<{ status: { conditions: { type: string; status: string }[] } }>(
    ["get", "isvc", "iris", "-n", "models", "-o", "json"],
  );
  assert.equal(isvc.status.conditions.find((c) => c.type === "Ready")?.status, "True");

  // Field report: status showed the events of a deleted earlier model of the same name.
  const earlier = await kubectlJson<{ items: { involvedObject: { uid: string } }[] }>(
    ["get", "events", "-n", "models", "-o", "json"],
  );
  const oldUids = new Set(earlier.items.map((e) => e.involvedObject.uid));
  assert.ok(oldUids.size > 0, "the first model has events");
  // Field report: delete returned while the predictor Deployment was still there, and the
  // deploy right after it was called ready on the old pod. delete returns once what the model
  // owned is gone, and --wait judges the new InferenceService's own Deployment.
  assert.equal((await plugin(["delete", "iris", "-n", "models"])).code, 0);
  const owned = await kubectlJson<{ items: { kind: string; metadata: { name: string } }[] }>(
    ["get", "deployments,replicasets,pods", "-n", "models", "-l", ISVC_IRIS, "-o", "json"],
  );
  assert.deepEqual(owned.items.map((o) => `${o.kind}/${o.metadata.name}`), []);
  const again = await plugin([...deploy, "--timeout", "2m"]);
  assert.equal(again.code, 0, again.stderr);
  await assertServedByCurrent("iris");
  const status = JSON.parse(
    (await plugin(["status", "iris", "-n", "models", "-o", "json"])).stdout,
  );
  const uids: string[] = status.events.map((e: { uid: string }) => e.uid);
  assert.ok(uids.length > 0, "the new model has events of its own");
  assert.deepEqual(uids.filter((uid) => oldUids.has(uid)), []);
  const left = await kubectlJson<{ items: { involvedObject: { uid: string } }[] }>(
    ["get", "events", "-n", "models", "-o", "json"],
  );
  assert.ok(
    left.items.some((e) => oldUids.has(e.involvedObject.uid)),
    "the deleted model's events are still there to be left out",
  );

  // Its sibling: deleted by kubectl (background: the garbage collector removes the predictor
  // Deployment later; a finalizer holds it here), the old Deployment is still Available when
  // the same name is deployed again. --wait is not ready until the new object's own is.
  await holdPredictor(["kubectl-kserve.test/hold"]);
  await kubectlOk(["delete", "isvc", "iris", "-n", "models"]);
  const waiting = plugin([...deploy, "--timeout", "2m"]);
  const early = await Promise.race([
    waiting.then(() => "returned"),
    new Promise((resolve) => setTimeout(() => resolve("waiting"), 20_000)),
  ]);
  await holdPredictor(null);
  const renewed = await waiting;
  assert.equal(early, "waiting", `ready on the deleted model's Deployment: ${renewed.stderr}`);
  assert.equal(renewed.code, 0, renewed.stderr);
  await assertServedByCurrent("iris");

  // Field report: a re-deploy whose new pod crashed said "ready" at once (v0.20.0 keeps a raw
  // model Ready while its old pod serves). --wait now waits for the predictor's rollout too.
  const served = [
    "deploy",
    "served",
    "-n",
    "models",
    ...SKLEARN,
    "--image",
    "kubectl-kserve.test/model-server:v1",
    "--wait",
    "--timeout",
    "90s",
  ];
  const first = await plugin(served);
  assert.equal(first.code, 0, first.stderr);
  const crashing = await plugin([...served, "--arg=--model_name="]);
  assert.equal(crashing.code, 1, crashing.stderr);
  assert.match(crashing.stderr, /served-predictor-.*CrashLoopBackOff/);
  // status while the old pod serves: Ready (KServe's own condition) with the rollout that is not
  // complete, and the new pod's CrashLoopBackOff rather than its phase.
  const shown = await plugin(["status", "served", "-n", "models"]);
  assert.equal(shown.code, 0, shown.stdout + shown.stderr);
  assert.match(shown.stdout, /Ready: {6}True/);
  assert.match(shown.stdout, /Rollout: {4}in progress \(Deployment served-predictor: /);
  assert.match(shown.stdout, /served-predictor-\S+ {2}CrashLoopBackOff/);
  assert.match(shown.stdout, /Warning: {4}the old pods serve while the rollout/);
  const fixed = await plugin(served);
  assert.equal(fixed.code, 0, fixed.stderr);
  // Read from the object: the rollout of the fixed spec is complete, no crashing pod left.
  const deployment = await kubectlJson<{
    spec: { replicas: number; template: { spec: { containers: { args?: string[] }[] } } };
    status: { replicas?: number; updatedReplicas?: number; availableReplicas?: number };
  }>(["get", "deployment", "served-predictor", "-n", "models", "-o", "json"]);
  assert.ok(!deployment.spec.template.spec.containers[0]?.args?.includes("--model_name="));
  assert.deepEqual(
    [
      deployment.status.replicas,
      deployment.status.updatedReplicas,
      deployment.status.availableReplicas,
    ],
    [deployment.spec.replicas, deployment.spec.replicas, deployment.spec.replicas],
  );

  // A re-deploy's --wait judged the old Deployment, rolled out and Ready, when KServe had not
  // rendered the new spec into it yet. The moment is held open: KServe's leader lease is taken,
  // so its restarted controller serves its webhooks (the apply passes) but reconciles nothing.
  const controllerRestarts = async () =>
    (await kserveControllerPods<{ status: { containerStatuses?: { restartCount: number }[] } }>())
      .flatMap((p) => p.status.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0);
  const restarted = await controllerRestarts();
  const lease = ["lease", "kserve-controller-manager-leader-lock", "-n", "kserve"];
  const now = new Date().toISOString().replace(/Z$/, "000Z");
  await kubectlOk([
    "patch",
    ...lease,
    "--type=merge",
    "-p",
    JSON.stringify({
      spec: {
        holderIdentity: "kubectl-kserve.test/hold",
        leaseDurationSeconds: 3600,
        acquireTime: now,
        renewTime: now,
      },
    }),
  ]);
  await waitFor(
    "KServe's controller to give up its lease",
    async () => await controllerRestarts() > restarted,
    { timeoutMs: 90_000 },
  );
  await waitFor(
    "KServe's webhook to answer",
    async () =>
      (await run("kubectl", ["create", "--dry-run=server", "-f", "-"], {
        stdin: inferenceServiceJson({ name: "probe", namespace: "models" }, "sklearn"),
      })).success,
    { timeoutMs: 90_000 },
  );
  const renamed = plugin([...served.slice(0, -1), "2m", "--env", "GENERATION=next"]);
  const held = await Promise.race([
    renamed.then(() => "returned"),
    new Promise((resolve) => setTimeout(() => resolve("waiting"), 20_000)),
  ]);
  await kubectlOk(["delete", ...lease]);
  const rendered = await renamed;
  assert.equal(held, "waiting", `ready before KServe rendered the new spec: ${rendered.stderr}`);
  assert.equal(rendered.code, 0, rendered.stderr);
  const template = await kubectlJson<{
    spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } };
  }>(["get", "deployment", "served-predictor", "-n", "models", "-o", "json"]);
  assert.ok(
    template.spec.template.spec.containers[0]?.env?.some((e) =>
      e.name === "GENERATION" && e.value === "next"
    ),
    "the Deployment runs the new spec when --wait returns",
  );
  await resetCluster();
});
