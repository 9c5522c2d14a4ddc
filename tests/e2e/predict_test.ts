/**
 * predict end to end: through the API server's service proxy to a model server in a pod. The pod
 * runner plays the test-only image kubectl-kserve.test/model-server (tests/doubles/
 * model_server.ts: KServe's v1 and v2 protocols, class = round(sum of features) mod 3, and an
 * OpenAI chat route that answers "<model> heard: <message>"), first
 * behind the deployment backend, then behind a real KServe's InferenceService. The KServe test
 * installs on a reset cluster, and the file resets the cluster again at its end.
 */
import assert from "node:assert/strict";
import {
  adminKubeconfig,
  kubectlJson,
  kubectlOk,
  resetCluster,
  say,
  tempDir,
  waitFor,
  withNamespace,
} from "../support/cluster.ts";
import { runPlugin } from "../support/plugin.ts";
import { installKServe, MODEL_SERVER_IMAGE } from "../support/kserve.ts";

/** [6.8, 2.8, 4.8, 1.4] sums to 15.8 -> 16 -> class 1; [1, 1, 0.2, 0] -> 2; [3, 0, 0, 0] -> 0. */
const INSTANCES = [[6.8, 2.8, 4.8, 1.4], [1, 1, 0.2, 0], [3, 0, 0, 0]];
const V1_REQUEST = JSON.stringify({ instances: INSTANCES });
const V2_REQUEST = JSON.stringify({
  id: "req-1",
  inputs: [{ name: "input-0", shape: [3, 4], datatype: "FP32", data: INSTANCES.flat() }],
});

async function predict(namespace: string, name: string, args: string[], stdin?: string) {
  return await runPlugin(["predict", name, "-n", namespace, ...args], {
    env: { KUBECONFIG: adminKubeconfig() },
    stdin,
  });
}

/** v1, v2 and a chat through the proxy, for a model named `name` (the server's --model_name). */
async function assertPredicts(namespace: string, name: string): Promise<void> {
  const v1 = await predict(namespace, name, ["-d", V1_REQUEST]);
  assert.equal(v1.code, 0, v1.stderr);
  assert.deepEqual(JSON.parse(v1.stdout), { predictions: [1, 2, 0] });
  assert.match(v1.stdout, /^\{\n {2}"predictions": \[/, "the answer is pretty-printed");

  const v2 = await predict(namespace, name, ["--protocol", "v2", "-d", V2_REQUEST]);
  assert.equal(v2.code, 0, v2.stderr);
  const answer = JSON.parse(v2.stdout);
  assert.equal(answer.model_name, name);
  assert.equal(answer.id, "req-1");
  assert.deepEqual(answer.outputs, [
    { name: "output-0", shape: [3], datatype: "INT64", data: [1, 2, 0] },
  ]);

  // An LLM's question: an OpenAI chat completion naming the model; the answer alone is printed.
  const chat = await predict(namespace, name, ["--chat", "What is KServe?"]);
  assert.equal(chat.code, 0, chat.stderr);
  assert.equal(chat.stdout, `${name} heard: What is KServe?\n`);
  const whole = await predict(namespace, name, ["--chat", "Hi", "-o", "json"]);
  assert.equal(whole.code, 0, whole.stderr);
  assert.equal(JSON.parse(whole.stdout).choices[0].message.content, `${name} heard: Hi`);
}

/** The deployment backend serving the model server as "toy" on port 8080. */
const deployToy = (ns: string) => [
  "deploy",
  "toy",
  "-n",
  ns,
  "--backend",
  "deployment",
  "--image",
  MODEL_SERVER_IMAGE,
  "--arg=--model_name=toy",
  "--arg=--http_port=8080",
  "--port",
  "8080",
];

Deno.test("predict through the service proxy with the deployment backend: v1, v2, OpenAI chat, @file, @-, bad input", async () => {
  await withNamespace("predict-plain", async (ns) => {
    let start = Date.now();
    const deployed = await runPlugin([...deployToy(ns), "--wait", "--timeout", "60s"], {
      env: { KUBECONFIG: adminKubeconfig() },
    });
    assert.equal(deployed.code, 0, deployed.stderr);
    say(`deploy --wait (deployment backend) took ${((Date.now() - start) / 1000).toFixed(1)}s`);

    start = Date.now();
    await assertPredicts(ns, "toy");
    say(`v1 and v2 predict took ${((Date.now() - start) / 1000).toFixed(1)}s`);

    await using dir = await tempDir();
    const file = `${dir.path}/request.json`;
    await Deno.writeTextFile(file, JSON.stringify({ instances: [[0.4, 0.4, 0.4, 0.4]] }));
    const fromFile = await predict(ns, "toy", ["-d", `@${file}`]);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.deepEqual(JSON.parse(fromFile.stdout), { predictions: [2] });

    const fromStdin = await predict(ns, "toy", ["-d", "@-"], V1_REQUEST);
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    assert.deepEqual(JSON.parse(fromStdin.stdout), { predictions: [1, 2, 0] });

    // A whole OpenAI body with -d: sent as it is, so a wrong model name is the server's 404.
    const otherModel = await predict(ns, "toy", [
      "--protocol",
      "openai",
      "-d",
      JSON.stringify({ model: "other", messages: [{ role: "user", content: "Hi" }] }),
    ]);
    assert.equal(otherModel.code, 1, otherModel.stderr);
    assert.match(otherModel.stderr, /The model server answered HTTP 404: .*other does not exist/);
    assert.match(otherModel.stderr, /against the openai protocol/);

    // Refused before anything is sent.
    for (
      const [args, message] of [
        [[], /predict needs a request/],
        [["--chat", "Hi", "-d", V1_REQUEST], /-d and --chat both give the request/],
        [["--chat", "Hi", "--protocol", "v1"], /--chat sends an OpenAI chat completion, not a v1/],
      ] as const
    ) {
      const refused = await predict(ns, "toy", [...args]);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, message);
      assert.doesNotMatch(refused.stderr, /\n\s+at /, "no stack trace without -v");
    }
    const invalid = await predict(ns, "toy", ["-d", '{"instances": [[1, 2]']);
    assert.equal(invalid.code, 2, invalid.stderr);
    assert.match(invalid.stderr, /The request body is not valid JSON/);
    const missingFile = await predict(ns, "toy", ["-d", `@${dir.path}/missing.json`]);
    assert.equal(missingFile.code, 2, missingFile.stderr);
    assert.match(missingFile.stderr, /Cannot read .*missing\.json/);
    const protocol = await predict(ns, "toy", ["--protocol", "v3", "-d", V1_REQUEST]);
    assert.equal(protocol.code, 2, protocol.stderr);
    assert.match(protocol.stderr, /Unknown protocol "v3"/);

    // The model server's own refusal comes back as a failure with its message.
    const rejected = await predict(ns, "toy", ["-d", '{"instances": "not a list"}']);
    assert.equal(rejected.code, 1, rejected.stderr);
    assert.match(rejected.stderr, /Expected \\?"instances\\?" to be a list/);

    const unknown = await predict(ns, "nothing-here", ["-d", V1_REQUEST]);
    assert.equal(unknown.code, 1, unknown.stderr);
    assert.match(unknown.stderr, new RegExp(`No model "nothing-here" in namespace ${ns}`));

    // The API server's own answers are not the model server's. A Service port nothing listens
    // on: the proxy cannot connect (not "no ready endpoint": the endpoint is ready).
    await kubectlOk([
      "patch",
      "service",
      "toy",
      "-n",
      ns,
      "--type=json",
      "-p",
      '[{"op": "replace", "path": "/spec/ports/0/targetPort", "value": 9999}]',
    ]);
    const refused = await waitFor("predict to be refused by the pod's port", async () => {
      const r = await predict(ns, "toy", ["-d", V1_REQUEST]);
      return r.code === 1 && /could not reach toy's pod/.test(r.stderr) ? r : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    assert.match(refused.stderr, /through Service .*\/toy .*connection refused/);
    assert.doesNotMatch(refused.stderr, /model server answered|no ready endpoint/);
    // No Service at all: the API server's 404, named as such.
    await kubectlOk(["delete", "service", "toy", "-n", ns, "--wait"]);
    const noService = await predict(ns, "toy", ["-d", V1_REQUEST]);
    assert.equal(noService.code, 1, noService.stderr);
    assert.match(noService.stderr, new RegExp(`Service ${ns}/toy not found`));
    assert.doesNotMatch(noService.stderr, /model server answered/);
    assert.match(noService.stderr, new RegExp(`kubectl kserve status toy -n ${ns}`));
    // deploy again puts the Service back (nothing else changed).
    const restored = await runPlugin(deployToy(ns), { env: { KUBECONFIG: adminKubeconfig() } });
    assert.equal(restored.code, 0, restored.stderr);
    await waitFor("predict to serve again", async () => {
      const r = await predict(ns, "toy", ["-d", V1_REQUEST]);
      return r.code === 0 ? r : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500 });

    // No ready pod: the proxy's 503 becomes "no ready endpoint" with a hint at status.
    await kubectlOk(["scale", "deployment", "toy", "-n", ns, "--replicas=0"]);
    const down = await waitFor("predict to find no endpoint", async () => {
      const r = await predict(ns, "toy", ["-d", V1_REQUEST]);
      return r.code === 1 && /has no ready endpoint/.test(r.stderr) ? r : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    assert.match(down.stderr, /kubectl kserve status toy/);
  });
});

Deno.test("predict through the service proxy to a KServe InferenceService's predictor (v1, v2 and OpenAI chat)", async () => {
  try {
    say(`cluster reset in ${(await resetCluster()).toFixed(1)}s`);
    await using cache = await tempDir();
    const env = { KUBECONFIG: adminKubeconfig(), XDG_CACHE_HOME: cache.path };
    let start = Date.now();
    // Two minutes a request: other clusters share the machine's two cores.
    await installKServe(["--request-timeout", "2m"]);
    say(`install took ${((Date.now() - start) / 1000).toFixed(1)}s`);

    await kubectlOk(["create", "namespace", "models"]);
    start = Date.now();
    const deployed = await runPlugin([
      "deploy",
      "iris",
      "-n",
      "models",
      "--model-format",
      "sklearn",
      "--storage-uri",
      "gs://kfserving-examples/models/sklearn/1.0/model",
      "--image",
      MODEL_SERVER_IMAGE,
      "--wait",
      "--timeout",
      "90s",
    ], { env });
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.match(deployed.stderr, /in-cluster address: +http:\/\/iris-predictor\.models\.svc/);
    say(`deploy --wait (kserve backend) took ${((Date.now() - start) / 1000).toFixed(1)}s`);

    // KServe kept the image override and took the runtime's args, with {{.Name}} filled in.
    const pods = await kubectlJson<{
      items: { spec: { containers: { name: string; image: string; args?: string[] }[] } }[];
    }>(["get", "pods", "-n", "models", "-l", "serving.kserve.io/inferenceservice=iris"]);
    const container = pods.items[0]?.spec.containers.find((c) => c.name === "kserve-container");
    assert.equal(container?.image, MODEL_SERVER_IMAGE);
    assert.ok(container?.args?.includes("--model_name=iris"), JSON.stringify(container?.args));
    assert.ok(container?.args?.includes("--http_port=8080"), JSON.stringify(container?.args));
    const svc = await kubectlJson<{ spec: { ports: { port: number; targetPort: number }[] } }>(
      ["get", "service", "iris-predictor", "-n", "models"],
    );
    assert.deepEqual(svc.spec.ports.map((p) => [p.port, p.targetPort]), [[80, 8080]]);

    start = Date.now();
    await assertPredicts("models", "iris");
    say(`v1 and v2 predict took ${((Date.now() - start) / 1000).toFixed(1)}s`);
  } finally {
    // Leave an empty cluster for the other test files.
    say(`cluster reset in ${(await resetCluster()).toFixed(1)}s`);
  }
});
