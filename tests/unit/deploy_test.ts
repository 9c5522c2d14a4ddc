// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import {
  buildDeploymentBackend,
  buildInferenceService,
  type DeployRequest,
} from "../../lib/deploy/spec.ts";
import { deploymentRuntime, selectRuntime } from "../../lib/deploy/runtimes.ts";
import { runtimeProblem } from "../../lib/kserve/serving_runtimes.ts";
import { parsePairs, parseToleration } from "../../lib/args/pairs.ts";
import {
  validateQuantity,
  validateReplicas,
  validateStorageUri,
} from "../../lib/deploy/validate.ts";
import { parseManifest } from "../../lib/install/manifest.ts";
import { unchangedBy } from "../../lib/deploy/apply.ts";
import { age, renderTable } from "../../lib/commands/list.ts";
import { predictPath } from "../../lib/commands/predict.ts";
import { kindOf } from "../../lib/models/kinds.ts";
import { fixture } from "../support/fixtures.ts";

const request: DeployRequest = {
  name: "iris",
  namespace: "ml",
  backend: "kserve",
  modelFormat: { name: "sklearn" },
  storageUri: "gs://kfserving-examples/models/sklearn/1.0/model",
  args: [],
  env: { LOG_LEVEL: "debug" },
  cpu: "100m",
  memory: "512Mi",
  gpu: 1,
  minReplicas: 1,
  maxReplicas: 3,
  scaleMetric: "cpu",
  scaleTarget: 70,
  annotations: {},
  labels: { team: "a" },
  mode: "raw",
};

Deno.test("buildInferenceService() maps flags and names the mode as the installed version expects", () => {
  const v16 = buildInferenceService(request, "v0.16.0") as Record<string, any>;
  assert.equal(v16.metadata.annotations["serving.kserve.io/deploymentMode"], "Standard");
  assert.deepEqual(v16.spec.predictor, {
    minReplicas: 1,
    maxReplicas: 3,
    scaleMetric: "cpu",
    scaleTarget: 70,
    model: {
      modelFormat: { name: "sklearn" },
      storageUri: "gs://kfserving-examples/models/sklearn/1.0/model",
      env: [{ name: "LOG_LEVEL", value: "debug" }],
      resources: {
        requests: { cpu: "100m", memory: "512Mi", "nvidia.com/gpu": "1" },
        limits: { cpu: "100m", memory: "512Mi", "nvidia.com/gpu": "1" },
      },
    },
  });
  const v15 = buildInferenceService({ ...request, mode: "serverless" }, "v0.15.2") as Record<
    string,
    any
  >;
  assert.equal(v15.metadata.annotations["serving.kserve.io/deploymentMode"], "Serverless");
});

Deno.test("buildInferenceService() renames a legacy mode from -f and lets flags override the file", () => {
  const file = {
    apiVersion: "serving.kserve.io/v1beta1",
    kind: "InferenceService",
    metadata: { name: "old", annotations: { "serving.kserve.io/deploymentMode": "RawDeployment" } },
    spec: {
      predictor: {
        minReplicas: 2,
        model: { modelFormat: { name: "xgboost" }, runtime: "kserve-xgbserver" },
      },
    },
  };
  const isvc = buildInferenceService(
    { ...request, mode: undefined, modelFormat: undefined, minReplicas: undefined },
    "v0.16.0",
    file,
  ) as Record<string, any>;
  assert.equal(isvc.metadata.name, "iris");
  assert.equal(isvc.metadata.annotations["serving.kserve.io/deploymentMode"], "Standard");
  assert.equal(isvc.spec.predictor.minReplicas, 2);
  assert.deepEqual(isvc.spec.predictor.model.modelFormat, { name: "xgboost" });
  assert.equal(isvc.spec.predictor.model.runtime, "kserve-xgbserver");
  assert.equal(
    file.metadata.annotations["serving.kserve.io/deploymentMode"],
    "RawDeployment",
    "input untouched",
  );
});

Deno.test("buildDeploymentBackend() makes a labelled Deployment with the storage initializer, a Service and an HPA", () => {
  const runtime = {
    name: "kserve-sklearnserver",
    image: "kserve/sklearnserver:v0.16.0",
    args: ["--model_name={{.Name}}"],
    port: 8080,
  };
  const [deployment, service, hpa] = buildDeploymentBackend(
    { ...request, backend: "deployment" },
    runtime,
    "kserve/storage-initializer:v0.16.0",
  ) as Record<string, any>[];
  assert.equal(deployment!.metadata.labels["app.kubernetes.io/managed-by"], "kubectl-kserve");
  const pod = deployment!.spec.template.spec;
  assert.deepEqual(pod.initContainers[0].args, [request.storageUri, "/mnt/models"]);
  assert.equal(pod.containers[0].image, "kserve/sklearnserver:v0.16.0");
  assert.deepEqual(pod.containers[0].args, ["--model_name=iris"]);
  assert.deepEqual(pod.volumes, [{ name: "model", emptyDir: {} }]);
  assert.equal(service!.spec.ports[0].targetPort, 8080);
  assert.equal(hpa!.apiVersion, "autoscaling/v2");
  assert.deepEqual(hpa!.spec.metrics[0].resource, {
    name: "cpu",
    target: { type: "Utilization", averageUtilization: 70 },
  });
  assert.equal(hpa!.spec.maxReplicas, 3);
  for (const object of [deployment, service, hpa]) {
    assert.equal(object!.metadata.labels["kubectl-kserve/backend"], "deployment");
  }
  assert.equal(deployment!.spec.replicas, 1, "a new Deployment starts at the minimum");
  const [redeployed] = buildDeploymentBackend(
    { ...request, backend: "deployment" },
    runtime,
    "kserve/storage-initializer:v0.16.0",
    { liveReplicas: 3 },
  ) as Record<string, any>[];
  assert.equal(redeployed!.spec.replicas, 3, "a re-deploy keeps the HPA's count");
});

Deno.test("selectRuntime() chooses like KServe: v1 protocol, autoSelect, highest priority", async () => {
  const runtimes = parseManifest(await fixture("kserve/v0.16.0/kserve-cluster-resources.yaml"), "x")
    .filter((o) => o.kind === "ClusterServingRuntime");
  assert.equal(selectRuntime(runtimes, { name: "sklearn" }, {})?.name, "kserve-sklearnserver");
  assert.equal(
    selectRuntime(runtimes, { name: "sklearn" }, { protocol: "v2" })?.name,
    "kserve-mlserver",
  );
  assert.equal(
    selectRuntime(runtimes, { name: "tensorflow" }, {})?.image,
    "tensorflow/serving:2.6.2",
  );
  assert.equal(selectRuntime(runtimes, { name: "sklearn", version: "99" }, {}), undefined);
  assert.equal(selectRuntime(runtimes, { name: "caffe" }, {}), undefined);
  assert.equal(
    selectRuntime([], { name: "xgboost" }, { kserveVersion: "v0.16.0" })?.image,
    "kserve/xgbserver:v0.16.0",
  );
});

Deno.test("selectRuntime() skips multi-node runtimes as KServe does: huggingface is kserve-huggingfaceserver", async () => {
  for (const version of ["v0.16.0", "v0.20.0"]) {
    const runtimes = parseManifest(
      await fixture(`kserve/${version}/kserve-cluster-resources.yaml`),
      "x",
    ).filter((o) => o.kind === "ClusterServingRuntime");
    // Field report: the multinode runtime (priority 2, a workerSpec) was picked for a predictor
    // without a workerSpec; KServe picks the single-node one, and so does the deployment backend.
    const chosen = selectRuntime(runtimes, { name: "huggingface" }, {})!;
    assert.equal(chosen.name, "kserve-huggingfaceserver", version);
    assert.equal(chosen.image, `kserve/huggingfaceserver:${version}`, version);
    const plain = deploymentRuntime({ modelFormat: { name: "huggingface" } }, runtimes, version)!;
    assert.equal(plain.name, "kserve-huggingfaceserver");
    assert.doesNotMatch(plain.image, /-gpu$/);
    assert.equal(
      runtimeProblem(runtimes, { name: "huggingface" }, { namespace: "llm" }),
      undefined,
    );
    // Named, the multinode runtime is taken as named (KServe checks it has what it needs).
    assert.equal(
      selectRuntime(runtimes, { name: "huggingface" }, {
        named: "kserve-huggingfaceserver-multinode",
      })?.name,
      "kserve-huggingfaceserver-multinode",
    );
  }
  // Sibling: a multi-model runtime (ModelMesh-style) is never a predictor's automatic choice.
  const multiModel = {
    metadata: { name: "mesh" },
    spec: {
      multiModel: true,
      supportedModelFormats: [{ name: "sklearn", autoSelect: true, priority: 9 }],
      containers: [{ image: "mesh:1" }],
    },
  };
  const single = {
    metadata: { name: "single" },
    spec: {
      supportedModelFormats: [{ name: "sklearn", autoSelect: true, priority: 1 }],
      containers: [{ image: "single:1" }],
    },
  };
  assert.equal(selectRuntime([multiModel, single], { name: "sklearn" }, {})?.name, "single");
  assert.match(
    runtimeProblem([multiModel], { name: "sklearn" }, { namespace: "ml" })!.message,
    /^Only multi-node or multi-model runtimes serve model format "sklearn" \(mesh\)/,
  );
});

Deno.test("deploymentRuntime(): --image replaces the runtime's image only, as KServe's merge does", async () => {
  const runtimes = parseManifest(await fixture("kserve/v0.16.0/kserve-cluster-resources.yaml"), "x")
    .filter((o) => o.kind === "ClusterServingRuntime");
  const sklearn = selectRuntime(runtimes, { name: "sklearn" }, {})!;
  // Field report: --image with a model format dropped the runtime's arguments.
  const custom = deploymentRuntime(
    { image: "registry.local/sklearn:patched", modelFormat: { name: "sklearn" } },
    runtimes,
    "v0.16.0",
  )!;
  assert.equal(custom.image, "registry.local/sklearn:patched");
  assert.deepEqual(custom.args, sklearn.args);
  assert.ok(custom.args.some((a) => a.includes("{{.Name}}")), "args keep KServe's name template");
  assert.equal(custom.port, sklearn.port);
  // Sibling: with protocol v2 the merge is over the runtime v2 selects (MLServer).
  const v2 = deploymentRuntime(
    { image: "registry.local/mlserver:1", modelFormat: { name: "sklearn" }, protocol: "v2" },
    runtimes,
    "v0.16.0",
  )!;
  assert.equal(v2.name, "kserve-mlserver");
  assert.equal(v2.image, "registry.local/mlserver:1");
  // An image without a format, or for a format no runtime serves, runs as it is.
  assert.deepEqual(deploymentRuntime({ image: "me/server:1" }, runtimes, "v0.16.0"), {
    name: "custom",
    image: "me/server:1",
    args: [],
    port: 8080,
  });
  assert.equal(
    deploymentRuntime({ image: "me/caffe:1", modelFormat: { name: "caffe" } }, runtimes, "v0.16.0")
      ?.name,
    "custom",
  );
  // The args of a deployment built from it: the runtime's, with the model's name.
  const [deployment] = buildDeploymentBackend(
    { ...request, backend: "deployment", image: custom.image, args: [] },
    custom,
    "kserve/storage-initializer:v0.16.0",
  ) as Record<string, any>[];
  const container = deployment!.spec.template.spec.containers[0];
  assert.equal(container.image, "registry.local/sklearn:patched");
  assert.ok(container.args.includes(`--model_name=${request.name}`), container.args.join(" "));
});

Deno.test("runtimeProblem(): mlflow needs protocol v2; a --runtime that does not exist is named", async () => {
  const runtimes = parseManifest(await fixture("kserve/v0.16.0/kserve-cluster-resources.yaml"), "x")
    .filter((o) => o.kind === "ClusterServingRuntime");
  const at = { namespace: "models" };
  // Field report: an mlflow model on the default protocol found no runtime, after the apply.
  const mlflow = runtimeProblem(runtimes, { name: "mlflow" }, at)!;
  assert.match(
    mlflow.message,
    /^mlflow is served over protocol v2 only \(by kserve-mlserver\), and v1 was asked \(KServe's default\)/,
  );
  assert.equal(mlflow.hint, "Add --protocol v2");
  assert.equal(runtimeProblem(runtimes, { name: "mlflow" }, { ...at, protocol: "v2" }), undefined);
  // Siblings: a runtime that does not exist, and one that does not serve the format.
  const missing = runtimeProblem(runtimes, { name: "sklearn" }, {
    ...at,
    named: "kserve-sklearn",
  })!;
  assert.match(
    missing.message,
    /Runtime "kserve-sklearn" does not exist: no ServingRuntime in models and no ClusterServingRuntime/,
  );
  assert.match(missing.hint, /Runtimes that serve sklearn: kserve-mlserver, kserve-sklearnserver/);
  const wrong = runtimeProblem(runtimes, { name: "sklearn" }, {
    ...at,
    named: "kserve-tritonserver",
  })!;
  assert.match(wrong.message, /does not serve model format "sklearn"/);
  assert.equal(runtimeProblem(runtimes, { name: "sklearn" }, at), undefined);
  assert.match(
    runtimeProblem([], { name: "sklearn" }, at)!.message,
    /No ServingRuntime or ClusterServingRuntime supports/,
  );
});

Deno.test("validation rejects bad names, URIs, quantities and replica ranges", () => {
  kindOf("kserve").validateName("sklearn-iris");
  assert.throws(() => kindOf("deployment").validateName("Iris"), /not a DNS-1123 label/);
  assert.throws(() => kindOf("deployment").validateName("iris_1"), /not a DNS-1123 label/);
  assert.throws(() => kindOf("kserve").validateName("iris_1"), /not a DNS-1123 label/);
  assert.throws(() => kindOf("kserve").validateName("1iris"), /must start with a letter/);
  kindOf("deployment").validateName("1iris");
  for (
    const uri of ["gs://b/m", "s3://b/m", "pvc://claim/m", "hf://org/model", "https://x/m.tgz"]
  ) validateStorageUri(uri);
  assert.throws(() => validateStorageUri("ftp://x/m"), /Unsupported storage URI/);
  assert.throws(() => validateStorageUri("/local/path"), /Unsupported storage URI/);
  for (const q of ["100m", "2", "1.5", "512Mi", "4Gi", "1e3"]) validateQuantity(q, "--cpu");
  assert.throws(() => validateQuantity("lots", "--memory"), /Invalid quantity "lots" for --memory/);
  assert.throws(() => validateReplicas(3, 2), /--min-replicas 3 is greater than --max-replicas 2/);
  validateReplicas(0, 2);
});

Deno.test("list renders a kubectl-style table and predict uses the service proxy", () => {
  const now = new Date("2026-01-01T01:00:00Z");
  assert.equal(age("2026-01-01T00:59:30Z", now), "30s");
  assert.equal(age("2026-01-01T00:30:00Z", now), "30m");
  const table = renderTable(
    [{
      name: "iris",
      namespace: "ml",
      backend: "kserve",
      mode: "Standard",
      ready: true,
      url: "http://iris-ml.example.com",
      replicas: "1/1",
      created: "2026-01-01T00:00:00Z",
    }],
    false,
    now,
  );
  assert.equal(
    table,
    "NAME   BACKEND   MODE       READY   URL                          REPLICAS   AGE\niris   kserve    Standard   True    http://iris-ml.example.com   1/1        60m\n",
  );
  assert.equal(
    predictPath("kserve", "ml", "iris", "v1"),
    "/api/v1/namespaces/ml/services/iris-predictor:80/proxy/v1/models/iris:predict",
  );
  assert.equal(
    predictPath("deployment", "ml", "iris", "v2"),
    "/api/v1/namespaces/ml/services/iris:80/proxy/v2/models/iris/infer",
  );
});

Deno.test("parseToleration() reads KEY[=VALUE][:EFFECT] as kubectl taint writes it", () => {
  assert.deepEqual(parseToleration("nvidia.com/gpu:NoSchedule"), {
    key: "nvidia.com/gpu",
    operator: "Exists",
    effect: "NoSchedule",
  });
  assert.deepEqual(parseToleration("pool=gpu"), { key: "pool", operator: "Equal", value: "gpu" });
  assert.throws(() => parseToleration("gpu:Sometimes"), /Invalid --toleration "gpu:Sometimes"/);
});

Deno.test("parsePairs() holds keys and label values to the API server's syntax", () => {
  assert.deepEqual(
    parsePairs(
      ["nvidia.com/gpu.present=true", "pool=gpu-a100", "empty="],
      "--node-selector",
      "label",
    ),
    { "nvidia.com/gpu.present": "true", pool: "gpu-a100", empty: "" },
  );
  assert.throws(
    () => parsePairs(["Bad Key=x"], "--node-selector", "label"),
    /not a qualified name/,
  );
  assert.throws(() => parsePairs(["a/b/c=x"], "--label", "label"), /not a qualified name/);
  assert.throws(() => parsePairs([`k=${"v".repeat(64)}`], "--label", "label"), /not a label value/);
  // Annotation values are free text; env names follow their own rule.
  assert.deepEqual(parsePairs(["note=any text: here"], "--annotation", "annotation"), {
    note: "any text: here",
  });
  assert.deepEqual(parsePairs(["HF_TOKEN=x y"], "--env", "env"), { HF_TOKEN: "x y" });
  assert.throws(() => parsePairs(["MY VAR=1"], "--env", "env"), /not an environment variable/);
});

Deno.test("hostLabels() renders KServe's domainTemplate; an unknown variable skips the check", async () => {
  const { hostLabels } = await import("../../lib/kserve/config.ts");
  assert.deepEqual(hostLabels(undefined, "iris-predictor", "ml"), ["iris-predictor-ml"]);
  const custom = {
    ingress: JSON.stringify({ domainTemplate: "{{.Name}}.{{.Namespace}}.{{.IngressDomain}}" }),
  };
  assert.deepEqual(hostLabels(custom, "iris-predictor", "ml"), ["iris-predictor", "ml"]);
  const annotated = {
    ingress: JSON.stringify({ domainTemplate: "{{ .Annotations.host }}.{{ .IngressDomain }}" }),
  };
  assert.equal(hostLabels(annotated, "iris-predictor", "ml"), undefined);
});

Deno.test("unchangedBy(): an apply left the object as it was only when our entry and the generation are the same", () => {
  const ours = (time: string, fields: object = { "f:spec": {} }) => ({
    manager: "kubectl-kserve",
    operation: "Apply",
    time,
    fieldsV1: fields,
  });
  const object = (generation: number, ...managedFields: object[]) => ({
    kind: "InferenceService",
    metadata: { name: "iris", generation, managedFields },
  });
  const status = { manager: "manager", operation: "Update", subresource: "status", time: "T2" };
  const before = object(1, ours("T1"));
  assert.equal(unchangedBy(before, object(1, ours("T1"))), true);
  // A controller wrote status meanwhile: still nothing of ours changed.
  assert.equal(unchangedBy(before, object(1, ours("T1"), status)), true);
  assert.equal(unchangedBy(before, object(2, ours("T2"))), false, "the spec changed");
  assert.equal(unchangedBy(before, object(1, ours("T2"))), false, "a label or annotation changed");
  assert.equal(
    unchangedBy(before, object(1, ours("T1", { "f:metadata": {} }))),
    false,
    "another field set",
  );
  assert.equal(
    unchangedBy(before, object(2, ours("T1"))),
    false,
    "a spec change in the same second",
  );
  assert.equal(unchangedBy(undefined, object(1, ours("T1"))), false, "created");
  const other = object(1, { manager: "kubectl", operation: "Apply", time: "T1" });
  assert.equal(unchangedBy(other, { ...other }), false, "never applied by this plugin");
});
