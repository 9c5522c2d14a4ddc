/**
 * `rollout` where KServe splits no traffic: a Standard-mode model on KServe v0.16.0 and v0.20.0.
 * Every verb is refused with the reason (canaryTrafficPercent is read only by the Knative
 * reconciler; v0.20.0's spec.canary[] is not weighted) and what works, exit 2, nothing changed;
 * `status` of a model whose spec carries canaryTrafficPercent anyway warns that the new model
 * gets all the traffic; --min-replicas 0 is refused in Standard mode before anything is sent.
 * (Canaries in Knative mode, on Knative's real controllers: rollout_knative_test.ts.)
 */
import assert from "node:assert/strict";
import { adminKubeconfig, kubectlOk, resetCluster, tempDir } from "../support/cluster.ts";
import { FIXTURES } from "../support/fixtures.ts";
import { deployIris, install, pluginEnv } from "../support/install.ts";
import { runPlugin } from "../support/plugin.ts";
import { SKLEARN } from "../support/kserve.ts";
import { assertUnchangedBy } from "../support/snapshot.ts";

const NEW_MODEL = ["--storage-uri", "gs://kfserving-examples/models/sklearn/1.0/model-2"];
/** A canary asked for by hand, as `kubectl patch` would (KServe's own docs show it in YAML). */
const CANARY = '{"spec":{"predictor":{"canaryTrafficPercent":10}}}';
const START = ["rollout", "start", "iris", "-n", "models", "--traffic", "10"];

for (const version of ["v0.16.0", "v0.20.0"]) {
  Deno.test(`rollout of a Standard-mode model on KServe ${version} is refused with why, and changes nothing; status warns of an ignored canaryTrafficPercent`, async () => {
    await resetCluster();
    await using cache = await tempDir();
    const env = pluginEnv(cache.path);
    const plugin = (args: string[]) => runPlugin(args, { env });
    const installed = await install(
      ["--version", version, "--manifests", FIXTURES, "--request-timeout", "2m"],
      cache.path,
    );
    assert.equal(installed.code, 0, installed.stderr);
    const iris = await deployIris(cache.path, ["--wait", "--timeout", "2m"]);
    assert.equal(iris.code, 0, iris.stderr);

    const refusals = [
      [...START, ...NEW_MODEL],
      [...START, ...NEW_MODEL, "--dry-run=server"],
      ["rollout", "promote", "iris", "-n", "models"],
      ["rollout", "undo", "iris", "-n", "models"],
    ];
    const results = await assertUnchangedBy(
      `rollout on a Standard model (${version})`,
      () => Promise.all(refusals.map((args) => plugin(args))),
    );
    for (const [i, result] of results.entries()) {
      const what = refusals[i]!.join(" ");
      assert.equal(result.code, 2, `${what}: ${result.stderr}`);
      assert.match(
        result.stderr,
        new RegExp(
          `Refusing a canary rollout of "iris": it runs in Standard mode, where KServe ${version} ignores canaryTrafficPercent \\(only its Knative reconciler reads it\\) and sends 100% to the new model`,
        ),
        what,
      );
      // v0.20.0's CRD has spec.canary[], which deploys a second predictor, unweighted.
      assert.equal(
        /spec\.canary\[\] deploys a second predictor that the main route does not weight \(weighted routing came in KServe v0\.21\.0, through the Gateway API\)/
          .test(result.stderr),
        version === "v0.20.0",
        what,
      );
      assert.match(result.stderr, /What works: Knative mode.*--mode serverless/, what);
    }

    // Field report: --min-replicas 0 in Standard mode, where the HPA never goes below 1.
    await kubectlOk(["get", "namespace", "models"]);
    const zero = await assertUnchangedBy(
      "deploy --min-replicas 0 in Standard mode",
      () => plugin(["deploy", "idle", "-n", "models", ...SKLEARN, "--min-replicas", "0"]),
    );
    assert.equal(zero.code, 2, zero.stderr);
    assert.match(
      zero.stderr,
      /--min-replicas 0 needs Knative mode: this model runs in Standard mode, where KServe serves it from a Deployment and an HPA, which never scale to or from zero/,
    );
    // Sibling: the same through rollout's model flags is refused as a rollout first.
    const viaRollout = await plugin([...START, "--min-replicas", "0"]);
    assert.equal(viaRollout.code, 2, viaRollout.stderr);

    // A spec that asks for a canary anyway (kubectl patch): status and rollout status say
    // where the traffic really goes.
    await kubectlOk(["patch", "isvc/iris", "-n", "models", "--type=merge", "-p", CANARY]);
    const status = await runPlugin(["status", "iris", "-n", "models", "-o", "json"], {
      env: { KUBECONFIG: adminKubeconfig() },
    });
    const warnings: string[] = JSON.parse(status.stdout).warnings ?? [];
    const warning = warnings.find((w) => w.includes("canaryTrafficPercent"));
    assert.match(
      warning ?? JSON.stringify(warnings),
      new RegExp(
        `canaryTrafficPercent is 10, but KServe ${version} ignores it in Standard mode .*100% of the traffic goes to the new model\\. Fix: .*kubectl patch inferenceservice iris -n models --type json`,
      ),
    );
    const rollout = await plugin(["rollout", "status", "iris", "-n", "models"]);
    assert.equal(rollout.code, 1, rollout.stderr);
    assert.match(rollout.stdout, /Mode: {7}Standard/);
    assert.match(rollout.stdout, /! spec\.predictor\.canaryTrafficPercent is 10/);
    // Sibling: no such model is an error naming it, not an empty view.
    const missing = await plugin(["rollout", "status", "nope", "-n", "models"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No model "nope" in namespace models/);
  });
}
