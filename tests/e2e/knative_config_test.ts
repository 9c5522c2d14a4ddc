/**
 * Knative's configuration that leaves models without an address (issue 24's field reports), on
 * an install with Knative Serving and Kourier: check names the offending value and its fix,
 * the fix is what makes check pass, and status of an affected model says the same.
 */
import assert from "node:assert/strict";
import { adminKubeconfig, kubectlOk, resetCluster, waitFor } from "../support/cluster.ts";
import { runCheck } from "../support/plugin_json.ts";
import { runHint } from "../support/hints.ts";
import { installKServe, kserveConfigJson, MODEL_SERVER_IMAGE, SKLEARN } from "../support/kserve.ts";
import { runPlugin } from "../support/plugin.ts";
import { assertUnchangedBy } from "../support/snapshot.ts";

const ISTIO = "istio.ingress.networking.knative.dev";
const CONTOUR = "contour.ingress.networking.knative.dev";

function patchKnative(configMap: string, patch: object, type = "merge"): Promise<string> {
  return kubectlOk([
    "patch",
    "configmap",
    configMap,
    "-n",
    "knative-serving",
    "--type",
    type,
    "-p",
    JSON.stringify(patch),
  ]);
}

Deno.test("config-network naming istio while only Kourier is installed: check names the class and the patch that fixes it; status of a Knative model says so", async () => {
  await resetCluster();
  await installKServe(["--version", "v0.16.0", "--mode", "serverless", "--request-timeout", "2m"]);
  await kubectlOk(["create", "namespace", "models"]);
  const deployed = await runPlugin(["deploy", "kn", "-n", "models", ...SKLEARN], {
    env: { KUBECONFIG: adminKubeconfig() },
  });
  assert.equal(deployed.code, 0, deployed.stderr);
  // The input, then a sibling: a class of a layer never installed here (contour).
  for (const ingressClass of [ISTIO, CONTOUR]) {
    await patchKnative("config-network", { data: { "ingress-class": ingressClass } });
    const found = await runCheck([], adminKubeconfig());
    assert.deepEqual(found.failed, ["mode.knative-ingress"], ingressClass);
    const ingress = found.byId("mode.knative-ingress")!;
    assert.match(
      ingress.error!,
      new RegExp(
        `config-network in knative-serving sets ingress-class ${ingressClass}, but no controller for it is installed .*installed: kourier .*IngressNotConfigured`,
      ),
    );
    assert.notEqual(ingress.transient, true, "needs a fix");
    assert.equal(
      ingress.hint,
      `kubectl patch configmap config-network -n knative-serving --type merge -p '{"data":{"ingress-class":"kourier.ingress.networking.knative.dev"}}'`,
    );
    // The model KServe rendered in Knative mode is never reached: status names the same cause.
    const warning = await waitFor(`status of kn to name ${ingressClass}`, async () => {
      const status = await runPlugin(["status", "kn", "-n", "models", "-o", "json"], {
        env: { KUBECONFIG: adminKubeconfig() },
      });
      const warnings: string[] = JSON.parse(status.stdout).warnings ?? [];
      return warnings.find((w) => w.includes(`sets ingress-class ${ingressClass}`));
    });
    assert.match(warning, /Fix: kubectl patch configmap config-network -n knative-serving/);
    await runHint(ingress.hint!);
    const fixed = await runCheck([], adminKubeconfig());
    assert.deepEqual(fixed.failed, [], JSON.stringify(fixed.byId("mode.knative-ingress")));
  }

  // rollout of a Knative-mode model that has never rolled out (no revision is Ready here):
  // KServe would ignore the canary, so it is refused and nothing changes.
  const env = { KUBECONFIG: adminKubeconfig() };
  const first = await assertUnchangedBy("rollout start on a first rollout", () =>
    runPlugin([
      "rollout",
      "start",
      "kn",
      "-n",
      "models",
      "--traffic",
      "10",
      "--storage-uri",
      "gs://kfserving-examples/models/sklearn/1.0/model-2",
    ], { env }));
  assert.equal(first.code, 2, first.stderr);
  assert.match(
    first.stderr,
    /"kn" has no rolled-out revision yet: KServe ignores canaryTrafficPercent on a model's first rollout/,
  );
  const view = await runPlugin(["rollout", "status", "kn", "-n", "models", "-o", "json"], { env });
  assert.equal(JSON.parse(view.stdout).mode, "Knative", view.stderr);

  // --min-replicas 0 is Knative's to honour; config-autoscaler can keep one pod anyway: said.
  const zero = [
    "deploy",
    "idle",
    "-n",
    "models",
    ...SKLEARN,
    "--min-replicas",
    "0",
    "--dry-run=server",
  ];
  const allowed = await runPlugin(zero, { env });
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.doesNotMatch(allowed.stderr, /enable-scale-to-zero/);
  await patchKnative("config-autoscaler", { data: { "enable-scale-to-zero": "false" } });
  const defeated = await runPlugin(zero, { env });
  assert.equal(defeated.code, 0, defeated.stderr);
  assert.match(
    defeated.stderr,
    /config-autoscaler in knative-serving sets enable-scale-to-zero "false": Knative keeps at least one pod .* kubectl patch configmap config-autoscaler -n knative-serving/,
  );
});

Deno.test("config-domain with only _example: check warns with the domain inferenceservice-config names, predict still answers a Ready model through the API server, and the fix clears it", async () => {
  await resetCluster();
  await installKServe(["--version", "v0.20.0", "--mode", "serverless", "--request-timeout", "2m"]);
  const env = { env: { KUBECONFIG: adminKubeconfig() } };
  // A Ready model first (the test registry does not exist: Knative must not resolve its tag).
  await patchKnative("config-deployment", {
    data: { "registries-skipping-tag-resolving": "kubectl-kserve.test" },
  });
  await kubectlOk(["create", "namespace", "models"]);
  const deployed = await runPlugin(
    ["deploy", "iris", "-n", "models", ...SKLEARN, "--image", MODEL_SERVER_IMAGE]
      .concat(["--mode", "serverless", "--wait", "--timeout", "3m"]),
    env,
  );
  assert.equal(deployed.code, 0, deployed.stderr);
  const before = await runCheck(["-n", "models"], adminKubeconfig());
  assert.deepEqual([before.failed, before.warned], [[], []]);
  // Its Stopped condition is False (it is not stopped): no problem to check.
  const conditions = JSON.parse(
    await kubectlOk(["get", "isvc", "iris", "-n", "models", "-o", "jsonpath={.status.conditions}"]),
  ) as { type: string; status: string }[];
  assert.deepEqual(conditions.find((c) => c.type === "Stopped")?.status, "False");
  // Knative's default since 1.8: no domain key, only the example.
  const domain = JSON.parse(
    await kubectlOk(["get", "configmap", "config-domain", "-n", "knative-serving", "-o", "json"]),
  ) as { data?: Record<string, string> };
  const removals = Object.keys(domain.data ?? {}).filter((key) => !key.startsWith("_"))
    .map((key) => ({ op: "remove", path: `/data/${key.replaceAll("/", "~1")}` }));
  // Only the domain keys go: Knative's own webhook refuses an update that touches _example.
  assert.ok(domain.data?._example, "Knative ships config-domain with its _example");
  await patchKnative("config-domain", removals, "json");
  const found = await runCheck(["-n", "models"], adminKubeconfig());
  assert.deepEqual([found.failed, found.warned], [[], ["mode.knative-domain"]]);
  const warning = found.byId("mode.knative-domain")!;
  assert.match(
    warning.error!,
    /config-domain in knative-serving sets no domain \(_example\): Knative gives every Route a \*\.svc\.cluster\.local URL, so callers through the ingress get 404/,
  );
  const { ingressDomain } = await kserveConfigJson("ingress");
  assert.equal(
    warning.hint,
    `kubectl patch configmap config-domain -n knative-serving --type merge -p '{"data":{"${ingressDomain}":""}}'`,
  );
  // The model's Route is now cluster-local, and predict needs no ingress: it answers through the
  // API server's proxy to the serving revision.
  await waitFor(
    "iris's URL to be cluster-local",
    async () =>
      (await kubectlOk(["get", "isvc", "iris", "-n", "models", "-o", "jsonpath={.status.url}"]))
        .includes(".svc.cluster.local"),
  );
  const predicted = await runPlugin(
    ["predict", "iris", "-n", "models", "-d", '{"instances": [[6.8, 2.8, 4.8, 1.4]]}'],
    env,
  );
  assert.equal(predicted.code, 0, predicted.stderr);
  assert.equal(JSON.parse(predicted.stdout).predictions.length, 1, predicted.stdout);
  await runHint(warning.hint!);
  const fixed = await runCheck(["-n", "models"], adminKubeconfig());
  assert.deepEqual([fixed.failed, fixed.warned], [[], []]);
});
