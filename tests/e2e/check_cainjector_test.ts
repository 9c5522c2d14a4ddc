/**
 * A caBundle that differs from its Certificate's CA is transient only while cert-manager's
 * cainjector is on its way to inject it (its Deployment re-created and rolling out), and lasting
 * when no cainjector exists (lib/checks/ca_bundle.ts injectorStarting). Field report: right
 * after cainjector was re-created, the mismatch (which resolves in seconds) was called lasting.
 */
import assert from "node:assert/strict";
import { adminKubeconfig, applyYaml, kubectlOk, resetCluster } from "../support/cluster.ts";
import { installKServe, patchKServeWebhook } from "../support/kserve.ts";
import { runCheck } from "../support/plugin_json.ts";

const CAINJECTOR = ["deployment", "cert-manager-cainjector", "-n", "cert-manager"];

Deno.test("a caBundle mismatch while cainjector is re-created is transient and check --wait passes once it injects; with no cainjector it is lasting", async (t) => {
  await resetCluster();
  await installKServe(["--version", "v0.16.0", "--request-timeout", "2m"]);
  // Another valid CA: the one cainjector put into cert-manager's own webhook.
  const otherCa = await kubectlOk([
    "get",
    "validatingwebhookconfiguration",
    "cert-manager-webhook",
    "-o",
    "jsonpath={.webhooks[0].clientConfig.caBundle}",
  ]);
  assert.ok(otherCa.length > 100, "cert-manager's webhook has a caBundle");
  const saved = JSON.parse(await kubectlOk(["get", ...CAINJECTOR, "-o", "json"]));
  const { name, namespace, labels, annotations } = saved.metadata;
  const cainjector = JSON.stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels, annotations },
    spec: saved.spec,
  });

  await t.step("sibling: no cainjector: lasting, and check --wait returns at once", async () => {
    await kubectlOk(["delete", ...CAINJECTOR, "--cascade=foreground"]);
    await patchKServeWebhook("/webhooks/0/clientConfig/caBundle", otherCa);
    const bundle = (await runCheck([], adminKubeconfig())).byId("webhooks.ca-bundle")!;
    assert.equal(bundle.result, "fail", JSON.stringify(bundle));
    assert.match(bundle.error!, /caBundle holds a different CA/);
    assert.equal(bundle.transient, undefined, "nothing will inject it: needs a fix");
    const started = Date.now();
    const waited = await runCheck(["--wait", "2m"], adminKubeconfig());
    assert.equal(waited.code, 1);
    assert.ok(Date.now() - started < 60_000, `returned after ${Date.now() - started} ms`);
    assert.match(waited.byId("webhooks.ca-bundle")!.error!, /caBundle holds a different CA/);
  });

  await t.step(
    "cainjector just re-created: transient, and check --wait passes once it injects",
    async () => {
      // The moment between the Deployment's creation and its pod's start is held open: with every
      // node cordoned the new pod waits to be scheduled, as it waits for a node on a busy cluster.
      const nodes = (await kubectlOk(["get", "nodes", "-o", "jsonpath={.items[*].metadata.name}"]))
        .trim().split(/\s+/);
      await kubectlOk(["cordon", ...nodes]);
      let waiting: ReturnType<typeof runCheck>;
      try {
        await applyYaml(cainjector);
        const bundle = (await runCheck([], adminKubeconfig())).byId("webhooks.ca-bundle")!;
        assert.equal(bundle.result, "fail", JSON.stringify(bundle));
        assert.match(bundle.error!, /caBundle holds a different CA/);
        assert.equal(bundle.transient, true, "cainjector is about to inject it");
        waiting = runCheck(["--wait", "2m"], adminKubeconfig());
        // Its failure is reported where it is awaited, with the output, not as an uncaught error.
        waiting.catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 3000));
      } finally {
        await kubectlOk(["uncordon", ...nodes]);
      }
      const summary = await waiting;
      assert.deepEqual(summary.failed, [], JSON.stringify(summary.report.categories, null, 1));
      assert.equal(summary.code, 0);
    },
  );
  await resetCluster();
});
