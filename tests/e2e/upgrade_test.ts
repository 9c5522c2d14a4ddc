/**
 * Upgrading KServe v0.16.0 -> v0.20.0 in raw mode with a model serving. Field report: the
 * upgrade failed on every run with `ClusterRoleBinding "llmisvc-manager-rolebinding" … cannot
 * change roleRef`, leaving v0.20.0's CRDs beside v0.16.0's controllers, and check saw nothing.
 * Now --dry-run shows the objects to replace, the upgrade replaces them, the model stays Ready
 * (read from the object by the test, all along) and answers, and check names a half upgrade.
 */
import assert from "node:assert/strict";
import {
  adminKubeconfig,
  kubectl,
  kubectlJson,
  kubectlOk,
  resetCluster,
  tempDir,
  waitFor,
} from "../support/cluster.ts";
import { FIXTURES } from "../support/fixtures.ts";
import { runPlugin } from "../support/plugin.ts";
import { MODEL_SERVER_IMAGE } from "../support/kserve.ts";
import { runCheck } from "../support/plugin_json.ts";
import { install, pluginEnv } from "../support/install.ts";
import { runHint } from "../support/hints.ts";
import { manifestPart } from "../support/owners.ts";
import { assertSameCluster, settledSnapshot, snapshot } from "../support/snapshot.ts";
import { kserveConfigJson, patchKServeConfig } from "../support/kserve.ts";
import { fixture } from "../support/fixtures.ts";
import { parseManifest } from "../../lib/install/manifest.ts";
import { isKServeConfig } from "../../lib/install/plan.ts";

const REQUEST = JSON.stringify({ instances: [[6.8, 2.8, 4.8, 1.4]] });

/** "True", or the Ready status with every condition that is not True, to say why. */
async function readyCondition(): Promise<string> {
  const isvc = await kubectlJson<
    { status?: { conditions?: { type: string; status: string; reason?: string }[] } }
  >(["get", "inferenceservice", "iris", "-n", "models"]);
  const conditions = isvc.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === "Ready")?.status ?? "missing";
  if (ready === "True") return ready;
  const others = conditions.filter((c) => c.status !== "True")
    .map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ""}`);
  return `${ready}: ${others.join(", ")}`;
}

/** What install says of the admin's edit it keeps in inferenceservice-config. */
const KEPT_AGENT_LIMIT =
  /inferenceservice-config: kept 1 value\(s\) that differ from every release default \(your edits\): agent\.memoryLimit/;

/** The images inferenceservice-config names, by "key.field". */
async function configImages(): Promise<Record<string, string>> {
  const images: Record<string, string> = {};
  for (const key of ["agent", "batcher", "logger", "router", "storageInitializer"]) {
    images[`${key}.image`] = String((await kserveConfigJson(key)).image);
  }
  images["localModel.defaultJobImage"] = String(
    (await kserveConfigJson("localModel")).defaultJobImage,
  );
  return images;
}

async function assertServes(env: Record<string, string>): Promise<void> {
  const answer = await runPlugin(["predict", "iris", "-n", "models", "-d", REQUEST], { env });
  assert.equal(answer.code, 0, answer.stderr);
  assert.deepEqual(JSON.parse(answer.stdout), { predictions: [1] });
}

Deno.test("upgrade v0.16.0 -> v0.20.0: roleRef changes are replaced, the model stays Ready and serves", async () => {
  await resetCluster();
  await using cache = await tempDir();
  const env = pluginEnv(cache.path);
  assert.equal(
    (await install(["--version", "v0.16.0", "--manifests", FIXTURES], cache.path)).code,
    0,
  );
  await kubectlOk(["create", "namespace", "models"]);
  const deployed = await runPlugin([
    "deploy",
    "iris",
    "-n",
    "models",
    "--model-format",
    "sklearn",
    "--storage-uri",
    "gs://kfserving-examples/models/sklearn/1.0/model",
    "--image",
    MODEL_SERVER_IMAGE,
    "--wait",
    "--timeout",
    "2m",
  ], { env });
  assert.equal(deployed.code, 0, deployed.stderr);
  assert.equal(await readyCondition(), "True");
  await assertServes(env);
  // An admin's edit, which the upgrade keeps and lists; every other value is v0.16.0's default.
  await patchKServeConfig("agent", { ...await kserveConfigJson("agent"), memoryLimit: "2Gi" });

  // The plan names what the upgrade replaces and the edits it keeps, and changes nothing.
  const before = await settledSnapshot();
  const plan = await install(
    ["--version", "v0.20.0", "--manifests", FIXTURES, "--dry-run=client"],
    cache.path,
  );
  assert.equal(plan.code, 0, plan.stderr);
  // Titled for what it is, with both versions (an install of the same version says "Install").
  assert.match(
    plan.stdout,
    /^Upgrade plan: KServe v0\.16\.0 -> v0\.20\.0, default deployment mode Standard/m,
  );
  assert.match(plan.stdout, /Would replace \d+ object\(s\) whose immutable fields change/);
  assert.match(
    plan.stdout,
    /ClusterRoleBinding llmisvc-manager-rolebinding \(cannot change roleRef\)/,
  );
  assert.match(plan.stdout, KEPT_AGENT_LIMIT);
  assertSameCluster(before, await snapshot(), "install --dry-run=client of the upgrade");
  // The server validates the upgrade: the binding it cannot update is a delete it would make.
  const serverPlan = await install(
    ["--version", "v0.20.0", "--manifests", FIXTURES, "--dry-run=server"],
    cache.path,
  );
  assert.equal(serverPlan.code, 0, serverPlan.stderr);
  assert.match(
    serverPlan.stderr,
    /Would replace 1 object\(s\)[^\n]*\n\s+ClusterRoleBinding llmisvc-manager-rolebinding \(cannot change roleRef\)/,
  );
  assert.match(serverPlan.stderr, /kserve v0\.20\.0\b.*1 would be replaced/);
  assert.match(serverPlan.stderr, KEPT_AGENT_LIMIT);
  assertSameCluster(before, await snapshot(), "install --dry-run=server of the upgrade");

  // Ready is read from the object every half second while the upgrade runs.
  const samples: string[] = [];
  let upgrading = true;
  const watcher = (async () => {
    while (upgrading) {
      samples.push(await readyCondition().catch((e) => `error: ${e.message}`));
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  const upgraded = await install(["--version", "v0.20.0", "--manifests", FIXTURES], cache.path);
  assert.equal(upgraded.code, 0, upgraded.stderr);
  assert.match(upgraded.stderr, /KServe v0\.20\.0 is installed/);
  assert.match(upgraded.stderr, KEPT_AGENT_LIMIT);
  // v0.16.0's images were its defaults, not edits: they are v0.20.0's now; the edit stays.
  assert.deepEqual(await configImages(), {
    "agent.image": "kserve/agent:v0.20.0",
    "batcher.image": "kserve/agent:v0.20.0",
    "logger.image": "kserve/agent:v0.20.0",
    "router.image": "kserve/router:v0.20.0",
    "storageInitializer.image": "kserve/storage-initializer:v0.20.0",
    "localModel.defaultJobImage": "kserve/storage-initializer:v0.20.0",
  });
  assert.equal((await kserveConfigJson("agent")).memoryLimit, "2Gi");
  // The new controller reconciles once it holds the leader lease (the old one never released
  // it: up to its 15 s duration later) and re-renders the model's Deployment (v0.20.0 adds the
  // INFERENCE_SERVICE_NAME env): the samples go on until that rollout is done.
  await waitFor("the v0.20.0 controller to roll the model's Deployment out", async () => {
    const deployment = await kubectlJson<{
      metadata: { generation: number };
      spec: {
        replicas: number;
        template: { spec: { containers: { env?: { name: string }[] }[] } };
      };
      status: { observedGeneration?: number; replicas?: number; updatedReplicas?: number };
    }>(["get", "deployment", "iris-predictor", "-n", "models"]);
    const rendered = deployment.spec.template.spec.containers[0]?.env?.some((e) =>
      e.name === "INFERENCE_SERVICE_NAME"
    );
    const { status } = deployment;
    return rendered === true && status.observedGeneration === deployment.metadata.generation &&
      status.replicas === deployment.spec.replicas &&
      status.updatedReplicas === deployment.spec.replicas;
  }, { timeoutMs: 90_000 });
  upgrading = false;
  await watcher;
  assert.ok(samples.length > 3, `sampled ${samples.length} times`);
  assert.deepEqual(samples.filter((s) => s !== "True"), [], "Ready stayed True during the upgrade");
  assert.equal(await readyCondition(), "True");
  await assertServes(env);

  const check = await runCheck([], adminKubeconfig());
  assert.deepEqual(check.failed, [], JSON.stringify(check.report.categories, null, 1));
  assert.equal(check.report.kserveVersion, "v0.20.0");
  await resetCluster();
});

Deno.test("check names a half-upgraded KServe: v0.20.0's CRDs beside v0.16.0's controller", async () => {
  await resetCluster();
  await using cache = await tempDir();
  assert.equal(
    (await install(["--version", "v0.16.0", "--manifests", FIXTURES], cache.path)).code,
    0,
  );
  // What the failed upgrade left: the newer release's CRDs applied, the controllers not.
  await kubectlOk([
    "apply",
    "--server-side",
    "--force-conflicts",
    "-f",
    await manifestPart("kserve/v0.20.0/kserve.yaml", ["CustomResourceDefinition"]),
  ]);
  // Served once the newer CRDs are Established and discovery has them.
  await waitFor(
    "serving.kserve.io/v1alpha2 in discovery",
    async () => (await kubectl(["get", "--raw", "/apis/serving.kserve.io/v1alpha2"])).success,
  );
  const check = await runCheck([], adminKubeconfig());
  const release = check.byId("kserve.release")!;
  assert.equal(release.result, "fail");
  assert.match(
    release.error!,
    /KServe is half-upgraded: the CRDs serve serving\.kserve\.io\/v1alpha2 \(a newer release's, such as v0\.20\.0\) while the controller is v0\.16\.0/,
  );
  // The fix finishes the upgrade: v0.16.0's CRDs would be refused over v0.20.0's.
  assert.match(
    release.hint!,
    /Finish the upgrade to v0\.20\.0: kubectl kserve install --mode raw --version v0\.20\.0/,
  );
  await runHint(release.hint!, pluginEnv(cache.path));
  const after = await runCheck([], adminKubeconfig());
  assert.deepEqual(after.failed, [], JSON.stringify(after.report.categories, null, 1));
  await resetCluster();
});

Deno.test("check names an image left from v0.16.0 in v0.20.0's inferenceservice-config, and install puts v0.20.0's back", async () => {
  await resetCluster();
  await using cache = await tempDir();
  assert.equal(
    (await install(["--version", "v0.20.0", "--manifests", FIXTURES], cache.path)).code,
    0,
  );
  // What an upgrade that kept every live value left: the router key as v0.16.0 shipped it.
  const old = parseManifest(await fixture("kserve/v0.16.0/kserve.yaml"), "kserve.yaml")
    .find(isKServeConfig)!.data as Record<string, string>;
  await patchKServeConfig("router", old.router!);
  const check = await runCheck([], adminKubeconfig());
  assert.deepEqual(check.failed, ["kserve.config-images"]);
  const finding = check.byId("kserve.config-images")!;
  assert.match(
    finding.error!,
    /ConfigMap kserve\/inferenceservice-config names images of another release than the controller \(v0\.20\.0\): "router" image kserve\/router:v0\.16\.0;/,
  );
  assert.equal(finding.transient, undefined, "an image left in the config stays there");
  assert.match(
    finding.hint!,
    /Put v0\.20\.0's images in: kubectl kserve install --mode raw --version v0\.20\.0$/,
  );
  await runHint(finding.hint!, pluginEnv(cache.path));
  assert.equal((await kserveConfigJson("router")).image, "kserve/router:v0.20.0");
  const after = await runCheck([], adminKubeconfig());
  assert.deepEqual(after.failed, [], JSON.stringify(after.report.categories, null, 1));

  // A mirror's image is the admin's choice, which install keeps: the fix is theirs to make.
  const logger = await kserveConfigJson("logger");
  await patchKServeConfig("logger", { ...logger, image: "mirror.local/kserve/agent:v0.16.0" });
  const mirrored = (await runCheck([], adminKubeconfig())).byId("kserve.config-images")!;
  assert.equal(mirrored.result, "fail");
  assert.match(mirrored.error!, /"logger" image mirror\.local\/kserve\/agent:v0\.16\.0/);
  assert.match(
    mirrored.hint!,
    /^Set their tag to v0\.20\.0: kubectl edit configmap inferenceservice-config -n kserve$/,
  );
  await resetCluster();
});
