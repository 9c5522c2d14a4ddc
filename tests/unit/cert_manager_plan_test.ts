import assert from "node:assert/strict";
import { decideCertManager, needsProbe } from "../../lib/install/cert_manager_plan.ts";
import {
  certManagerDeploymentFaults,
  type CertManagerFaults,
  certManagerFix,
} from "../../lib/checks/cert_manager.ts";
import type { Deployment } from "../../lib/kube/objects.ts";

/** A cert-manager Deployment: Available with one replica, or scaled to `replicas`. */
function deployment(name: string, replicas = 1): Deployment {
  return {
    metadata: { name, namespace: "cert-manager" },
    spec: { replicas, selector: {}, template: {} },
    status: replicas
      ? { availableReplicas: 1, conditions: [{ type: "Available", status: "True" }] }
      : {
        conditions: [{ type: "Available", status: "False", reason: "MinimumReplicasUnavailable" }],
      },
  } as Deployment;
}
const WORKS: CertManagerFaults = {
  problems: [],
  missing: [],
  scaled: [],
  namespace: "cert-manager",
};
const NO_CAINJECTOR = certManagerDeploymentFaults([
  deployment("cert-manager"),
  deployment("cert-manager-webhook"),
]);

const crd = (version: string, metadata: Record<string, unknown>) => ({
  metadata: {
    name: "certificates.cert-manager.io",
    labels: { "app.kubernetes.io/version": version },
    ...metadata,
  },
});
const ours = (version: string) =>
  crd(version, { managedFields: [{ manager: "kubectl-kserve", operation: "Apply" }] });
const helm = crd("v1.17.2", {
  labels: { "app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/version": "v1.17.2" },
  annotations: {
    "meta.helm.sh/release-name": "cert-manager",
    "meta.helm.sh/release-namespace": "cert-manager",
  },
});

Deno.test("decideCertManager(): applies when none exists or ours is not newer; keeps a newer working one of ours", () => {
  assert.deepEqual(decideCertManager({ pinned: "v1.16.1", force: false }), { action: "apply" });
  assert.equal(needsProbe({ existing: ours("v1.16.1"), pinned: "v1.16.1", force: false }), false);
  assert.deepEqual(
    decideCertManager({ existing: ours("v1.16.1"), pinned: "v1.18.0", force: false }),
    { action: "apply" },
  );
  const kept = decideCertManager({
    existing: ours("v1.18.0"),
    pinned: "v1.16.1",
    faults: WORKS,
    force: false,
  });
  assert.equal(kept.action, "keep");
  assert.throws(
    () =>
      decideCertManager({
        existing: ours("v1.18.0"),
        pinned: "v1.16.1",
        faults: NO_CAINJECTOR,
        force: false,
      }),
    /cert-manager v1\.18\.0 \(installed by this plugin\) is not working \(cert-manager\/cert-manager-cainjector: not found\), and this release's v1\.16\.1 would downgrade it/,
  );
});

Deno.test("decideCertManager(): another owner's cert-manager is kept when working, never replaced silently when broken", () => {
  assert.equal(needsProbe({ existing: helm, pinned: "v1.18.0", force: false }), true);
  assert.deepEqual(
    decideCertManager({ existing: helm, pinned: "v1.18.0", faults: WORKS, force: false }),
    { action: "keep", version: "v1.17.2", reason: "a working cert-manager is already installed" },
  );
  assert.throws(
    () =>
      decideCertManager({ existing: helm, pinned: "v1.18.0", faults: NO_CAINJECTOR, force: false }),
    (e: unknown) =>
      e instanceof Error &&
      /cert-manager v1\.17\.2 was installed by Helm, release cert-manager in namespace cert-manager and is not working \(cert-manager\/cert-manager-cainjector: not found\)/
        .test(e.message) &&
      /^Re-create cert-manager-cainjector with Helm: helm upgrade cert-manager cert-manager --repo https:\/\/charts\.jetstack\.io --version v1\.17\.2 -n cert-manager --reuse-values; or pass --force/
        .test((e as { hint?: string }).hint ?? ""),
  );
  assert.deepEqual(
    decideCertManager({ existing: helm, pinned: "v1.18.0", faults: NO_CAINJECTOR, force: true }),
    { action: "apply" },
  );
});

Deno.test("certManagerDeploymentFaults(): cert-manager works only with its controller, cainjector and webhook Available", () => {
  const all = ["cert-manager", "cert-manager-cainjector", "cert-manager-webhook"];
  assert.deepEqual(certManagerDeploymentFaults(all.map((n) => deployment(n))).problems, []);
  assert.deepEqual(NO_CAINJECTOR.problems, ["cert-manager/cert-manager-cainjector: not found"]);
  assert.deepEqual(NO_CAINJECTOR.missing, ["cert-manager-cainjector"]);
  const noWebhook = certManagerDeploymentFaults([deployment("cert-manager"), deployment(all[1]!)]);
  assert.deepEqual(noWebhook.problems, ["cert-manager/cert-manager-webhook: not found"]);
  const scaled = certManagerDeploymentFaults([
    deployment("cert-manager"),
    deployment("cert-manager-cainjector", 0),
    deployment("cert-manager-webhook"),
  ]);
  assert.deepEqual(scaled.problems, ["cert-manager/cert-manager-cainjector: scaled to 0"]);
  assert.deepEqual(scaled.missing, []);
});

Deno.test("certManagerFix(): a fix its owner can run, for what is missing or scaled down", () => {
  const other = { by: "other" as const, managers: ["platform-team"] };
  assert.equal(
    certManagerFix(NO_CAINJECTOR, other, "v1.18.0"),
    "Re-create cert-manager-cainjector from the release it came from: kubectl apply --server-side -f https://github.com/cert-manager/cert-manager/releases/download/v1.18.0/cert-manager.yaml --field-manager=platform-team",
  );
  const scaled = certManagerDeploymentFaults([
    deployment("cert-manager"),
    deployment("cert-manager-cainjector", 0),
    deployment("cert-manager-webhook"),
  ]);
  const helmOwner = { by: "helm" as const, release: "cm", namespace: "infra" };
  assert.equal(
    certManagerFix(scaled, helmOwner, "v1.17.2"),
    "Scale it up: kubectl scale deployment/cert-manager-cainjector -n cert-manager --replicas=1",
  );
  assert.equal(
    certManagerFix(NO_CAINJECTOR, other, "(version unknown)"),
    "Re-create cert-manager-cainjector with the tool that installed it",
  );
  assert.equal(certManagerFix(NO_CAINJECTOR, { by: "kubectl-kserve" }, "v1.18.0"), undefined);
  assert.match(
    certManagerFix(
      NO_CAINJECTOR,
      { by: "other", managers: ["kubectl-client-side-apply"] },
      "v1.18.0",
    )!,
    /: kubectl apply -f https:\/\/github\.com\/cert-manager\/cert-manager\/releases\/download\/v1\.18\.0\/cert-manager\.yaml$/,
  );
  assert.equal(
    certManagerFix(NO_CAINJECTOR, { by: "other", managers: ["argocd", "flux"] }, "v1.18.0"),
    "Re-create cert-manager-cainjector with the tool that installed it",
  );
});
