/**
 * Every check is made to fail once: for each check id in the catalogue, the test (file and the
 * words of its name) that puts a cluster in the state where that check fails and asserts it.
 * A check id with no such test must be listed in NOT_YET_FAILED, with what would make it fail,
 * so a new check cannot arrive silently untested, and the gap stays visible here.
 */
import assert from "node:assert/strict";
import { selectChecks } from "../../lib/checks/catalog.ts";
import { preChecks } from "../../lib/checks/pre.ts";
import { deploymentModeChecks } from "../../lib/checks/pre.ts";
import { modelChecks } from "../../lib/checks/inference_services.ts";
import { clusterChecks, kubernetesVerdict } from "../../lib/checks/cluster.ts";

const MADE_TO_FAIL: Record<string, [file: string, test: string]> = {
  "certmanager.crds": ["e2e/check_broken_test.ts", "KServe applied without cert-manager"],
  "kserve.installed": ["e2e/check_broken_test.ts", "check on an empty cluster"],
  "kserve.certificate": ["e2e/check_healthy_test.ts", "Certificate never issued"],
  "kserve.config-deploy": ["e2e/check_healthy_test.ts", "deploy mode that v0.16.0 does not know"],
  "kserve.config-ingress": ["e2e/check_healthy_test.ts", "ingress JSON without ingressGateway"],
  "kserve.controller": ["e2e/check_healthy_test.ts", "controller scaled to 0"],
  "kserve.release": ["e2e/upgrade_test.ts", "check names a half-upgraded KServe"],
  "kserve.config-images": ["e2e/upgrade_test.ts", "check names an image left from v0.16.0"],
  "mode.metrics": ["e2e/check_healthy_test.ts", "no metrics-server is a warning"],
  "mode.default": ["e2e/check_healthy_test.ts", "default mode Serverless with no Knative"],
  "webhooks.ca-bundle": ["e2e/check_healthy_test.ts", "inject-ca-from naming a Certificate"],
  "webhooks.orphans": ["e2e/check_healthy_test.ts", "webhook configurations left after"],
  "pre.permissions": ["e2e/check_broken_test.ts", "check --pre as a user without cluster-admin"],
  "pre.conflicts": ["e2e/ownership_test.ts", "KServe installed by Helm"],
  "pre.cert-manager": ["e2e/check_broken_test.ts", "check --pre names a broken cert-manager"],
  "models.ready": ["e2e/deploy_kserve_test.ts", "check -n names the model that is not Ready"],
  "models.spec": [
    "e2e/model_diagnosis_test.ts",
    "a storage URI without a scheme, written by kubectl",
  ],
  "models.settings": [
    "e2e/knative_scale_test.ts",
    "allow-zero-initial-scale left at its default with --min-replicas 0",
  ],
  "models.legacy-mode-annotation": [
    "e2e/deploy_kserve_test.ts",
    "a legacy mode annotation with its fix",
  ],
  // The test cluster runs one Kubernetes, newer than any minimum: the decision is tested here.
  "cluster.version": ["unit/check_coverage_test.ts", "cluster.version fails a Kubernetes older"],
  "cluster.api": ["e2e/check_scopes_test.ts", "an API server that refuses connections"],
  "cluster.permissions": ["e2e/check_scopes_test.ts", "a user with 'edit' everywhere"],
  "certmanager.deployments": [
    "e2e/check_failures_test.ts",
    "cert-manager's Deployments scaled to 0",
  ],
  "certmanager.webhook": [
    "e2e/check_failures_test.ts",
    "cert-manager's webhook Service selecting none of its pods",
  ],
  "kserve.crds": ["e2e/check_failures_test.ts", "a KServe CRD deleted"],
  "kserve.version": ["e2e/check_failures_test.ts", "a controller image pinned by digest"],
  "webhooks.service": ["e2e/check_failures_test.ts", "a webhook pointing at a Service in another"],
  "webhooks.endpoints": [
    "e2e/check_failures_test.ts",
    "the webhook Service selecting no controller",
  ],
  "webhooks.probe": ["e2e/check_failures_test.ts", "the mutating webhook configuration deleted"],
  "mode.knative": ["e2e/check_failures_test.ts", "check --mode serverless without Knative"],
  "mode.knative-ingress": [
    "e2e/knative_config_test.ts",
    "config-network naming istio while only Kourier is installed",
  ],
  "mode.knative-domain": ["e2e/knative_config_test.ts", "config-domain with only _example"],
  "mode.knative-webhook": [
    "e2e/knative_diagnosis_test.ts",
    "Knative's webhook selecting no pod fails check",
  ],
  "mode.controller-sees-knative": [
    "e2e/check_failures_test.ts",
    "check --mode serverless without Knative",
  ],
  "runtimes.cluster-serving-runtimes": [
    "e2e/check_failures_test.ts",
    "every ClusterServingRuntime and the default ClusterStorageContainer deleted",
  ],
  "runtimes.storage-container": [
    "e2e/check_failures_test.ts",
    "every ClusterServingRuntime and the default ClusterStorageContainer deleted",
  ],
  "llm.gateway-api-crds": ["e2e/llm_install_test.ts", "refused without a GatewayClass"],
  "llm.inferencepool-crd": [
    "e2e/llm_install_test.ts",
    "v0.16.0 with v0.20.0's InferencePool group",
  ],
  "llm.controller-saw-crds": [
    "e2e/llm_install_test.ts",
    "v0.16.0 with v0.20.0's InferencePool group",
  ],
  "llm.presets": ["e2e/llm_install_test.ts", "a missing shipped preset"],
  "llm.controller": ["e2e/llm_routed_test.ts", "llmisvc scaled to 0"],
  "llm.gateway": ["e2e/llm_routed_test.ts", "the Gateway deleted"],
  "llm.gatewayclass": ["e2e/llm_routed_test.ts", "a GatewayClass no implementation accepted"],
  "deployment.metrics": ["e2e/check_scopes_test.ts", "--mode deployment without metrics-server"],
  "deployment.permissions": ["e2e/check_scopes_test.ts", "a user who may only view the namespace"],
};

/** Checks no test makes fail yet, and the state that would. */
const NOT_YET_FAILED: Record<string, string> = {};

Deno.test("every check id is made to fail by a named test, or listed as not yet", async () => {
  const ids = new Set([
    ...selectChecks({ pre: false, withModels: false, withLlm: true }),
    ...preChecks,
    ...deploymentModeChecks,
    ...modelChecks,
  ].map((c) => c.id));
  const unaccounted = [...ids].filter((id) => !(id in MADE_TO_FAIL) && !(id in NOT_YET_FAILED));
  assert.deepEqual(
    unaccounted,
    [],
    "every check needs a failing scenario (or a NOT_YET_FAILED entry)",
  );
  for (const [id, [file, test]] of Object.entries(MADE_TO_FAIL)) {
    assert.ok(ids.has(id), `${id} is not a check any more`);
    const text = await Deno.readTextFile(new URL(`../${file}`, import.meta.url));
    assert.ok(text.includes(test), `${file} has no test "${test}" (for ${id})`);
    assert.ok(text.includes(`"${id}"`), `${file} never asserts on ${id}`);
  }
  for (const id of Object.keys(NOT_YET_FAILED)) assert.ok(ids.has(id), `${id} is not a check`);
});

Deno.test("cluster.version fails a Kubernetes older than the installed KServe's minimum (its decision)", () => {
  assert.ok(clusterChecks.some((c) => c.id === "cluster.version"));
  assert.deepEqual(kubernetesVerdict("v1.29.4", "v0.16.0"), {
    tooOld: true,
    text: "Kubernetes v1.29.4 is too old: KServe v0.16.0 needs 1.30 or newer",
  });
  assert.deepEqual(kubernetesVerdict("v1.31.0", "v0.20.0"), {
    tooOld: true,
    text: "Kubernetes v1.31.0 is too old: KServe v0.20.0 needs 1.32 or newer",
  });
  assert.equal(kubernetesVerdict("v1.31.0", "v0.16.0").tooOld, false);
  assert.equal(
    kubernetesVerdict("v1.31.0", undefined).tooOld,
    true,
    "no KServe: the newest minimum",
  );
  assert.equal(kubernetesVerdict("v1.36.3", "v0.20.0").tooOld, false);
});
