import assert from "node:assert/strict";
import { configValue, defaultDeploymentMode } from "../../lib/kserve/config.ts";

Deno.test("configValue() parses a key's JSON object and returns, never throws, what does not parse", () => {
  const data = {
    deploy: '{"defaultDeploymentMode":"Standard"}',
    ingress: '{"ingressGateway": "knative-serving/knative-ingress-gateway",}',
    explainers: "5",
  };
  assert.deepEqual(configValue(data, "deploy"), {
    ok: true,
    value: { defaultDeploymentMode: "Standard" },
  });
  const ingress = configValue(data, "ingress");
  assert.equal(ingress?.ok, false);
  assert.match(ingress?.ok === false ? ingress.error : "", /JSON/);
  assert.deepEqual(configValue(data, "explainers"), { ok: false, error: "not a JSON object" });
  assert.equal(configValue(data, "storageInitializer"), undefined);
  assert.equal(configValue(undefined, "deploy"), undefined);
});

Deno.test("defaultDeploymentMode() is the deploy key's mode, or undefined when unknown", () => {
  assert.equal(defaultDeploymentMode({ deploy: '{"defaultDeploymentMode":"Knative"}' }), "Knative");
  assert.equal(defaultDeploymentMode({ deploy: "{not json" }), undefined);
  assert.equal(defaultDeploymentMode({ deploy: '{"defaultDeploymentMode":5}' }), undefined);
  assert.equal(defaultDeploymentMode({}), undefined);
});
