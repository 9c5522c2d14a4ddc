/**
 * A Knative Serving this plugin did not install: `install --mode serverless` keeps a working one
 * (changing none of its objects), refuses a broken one before changing anything, and finds one
 * installed outside knative-serving; deploy reads that one's config-features.
 */
import assert from "node:assert/strict";
import { adminKubeconfig, kubectlOk, resetCluster, run, tempDir } from "../support/cluster.ts";
import { fixture, FIXTURES } from "../support/fixtures.ts";
import { install, pluginEnv } from "../support/install.ts";
import { runPlugin } from "../support/plugin.ts";
import { runCheck } from "../support/plugin_json.ts";
import { runHint } from "../support/hints.ts";
import { SKLEARN } from "../support/kserve.ts";
import {
  assertSameCluster,
  assertUnchangedBy,
  settledSnapshot,
  snapshot,
} from "../support/snapshot.ts";

const SERVERLESS = ["--version", "v0.16.0", "--mode", "serverless", "--manifests", FIXTURES];
const knativeObject = (key: string) => /knative|kourier/.test(key);

/** Knative Serving v1.15.2 and Kourier, applied by a platform team's own tooling into `namespace`. */
async function platformKnative(namespace: string): Promise<void> {
  const moved = (text: string) =>
    text.replaceAll("namespace: knative-serving", `namespace: ${namespace}`)
      .replace(/(kind: Namespace\nmetadata:\n {2}name: )knative-serving/, `$1${namespace}`);
  for (
    const file of [
      "knative-serving/v1.15.2/serving-crds.yaml",
      "knative-serving/v1.15.2/serving-core.yaml",
      "net-kourier/v1.15.1/kourier.yaml",
    ]
  ) {
    const applied = await run("kubectl", [
      "apply",
      "--server-side",
      "--field-manager=platform-team",
      "-f",
      "-",
    ], { stdin: moved(await fixture(file)) });
    assert.equal(applied.code, 0, applied.stderr);
    if (file.endsWith("serving-crds.yaml")) {
      await kubectlOk(["wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"]);
    }
  }
  await kubectlOk([
    "patch",
    "configmap",
    "config-network",
    "-n",
    namespace,
    "--field-manager=platform-team",
    "--type",
    "merge",
    "-p",
    '{"data":{"ingress-class":"kourier.ingress.networking.knative.dev"}}',
  ]);
  await kubectlOk(["rollout", "status", "deployment/controller", "-n", namespace, "--timeout=2m"]);
}

Deno.test("install --mode serverless keeps a working Knative Serving another tool installed and changes none of its objects", async () => {
  await resetCluster();
  await platformKnative("knative-serving");
  await using cache = await tempDir();
  const before = await settledSnapshot();
  const result = await install(SERVERLESS, cache.path);
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stderr,
    /knative-serving v1\.15\.2.*skipped: installed by another tool \(field manager platform-team\) and working; kept with its networking layer \(kourier\.ingress\.networking\.knative\.dev\)/,
  );
  assertSameCluster(
    before,
    await snapshot(),
    "install beside a kept Knative",
    (key) => !knativeObject(key),
  );
  // The platform's Knative has no domain, which this plugin sets only on a Knative it installs:
  // check warns (models serve in the cluster and through predict) with the fix, not "still
  // starting", and its hint is what makes the warning go.
  const found = await runCheck([], adminKubeconfig());
  assert.deepEqual([found.failed, found.warned], [[], ["mode.knative-domain"]]);
  const domain = found.byId("mode.knative-domain")!;
  assert.match(domain.error ?? "", /config-domain in knative-serving sets no domain/);
  assert.notEqual(domain.transient, true);
  await runHint(domain.hint!);
  const fixed = await runCheck([], adminKubeconfig());
  assert.deepEqual([fixed.failed, fixed.warned], [[], []]);
});

Deno.test("Knative Serving outside knative-serving: a broken one is refused (even with --force) and nothing changes; a working one is kept and deploy reads its config-features", async () => {
  await resetCluster();
  await platformKnative("serving-platform");
  await kubectlOk(["scale", "deployment/controller", "-n", "serving-platform", "--replicas=0"]);
  await using cache = await tempDir();
  const before = await settledSnapshot();
  for (const extra of [[], ["--force"]]) {
    const refused = await install([...SERVERLESS, ...extra], cache.path);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(
      refused.stderr,
      /Knative Serving v1\.15\.2 was installed by another tool \(field manager platform-team\) in namespace serving-platform, and its controller serving-platform\/controller is not Available; install will not replace it/,
    );
    assertSameCluster(before, await snapshot(), `install ${extra.join(" ")} over a broken Knative`);
  }

  await kubectlOk(["scale", "deployment/controller", "-n", "serving-platform", "--replicas=1"]);
  await kubectlOk(["rollout", "status", "deployment/controller", "-n", "serving-platform"]);
  const kept = await install(SERVERLESS, cache.path);
  assert.equal(kept.code, 0, kept.stderr);
  assert.match(kept.stderr, /in namespace serving-platform and working; kept/);
  await kubectlOk(["create", "namespace", "models"]);
  const gpu = ["deploy", "llm", "-n", "models", ...SKLEARN, "--node-selector", "gpu=a100"];
  const refused = await assertUnchangedBy(
    "a refused GPU deploy",
    () => runPlugin(gpu, { env: pluginEnv(cache.path) }),
  );
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /kubectl patch configmap config-features -n serving-platform/);
  await runHint(/hint: (.*)/.exec(refused.stderr)![1]!);
  const accepted = await runPlugin([...gpu, "--dry-run=server"], { env: pluginEnv(cache.path) });
  assert.equal(accepted.code, 0, accepted.stderr);
  assert.match(accepted.stderr, /inferenceservice\/llm applied/);
  // Later files expect no Knative Serving of another owner.
  await resetCluster();
});
