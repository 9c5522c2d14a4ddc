/**
 * Knative configuration that leaves models without an address (lib/kserve/knative_config.ts),
 * on plain ConfigMap data and the provider labels of net-kourier's and net-istio's Deployments.
 */
import assert from "node:assert/strict";
import { assertHintParses } from "../support/hints.ts";
import { domainProblem, ingressClassProblem } from "../../lib/kserve/knative_config.ts";

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
