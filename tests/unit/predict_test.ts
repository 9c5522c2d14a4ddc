/**
 * predict's failures are told apart by who answered through the service proxy: the API server
 * (a Status body) or the model server (anything else). Bodies are the ones the API server and
 * KServe's model servers send.
 */
import assert from "node:assert/strict";
import { errorFromResponse, type RequestTarget } from "../../lib/kube/errors.ts";
import { predictFailure } from "../../lib/models/proxy.ts";

const target: RequestTarget = {
  method: "POST",
  path: "/api/v1/namespaces/team/services/toy:80/proxy/v1/models/toy:predict",
  server: "https://10.0.0.1:6443",
  contextName: "prod",
  userName: "alice",
  caSource: "file /etc/ca.crt",
};
const model = { name: "toy", namespace: "team", service: "toy", protocol: "v1" as const };

function failure(code: number, body: string) {
  const error = predictFailure(errorFromResponse(target, code, body), model);
  assert.ok(error, `HTTP ${code} maps to a predict failure`);
  return error;
}

function status(code: number, message: string, reason: string, details?: object): string {
  return JSON.stringify({ kind: "Status", apiVersion: "v1", code, message, reason, details });
}

Deno.test("predictFailure() names a missing Service as the API server's answer, not the model server's", () => {
  const error = failure(
    404,
    status(404, 'services "toy" not found', "NotFound", { name: "toy", kind: "services" }),
  );
  assert.match(error.message, /^Service team\/toy not found/);
  assert.doesNotMatch(error.message, /model server answered/);
  assert.match(error.hint ?? "", /kubectl kserve status toy -n team/);
});

Deno.test("predictFailure() calls 'no endpoints available' transient: no pod is ready yet", () => {
  const error = failure(
    503,
    status(503, 'no endpoints available for service "toy"', "ServiceUnavailable"),
  );
  assert.match(error.message, /toy has no ready endpoint to answer \(transient/);
});

Deno.test("predictFailure() tells a refused connection to the pod from a missing endpoint", () => {
  const message =
    "error trying to reach service: dial tcp 10.244.0.7:9999: connect: connection refused";
  for (const code of [502, 503]) {
    const error = failure(code, status(code, message, "ServiceUnavailable"));
    assert.match(error.message, /could not reach toy's pod through Service team\/toy/);
    assert.match(error.message, /connection refused/);
    assert.doesNotMatch(error.message, /no ready endpoint/);
  }
});

Deno.test("predictFailure() reports the model server's own answers as its, whatever the code", () => {
  const refused = failure(400, JSON.stringify({ error: 'Expected "instances" to be a list' }));
  assert.match(refused.message, /^The model server answered HTTP 400: .*instances/);
  // KServe's model server answers 503 itself while a model loads; that is not the proxy's 503.
  const loading = failure(503, JSON.stringify({ error: "Model with name toy is not ready." }));
  assert.match(loading.message, /^The model server answered HTTP 503/);
  const notFound = failure(404, JSON.stringify({ error: "Model with name tox does not exist." }));
  assert.match(notFound.message, /^The model server answered HTTP 404/);
});

Deno.test("predictFailure() leaves the API server's 401 and 403 to their own messages", () => {
  assert.equal(
    predictFailure(
      errorFromResponse(target, 403, status(403, "forbidden", "Forbidden")),
      model,
    ),
    undefined,
  );
});

Deno.test("predictRequest(): -d or --chat, never both or neither; --chat is OpenAI only", async () => {
  const { predictRequest } = await import("../../lib/args/predict.ts");
  const { UsageError } = await import("../../lib/errors.ts");
  assert.deepEqual(predictRequest({ data: "{}" }), { protocol: "v1", data: "{}" });
  assert.deepEqual(predictRequest({ data: "{}", protocol: "openai" }), {
    protocol: "openai",
    data: "{}",
  });
  assert.deepEqual(predictRequest({ chat: "Hi" }), { protocol: "openai", chat: "Hi" });
  assert.deepEqual(predictRequest({ chat: "Hi", protocol: "openai" }), {
    protocol: "openai",
    chat: "Hi",
  });
  assert.throws(() => predictRequest({}), UsageError, "predict needs a request");
  assert.throws(() => predictRequest({ data: "{}", chat: "Hi" }), /-d and --chat both/);
  assert.throws(
    () => predictRequest({ chat: "Hi", protocol: "v2" }),
    /--chat sends an OpenAI chat completion, not a v2 request/,
  );
  assert.throws(() => predictRequest({ chat: "  " }), /--chat needs a message/);
});

Deno.test("predictPath(): an OpenAI chat completion goes to the predictor's /openai/v1/chat/completions", async () => {
  const { predictPath } = await import("../../lib/commands/predict.ts");
  assert.equal(
    predictPath("kserve", "llm", "qwen", "openai"),
    "/api/v1/namespaces/llm/services/qwen-predictor:80/proxy/openai/v1/chat/completions",
  );
});

Deno.test("predictPathOf(): a kind with its own OpenAI address (vLLM on an LLMInferenceService's workload) takes chat there; the rest stays at KServe's routes", async () => {
  const { predictPathOf } = await import("../../lib/models/routes.ts");
  const { INFERENCE_SERVICE } = await import("../../lib/models/inference_service.ts");
  const vllm = {
    ...INFERENCE_SERVICE,
    openaiPath: (namespace: string, name: string) =>
      `/api/v1/namespaces/${namespace}/services/https:${name}-kserve-workload-svc:8000/proxy/v1/chat/completions`,
  };
  assert.equal(
    predictPathOf(vllm, "llm", "qwen", "openai"),
    "/api/v1/namespaces/llm/services/https:qwen-kserve-workload-svc:8000/proxy/v1/chat/completions",
  );
  assert.equal(
    predictPathOf(vllm, "llm", "qwen", "v1"),
    "/api/v1/namespaces/llm/services/qwen-predictor:80/proxy/v1/models/qwen:predict",
  );
});

Deno.test("predictPathOf(): a Knative-mode InferenceService is reached through the revision serving most of its traffic, a Standard one through NAME-predictor", async () => {
  const { predictPathOf } = await import("../../lib/models/routes.ts");
  const { INFERENCE_SERVICE } = await import("../../lib/models/inference_service.ts");
  const { servingRevision } = await import("../../lib/kserve/traffic.ts");
  const isvc = (predictor?: object) => ({
    apiVersion: "serving.kserve.io/v1beta1",
    kind: "InferenceService",
    metadata: { name: "iris", namespace: "ml" },
    status: predictor ? { components: { predictor } } : {},
  });
  // A canary at 10%: the previous revision still serves 90%.
  const canary = {
    latestReadyRevision: "iris-predictor-00002",
    traffic: [
      { revisionName: "iris-predictor-00002", latestRevision: true, percent: 10, tag: "latest" },
      { revisionName: "iris-predictor-00001", latestRevision: false, percent: 90, tag: "prev" },
    ],
  };
  assert.equal(
    predictPathOf(INFERENCE_SERVICE, "ml", "iris", "v1", isvc(canary)),
    "/api/v1/namespaces/ml/services/iris-predictor-00001-private:80/proxy/v1/models/iris:predict",
  );
  // Chat takes the same way (KServe's OpenAI route on the same server).
  assert.equal(
    predictPathOf(INFERENCE_SERVICE, "ml", "iris", "openai", isvc(canary)),
    "/api/v1/namespaces/ml/services/iris-predictor-00001-private:80/proxy/openai/v1/chat/completions",
  );
  // A tie goes to the newest; a split with no Route yet falls back to the latest ready.
  assert.equal(
    servingRevision(isvc({
      latestCreatedRevision: "iris-predictor-00002",
      traffic: [
        { revisionName: "iris-predictor-00001", percent: 50 },
        { revisionName: "iris-predictor-00002", latestRevision: true, percent: 50 },
      ],
    })),
    "iris-predictor-00002",
  );
  assert.equal(
    servingRevision(isvc({ latestReadyRevision: "iris-predictor-00003" })),
    "iris-predictor-00003",
  );
  // Standard mode reports no revisions: the predictor's own Service.
  assert.equal(
    predictPathOf(INFERENCE_SERVICE, "ml", "iris", "v2", isvc()),
    "/api/v1/namespaces/ml/services/iris-predictor:80/proxy/v2/models/iris/infer",
  );
});
