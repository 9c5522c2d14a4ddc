/**
 * Knative configuration that leaves models without an address (lib/kserve/knative_config.ts),
 * on plain ConfigMap data and the provider labels of net-kourier's and net-istio's Deployments.
 */
import assert from "node:assert/strict";
import { assertHintParses } from "../support/hints.ts";
import {
  domainProblem,
  ingressClassProblem,
  knativeKubernetesProblem,
} from "../../lib/kserve/knative_config.ts";

const ISTIO = "istio.ingress.networking.knative.dev";
const KOURIER = "kourier.ingress.networking.knative.dev";

Deno.test("an ingress-class with no controller names the class, the layers installed and the patch to one", async () => {
  // Field report: istio named while only Kourier is installed (its controller and gateway).
  const problem = ingressClassProblem(ISTIO, ["kourier", "kourier"], "knative-serving");
  assert.match(problem!.message, /sets ingress-class istio\.ingress\.networking\.knative\.dev/);
  assert.match(problem!.message, /ingress-provider=istio; installed: kourier \(kourier\.ingress/);
  assert.match(problem!.message, /IngressNotConfigured/);
  assert.equal(
    problem!.fix,
    `kubectl patch configmap config-network -n knative-serving --type merge -p '{"data":{"ingress-class":"${KOURIER}"}}'`,
  );
  await assertHintParses(problem!.fix);
  // Siblings: the class served; none set; no layer at all.
  assert.equal(ingressClassProblem(KOURIER, ["kourier"], "knative-serving"), undefined);
  assert.match(ingressClassProblem(undefined, ["istio"], "kn")!.fix, /istio\.ingress/);
  assert.match(
    ingressClassProblem(ISTIO, [], "kn")!.fix,
    /kubectl kserve install --mode serverless/,
  );
});

Deno.test("config-domain with only _example warns with the domain from inferenceservice-config", async () => {
  const problem = domainProblem({ _example: "..." }, "kserve.example.org", "knative-serving");
  assert.match(problem!.message, /sets no domain \(_example\).*svc\.cluster\.local.*404/);
  assert.equal(
    problem!.fix,
    `kubectl patch configmap config-domain -n knative-serving --type merge -p '{"data":{"kserve.example.org":""}}'`,
  );
  await assertHintParses(problem!.fix);
  assert.equal(domainProblem({ "example.com": "" }, undefined, "kn"), undefined);
  assert.match(domainProblem(undefined, undefined, "kn")!.fix, /"example\.com":""/);
});

Deno.test("knativeKubernetesProblem(): a cluster older than the Knative release needs is named with both versions; newer, equal and unknown pass", () => {
  const old = knativeKubernetesProblem("v1.32.4", "1.21.1")!;
  assert.equal(
    old.message,
    'Knative Serving v1.21.1 needs Kubernetes 1.33 or newer, and this cluster runs v1.32.4: its controllers exit at start ("kubernetes version ... is not compatible"), so no Knative-mode model becomes Ready',
  );
  assert.match(old.fix, /^Upgrade the cluster to Kubernetes 1\.33 or newer/);
  // KServe v0.20.0 supports Kubernetes 1.32, but its pinned Knative does not: the gap is named.
  assert.ok(knativeKubernetesProblem("v1.27.9", "v1.15.2"));
  assert.equal(knativeKubernetesProblem("v1.28.0", "1.15.2"), undefined);
  assert.equal(knativeKubernetesProblem("v1.33.1", "1.21.1"), undefined);
  assert.equal(knativeKubernetesProblem("v1.36.3", "1.21.1"), undefined);
  // A release whose minimum is not known, or no version label: nothing is claimed.
  assert.equal(knativeKubernetesProblem("v1.20.0", "1.11.0"), undefined);
  assert.equal(knativeKubernetesProblem("v1.20.0", undefined), undefined);
});
