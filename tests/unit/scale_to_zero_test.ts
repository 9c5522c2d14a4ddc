/**
 * A Knative-mode model at zero replicas, on plain data: what deploy --min-replicas 0 writes,
 * what config-autoscaler keeps it from doing (lib/kserve/scale_to_zero.ts), and the route
 * predict takes to a revision with and without a ready pod (lib/kserve/activator.ts).
 */
import assert from "node:assert/strict";
import { buildInferenceService, type DeployRequest } from "../../lib/deploy/spec.ts";
import {
  goBool,
  INITIAL_SCALE_ANNOTATION,
  scaleToZeroFindings,
} from "../../lib/kserve/scale_to_zero.ts";
import { revisionRoute } from "../../lib/kserve/activator.ts";
import type { InferenceService } from "../../lib/kserve/inference_service.ts";
import { assertHintParses } from "../support/hints.ts";

const request: DeployRequest = {
  name: "iris",
  namespace: "models",
  backend: "kserve",
  modelFormat: { name: "sklearn" },
  args: [],
  env: {},
  annotations: {},
  labels: {},
  mode: "serverless",
  minReplicas: 0,
};

/** A model as KServe holds it: minReplicas 0, and the initial scale deploy writes. */
const idle: InferenceService = {
  metadata: { name: "iris", namespace: "models", annotations: { [INITIAL_SCALE_ANNOTATION]: "0" } },
  spec: { predictor: { minReplicas: 0 } },
};
const autoscaler = (data: Record<string, string>) => ({ namespace: "knative-serving", data });

Deno.test("deploy --min-replicas 0 writes minReplicas 0 and an initial scale of 0, and keeps one the user gave", () => {
  const isvc = buildInferenceService(request, "v0.20.0") as InferenceService;
  assert.equal(isvc.spec?.predictor?.minReplicas, 0);
  assert.equal(isvc.metadata?.annotations?.[INITIAL_SCALE_ANNOTATION], "0");
  const given = buildInferenceService(
    { ...request, annotations: { [INITIAL_SCALE_ANNOTATION]: "2" } },
    "v0.20.0",
  ) as InferenceService;
  assert.equal(given.metadata?.annotations?.[INITIAL_SCALE_ANNOTATION], "2");
  // Sibling: one replica or more writes no initial scale (Knative's default applies).
  const one = buildInferenceService({ ...request, minReplicas: 1 }, "v0.20.0") as InferenceService;
  assert.equal(one.metadata?.annotations?.[INITIAL_SCALE_ANNOTATION], undefined);
});

Deno.test("allow-zero-initial-scale unset or false names config-autoscaler, the key and value, and the patch", async () => {
  const [unset] = scaleToZeroFindings(idle, autoscaler({}));
  assert.match(
    unset!.message,
    /^config-autoscaler in knative-serving leaves allow-zero-initial-scale unset \(Knative's default "false"\): KServe drops the model's autoscaling\.knative\.dev\/initial-scale "0", so each new revision starts with 1 pod\(s\) \(initial-scale "1"\) and goes to zero only once idle \(stable-window 60s and scale-to-zero-grace-period 30s\)$/,
  );
  assert.equal(
    unset!.fix,
    `kubectl patch configmap config-autoscaler -n knative-serving --type merge -p '{"data":{"allow-zero-initial-scale":"true"}}'`,
  );
  await assertHintParses(unset!.fix);
  const [off] = scaleToZeroFindings(
    idle,
    autoscaler({
      "allow-zero-initial-scale": "false",
      "initial-scale": "2",
      "stable-window": "6s",
    }),
  );
  assert.match(off!.message, /sets allow-zero-initial-scale "false": .* starts with 2 pod\(s\)/);
  assert.match(off!.message, /stable-window 6s/);
  // Siblings: allowed (Go's spellings of true); a model that writes no initial scale of 0.
  assert.deepEqual(
    scaleToZeroFindings(idle, autoscaler({ "allow-zero-initial-scale": "true" })),
    [],
  );
  assert.deepEqual(scaleToZeroFindings(idle, autoscaler({ "allow-zero-initial-scale": "T" })), []);
  const noInitial = { ...idle, metadata: { name: "iris", namespace: "models" } };
  assert.deepEqual(scaleToZeroFindings(noInitial, autoscaler({})), []);
});

Deno.test("enable-scale-to-zero false is the one finding: Knative keeps a pod whatever the initial scale", () => {
  const found = scaleToZeroFindings(idle, autoscaler({ "enable-scale-to-zero": "False" }));
  assert.equal(found.length, 1);
  assert.match(
    found[0]!.message,
    /^config-autoscaler in knative-serving sets enable-scale-to-zero "False": Knative keeps at least one pod of every revision, so minReplicas 0 never scales this model to zero$/,
  );
  assert.match(found[0]!.fix, /"enable-scale-to-zero":"true"/);
  // Siblings: a model with a replica kept, or config-autoscaler not read: nothing to say.
  const kept = { ...idle, spec: { predictor: { minReplicas: 1 } } };
  assert.deepEqual(scaleToZeroFindings(kept, autoscaler({ "enable-scale-to-zero": "false" })), []);
  assert.deepEqual(scaleToZeroFindings(idle, undefined), []);
});

Deno.test("goBool() reads config-autoscaler's booleans as Go's strconv.ParseBool does", () => {
  assert.deepEqual(
    ["1", "t", "TRUE", "True", "0", "f", "FALSE", "no", undefined].map(goBool),
    [true, true, true, true, false, false, false, undefined, undefined],
  );
});

Deno.test("predict reaches a revision with a ready pod through its private Service, and one at zero through the activator with its headers", () => {
  assert.deepEqual(revisionRoute("iris-predictor-00001", "models", 1, "knative-serving"), {
    namespace: "models",
    service: "iris-predictor-00001-private",
  });
  assert.deepEqual(revisionRoute("iris-predictor-00001", "models", 0, "knative-serving"), {
    namespace: "knative-serving",
    service: "activator-service",
    headers: {
      "Knative-Serving-Revision": "iris-predictor-00001",
      "Knative-Serving-Namespace": "models",
    },
    wakes: "iris-predictor-00001",
  });
  // Sibling: its Deployment unreadable: the private Service, never a wake that is not known.
  assert.equal(
    revisionRoute("iris-predictor-00001", "models", undefined, "kn").service,
    "iris-predictor-00001-private",
  );
});
