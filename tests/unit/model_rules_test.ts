/** The model rules deploy applies before it sends and check and status apply to every model. */
import assert from "node:assert/strict";
import { modelProblems } from "../../lib/kserve/model_rules.ts";
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
