/**
 * Option 3 on Knative Serving's real controllers (the pod runner plays them; Kourier is the
 * networking double): for KServe v0.16.0 and v0.20.0, `install --mode serverless` re-run passes
 * Knative's real config webhook and writes nothing, and `deploy --mode serverless --wait` becomes
 * Ready through a real Knative revision whose pod runs queue-proxy in front of the model server,
 * and `predict` answers through the API server's proxy to that revision.
 */
import assert from "node:assert/strict";
import {
  adminKubeconfig,
  kubectlJson,
  kubectlOk,
  type Obj,
  resetCluster,
  say,
  secondsSince,
} from "../support/cluster.ts";
import { FIXTURES } from "../support/fixtures.ts";
import { installKServe, MODEL_SERVER_IMAGE, SKLEARN } from "../support/kserve.ts";
import { runPlugin } from "../support/plugin.ts";
import { assertUnchangedBy } from "../support/snapshot.ts";

for (const version of ["v0.16.0", "v0.20.0"]) {
  Deno.test(`KServe ${version} on real Knative: a second install --mode serverless writes nothing, and deploy --mode serverless --wait is Ready through queue-proxy, and predict answers`, async () => {
    await resetCluster();
    let start = Date.now();
    // Two minutes a request: v0.20.0's CRDs take the API server longer than its own minute on a
    // loaded machine.
    const args = ["--version", version, "--mode", "serverless", "--manifests", FIXTURES]
      .concat(["--request-timeout", "2m"]);
    await installKServe(args);
    say(`install --mode serverless took ${secondsSince(start)}`);
    start = Date.now();
    await assertUnchangedBy("a second install --mode serverless", () => installKServe(args));
    say(`the second install took ${secondsSince(start)}`);

    // The test registry does not exist: Knative must not resolve its tags to digests (through
    // Knative's real config webhook).
    await kubectlOk(
      ["patch", "configmap", "config-deployment", "-n", "knative-serving"]
        .concat(["--type=merge", "-p"])
        .concat([JSON.stringify({
          data: {
            "registries-skipping-tag-resolving":
              "kind.local,ko.local,dev.local,kubectl-kserve.test",
          },
        })]),
    );
    await kubectlOk(["create", "namespace", "models"]);
    start = Date.now();
    const deployed = await runPlugin([
      "deploy",
      "iris",
      "-n",
      "models",
      ...SKLEARN,
      "--image",
      MODEL_SERVER_IMAGE,
      "--mode",
      "serverless",
      "--wait",
      "--timeout",
      "3m",
    ], { env: { KUBECONFIG: adminKubeconfig() } });
    assert.equal(deployed.code, 0, deployed.stderr);
    say(`deploy --mode serverless --wait took ${secondsSince(start)}`);
    // Knative made the revision, and its pod runs queue-proxy beside the model server.
    const ksvc = await kubectlJson<Obj>(["get", "ksvc", "iris-predictor", "-n", "models"]);
    const revision = ksvc.status.latestReadyRevisionName as string;
    assert.ok(revision, JSON.stringify(ksvc.status));
    const pods = await kubectlJson<{ items: Obj[] }>(["get", "pods", "-n", "models", "-l"]
      .concat([`serving.knative.dev/revision=${revision}`]));
    const pod = pods.items[0]!;
    assert.deepEqual(
      pod.spec.containers.map((c: Obj) => c.name).sort(),
      ["kserve-container", "queue-proxy"],
    );
    assert.ok(pod.status.containerStatuses.every((c: Obj) => c.ready), JSON.stringify(pod.status));
    // A request through the revision's private Service reaches the model server via queue-proxy.
    const body = await kubectlOk(["get", "--raw"]
      .concat([
        `/api/v1/namespaces/models/services/${revision}-private:http/proxy/v1/models/iris`,
      ]));
    assert.deepEqual(JSON.parse(body), { name: "iris", ready: true });
    // predict needs no ingress: the API server's proxy reaches the revision that serves the
    // Route's traffic (NAME-predictor is an ExternalName to the ingress, which it cannot reach).
    const predicted = await runPlugin(
      ["predict", "iris", "-n", "models", "-d", '{"instances": [[6.8, 2.8, 4.8, 1.4]]}'],
      { env: { KUBECONFIG: adminKubeconfig() } },
    );
    assert.equal(predicted.code, 0, predicted.stderr);
    assert.equal(JSON.parse(predicted.stdout).predictions.length, 1, predicted.stdout);
    // status shows where the Route sends the traffic: all of it to the one ready revision.
    const status = await runPlugin(["status", "iris", "-n", "models"], {
      env: { KUBECONFIG: adminKubeconfig() },
    });
    assert.equal(status.code, 0, status.stderr);
    assert.match(
      status.stdout,
      new RegExp(
        `^Traffic \\(as the Route sends it\\):\n  100%  ${revision} \\[latest\\]  Ready$`,
        "m",
      ),
    );
  });
}

Deno.test("the cluster is left empty for the other test files", async () => {
  await resetCluster();
});
