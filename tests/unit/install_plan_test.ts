import assert from "node:assert/strict";
import {
  certManagerFacts,
  type InstallFacts,
  type InstallRequest,
  planInstall,
} from "../../lib/install/install_plan.ts";
import { needsProbe } from "../../lib/install/cert_manager_plan.ts";
import { certManagerDeploymentFaults } from "../../lib/checks/cert_manager.ts";
import { manifestsFor } from "../../lib/install/releases.ts";
import { resolveVersions } from "../../lib/install/preflight.ts";
import type { KnativeServing } from "../../lib/kserve/knative.ts";
import { CliError } from "../../lib/errors.ts";

const raw: InstallRequest = { mode: "raw", ingress: "kourier", force: false };
const serverless: InstallRequest = { mode: "serverless", ingress: "kourier", force: false };
const empty: InstallFacts = { istio: false };

/** The plan of `install` at v0.20.0 with these flags, on a cluster holding `facts`. */
function plan(request: InstallRequest, facts: InstallFacts = empty) {
  const versions = resolveVersions({ ...request, version: "v0.20.0" });
  const files = manifestsFor(request.mode, request.ingress, versions);
  return { files, plan: planInstall(request, files, versions.kserve, facts) };
}

const helmCertManager = {
  metadata: {
    name: "certificates.cert-manager.io",
    labels: { "app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/version": "v1.17.2" },
    annotations: {
      "meta.helm.sh/release-name": "cert-manager",
      "meta.helm.sh/release-namespace": "cert-manager",
    },
  },
};

Deno.test("planInstall(): raw on an empty cluster applies cert-manager then KServe, VirtualServices off", () => {
  const { files, plan: planned } = plan(raw);
  assert.equal(planned.kserve, "v0.20.0");
  assert.equal(planned.mode, "Standard");
  assert.equal(planned.note, undefined);
  assert.deepEqual(planned.skipped, []);
  assert.deepEqual(planned.components, [
    { component: "cert-manager", file: files.find((f) => f.component === "cert-manager") },
    { component: "kserve", file: files.find((f) => f.file === "kserve.yaml") },
    {
      component: "kserve-cluster-resources",
      file: files.find((f) => f.file === "kserve-cluster-resources.yaml"),
    },
  ]);
  assert.deepEqual(planned.settings, {
    defaultDeploymentMode: "Standard",
    ingressClass: undefined,
    disableIstioVirtualHost: true,
  });
});

Deno.test("planInstall(): raw with Istio leaves VirtualServices as the config says; --ingress-class passes through", () => {
  const { plan: planned } = plan({ ...raw, ingressClass: "nginx" }, { istio: true });
  assert.deepEqual(planned.settings, { defaultDeploymentMode: "Standard", ingressClass: "nginx" });
});

Deno.test("planInstall(): serverless applies Knative with the networking layer's ingress class", () => {
  const { files, plan: planned } = plan({ ...serverless, ingress: "istio" });
  assert.equal(planned.mode, "Knative");
  assert.deepEqual(planned.components.map((c) => c.component), [
    "cert-manager",
    "knative-serving",
    "networking",
    "kserve",
    "kserve-cluster-resources",
  ]);
  const knative = planned.components[1];
  assert.deepEqual(knative, {
    component: "knative-serving",
    crds: files.find((f) => f.file === "serving-crds.yaml"),
    core: files.find((f) => f.file === "serving-core.yaml"),
    ingressClass: "istio.ingress.networking.knative.dev",
  });
  assert.deepEqual(planned.components[2], {
    component: "networking",
    file: files.find((f) => f.component === "net-istio"),
  });
  assert.equal(planned.settings.disableIstioVirtualHost, false);
});

Deno.test("planInstall(): a working Knative Serving of another owner is kept, and its ingress decides VirtualServices", () => {
  const knative: KnativeServing = {
    namespace: "knative-serving",
    version: "1.21.1",
    owner: { by: "other", managers: ["platform-team"] },
    available: true,
    ingressClass: "istio.ingress.networking.knative.dev",
  };
  const { plan: planned } = plan(serverless, { istio: true, knative });
  assert.deepEqual(planned.components.map((c) => c.component), [
    "cert-manager",
    "kserve",
    "kserve-cluster-resources",
  ]);
  assert.equal(planned.skipped.length, 1);
  assert.equal(planned.skipped[0]!.name, "knative-serving");
  assert.match(planned.skipped[0]!.skipped!, /installed by another tool .* and working/);
  assert.equal(planned.settings.disableIstioVirtualHost, false);
});

Deno.test("planInstall(): another owner's cert-manager is probed, kept when working, refused when not", () => {
  const { files } = plan(raw);
  assert.equal(needsProbe(certManagerFacts(raw, files, helmCertManager)), true);
  const { plan: planned } = plan(raw, {
    istio: false,
    certManagerCrd: helmCertManager,
    certManagerFaults: { problems: [], missing: [], scaled: [], namespace: "cert-manager" },
  });
  assert.deepEqual(planned.skipped, [{
    name: "cert-manager",
    version: "v1.17.2",
    skipped: "a working cert-manager is already installed",
    created: 0,
    changed: 0,
    unchanged: 0,
  }]);
  assert.equal(planned.components[0]!.component, "kserve");
  assert.throws(
    () =>
      plan(raw, {
        istio: false,
        certManagerCrd: helmCertManager,
        certManagerFaults: certManagerDeploymentFaults([]),
      }),
    (error: CliError) =>
      error instanceof CliError &&
      /installed by Helm.* is not working \(cert-manager\/cert-manager: not found; cert-manager\/cert-manager-cainjector: not found; cert-manager\/cert-manager-webhook: not found\)/
        .test(error.message),
  );
});

Deno.test("planInstall(): a switch of the default mode is said before anything changes", () => {
  const liveConfig = { deploy: JSON.stringify({ defaultDeploymentMode: "Knative" }) };
  const { plan: planned } = plan(raw, { istio: false, liveConfig });
  assert.match(planned.note!, /^Switching the default deployment mode from Knative to Standard/);
  assert.equal(plan(serverless, { istio: false, liveConfig }).plan.note, undefined);
});
