/** The API server's webhook failures read once: for check's probe, install's wait and the model diagnosis. */
import assert from "node:assert/strict";
import { webhookCallFailure, webhookRefusal } from "../../lib/kserve/webhook_calls.ts";
import { lastingEvent } from "../../lib/kserve/failures.ts";
import { diagnoseInferenceService, lastingCause } from "../../lib/kserve/model_diagnosis.ts";
import type { InferenceServiceStatus } from "../../lib/kserve/model_diagnosis.ts";

/** The API server's words when Knative's webhook cannot be called (apiserver webhook/errors). */
const post = 'Post "https://webhook.knative-serving.svc:443/defaulting?timeout=10s"';
const down = (cause: string) =>
  `fails to create knative service: Internal error occurred: failed calling webhook "webhook.serving.knative.dev": failed to call webhook: ${post}: ${cause}`;

Deno.test("webhookCallFailure(): names the webhook, its Service and the cause, for each way a call fails", () => {
  const cases: [string, RegExp][] = [
    ['no endpoints available for service "webhook"', /no ready endpoints/],
    ["dial tcp 10.0.0.7:443: connect: connection refused", /connection was refused/],
    ['service "webhook" not found', /Service does not exist/],
    ["tls: failed to verify certificate: x509: certificate signed by unknown authority", /trust/],
    ["context deadline exceeded", /did not answer in time/],
    ["EOF", /^EOF$/],
  ];
  for (const [cause, words] of cases) {
    const failure = webhookCallFailure(down(cause))!;
    assert.equal(failure.webhook, "webhook.serving.knative.dev", cause);
    assert.deepEqual(failure.service, { namespace: "knative-serving", name: "webhook" }, cause);
    assert.equal(failure.denied, false);
    assert.match(failure.cause, words, cause);
  }
  const denied = webhookCallFailure(
    'admission webhook "validation.webhook.serving.knative.dev" denied the request: validation failed: must not set the field(s): spec.template.spec.nodeSelector',
  )!;
  assert.deepEqual([denied.webhook, denied.denied], [
    "validation.webhook.serving.knative.dev",
    true,
  ]);
  assert.match(denied.cause, /must not set the field\(s\)/);
  // Sibling: a refusal that names no webhook is none of these.
  assert.equal(webhookCallFailure('pods "x" is forbidden: exceeded quota: q'), undefined);
});

Deno.test("webhookRefusal(): a webhook that does not answer is fixed where it runs, with a runnable hint", () => {
  assert.equal(
    webhookRefusal(down('no endpoints available for service "webhook"')),
    'the API server cannot call webhook "webhook.serving.knative.dev" (Service knative-serving/webhook): its Service has no ready endpoints (no webhook pod is ready, or the Service selects none); the controller retries on its own once the webhook answers. Find why it does not answer with: kubectl kserve check',
  );
});

/** A Knative-mode model whose Knative Service KServe could not create. */
function knativeWebhookDown(conditions: boolean): InferenceServiceStatus {
  return {
    metadata: { name: "iris", namespace: "models", uid: "m1", generation: 1 },
    status: conditions
      ? {
        conditions: [{
          type: "PredictorReady",
          status: "False",
          reason: "ReconcileFailed",
          message: down('no endpoints available for service "webhook"'),
          lastTransitionTime: "2026-12-07T10:00:00Z",
        }],
      }
      : {},
  } as InferenceServiceStatus;
}

Deno.test("lastingCause(): KServe's ReconcileFailed (v0.20.0) or InternalError (v0.16.0) from a webhook that does not answer is lasting, naming the webhook and the fix", () => {
  const v020 = lastingCause(knativeWebhookDown(true), []);
  assert.match(
    v020!,
    /^PredictorReady is False \(ReconcileFailed: the API server cannot call webhook "webhook\.serving\.knative\.dev" \(Service knative-serving\/webhook\): its Service has no ready endpoints .*kubectl kserve check/,
  );
  const event = {
    type: "Warning",
    reason: "InternalError",
    message: down("dial tcp 10.0.0.7:443: connect: connection refused"),
    involvedObject: { kind: "InferenceService", uid: "m1" },
    lastTimestamp: "2026-12-07T10:00:00Z",
  };
  assert.match(
    lastingEvent(event)!,
    /^InternalError: the API server cannot call webhook "webhook\.serving\.knative\.dev"/,
  );
  assert.match(lastingCause(knativeWebhookDown(false), [event])!, /connection was refused/);
  // status and check say the same, not "refuses generation 1" (the spec is not at fault).
  const diagnosis = diagnoseInferenceService(knativeWebhookDown(true), []);
  assert.equal(diagnosis.lasting, true);
  assert.equal(diagnosis.cause, v020);
});
