/**
 * install on an installed cluster that something broke. Field reports: install over a
 * controller scaled to 0 waited its whole timeout; install left an inferenceservice-config
 * value that is not valid JSON (which check calls fatal) and exited 0, while check's hint sent
 * the user to that same install.
 */
import assert from "node:assert/strict";
import { adminKubeconfig, resetCluster, tempDir } from "../support/cluster.ts";
import { FIXTURES } from "../support/fixtures.ts";
import { install } from "../support/install.ts";
import { kserveConfigJson, patchKServeConfig, scaleController } from "../support/kserve.ts";
import { runCheck } from "../support/plugin_json.ts";
import { runHint } from "../support/hints.ts";

Deno.test("install repairs a config value that is not JSON, and names a controller scaled to 0 at once", async () => {
  await resetCluster();
  await using cache = await tempDir();
  const args = ["--version", "v0.16.0", "--manifests", FIXTURES];
  assert.equal((await install(args, cache.path)).code, 0);

  // A hand edit that left the JSON broken: check says the controller would crash on it.
  await patchKServeConfig(
    "ingress",
    '{"ingressGateway": "knative-serving/knative-ingress-gateway",',
  );
  const broken = await runCheck([], adminKubeconfig());
  assert.ok(broken.failed.includes("kserve.config-ingress"), "check finds the broken JSON");
  await scaleController(0);

  const started = Date.now();
  const stopped = await install([...args, "--timeout", "3m"], cache.path);
  assert.equal(stopped.code, 1, stopped.stderr);
  assert.ok(Date.now() - started < 60_000, "it did not wait for its timeout");
  assert.match(
    stopped.stderr,
    /Deployment kserve\/kserve-controller-manager is scaled to 0 replicas( \(by field manager [^)]*\))?, so it can never become Available/,
  );
  assert.match(stopped.stderr, /inferenceservice-config: "ingress" was not valid JSON/);
  assert.equal(
    (await kserveConfigJson("ingress")).ingressGateway,
    "knative-serving/knative-ingress-gateway",
    "the release's value is back",
  );

  await runHint(
    stopped.stderr.split("\n").find((l) => l.includes("hint:"))!.replace(/^\s*hint: /, ""),
  );
  const fixed = await install(args, cache.path);
  assert.equal(fixed.code, 0, fixed.stderr);
  const check = await runCheck([], adminKubeconfig());
  assert.deepEqual(check.failed, [], JSON.stringify(check.report.categories, null, 1));
  await resetCluster();
});
