/** deploy --llm's planning on plain data: the manifest per version, its flags, the condition tree, GPUs. */
import assert from "node:assert/strict";
import { parseCommandLine } from "../../lib/cli.ts";
import { buildLLMInferenceService } from "../../lib/deploy/llm_spec.ts";
import type { DeployRequest, LLMRequest } from "../../lib/deploy/spec.ts";
import { gpuProblem } from "../../lib/deploy/gpus.ts";
import { UsageError } from "../../lib/errors.ts";
import {
  conditionTree,
  failingLeaf,
  llmServesTls,
} from "../../lib/kserve/llm_inference_service.ts";
import { checkLLMFlags } from "../../lib/models/llm_plan.ts";
import { stoppedOnPurpose } from "../../lib/models/kind.ts";
import { predictPathOf } from "../../lib/models/routes.ts";
import { kindOf } from "../../lib/models/kinds.ts";

const request = (extra: Partial<DeployRequest> = {}): DeployRequest => ({
  name: "opt",
  namespace: "models",
  backend: "llm",
  storageUri: "hf://facebook/opt-125m",
  args: [],
  env: {},
  annotations: {},
  labels: {},
  ...extra,
});
const ROUTED: LLMRequest = { router: true, scheduler: true };

Deno.test("deploy --llm writes the version it is given, with the model, replicas, main container and router", () => {
  for (const version of ["v1alpha1", "v1alpha2"]) {
    const object = buildLLMInferenceService(
      request({ gpu: 2, cpu: "4", args: ["--max-model-len=2048"], env: { VLLM_LOGGING: "DEBUG" } }),
      { ...ROUTED, modelName: "opt", replicas: 2 },
      version,
    );
    assert.deepEqual(object, {
      apiVersion: `serving.kserve.io/${version}`,
      kind: "LLMInferenceService",
      metadata: { name: "opt", namespace: "models" },
      spec: {
        model: { uri: "hf://facebook/opt-125m", name: "opt" },
        replicas: 2,
        template: {
          containers: [{
            name: "main",
            args: ["--max-model-len=2048"],
            env: [{ name: "VLLM_LOGGING", value: "DEBUG" }],
            resources: {
              requests: { cpu: "4", "nvidia.com/gpu": "2" },
              limits: { cpu: "4", "nvidia.com/gpu": "2" },
            },
          }],
        },
        router: { route: {}, gateway: {}, scheduler: {} },
      },
    });
  }
});

Deno.test("deploy --llm: --no-scheduler drops the scheduler, --gateway names the Gateway, --no-router writes none", () => {
  const spec = (llm: LLMRequest) =>
    (buildLLMInferenceService(request(), llm, "v1alpha2") as {
      spec: Record<string, unknown>;
    }).spec;
  assert.deepEqual(spec({ router: true, scheduler: false }).router, { route: {}, gateway: {} });
  assert.deepEqual(
    spec({ router: true, scheduler: true, gateway: { namespace: "gw", name: "edge" } }).router,
    { route: {}, gateway: { refs: [{ name: "edge", namespace: "gw" }] }, scheduler: {} },
  );
  // Only what the flags say: no template without container flags, no replicas without --replicas.
  assert.deepEqual(spec({ router: false, scheduler: true }), {
    model: { uri: "hf://facebook/opt-125m" },
  });
});

Deno.test("deploy --llm's flags parse into the request; its own flags need --llm", async () => {
  const invocation = await parseCommandLine([
    "deploy",
    "opt",
    "--llm",
    "--storage-uri",
    "hf://facebook/opt-125m",
    "--replicas",
    "0",
    "--no-scheduler",
    "--gateway",
    "gw/edge",
  ]);
  assert.equal((invocation as { backend?: string }).backend, "llm");
  assert.deepEqual((invocation as { request: { llm?: LLMRequest } }).request.llm, {
    replicas: 0,
    router: true,
    scheduler: false,
    gateway: { namespace: "gw", name: "edge" },
  });
  for (
    const [argv, pattern] of [
      [
        ["deploy", "opt", "--replicas", "1", "--model-format", "sklearn"],
        /--replicas applies only to --llm/,
      ],
      [["deploy", "opt", "--llm", "--no-router", "--gateway", "a/b"], /contradict/],
      [["deploy", "opt", "--llm", "--gateway", "edge"], /expected NAMESPACE\/NAME/],
      [["deploy", "opt", "--llm", "--backend", "kserve"], /two different kinds/],
    ] as const
  ) {
    await assert.rejects(parseCommandLine([...argv]), (e: Error) => {
      assert.ok(e instanceof UsageError, e.message);
      assert.match(e.message, pattern);
      return true;
    });
  }
});

Deno.test("deploy --llm refuses the InferenceService flags it has no field for, and a missing URI", () => {
  const base = { args: [], env: {}, annotations: {}, labels: {}, name: "opt" };
  assert.throws(
    () =>
      checkLLMFlags(
        { ...base, storageUri: "hf://a/b", modelFormat: { name: "sklearn" } },
        undefined,
      ),
    /--model-format does not apply to --llm/,
  );
  assert.throws(
    () => checkLLMFlags({ ...base, storageUri: "hf://a/b", minReplicas: 1 }, undefined),
    (e: UsageError) =>
      /--min-replicas does not apply/.test(e.message) && /--replicas N/.test(e.hint ?? ""),
  );
  assert.throws(() => checkLLMFlags(base, undefined), /Missing --storage-uri/);
  checkLLMFlags({ ...base, storageUri: "hf://a/b", gpu: 1 }, undefined);
});

Deno.test("the condition tree puts leaves under their rollup and finds the False leaf", () => {
  const conditions = [
    { type: "HTTPRoutesReady", status: "True" },
    { type: "MainWorkloadReady", status: "False", reason: "ReconcileWorkloadError", message: "x" },
    { type: "PresetsCombined", status: "True" },
    { type: "Ready", status: "False", reason: "ReconcileWorkloadError" },
    { type: "RouterReady", status: "True" },
    { type: "WorkloadsReady", status: "False", reason: "ReconcileWorkloadError" },
  ];
  assert.deepEqual(conditionTree(conditions).map((c) => `${c.depth}:${c.type}`), [
    "0:Ready",
    "1:PresetsCombined",
    "1:WorkloadsReady",
    "2:MainWorkloadReady",
    "1:RouterReady",
    "2:HTTPRoutesReady",
  ]);
  assert.equal(failingLeaf(conditions)?.type, "MainWorkloadReady");
  assert.equal(failingLeaf(conditions.map((c) => ({ ...c, status: "True" }))), undefined);
});

Deno.test("--gpu is refused when no schedulable node has that many, naming the nodes that have some", () => {
  const node = (name: string, gpus?: string, unschedulable?: boolean) => ({
    metadata: { name },
    spec: { unschedulable },
    status: { allocatable: { cpu: "32", ...(gpus ? { "nvidia.com/gpu": gpus } : {}) } },
  });
  const nodes = [node("a"), node("b", "2"), node("c", "4", true)];
  assert.equal(gpuProblem(nodes, 2), undefined);
  assert.equal(
    gpuProblem(nodes, 3),
    "--gpu 3: no node can run a pod with 3 nvidia.com/gpu (b has 2, c has 4 (cordoned))",
  );
  assert.match(gpuProblem([node("a")], 1)!, /no node offers nvidia.com\/gpu/);
});

Deno.test("each kind names its OpenAI server through the API server's proxy: vLLM on the workload Service, KServe's runtimes on the predictor", () => {
  assert.equal(
    predictPathOf(kindOf("llm"), "models", "opt", "openai"),
    "/api/v1/namespaces/models/services/opt-kserve-workload-svc:8000/proxy/v1/chat/completions",
  );
  assert.equal(
    predictPathOf(kindOf("kserve"), "models", "opt", "openai"),
    "/api/v1/namespaces/models/services/opt-predictor:80/proxy/openai/v1/chat/completions",
  );
  assert.equal(
    predictPathOf(kindOf("deployment"), "models", "opt", "openai"),
    "/api/v1/namespaces/models/services/opt:80/proxy/openai/v1/chat/completions",
  );
});

Deno.test("vLLM's scheme: the workload Service's port name from v1alpha2 (v0.17+); v0.16.0's Service says https while its presets serve HTTP", async () => {
  const service = (name: string) => () =>
    Promise.resolve({ spec: { ports: [{ name, port: 8000 }] } });
  const v1alpha2 = { apiVersion: "serving.kserve.io/v1alpha2" };
  assert.equal(await llmServesTls(v1alpha2, service("https")), true);
  assert.equal(await llmServesTls(v1alpha2, service("http")), false);
  assert.equal(
    await llmServesTls(v1alpha2, () => Promise.resolve(undefined)),
    false,
    "no Service yet",
  );
  let read = false;
  const v016 = { apiVersion: "serving.kserve.io/v1alpha1" };
  assert.equal(
    await llmServesTls(v016, () => {
      read = true;
      return service("https")();
    }),
    false,
  );
  assert.equal(read, false, "v0.16.0 needs no read");
  const llm = kindOf("llm");
  assert.equal(
    llm.openaiPath!("models", "opt", true),
    "/api/v1/namespaces/models/services/https:opt-kserve-workload-svc:8000/proxy/v1/chat/completions",
  );
});

Deno.test("chat asks an LLMInferenceService's vLLM for spec.model.name, the object's name when it has none (the controller's default)", () => {
  const llm = kindOf("llm");
  const object = (model: Record<string, string>) => ({ spec: { model } });
  assert.equal(
    llm.servedModel?.(object({ uri: "hf://facebook/opt-125m", name: "facebook/opt-125m" }), "opt"),
    "facebook/opt-125m",
  );
  assert.equal(llm.servedModel?.(object({ uri: "hf://facebook/opt-125m" }), "opt"), "opt");
  assert.equal(
    kindOf("kserve").servedModel,
    undefined,
    "KServe's runtimes serve the object's name",
  );
});

Deno.test("a model is stopped on purpose only when asked and its controller reports it done", () => {
  const annotated = { annotations: { "serving.kserve.io/stop": "True" } };
  const llmStopped = {
    status: { conditions: [{ type: "MainWorkloadReady", status: "False", reason: "Stopped" }] },
  };
  const isvcStopped = { status: { conditions: [{ type: "Stopped", status: "True" }] } };
  assert.equal(stoppedOnPurpose(kindOf("llm"), { metadata: annotated, ...llmStopped }), true);
  // Asked, not done (v0.16.0's llmisvc never does it): not stopped.
  assert.equal(stoppedOnPurpose(kindOf("llm"), { metadata: annotated }), false);
  // Done, no longer asked (a start the controller has not seen yet): not stopped either.
  assert.equal(stoppedOnPurpose(kindOf("llm"), llmStopped), false);
  assert.equal(stoppedOnPurpose(kindOf("kserve"), { metadata: annotated, ...isvcStopped }), true);
  assert.equal(stoppedOnPurpose(kindOf("deployment"), { metadata: annotated }), false);
});

Deno.test("the LLMInferenceService kind wires --hf-token-secret: the storage initializer's annotation and HF_TOKEN on the main container, its other env kept", () => {
  const object = buildLLMInferenceService(
    request({ env: { VLLM_LOGGING: "DEBUG" } }),
    ROUTED,
    "v1alpha2",
  );
  kindOf("llm").useHfToken!(object, "hf-token");
  const llm = object as {
    metadata: { annotations: Record<string, string> };
    spec: { template: { containers: { name: string; env: object[] }[] } };
  };
  assert.equal(llm.metadata.annotations["serving.kserve.io/storageSecretName"], "hf-token");
  assert.deepEqual(llm.spec.template.containers.map((c) => c.name), ["main"]);
  assert.deepEqual(llm.spec.template.containers[0]!.env, [
    { name: "VLLM_LOGGING", value: "DEBUG" },
    { name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: "hf-token", key: "HF_TOKEN" } } },
  ]);
  // No container of its own yet: the kind adds "main" for the token.
  const bare = buildLLMInferenceService(request(), ROUTED, "v1alpha2");
  kindOf("llm").useHfToken!(bare, "t");
  assert.deepEqual(
    (bare as typeof llm).spec.template.containers.map((c) => c.name),
    ["main"],
  );
});
