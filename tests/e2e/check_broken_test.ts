/** check on clusters broken in the ways that need no running KServe controller. */
import assert from "node:assert/strict";
import { adminKubeconfig, kubectlOk, resetCluster } from "../support/cluster.ts";
import { editorKubeconfig } from "../support/credentials.ts";
import { FIXTURES } from "../support/fixtures.ts";
import { runCheck } from "../support/plugin_json.ts";
import { patchKServeConfig } from "../support/kserve.ts";
import { assertHintParses, runHint } from "../support/hints.ts";
import { certManagerOfPlatformTeam } from "../support/owners.ts";

Deno.test("check on an empty cluster: one failure, KServe is not installed", async () => {
  await resetCluster();
  const check = await runCheck([], adminKubeconfig());
  assert.equal(check.code, 1);
  assert.deepEqual(check.failed, ["kserve.installed"]);
  assert.match(check.byId("kserve.installed")!.hint!, /kubectl kserve install --mode raw/);
  await assertHintParses(check.byId("kserve.installed")!.hint!);
  assert.equal(check.report.success, false);
});

Deno.test("check on KServe applied without cert-manager (the guide's failure) names cert-manager as the cause", async () => {
  await resetCluster();
  await kubectlOk(["apply", "--server-side", "-f", `${FIXTURES}kserve/v0.16.0/kserve.yaml`]).catch(
    () => {
      // LLMInferenceServiceConfigs are refused until their CRD is Established and their webhook runs.
    },
  );
  // Option 1 of the guide: RawDeployment, so the only problem left is the missing cert-manager.
  await patchKServeConfig("deploy", { defaultDeploymentMode: "Standard" });
  const check = await runCheck([], adminKubeconfig());
  assert.equal(check.code, 1);
  assert.deepEqual(check.failed, ["certmanager.crds"]);
  const failure = check.byId("certmanager.crds")!;
  assert.match(failure.error!, /kserve-webhook-server-cert is never created/);
  assert.match(failure.error!, /Missing Knative or Istio CRDs are not the cause/);
  // KServe here was applied with kubectl, not by this plugin: the fix leaves it alone.
  assert.match(
    failure.hint!,
    /kubectl apply --server-side -f https:\/\/github\.com\/cert-manager\/cert-manager\/releases\/download\/v1\.18\.0\/cert-manager\.yaml$/,
  );
  assert.doesNotMatch(failure.hint!, /kubectl kserve install/);
  // A download: parsed, not run.
  await assertHintParses(failure.hint!);
  for (
    const id of ["kserve.certificate", "kserve.controller", "webhooks.endpoints", "webhooks.probe"]
  ) {
    assert.equal(check.byId(id)?.result, "skip", id);
  }
});

Deno.test("check --pre as a user without cluster-admin lists exactly the missing permissions", async () => {
  // On an empty cluster: a KServe applied by kubectl would also fail pre.conflicts (its owner).
  await resetCluster();
  await using kubeconfig = await editorKubeconfig();
  const check = await runCheck(["--pre"], kubeconfig.path);
  assert.equal(check.code, 1);
  assert.deepEqual(check.failed, ["pre.permissions"]);
  const error = check.byId("pre.permissions")!.error!;
  for (
    const missing of [
      "create namespaces",
      "create customresourcedefinitions.apiextensions.k8s.io",
      "create clusterroles.rbac.authorization.k8s.io",
      "create validatingwebhookconfigurations.admissionregistration.k8s.io",
      "create roles.rbac.authorization.k8s.io in kserve",
    ]
  ) {
    assert.ok(error.includes(missing), `${missing} should be listed in: ${error}`);
  }
  for (
    const allowed of [
      "create deployments.apps in kserve",
      "create services in cert-manager",
      "create configmaps in kserve",
    ]
  ) {
    assert.ok(!error.includes(allowed), `${allowed} is allowed by "edit" and must not be listed`);
  }
});

Deno.test("check --pre names a broken cert-manager of another owner, which install would stop at; its hint makes check --pre pass", async () => {
  await resetCluster();
  await certManagerOfPlatformTeam();
  assert.deepEqual((await runCheck(["--pre"], adminKubeconfig())).failed, []);
  // Its webhook stopped: every Issuer and Certificate is refused.
  await kubectlOk([
    "scale",
    "deployment/cert-manager-webhook",
    "-n",
    "cert-manager",
    "--replicas=0",
  ]);
  await kubectlOk([
    "wait",
    "--for=delete",
    "pod",
    "-l",
    "app.kubernetes.io/component=webhook",
    "-n",
    "cert-manager",
    "--timeout=60s",
  ]);
  const check = await runCheck(["--pre"], adminKubeconfig());
  assert.deepEqual(check.failed, ["pre.cert-manager"]);
  const failure = check.byId("pre.cert-manager")!;
  assert.match(
    failure.error!,
    /cert-manager v1\.18\.0 in namespace cert-manager, installed by another tool \(field manager platform-team\), is not working \(cert-manager\/cert-manager-webhook: scaled to 0\)/,
  );
  assert.equal(failure.transient, undefined, "a Deployment scaled to 0 stays so");
  assert.equal(
    failure.hint,
    "Scale it up: kubectl scale deployment/cert-manager-webhook -n cert-manager --replicas=1; or let install replace it with --force",
  );
  await runHint(failure.hint!);
  await kubectlOk(["rollout", "status", "deployment/cert-manager-webhook", "-n", "cert-manager"]);
  assert.deepEqual((await runCheck(["--pre"], adminKubeconfig())).failed, []);
  await resetCluster();
});
