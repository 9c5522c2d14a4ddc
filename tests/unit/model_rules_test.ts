/** The model rules deploy applies before it sends and check and status apply to every model. */
import assert from "node:assert/strict";
import { modelProblems } from "../../lib/kserve/model_rules.ts";
import {
  placementFlags,
  placementProblem,
  readRuleContext,
} from "../../lib/kserve/model_context.ts";
import type { InferenceService } from "../../lib/kserve/inference_service.ts";

/** Model iris in `namespace` with the predictor's model spec `model`. */
function model(modelSpec: Record<string, unknown>, metadata: Record<string, unknown> = {}) {
  return {
    metadata: { name: "iris", namespace: "models", ...metadata },
    spec: { predictor: { model: { modelFormat: { name: "sklearn" }, ...modelSpec } } },
  } as InferenceService;
}

Deno.test("modelProblems(): a well-formed model breaks no rule", () => {
  assert.deepEqual(modelProblems(model({ storageUri: "gs://b/m" }), { namespaceLabels: {} }), []);
});

Deno.test("modelProblems(): each rule names the field, the value and the fix", () => {
  const words = (isvc: InferenceService, labels: Record<string, string> = {}) =>
    modelProblems(isvc, { namespaceLabels: labels }).map((p) => `${p.message}. Fix: ${p.fix}`);
  assert.match(
    words(model({ storageUri: "models/iris" }))[0]!,
    /^spec\.predictor\.model\.storageUri "models\/iris" has no scheme, which KServe's storage initializer cannot read\. Fix: Use one of the schemes .*gs:\/\//,
  );
  // The predictor shorthand (predictor.sklearn) is held to the same rule.
  const shorthand = {
    metadata: { name: "iris", namespace: "models" },
    spec: { predictor: { sklearn: { storageUri: "ftp://x/m" } } },
  } as InferenceService;
  assert.match(
    words(shorthand)[0]!,
    /^spec\.predictor\.sklearn\.storageUri "ftp:\/\/x\/m" has the scheme ftp:\/\//,
  );
  assert.match(
    words(model({ storageUri: "gs://b/m" }), { "control-plane": "x" })[0]!,
    /^namespace "models" is labelled control-plane, which KServe's pod mutator skips/,
  );
  assert.match(
    words(model({ storageUri: "gs://b/m" }, { name: "9iris" }))[0]!,
    /the name "9iris" is not a DNS-1123 label starting with a letter/,
  );
  assert.match(
    words(model({ storageUri: "gs://b/m" }, { labels: { "bad key!": "v" } }))[0]!,
    /^metadata\.labels "bad key!=v" is not a qualified name/,
  );
  assert.match(
    words(model({ storageUri: "gs://b/m", env: [{ name: "1X", value: "" }] }))[0]!,
    /^spec\.predictor\.model\.env "1X" is not an environment variable name/,
  );
  assert.match(
    words(
      model({
        storageUri: "gs://b/m",
        resources: { requests: { cpu: "2" }, limits: { cpu: "1" } },
      }),
    )[0]!,
    /^spec\.predictor\.model\.resources cpu: the request 2 is more than the limit 1, which the API server refuses/,
  );
  const long = modelProblems(model({ storageUri: "gs://b/m" }), {
    hostLabels: [`${"a".repeat(60)}-predictor-models`],
  });
  assert.match(
    long[0]!.message,
    /KServe would name its host "a{60}-predictor-models", 77 characters/,
  );
});

/** The predictor `fields` (beside its model) of iris, a sklearn model in namespace models. */
function predictor(fields: Record<string, unknown>, annotations: Record<string, string> = {}) {
  return {
    metadata: { name: "iris", namespace: "models", annotations },
    spec: {
      predictor: { ...fields, model: { modelFormat: { name: "sklearn" }, storageUri: "gs://b/m" } },
    },
  } as InferenceService;
}

Deno.test("modelProblems(): a pod-level request over its limit and a bad nodeSelector key are named; their siblings pass", () => {
  const over = modelProblems(
    predictor({ resources: { requests: { cpu: "2" }, limits: { cpu: "1" } } }),
  );
  assert.deepEqual(over.map((p) => p.message), [
    "spec.predictor.resources cpu: the request 2 is more than the limit 1, which the API server refuses",
  ]);
  assert.deepEqual(
    modelProblems(predictor({ resources: { requests: { cpu: "1" }, limits: { cpu: "1" } } })),
    [],
  );
  const selector = modelProblems(predictor({ nodeSelector: { "Bad Key": "x" } }));
  assert.match(
    selector[0]!.message,
    /^spec\.predictor\.nodeSelector "Bad Key=x" is not a qualified name/,
  );
  assert.equal(selector[0]!.fix, "Fix or remove the node selector Bad Key");
  assert.deepEqual(
    modelProblems(predictor({ nodeSelector: { "nvidia.com/gpu.present": "true" } })),
    [],
  );
});

Deno.test("placementProblem(): Knative-mode placement needs config-features; enabled flags and raw mode pass", () => {
  const gpu = predictor({
    nodeSelector: { "nvidia.com/gpu.present": "true" },
    tolerations: [{ key: "nvidia.com/gpu", effect: "NoSchedule" }],
    affinity: { nodeAffinity: {} },
  });
  assert.deepEqual(placementFlags(gpu), [
    "kubernetes.podspec-nodeselector",
    "kubernetes.podspec-tolerations",
    "kubernetes.podspec-affinity",
  ]);
  const features = (data: Record<string, string>) => ({ namespace: "knative-serving", data });
  const off = placementProblem(gpu, features({ "kubernetes.podspec-affinity": "enabled" }))!;
  assert.equal(
    off.message,
    "In Serverless (Knative) mode, Knative rejects a Revision's nodeselector and tolerations unless config-features enables kubernetes.podspec-nodeselector and kubernetes.podspec-tolerations (now: unset, unset)",
  );
  assert.equal(
    off.fix,
    `kubectl patch configmap config-features -n knative-serving --type merge -p '{"data":{"kubernetes.podspec-nodeselector":"enabled","kubernetes.podspec-tolerations":"enabled"}}', or deploy in raw mode (--mode raw)`,
  );
  // modelProblems applies it with the other rules.
  assert.equal(
    modelProblems(gpu, { knativeFeatures: features({}) }).at(-1)?.fix.split(",")[0],
    off.fix.split(",")[0],
  );
  const enabled = features(Object.fromEntries(placementFlags(gpu).map((f) => [f, "enabled"])));
  assert.equal(placementProblem(gpu, enabled), undefined);
  // Not in Knative mode: no features are given, and the rule passes.
  assert.equal(placementProblem(gpu, undefined), undefined);
  assert.deepEqual(placementFlags(predictor({})), []);
});

Deno.test("modelProblems(): no runtime for the predictor's protocol is named with deploy's words; v2 and unread runtimes pass", () => {
  const mlserver = {
    metadata: { name: "kserve-mlserver" },
    spec: {
      protocolVersions: ["v2"],
      supportedModelFormats: [{ name: "mlflow", autoSelect: true }],
    },
  };
  const mlflow = (protocolVersion?: string) =>
    ({
      metadata: { name: "m", namespace: "models" },
      spec: {
        predictor: {
          model: { modelFormat: { name: "mlflow" }, storageUri: "gs://b/m", protocolVersion },
        },
      },
    }) as InferenceService;
  const [v1] = modelProblems(mlflow(), { runtimes: [mlserver] });
  assert.match(
    v1!.message,
    /^mlflow is served over protocol v2 only \(by kserve-mlserver\), and v1 was asked \(KServe's default\)/,
  );
  assert.equal(v1!.fix, "Add --protocol v2");
  assert.deepEqual(modelProblems(mlflow("v2"), { runtimes: [mlserver] }), []);
  // Runtimes not read (KServe reported its choice, or a 403): KServe decides.
  assert.deepEqual(modelProblems(mlflow(), {}), []);
});

Deno.test("readRuleContext(): config-features is read where Knative's controller runs; an unknown namespace (403) reads none; a failed lookup is an error", async () => {
  const placed = {
    metadata: {
      name: "gpu",
      namespace: "models",
      annotations: { "serving.kserve.io/deploymentMode": "Serverless" },
    },
    spec: {
      predictor: {
        nodeSelector: { "nvidia.com/gpu.present": "true" },
        model: { modelFormat: { name: "sklearn" }, storageUri: "gs://b/m" },
      },
    },
    status: { clusterServingRuntimeName: "kserve-sklearnserver" },
  } as unknown as InferenceService;
  const asked: string[] = [];
  const reads = (namespace: () => Promise<string | undefined>) => ({
    get(path: string) {
      asked.push(path);
      return Promise.resolve(
        path.endsWith("/configmaps/config-features")
          ? { data: { "kubernetes.podspec-nodeselector": "disabled" } }
          : undefined,
      );
    },
    kserve: () =>
      Promise.resolve({
        installed: true,
        namespace: "kserve",
        apiServed: true,
        version: "v0.16.0",
      }),
    knativeNamespace: namespace,
  });
  const elsewhere = await readRuleContext(placed, reads(() => Promise.resolve("serving-platform")));
  assert.deepEqual(elsewhere.knativeFeatures, {
    namespace: "serving-platform",
    data: { "kubernetes.podspec-nodeselector": "disabled" },
  });
  assert.ok(asked.includes("/api/v1/namespaces/serving-platform/configmaps/config-features"));
  assert.match(placementProblem(placed, elsewhere.knativeFeatures)!.fix, /-n serving-platform /);
  // A namespace editor may not list Deployments cluster-wide: nothing is guessed.
  asked.length = 0;
  const unknown = await readRuleContext(placed, reads(() => Promise.resolve(undefined)));
  assert.equal(unknown.knativeFeatures, undefined);
  assert.ok(!asked.some((p) => p.includes("config-features")), asked.join());
  // Any other failure of the lookup is not taken for knative-serving.
  await assert.rejects(
    readRuleContext(placed, reads(() => Promise.reject(new Error("500 from the API server")))),
    /500 from the API server/,
  );
});
