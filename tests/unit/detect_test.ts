import assert from "node:assert/strict";
import {
  deletingCrd,
  describeDeletingCrd,
  type DetectedObject,
  kserveFrom,
  versionFromImage,
} from "../../lib/kserve/detect.ts";
import { renderVersion } from "../../lib/commands/version.ts";
import { describeOwner, fieldTakenBy, ownerOf } from "../../lib/kube/owner.ts";

Deno.test("versionFromImage() reads the tag and ignores registry ports and digests", () => {
  assert.equal(versionFromImage("kserve/kserve-controller:v0.16.0"), "v0.16.0");
  assert.equal(versionFromImage("registry:5000/kserve/kserve-controller:v0.20.0"), "v0.20.0");
  assert.equal(versionFromImage("kserve/kserve-controller:v0.20.0@sha256:abc"), "v0.20.0");
  assert.equal(versionFromImage("registry:5000/kserve/kserve-controller@sha256:abc"), "unknown");
});

Deno.test("renderVersion() prints text and JSON, and names an owner that is not this plugin", () => {
  const report = {
    clientVersion: { version: "v0.1.0" },
    serverVersion: { gitVersion: "v1.36.3", major: "1", minor: "36", platform: "linux/amd64" },
    kserveVersion: {
      installed: true,
      version: "v0.16.0",
      namespace: "kserve",
      image: "kserve/kserve-controller:v0.16.0",
      apiServed: true,
      owner: { by: "kubectl-kserve" as const },
    },
  };
  assert.equal(
    renderVersion(report, "text"),
    "Client Version: v0.1.0\nServer Version: v1.36.3\nKServe Version: v0.16.0 (namespace kserve)\n",
  );
  assert.deepEqual(JSON.parse(renderVersion(report, "json")), report);
  assert.match(
    renderVersion({
      ...report,
      kserveVersion: {
        ...report.kserveVersion,
        owner: { by: "helm", release: "kserve", namespace: "kserve" },
      },
    }, "text"),
    /KServe Version: v0\.16\.0 \(namespace kserve, installed by Helm, release kserve in namespace kserve\)/,
  );
  assert.match(
    renderVersion({ ...report, kserveVersion: { installed: false, apiServed: false } }, "text"),
    /KServe Version: not installed/,
  );
  assert.match(
    renderVersion({
      ...report,
      kserveVersion: { installed: false, apiServed: true, unreadable: true },
    }, "text"),
    /KServe Version: unknown \(serving\.kserve\.io is served, but these credentials may not read/,
  );
});

const controller = (metadata: Partial<DetectedObject["metadata"]>): DetectedObject => ({
  metadata: { name: "kserve-controller-manager", namespace: "kserve", ...metadata },
  spec: {
    template: {
      spec: { containers: [{ name: "manager", image: "kserve/kserve-controller:v0.16.0" }] },
    },
  },
});

Deno.test("kserveFrom(): the owner comes from Helm's annotations, our field manager, or others' managers", () => {
  const helm = kserveFrom({
    controllers: [controller({
      labels: { "app.kubernetes.io/managed-by": "Helm" },
      annotations: {
        "meta.helm.sh/release-name": "kserve",
        "meta.helm.sh/release-namespace": "kserve",
      },
    })],
    configMaps: [],
    apiServed: true,
  });
  assert.deepEqual(helm.owner, { by: "helm", release: "kserve", namespace: "kserve" });
  assert.equal(helm.version, "v0.16.0");
  const ours = kserveFrom({
    controllers: [controller({
      managedFields: [{ manager: "kubectl-kserve", operation: "Apply" }, {
        manager: "kube-controller-manager",
        operation: "Update",
      }],
    })],
    configMaps: [],
    apiServed: true,
  });
  assert.deepEqual(ours.owner, { by: "kubectl-kserve" });
  const kubectl = ownerOf({
    managedFields: [{ manager: "kubectl-client-side-apply", operation: "Update" }, {
      manager: "kube-controller-manager",
      operation: "Update",
    }],
  });
  assert.equal(describeOwner(kubectl), "another tool (field manager kubectl-client-side-apply)");
});

Deno.test("kserveFrom(): forbidden reads are 'unreadable', never 'not installed'; kubeflow is found", () => {
  const hidden = kserveFrom({ controllers: [], configMaps: [], apiServed: true, unreadable: true });
  assert.equal(hidden.installed, false);
  assert.equal(hidden.unreadable, true);
  assert.equal(hidden.apiServed, true);
  const kubeflow = kserveFrom({
    controllers: [controller({ namespace: "kubeflow" })],
    configMaps: [],
    apiServed: true,
  });
  assert.deepEqual([kubeflow.installed, kubeflow.namespace], [true, "kubeflow"]);
});

Deno.test("deletingCrd(): a KServe CRD stuck deleting names since when and what holds it", () => {
  // Field report: reported as "KServe is not installed".
  const stuck = deletingCrd({
    metadata: {
      name: "inferenceservices.serving.kserve.io",
      deletionTimestamp: "2026-12-01T10:00:00Z",
      finalizers: ["customresourcecleanup.apiextensions.k8s.io"],
    },
    status: {
      conditions: [{
        type: "Terminating",
        status: "True",
        message: "could not confirm zero CustomResources remaining: 1 remaining",
      }],
    },
  })!;
  assert.equal(
    describeDeletingCrd(stuck),
    "KServe is being uninstalled and has not finished: CRD inferenceservices.serving.kserve.io is stuck deleting since 2026-12-01T10:00:00Z, held by finalizer customresourcecleanup.apiextensions.k8s.io (could not confirm zero CustomResources remaining: 1 remaining)",
  );
  // A CRD that is not being deleted is none of this.
  assert.equal(
    deletingCrd({ metadata: { name: "inferenceservices.serving.kserve.io" } }),
    undefined,
  );
});

Deno.test("fieldTakenBy(): the other managers that own a field; this plugin's own and other fields are none", () => {
  const fields = [
    { manager: "kubectl-kserve", operation: "Apply", fieldsV1: { "f:data": { "f:deploy": {} } } },
    { manager: "kubectl-patch", operation: "Update", fieldsV1: { "f:data": { "f:deploy": {} } } },
    { manager: "kubectl-edit", operation: "Update", fieldsV1: { "f:data": { "f:ingress": {} } } },
  ];
  assert.deepEqual(fieldTakenBy(fields, ["f:data", "f:deploy"]), ["kubectl-patch"]);
  assert.deepEqual(fieldTakenBy(fields.slice(0, 1), ["f:data", "f:deploy"]), []);
  assert.deepEqual(fieldTakenBy(fields, ["f:data", "f:storageInitializer"]), []);
});
