/** install --llm's plan, check --llm's readings, and the Gateway API double's statuses, on plain data. */
import assert from "node:assert/strict";
import { gatewayApiCrd, planLlm } from "../../lib/install/llm_plan.ts";
import { missingPreset } from "../../lib/kserve/llm.ts";
import { conditionFinding } from "../../lib/kserve/failures.ts";
import type { CliError } from "../../lib/errors.ts";
import type { ManifestFile } from "../../lib/install/releases.ts";
import { routeParents, sameStatus } from "../doubles/gateway_api/status.ts";

const file = (name: string): ManifestFile => ({
  component: "gateway-api",
  version: "v1.5.1",
  file: name,
});
const GATEWAYS = file("gateway.networking.k8s.io_gateways.yaml");
const CLASSES = file("gateway.networking.k8s.io_gatewayclasses.yaml");
const VAP = file("gateway.networking.k8s.io_vap_safeupgrades.yaml");
const request = { gatewayClass: "eg", force: false, gatewayApi: "v1.5.1" };

Deno.test("gatewayApiCrd() reads the CRD a Gateway API file defines; the policy file defines none", () => {
  assert.equal(gatewayApiCrd(GATEWAYS), "gateways.gateway.networking.k8s.io");
  assert.equal(gatewayApiCrd(VAP), undefined);
});

Deno.test("planLlm() refuses a GatewayClass that does not exist, naming those that do", () => {
  assert.throws(
    () => planLlm(request, [GATEWAYS], { gatewayClasses: [], crds: {} }),
    (e: CliError) =>
      /GatewayClass "eg" does not exist; no GatewayClass exists/.test(e.message) &&
      /kubectl kserve install --llm --gateway-class NAME/.test(e.hint!),
  );
  assert.throws(
    () => planLlm(request, [GATEWAYS], { gatewayClasses: ["istio"], crds: {} }),
    /the GatewayClasses are istio/,
  );
});

Deno.test("planLlm() keeps a CRD another owner installed, applies its own and new ones; --force applies all", () => {
  const theirs = {
    metadata: {
      name: "gatewayclasses.gateway.networking.k8s.io",
      annotations: { "gateway.networking.k8s.io/bundle-version": "v1.4.0" },
      managedFields: [{ manager: "helm", operation: "Apply" }],
    },
  };
  const ours = {
    metadata: {
      name: "gateways.gateway.networking.k8s.io",
      managedFields: [{ manager: "kubectl-kserve", operation: "Apply" }],
    },
  };
  const facts = {
    gatewayClasses: ["eg"],
    crds: { [theirs.metadata.name]: theirs, [ours.metadata.name]: ours },
  };
  const plan = planLlm(request, [CLASSES, GATEWAYS, VAP], facts);
  assert.deepEqual(plan.files, [GATEWAYS, VAP]);
  assert.deepEqual(plan.kept, [
    "gatewayclasses.gateway.networking.k8s.io v1.4.0: installed by another tool (field manager helm)",
  ]);
  assert.equal(plan.gatewayClass, "eg");
  assert.deepEqual(planLlm({ ...request, force: true }, [CLASSES], facts).files, [CLASSES]);
});

Deno.test("missingPreset() reads both releases' PresetsCombined messages; other failures are not a missing preset", () => {
  assert.deepEqual(
    missingPreset(
      'failed to get LLMInferenceServiceConfig "kserve-config-llm-scheduler" from namespaces ["llm", "kserve"]: LLMInferenceServiceConfig.serving.kserve.io "kserve-config-llm-scheduler" not found',
    ),
    { name: "kserve-config-llm-scheduler", namespaces: ["llm", "kserve"] },
  );
  assert.deepEqual(
    missingPreset('LLMInferenceServiceConfig "my-preset" not found in namespaces [llm kserve]'),
    { name: "my-preset", namespaces: ["llm", "kserve"] },
  );
  assert.equal(
    missingPreset(
      'failed to get LLMInferenceServiceConfig "x" from namespaces ["llm", "kserve"]: connection refused',
    ),
    undefined,
  );
  assert.equal(missingPreset("failed to merge specs"), undefined);
});

Deno.test("conditionFinding(): True passes, False is lasting with its reason, absent or Unknown is transient", () => {
  const gw = "Gateway kserve/g";
  assert.equal(
    conditionFinding(gw, [{ type: "Programmed", status: "True" }], "Programmed"),
    undefined,
  );
  assert.deepEqual(
    conditionFinding(gw, [{
      type: "Programmed",
      status: "False",
      reason: "Invalid",
      message: "bad port",
    }], "Programmed"),
    { cause: "Gateway kserve/g is not Programmed (Invalid: bad port)", lasting: true },
  );
  assert.equal(conditionFinding(gw, [], "Programmed")?.lasting, false);
  assert.equal(
    conditionFinding(gw, [{
      type: "Programmed",
      status: "Unknown",
      message: "Waiting for controller",
    }], "Programmed")?.lasting,
    false,
  );
});

Deno.test("the Gateway API double accepts routes of its Gateways only, ResolvedRefs only when backends exist", () => {
  const gateway = {
    metadata: { name: "g", namespace: "kserve" },
    spec: { gatewayClassName: "test-double" },
  };
  const route = {
    metadata: { name: "r", namespace: "llm", generation: 2 },
    spec: {
      parentRefs: [{ name: "g", namespace: "kserve" }, { name: "other", namespace: "kserve" }],
      rules: [{ backendRefs: [{ name: "svc" }] }],
    },
  };
  const at = "2026-12-07T00:00:00Z";
  const present = routeParents(route, [gateway], "c", () => true, at);
  assert.equal(present.length, 1);
  assert.deepEqual(present[0]!.conditions.map((c) => [c.type, c.status]), [
    ["Accepted", "True"],
    ["ResolvedRefs", "True"],
  ]);
  const absent = routeParents(route, [gateway], "c", () => false, at);
  assert.equal(absent[0]!.conditions[1]!.reason, "BackendNotFound");
  assert.match(absent[0]!.conditions[1]!.message, /Service llm\/svc/);
  // The API server's key order and another transition time are the same status.
  assert.ok(
    sameStatus({ parents: JSON.parse(JSON.stringify(present)).map((p: object) => ({ ...p })) }, {
      parents: routeParents(route, [gateway], "c", () => true, "2027-01-01T00:00:00Z"),
    }),
  );
  assert.ok(!sameStatus({ parents: present }, { parents: absent }));
});
