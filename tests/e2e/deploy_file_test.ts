/**
 * deploy -f with KServe's own example form: a predictor.sklearn shorthand file that names the
 * model, deployed without NAME on a real KServe, then status, list and predict on it.
 */
import assert from "node:assert/strict";
import { adminKubeconfig, kubectlOk, resetCluster, tempDir } from "../support/cluster.ts";
import { installKServe, MODEL_SERVER_IMAGE } from "../support/kserve.ts";
import { runPlugin } from "../support/plugin.ts";

const plugin = (args: string[]) => runPlugin(args, { env: { KUBECONFIG: adminKubeconfig() } });

/** KServe's sklearn example (docs: "Deploy Scikit-learn models"), as users have it. */
const SKLEARN_EXAMPLE = `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: sklearn-iris
  namespace: models
spec:
  predictor:
    sklearn:
      storageUri: gs://kfserving-examples/models/sklearn/1.0/model
`;

Deno.test("deploy -f a predictor.sklearn file without NAME: it serves, and status, list and predict work on it", async () => {
  await resetCluster();
  try {
    await installKServe(["--version", "v0.16.0"]);
    await kubectlOk(["create", "namespace", "models"]);
    await using dir = await tempDir();
    const file = `${dir.path}/sklearn.yaml`;
    await Deno.writeTextFile(file, SKLEARN_EXAMPLE);

    // The test's model server stands in for KServe's sklearn image; the flag lands in the
    // shorthand, where the file writes the model.
    const deployed = await plugin(
      ["deploy", "-f", file, "--image", MODEL_SERVER_IMAGE, "--wait", "--timeout", "2m"],
    );
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.match(deployed.stderr, /sklearn-iris is ready/);
    assert.match(
      deployed.stderr,
      /in-cluster address: +http:\/\/sklearn-iris-predictor\.models\.svc/,
    );

    const status = await plugin(["status", "sklearn-iris", "-n", "models"]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /Ready: +True/);
    assert.match(status.stdout, /Runtime: +kserve-sklearnserver/);

    const listed = await plugin(["list", "-n", "models", "-o", "json"]);
    assert.equal(listed.code, 0, listed.stderr);
    const { items } = JSON.parse(listed.stdout) as { items: { name: string; ready: boolean }[] };
    const row = items.find((r) => r.name === "sklearn-iris");
    assert.equal(row?.ready, true, listed.stdout);

    const served = await plugin(
      ["predict", "sklearn-iris", "-n", "models", "-d", '{"instances": [[6.8, 2.8, 4.8, 1.4]]}'],
    );
    assert.equal(served.code, 0, served.stderr);
    assert.deepEqual(JSON.parse(served.stdout), { predictions: [1] });

    // Deployed again from the same file with NAME and -n agreeing: nothing to refuse.
    const again = await plugin(
      ["deploy", "sklearn-iris", "-n", "models", "-f", file, "--image", MODEL_SERVER_IMAGE],
    );
    assert.equal(again.code, 0, again.stderr);
  } finally {
    await resetCluster();
  }
});
