/**
 * Webhook configurations whose own webhook writes their rules (Knative's): which lack them, and
 * what install applies and then waits for, from the real Knative manifests.
 */
import assert from "node:assert/strict";
import {
  type RuledConfiguration,
  unwrittenBy,
  webhooksWithoutRules,
} from "../../lib/kserve/webhook_rules.ts";
import { knativeSpec } from "../../lib/install/component_specs.ts";
import { type ManifestFile, manifestPath } from "../../lib/install/releases.ts";
import type { Kube } from "../../lib/kube/client.ts";

const FIXTURES = new URL("../../../shared/fixtures/manifests/", import.meta.url);

const webhook = (name: string, rules?: unknown[], service = "webhook") => ({
  name,
  clientConfig: { service: { namespace: "knative-serving", name: service } },
  ...(rules ? { rules } : {}),
});
const RULE = { apiGroups: ["serving.knative.dev"], operations: ["CREATE"] };

Deno.test("webhooksWithoutRules(): webhooks with no rules or an empty list match nothing", () => {
  assert.deepEqual(
    webhooksWithoutRules({
      webhooks: [webhook("a", [RULE]), webhook("b"), webhook("c", [])],
    }),
    ["b", "c"],
  );
  assert.deepEqual(webhooksWithoutRules({}), []);
});

Deno.test("unwrittenBy(): the configurations calling that Service that lack rules, as kubectl names them", () => {
  const configs = [
    {
      kind: "mutatingwebhookconfiguration",
      object: { metadata: { name: "webhook.serving.knative.dev" }, webhooks: [webhook("d")] },
    },
    {
      kind: "validatingwebhookconfiguration",
      object: {
        metadata: { name: "validation.webhook.serving.knative.dev" },
        webhooks: [webhook("v", [RULE])],
      },
    },
    // Another component's configuration without rules is not Knative's webhook's to write.
    {
      kind: "validatingwebhookconfiguration",
      object: { metadata: { name: "other" }, webhooks: [webhook("o", undefined, "other")] },
    },
  ];
  assert.deepEqual(unwrittenBy(configs, "knative-serving", "webhook"), [
    "mutatingwebhookconfiguration webhook.serving.knative.dev",
  ]);
  assert.deepEqual(unwrittenBy(configs, "elsewhere", "webhook"), []);
});

for (const version of ["v1.15.2", "v1.21.1"]) {
  Deno.test(`knativeSpec() on Knative ${version}: applies its webhook configurations without rules and waits for all three`, () => {
    const text = (file: ManifestFile) =>
      Deno.readTextFileSync(new URL(manifestPath(file), FIXTURES));
    const spec = knativeSpec(
      {} as Kube,
      {
        crds: { component: "knative-serving", version, file: "serving-crds.yaml" },
        core: { component: "knative-serving", version, file: "serving-core.yaml" },
      },
      { text },
      "kourier.ingress.networking.knative.dev",
    );
    assert.deepEqual(spec.rulesFromWebhook, [
      { kind: "ValidatingWebhookConfiguration", name: "config.webhook.serving.knative.dev" },
      { kind: "MutatingWebhookConfiguration", name: "webhook.serving.knative.dev" },
      { kind: "ValidatingWebhookConfiguration", name: "validation.webhook.serving.knative.dev" },
    ]);
    for (const config of spec.phases.webhookConfigs) {
      const names = (config.webhooks as { name: string }[]).map((w) => w.name);
      assert.deepEqual(webhooksWithoutRules(config as RuledConfiguration), names);
    }
  });
}
