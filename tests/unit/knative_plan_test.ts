import assert from "node:assert/strict";
import { decideKnative } from "../../lib/install/knative_plan.ts";
import type { KnativeServing } from "../../lib/kserve/knative.ts";
import type { CliError } from "../../lib/errors.ts";

const controller = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "controller" } };
const found = (over: Partial<KnativeServing>): KnativeServing => ({
  namespace: "knative-serving",
  version: "1.15.2",
  owner: { by: "other", managers: ["platform-team"] },
  controller,
  available: true,
  ingressClass: "kourier.ingress.networking.knative.dev",
  ...over,
});
const options = { force: false, pinned: "v1.15.2" };

Deno.test("decideKnative() applies when there is none, or it is this plugin's", () => {
  assert.deepEqual(decideKnative(undefined, options), { action: "apply" });
  assert.deepEqual(decideKnative(found({ owner: { by: "kubectl-kserve" } }), options), {
    action: "apply",
  });
});

Deno.test("decideKnative() keeps a working Knative Serving of another owner, naming the owner and its ingress", () => {
  const decision = decideKnative(
    found({ ingressClass: "istio.ingress.networking.knative.dev", namespace: "serving" }),
    options,
  );
  assert.equal(decision.action, "keep");
  if (decision.action !== "keep") return;
  assert.equal(decision.version, "v1.15.2");
  assert.equal(decision.istio, true);
  assert.match(decision.reason, /installed by another tool \(field manager platform-team\)/);
  assert.match(decision.reason, /in namespace serving and working/);
});

Deno.test("decideKnative() refuses a broken Knative Serving of another owner; --force replaces it only in knative-serving", () => {
  const broken = found({
    available: false,
    owner: { by: "helm", release: "kn", namespace: "ops" },
  });
  assert.throws(
    () => decideKnative(broken, options),
    (e: CliError) =>
      /Knative Serving v1\.15\.2 was installed by Helm, release kn in namespace ops, and its controller knative-serving\/controller is not Available/
        .test(e.message) && /helm status kn -n ops/.test(e.hint ?? ""),
  );
  assert.deepEqual(decideKnative(broken, { ...options, force: true }), { action: "apply" });
  const elsewhere = found({ available: false, namespace: "serving", controller: undefined });
  assert.throws(
    () => decideKnative(elsewhere, { ...options, force: true }),
    (e: CliError) =>
      /in namespace serving, and no Knative Serving controller Deployment was found/.test(
        e.message,
      ) && /even with --force/.test(e.hint ?? ""),
  );
});
