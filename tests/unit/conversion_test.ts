import assert from "node:assert/strict";
import { conversionWebhookCrds } from "../../lib/kserve/conversion.ts";

Deno.test("conversionWebhookCrds(): the LLMInferenceService CRDs convert from v0.17.0; before, none", () => {
  // kserve.yaml of v0.20.0 has exactly these two conversion stanzas; v0.16.0's has none.
  assert.deepEqual(conversionWebhookCrds("v0.20.0"), [
    "llminferenceservices.serving.kserve.io",
    "llminferenceserviceconfigs.serving.kserve.io",
  ]);
  assert.deepEqual(conversionWebhookCrds("v0.17.0"), conversionWebhookCrds("v0.20.0"));
  assert.deepEqual(conversionWebhookCrds("v0.16.0"), []);
  // A controller pinned by digest: what the release ships is not known, so nothing is named.
  assert.equal(conversionWebhookCrds("unknown"), undefined);
});
