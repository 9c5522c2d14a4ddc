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

const MADE_TO_FAIL: Record<string, [file: string, test: string]> = {
  "certmanager.crds": ["e2e/check_broken_test.ts", "KServe applied without cert-manager"],
  "kserve.installed": ["e2e/check_broken_test.ts", "check on an empty cluster"],
  "kserve.certificate": ["e2e/check_healthy_test.ts", "Certificate never issued"],
  "kserve.config-deploy": ["e2e/check_healthy_test.ts", "deploy mode that v0.16.0 does not know"],
  "kserve.config-ingress": ["e2e/check_healthy_test.ts", "ingress JSON without ingressGateway"],
  "kserve.controller": ["e2e/check_healthy_test.ts", "controller scaled to 0"],
  "kserve.release": ["e2e/upgrade_test.ts", "check names a half-upgraded KServe"],
  "mode.default": ["e2e/check_healthy_test.ts", "default mode Serverless with no Knative"],
  "webhooks.ca-bundle": ["e2e/check_healthy_test.ts", "inject-ca-from naming a Certificate"],
  "webhooks.orphans": ["e2e/check_healthy_test.ts", "webhook configurations left after"],
  "pre.permissions": ["e2e/check_broken_test.ts", "check --pre as a user without cluster-admin"],
  "pre.conflicts": ["e2e/ownership_test.ts", "KServe installed by Helm"],
  "models.ready": ["e2e/deploy_kserve_test.ts", "check -n names the model that is not Ready"],
  "models.legacy-mode-annotation": [
    "e2e/deploy_kserve_test.ts",
    "a legacy mode annotation with its fix",
  ],
};

/** Checks no test makes fail yet, and the state that would. */
const NOT_YET_FAILED: Record<string, string> = {
  "cluster.api":
    "an API server that refuses connections (tests/cli covers the error, not the check)",
  "cluster.version": "a Kubernetes older than KServe's minimum",
  "cluster.permissions": "a user who may not read what check reads",
  "certmanager.deployments": "cert-manager's Deployments scaled to 0",
  "certmanager.webhook": "cert-manager's webhook Service without endpoints",
  "kserve.crds": "a KServe CRD deleted",
  "kserve.version": "a controller image pinned by digest (a warning)",
  "webhooks.service": "a webhook configuration pointing at another namespace",
  "webhooks.endpoints": "the webhook Service without ready endpoints",
  "webhooks.probe": "a webhook that answers with a denial",
  "mode.knative": "Knative Serving installed with its controller not Available",
  "runtimes.cluster-serving-runtimes": "every ClusterServingRuntime deleted",
  "runtimes.storage-container": "ClusterStorageContainer default deleted",
  "pre.cert-manager": "a cert-manager that is not working before install",
  "deployment.metrics": "no metrics-server, with check --mode deployment",
  "deployment.permissions": "a user who may not create Deployments, with --mode deployment",
};

Deno.test("every check id is made to fail by a named test, or listed as not yet", async () => {
  const ids = new Set([
    ...selectChecks({ pre: false, withModels: false }),
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
