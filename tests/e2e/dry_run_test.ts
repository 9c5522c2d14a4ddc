/**
 * Every mutating command's dry run, on an installed cluster with models of both backends: a
 * snapshot of every object of every kind before and after must be equal. Field report: after a
 * raw install of v0.16.0, `uninstall --dry-run` deleted the ClusterServingRuntimes, the CRDs
 * and the namespace (the DELETE body carried no dryRun, and the API server follows the body).
 */
import assert from "node:assert/strict";
import { kubectlJson, kubectlOk, resetCluster, tempDir } from "../support/cluster.ts";
import { FIXTURES } from "../support/fixtures.ts";
import { runPlugin } from "../support/plugin.ts";
import { SKLEARN } from "../support/kserve.ts";
import { deployIris, install, pluginEnv } from "../support/install.ts";
import { assertSameCluster, settledSnapshot, snapshot } from "../support/snapshot.ts";

Deno.test("dry runs of install, uninstall, deploy and delete change no object on an installed cluster", async (t) => {
  await resetCluster();
  await using cache = await tempDir();
  const env = pluginEnv(cache.path);
  const plugin = (args: string[]) => runPlugin(args, { env });
  const installed = await install(["--version", "v0.16.0", "--manifests", FIXTURES], cache.path);
  assert.equal(installed.code, 0, installed.stderr);
  const iris = await deployIris(cache.path, ["--wait", "--timeout", "2m"]);
  assert.equal(iris.code, 0, iris.stderr);
  const plain = await plugin([
    "deploy",
    "plain",
    "-n",
    "models",
    "--backend",
    "deployment",
    ...SKLEARN,
    "--wait",
    "--timeout",
    "2m",
  ]);
  assert.equal(plain.code, 0, plain.stderr);
  const runtimes = await kubectlJson<{ items: unknown[] }>(["get", "clusterservingruntimes"]);
  assert.ok(runtimes.items.length > 0, "the install created ClusterServingRuntimes");

  const cases: [string, string[], RegExp][] = [
    // The field report's input, then its siblings: models present (--force), cert-manager and
    // Knative too, machine output.
    [
      "uninstall --dry-run",
      ["uninstall", "--dry-run"],
      /Refusing to uninstall: 1 model object\(s\) exist: InferenceService models\/iris/,
    ],
    [
      "uninstall --dry-run --force",
      ["uninstall", "--dry-run", "--force"],
      /Uninstall plan \(dry run: nothing is changed\)[\s\S]*ClusterServingRuntime/,
    ],
    [
      "uninstall --dry-run=client --force --with-cert-manager --with-knative -o json",
      [
        "uninstall",
        "--dry-run=client",
        "--force",
        "--with-cert-manager",
        "--with-knative",
        "-o",
        "json",
      ],
      /"dryRun": true/,
    ],
    ["install --dry-run=client", [
      "install",
      "--version",
      "v0.16.0",
      "--manifests",
      FIXTURES,
      "--dry-run=client",
    ], /^Install plan: KServe v0\.16\.0,/m],
    ["install --dry-run=server", [
      "install",
      "--version",
      "v0.16.0",
      "--manifests",
      FIXTURES,
      "--dry-run=server",
    ], /Server dry run: the API server validated every object and persisted nothing/],
    [
      "install --mode serverless --dry-run=server",
      [
        "install",
        "--version",
        "v0.16.0",
        "--mode",
        "serverless",
        "--manifests",
        FIXTURES,
        "--dry-run=server",
      ],
      /Server dry run: the API server validated every object and persisted nothing/,
    ],
    [
      "deploy --dry-run=server of a new model",
      ["deploy", "iris2", "-n", "models", ...SKLEARN, "--dry-run=server"],
      /inferenceservice\/iris2 applied \(server dry run\)/,
    ],
    [
      "deploy --dry-run=server over an existing model",
      ["deploy", "iris", "-n", "models", ...SKLEARN, "--min-replicas", "2", "--dry-run=server"],
      /inferenceservice\/iris applied \(server dry run\)/,
    ],
    [
      "deploy --dry-run=client",
      ["deploy", "iris3", "-n", "models", ...SKLEARN, "--dry-run=client"],
      /iris3/,
    ],
    [
      "delete --dry-run=server (kserve)",
      ["delete", "iris", "-n", "models", "--dry-run=server"],
      /deleted \(server dry run\)/,
    ],
    [
      "delete --dry-run=client (kserve)",
      ["delete", "iris", "-n", "models", "--dry-run=client"],
      /deleted \(dry run\)/,
    ],
    ["delete --dry-run=server (deployment)", [
      "delete",
      "plain",
      "-n",
      "models",
      "--dry-run=server",
    ], /deleted \(server dry run\)/],
  ];
  for (const [name, args, expected] of cases) {
    await t.step(`${name} changes nothing`, async () => {
      // What the setup or the last case started (endpoints of pods) ends before the comparison.
      const before = await settledSnapshot();
      const result = await plugin(args);
      assert.match(result.stdout + result.stderr, expected, result.stderr);
      assertSameCluster(before, await snapshot(), name);
    });
  }

  await t.step(
    "install --dry-run=server over a binding whose roleRef another release set says it would replace it, and changes nothing",
    async () => {
      // What a release that renames a Role leaves: the binding this plugin applied, another roleRef.
      const binding = {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "llmisvc-leader-election-rolebinding", namespace: "kserve" },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "Role",
          name: "kserve-leader-election-role",
        },
        subjects: [{
          kind: "ServiceAccount",
          name: "llmisvc-controller-manager",
          namespace: "kserve",
        }],
      };
      const file = `${cache.path}/binding.json`;
      await Deno.writeTextFile(file, JSON.stringify(binding));
      await kubectlOk(["delete", "rolebinding", binding.metadata.name, "-n", "kserve"]);
      await kubectlOk(["apply", "--server-side", "--field-manager=kubectl-kserve", "-f", file]);
      const before = await settledSnapshot();
      const result = await plugin(
        ["install", "--version", "v0.16.0", "--manifests", FIXTURES, "--dry-run=server"],
      );
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stderr,
        /Would replace 1 object\(s\)[^\n]*\n\s+RoleBinding kserve\/llmisvc-leader-election-rolebinding \(cannot change roleRef\)/,
      );
      assert.match(result.stderr, /kserve v0\.16\.0\b.*1 would be replaced/);
      assertSameCluster(
        before,
        await snapshot(),
        "install --dry-run=server replacing a RoleBinding",
      );
    },
  );

  await t.step("the real uninstall afterwards still removes KServe", async () => {
    const removed = await plugin(["uninstall", "--yes", "--force", "--timeout", "2m"]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(
      (await kubectlOk(["get", "crd", "-o", "name"], {})).includes("serving.kserve.io"),
      false,
    );
  });
  await resetCluster();
});
