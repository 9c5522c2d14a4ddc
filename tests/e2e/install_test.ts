/** install and uninstall on the test cluster with the real KServe controller behind kwok pods. */
import assert from "node:assert/strict";
import {
  adminKubeconfig,
  kubectlJson,
  kubectlOk,
  resetCluster,
  tempDir,
  waitFor,
} from "../support/cluster.ts";
import { FIXTURES } from "../support/fixtures.ts";
import { runPlugin } from "../support/plugin.ts";
import { runCheck } from "../support/plugin_json.ts";
import { kserveConfigJson, MODEL_SERVER_IMAGE } from "../support/kserve.ts";
import { assertRemoved, deployIris, install, pluginEnv } from "../support/install.ts";
import { assertSameCluster, settledSnapshot, snapshot } from "../support/snapshot.ts";

/** The model's own objects, whose status KServe keeps writing. */
const inModels = (key: string) => / models\//.test(key);

for (const version of ["v0.16.0", "v0.20.0"]) {
  Deno.test(`install --mode raw ${version}: check passes, a model serves, and a re-run changes nothing`, async () => {
    await resetCluster();
    await using cache = await tempDir();
    const first = await install(["--version", version, "--manifests", FIXTURES], cache.path);
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stderr,
      new RegExp(`KServe ${version} is installed; default deployment mode Standard`),
    );

    // Done means cainjector has also given the conversion webhooks their CA (v0.20's LLM CRDs).
    for (const crd of ["llminferenceservices", "llminferenceserviceconfigs"]) {
      const { spec } = await kubectlJson<
        {
          spec: {
            conversion?: { strategy: string; webhook?: { clientConfig?: { caBundle?: string } } };
          };
        }
      >(["get", "crd", `${crd}.serving.kserve.io`, "-o", "json"]);
      if (spec.conversion?.strategy === "Webhook") {
        assert.ok(spec.conversion.webhook?.clientConfig?.caBundle, `${crd}: caBundle is empty`);
      }
    }

    const check = await runCheck([], adminKubeconfig());
    assert.deepEqual(check.failed, [], JSON.stringify(check.report, null, 2));
    assert.equal(check.code, 0);
    assert.equal(check.report.kserveVersion, version);

    const deployed = await deployIris(cache.path, [
      "--image",
      MODEL_SERVER_IMAGE,
      "--wait",
      "--timeout",
      "2m",
    ]);
    assert.equal(deployed.code, 0, deployed.stderr);
    // It serves: a v1 request through the API server's service proxy gets the model's answer.
    const served = await runPlugin(
      ["predict", "iris", "-n", "models", "-d", '{"instances": [[6.8, 2.8, 4.8, 1.4]]}'],
      { env: pluginEnv(cache.path) },
    );
    assert.equal(served.code, 0, served.stderr);
    assert.deepEqual(JSON.parse(served.stdout), { predictions: [1] });
    // No Istio here: VirtualServices are off, so v0.20 does not warn about every model.
    assert.equal((await kserveConfigJson("ingress")).disableIstioVirtualHost, true);
    const reasons = await kubectlOk(
      ["get", "events", "-n", "models", "-o", "jsonpath={.items[*].reason}"],
    );
    assert.doesNotMatch(reasons, /VirtualServiceCRDNotFound/);

    // Three runs: the second and the third write nothing at all, namespaces and RBAC included.
    const before = await settledSnapshot();
    for (const run of ["second", "third"]) {
      const again = await install(
        ["--version", version, "--manifests", FIXTURES, "-o", "json"],
        cache.path,
      );
      assert.equal(again.code, 0, again.stderr);
      const report = JSON.parse(again.stdout);
      for (const component of report.components) {
        assert.equal(
          component.created + component.changed,
          0,
          `${component.name} changed on the ${run} run: ${JSON.stringify(component)}`,
        );
      }
      assertSameCluster(before, await snapshot(), `the ${run} install`, inModels);
    }
    const after = await settledSnapshot();
    if (version === "v0.20.0") {
      const older = await install(["--version", "v0.16.0", "--manifests", FIXTURES], cache.path);
      assert.equal(older.code, 1, older.stderr);
      assert.match(older.stderr, /KServe v0\.20\.0 is installed; installing the older v0\.16\.0/);
      // Its dry run refuses it the same way instead of printing a plan the real run refuses.
      const plan = await install(
        ["--version", "v0.16.0", "--manifests", FIXTURES, "--dry-run=client"],
        cache.path,
      );
      assert.equal(plan.code, 1, plan.stderr);
      assert.match(plan.stderr, /KServe v0\.20\.0 is installed; installing the older v0\.16\.0/);
      assertSameCluster(after, await snapshot(), "a refused downgrade", inModels);
    }

    // Uninstall, with the controller running: v0.20's webhook refuses deleting its well-known
    // LLMInferenceServiceConfigs one by one, so they must go with their CRD.
    const model = await runPlugin(["delete", "iris", "-n", "models"], {
      env: pluginEnv(cache.path),
    });
    assert.equal(model.code, 0, model.stderr);
    const removed = await runPlugin(["uninstall", "--yes", "--timeout", "2m"], {
      env: pluginEnv(cache.path),
    });
    assert.equal(removed.code, 0, removed.stderr);
    await assertRemoved(/serving\.kserve\.io/);

    if (version === "v0.20.0") {
      // Its cert-manager v1.18.0 stays; installing v0.16.0 (which pins v1.16.1) must not
      // downgrade it.
      const older = await install(
        ["--version", "v0.16.0", "--manifests", FIXTURES, "--dry-run=server", "-o", "json"],
        cache.path,
      );
      assert.equal(older.code, 0, older.stderr);
      const certManager = JSON.parse(older.stdout).components[0];
      assert.deepEqual([certManager.name, certManager.version], ["cert-manager", "v1.18.0"]);
      assert.match(certManager.skipped, /newer than the v1\.16\.1 this release pins/);
      await assertNoDowngradeOfBrokenCertManager(cache.path);
      await resetCluster(); // the files after this one start from a clean cluster
    }
  });
}

/** With its webhook stopped, the newer cert-manager is neither kept nor replaced by the older pin. */
async function assertNoDowngradeOfBrokenCertManager(cache: string): Promise<void> {
  await kubectlOk(
    ["scale", "deployment", "cert-manager-webhook", "-n", "cert-manager", "--replicas=0"],
  );
  const refused = await waitFor("install to see the cert-manager webhook down", async () => {
    const result = await install(
      ["--version", "v0.16.0", "--manifests", FIXTURES, "--dry-run=server"],
      cache,
    );
    return result.code === 1 ? result : undefined;
  }, { timeoutMs: 60_000, intervalMs: 1000 });
  assert.match(
    refused.stderr,
    /cert-manager v1\.18\.0 \(installed by this plugin\) is not working \(cert-manager\/cert-manager-webhook: scaled to 0\), and this release's v1\.16\.1 would downgrade it/,
  );
  assert.match(refused.stderr, /--cert-manager-version v1\.18\.0/);
}
