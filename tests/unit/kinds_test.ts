/** Each kind of model, asked the same questions through the one dispatch (kindOf). */
import assert from "node:assert/strict";
import { kindOf } from "../../lib/models/kinds.ts";
import { predictPathOf } from "../../lib/models/routes.ts";

Deno.test("kindOf(): each backend's kind names its objects, Service, address and what delete removes", () => {
  const isvc = kindOf("kserve");
  const plain = kindOf("deployment");
  assert.deepEqual([isvc.kind, plain.kind], ["InferenceService", "Deployment"]);
  assert.equal(isvc.service("iris"), "iris-predictor");
  assert.equal(plain.service("iris"), "iris");
  assert.equal(
    predictPathOf(isvc, "ml", "iris", "v2"),
    "/api/v1/namespaces/ml/services/iris-predictor:80/proxy/v2/models/iris/infer",
  );
  assert.deepEqual(
    isvc.deleted("ml", "iris").map((r) => r.path),
    ["/apis/serving.kserve.io/v1beta1/namespaces/ml/inferenceservices/iris"],
  );
  assert.deepEqual(plain.deleted("ml", "iris").map((r) => `${r.kind} ${r.path}`), [
    "Deployment /apis/apps/v1/namespaces/ml/deployments/iris",
    "Service /api/v1/namespaces/ml/services/iris",
    "HorizontalPodAutoscaler /apis/autoscaling/v2/namespaces/ml/horizontalpodautoscalers/iris",
  ]);
  // KServe's address is its status's; before it has one, the predictor Service's.
  assert.deepEqual(isvc.address({}, "ml", "iris"), {
    url: undefined,
    internal: "http://iris-predictor.ml.svc.cluster.local",
  });
  assert.deepEqual(plain.address({}, "ml", "iris"), {
    internal: "http://iris.ml.svc.cluster.local",
  });
  // The deployment backend's pods are selected by the plugin's pair, never a name label alone.
  assert.equal(
    plain.podSelector("iris"),
    "app.kubernetes.io/name=iris,app.kubernetes.io/managed-by=kubectl-kserve",
  );
  assert.equal(isvc.podSelector("iris"), "serving.kserve.io/inferenceservice=iris");
});
