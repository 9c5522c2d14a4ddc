import assert from "node:assert/strict";
import { decideCertManager, needsProbe } from "../../lib/install/cert_manager_plan.ts";

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
    working: true,
    force: false,
  });
  assert.equal(kept.action, "keep");
  assert.throws(
    () =>
      decideCertManager({
        existing: ours("v1.18.0"),
        pinned: "v1.16.1",
        working: false,
        force: false,
      }),
    /cert-manager v1\.18\.0 \(installed by this plugin\) is not working, and this release's v1\.16\.1 would downgrade it/,
  );
});

Deno.test("decideCertManager(): another owner's cert-manager is kept when working, never replaced silently when broken", () => {
  assert.equal(needsProbe({ existing: helm, pinned: "v1.18.0", force: false }), true);
  assert.deepEqual(
    decideCertManager({ existing: helm, pinned: "v1.18.0", working: true, force: false }),
    { action: "keep", version: "v1.17.2", reason: "a working cert-manager is already installed" },
  );
  assert.throws(
    () => decideCertManager({ existing: helm, pinned: "v1.18.0", working: false, force: false }),
    (e: unknown) =>
      e instanceof Error &&
      /cert-manager v1\.17\.2 was installed by Helm, release cert-manager in namespace cert-manager and is not working/
        .test(e.message) &&
      /helm status cert-manager -n cert-manager/.test((e as { hint?: string }).hint ?? ""),
  );
  assert.deepEqual(
    decideCertManager({ existing: helm, pinned: "v1.18.0", working: false, force: true }),
    { action: "apply" },
  );
});
