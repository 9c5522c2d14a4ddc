import assert from "node:assert/strict";
import {
  type Inventory,
  planTeardown,
  type TeardownOptions,
} from "../../lib/install/teardown_plan.ts";
import type { Listed } from "../../lib/kube/delete.ts";
import { CliError } from "../../lib/errors.ts";

const OURS = { managedFields: [{ manager: "kubectl-kserve", operation: "Apply" }] };
/** A namespace install created: marked by its label. */
const CREATED = { ...OURS, labels: { "app.kubernetes.io/managed-by": "kubectl-kserve" } };

function obj(
  kind: string,
  name: string,
  namespace?: string,
  metadata: Record<string, unknown> = OURS,
): Listed {
  return {
    path: `/x/${kind}/${namespace ?? ""}/${name}`,
    kind,
    name,
    ...(namespace ? { namespace } : {}),
    object: { metadata: { name, ...(namespace ? { namespace } : {}), ...metadata } },
  };
}

function inventory(overrides: Partial<Inventory> = {}): Inventory {
  return {
    models: [],
    clusterResources: [obj("ClusterServingRuntime", "kserve-sklearnserver")],
    llmConfigs: [obj("LLMInferenceServiceConfig", "kserve-config-llm-template", "kserve")],
    webhooks: [
      obj("ValidatingWebhookConfiguration", "inferenceservice.serving.kserve.io"),
      obj("MutatingWebhookConfiguration", "inferenceservice.serving.kserve.io"),
      obj("ValidatingWebhookConfiguration", "cert-manager-webhook"),
      obj("ValidatingWebhookConfiguration", "validation.webhook.serving.knative.dev"),
      obj("ValidatingWebhookConfiguration", "someone-elses-webhook"),
    ],
    crds: [
      obj("CustomResourceDefinition", "inferenceservices.serving.kserve.io"),
      obj("CustomResourceDefinition", "certificates.cert-manager.io"),
      obj("CustomResourceDefinition", "services.serving.knative.dev"),
      obj("CustomResourceDefinition", "widgets.example.com"),
    ],
    clusterRbac: [
      obj("ClusterRole", "kserve-manager-role"),
      obj("ClusterRole", "llmisvc-manager-role"),
      obj("ClusterRole", "cert-manager-controller-issuers"),
      obj("ClusterRole", "admin"),
    ],
    kubeSystemRbac: [obj("Role", "cert-manager:leaderelection", "kube-system")],
    namespaces: [
      obj("Namespace", "kserve", undefined, CREATED),
      obj("Namespace", "cert-manager", undefined, CREATED),
    ],
    certificates: [obj("Certificate", "serving-cert", "kserve")],
    kserveWebhookAnswers: true,
    ...overrides,
  };
}

const options: TeardownOptions = {
  withCertManager: false,
  withKnative: false,
  keepCrds: false,
  force: false,
  kserveNamespace: "kserve",
};

const names = (plan: ReturnType<typeof planTeardown>) =>
  plan.steps.flatMap((s) => s.action === "pause" ? [] : s.refs.map((r) => r.name));

Deno.test("planTeardown(): KServe's order is cluster resources, webhooks, LLM configs, RBAC, CRDs, namespace", () => {
  const plan = planTeardown(inventory(), options);
  assert.deepEqual(plan.steps.map((s) => `${s.action} ${s.what}`), [
    "delete cluster resources",
    "delete webhook configurations",
    "pause until the API server stops calling the deleted webhooks",
    "delete LLMInferenceServiceConfigs",
    "delete cluster roles and bindings",
    "delete CRDs",
    "delete namespaces",
  ]);
  const last = plan.steps.at(-1)!;
  assert.equal(
    last.action === "delete" && last.settle?.refs?.length,
    2,
    "waits for CRD and namespace",
  );
});

Deno.test("planTeardown(): only the components asked for, never other owners' objects", () => {
  const kserveOnly = names(planTeardown(inventory(), options));
  for (
    const other of [
      "cert-manager-webhook",
      "certificates.cert-manager.io",
      "admin",
      "widgets.example.com",
      "someone-elses-webhook",
      "cert-manager",
    ]
  ) {
    assert.ok(!kserveOnly.includes(other), `${other} is not KServe's`);
  }
  const all = names(
    planTeardown(inventory(), { ...options, withCertManager: true, withKnative: true }),
  );
  for (
    const name of [
      "cert-manager-webhook",
      "certificates.cert-manager.io",
      "cert-manager:leaderelection",
      "cert-manager",
      "validation.webhook.serving.knative.dev",
      "services.serving.knative.dev",
    ]
  ) {
    assert.ok(all.includes(name), `${name} is removed with its component`);
  }
  for (const other of ["admin", "widgets.example.com", "someone-elses-webhook"]) {
    assert.ok(!all.includes(other), `${other} belongs to nobody we remove`);
  }
});

Deno.test("planTeardown(): models refuse without --force, and go first with it", () => {
  const models = [obj("InferenceService", "iris", "models")];
  assert.throws(
    () => planTeardown(inventory({ models }), options),
    (e: unknown) =>
      e instanceof CliError &&
      /1 model object\(s\) exist: InferenceService models\/iris/.test(e.message) &&
      e.hint ===
        "Delete them first (kubectl kserve delete iris -n models), or pass --force to delete them too",
  );
  // Kinds the plugin does not delete get kubectl's command; the list stops at three.
  const llm = [
    obj("LLMInferenceService", "chat", "llm"),
    obj("InferenceService", "a", "m"),
    obj("InferenceService", "b", "m"),
    obj("InferenceService", "c", "m"),
  ];
  assert.throws(
    () => planTeardown(inventory({ models: llm }), options),
    (e: unknown) =>
      e instanceof CliError &&
      e.hint ===
        "Delete them first (kubectl delete llminferenceservice chat -n llm; kubectl kserve delete a -n m; kubectl kserve delete b -n m; and 1 more), or pass --force to delete them too",
  );
  const plan = planTeardown(inventory({ models }), { ...options, force: true });
  assert.equal(plan.steps[0]!.what, "models");
});

Deno.test("planTeardown(): with a dead KServe webhook, its configurations go before finalizers are stripped", () => {
  const models = [obj("InferenceService", "iris", "models")];
  const plan = planTeardown(inventory({ models, kserveWebhookAnswers: false }), {
    ...options,
    force: true,
  });
  assert.deepEqual(plan.steps.slice(0, 3).map((s) => `${s.action} ${s.what.split(" (")[0]}`), [
    "delete webhook configurations",
    "strip-finalizers models",
    "delete models",
  ]);
  assert.equal(plan.steps.filter((s) => s.what.startsWith("webhook configurations")).length, 1);
});

Deno.test("planTeardown(): --keep-crds keeps every CRD; cert-manager with other Certificates needs --force", () => {
  const both = { ...options, withCertManager: true, withKnative: true };
  const deleted = (plan: ReturnType<typeof planTeardown>) =>
    plan.steps.flatMap((s) => s.action === "delete" ? s.refs : [])
      .filter((r) => r.kind === "CustomResourceDefinition").map((r) => r.name).sort();
  // cert-manager's CRDs hold every Certificate of the cluster, not only KServe's: kept too.
  assert.deepEqual(deleted(planTeardown(inventory(), { ...both, keepCrds: true })), []);
  assert.deepEqual(deleted(planTeardown(inventory(), both)), [
    "certificates.cert-manager.io",
    "inferenceservices.serving.kserve.io",
    "services.serving.knative.dev",
  ]);
  const kept = planTeardown(inventory(), { ...both, keepCrds: true });
  assert.ok(names(kept).includes("cert-manager"), "cert-manager's namespace still goes");
  const others = inventory({ certificates: [obj("Certificate", "web-tls", "shop")] });
  assert.throws(
    () => planTeardown(others, { ...options, withCertManager: true }),
    /cert-manager still manages 1 Certificate\(s\) of other owners: shop\/web-tls/,
  );
});

Deno.test("planTeardown(): objects of a Helm release or another tool are refused, naming the owner and its command", () => {
  const helm = {
    labels: { "app.kubernetes.io/managed-by": "Helm" },
    annotations: {
      "meta.helm.sh/release-name": "kserve-crd",
      "meta.helm.sh/release-namespace": "kserve",
    },
    managedFields: [{ manager: "helm", operation: "Update" }],
  };
  const crds = [
    obj("CustomResourceDefinition", "inferenceservices.serving.kserve.io", undefined, helm),
  ];
  assert.throws(
    () => planTeardown(inventory({ crds }), options),
    (e: unknown) =>
      e instanceof CliError &&
      /1 object\(s\) were not installed by kubectl-kserve: 1 by Helm, release kserve-crd in namespace kserve \(CustomResourceDefinition inferenceservices\.serving\.kserve\.io\)/
        .test(e.message) &&
      /helm uninstall kserve-crd -n kserve/.test(e.hint ?? ""),
  );
  const kubectl = {
    managedFields: [{ manager: "kubectl-client-side-apply", operation: "Update" }],
  };
  const namespaces = [obj("Namespace", "kserve", undefined, kubectl)];
  assert.throws(
    () => planTeardown(inventory({ namespaces }), options),
    /by another tool \(field manager kubectl-client-side-apply\) \(Namespace kserve\)/,
  );
  const forced = planTeardown(inventory({ crds, namespaces }), { ...options, force: true });
  assert.ok(names(forced).includes("inferenceservices.serving.kserve.io"), "--force takes them");
});

Deno.test("planTeardown(): a namespace that existed before install is refused, though install applied labels to it; --force deletes it", () => {
  // The user ran `kubectl create namespace kserve`; install then applied KServe's labels.
  const labelledByInstall = {
    labels: { "control-plane": "kserve-controller-manager" },
    managedFields: [
      { manager: "kubectl-create", operation: "Update" },
      { manager: "kubectl-kserve", operation: "Apply" },
    ],
  };
  // cert-manager's name-only Namespace, made by the user beforehand: install's apply owns nothing.
  const bare = { managedFields: [{ manager: "kubectl-create", operation: "Update" }] };
  const namespaces = [
    obj("Namespace", "kserve", undefined, labelledByInstall),
    obj("Namespace", "cert-manager", undefined, bare),
  ];
  assert.throws(
    () => planTeardown(inventory({ namespaces }), { ...options, withCertManager: true }),
    (e: unknown) =>
      e instanceof CliError &&
      /2 object\(s\) were not installed by kubectl-kserve: 2 by another tool \(field manager kubectl-create\) \(Namespace kserve, Namespace cert-manager\) \(namespace kserve, cert-manager existed before kubectl-kserve installed into it; deleting it deletes everything in it\)/
        .test(e.message) &&
      /pass --force/.test(e.hint ?? ""),
  );
  const forced = planTeardown(inventory({ namespaces }), {
    ...options,
    withCertManager: true,
    force: true,
  });
  assert.ok(names(forced).includes("kserve") && names(forced).includes("cert-manager"));
});
