/**
 * Fields other managers set are information. Field report: after `kubectl edit` of a KServe
 * webhook configuration (a rule's operations) and an admin's registry mirror in a
 * ClusterServingRuntime's image, a re-install put the release values back and reported only
 * "14 changed" / "1 changed". Now install lists object, field and manager, refuses before
 * changing anything, and takes them only with --force-conflicts; config map edits are kept.
 */
import assert from "node:assert/strict";
import { kubectlJson, kubectlOk, resetCluster, tempDir } from "../support/cluster.ts";
import { FIXTURES } from "../support/fixtures.ts";
import { install } from "../support/install.ts";
import { kserveConfigJson, patchKServeConfig } from "../support/kserve.ts";
import { assertSameCluster, settledSnapshot, snapshot } from "../support/snapshot.ts";

const WEBHOOK = ["validatingwebhookconfiguration", "inferenceservice.serving.kserve.io"];
const RUNTIME = ["clusterservingruntime", "kserve-sklearnserver"];
const MIRROR = "registry.mirror.internal/kserve/sklearnserver:v0.16.0";

Deno.test("install lists the fields other managers set, refuses, and takes them only with --force-conflicts", async () => {
  await resetCluster();
  await using cache = await tempDir();
  const args = ["--version", "v0.16.0", "--manifests", FIXTURES];
  assert.equal((await install(args, cache.path)).code, 0);

  await kubectlOk([
    ...["patch", ...WEBHOOK, "--type", "json", "-p"],
    JSON.stringify([{ op: "replace", path: "/webhooks/0/rules/0/operations", value: ["CREATE"] }]),
  ]);
  await kubectlOk([
    ...["patch", ...RUNTIME, "--type", "json", "-p"],
    JSON.stringify([{ op: "replace", path: "/spec/containers/0/image", value: MIRROR }]),
  ]);
  // A tuned inferenceservice-config value is kept by the read-modify-write: no conflict.
  const initializer = await kserveConfigJson("storageInitializer");
  await patchKServeConfig("storageInitializer", { ...initializer, memoryLimit: "2Gi" });

  const before = await settledSnapshot();
  const refused = await install(args, cache.path);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(
    refused.stderr,
    /Install would overwrite 2 field\(s\) that other field managers set/,
  );
  assert.match(
    refused.stderr,
    /ValidatingWebhookConfiguration inferenceservice\.serving\.kserve\.io: \.webhooks\[name="[^"]+"\]\.rules \(set by kubectl-patch\)/,
  );
  assert.match(
    refused.stderr,
    /ClusterServingRuntime kserve-sklearnserver: \.spec\.containers\S* \(set by kubectl-patch\)/,
  );
  assert.match(refused.stderr, /--force-conflicts/);
  assertSameCluster(before, await snapshot(), "a refused install");

  const forced = await install([...args, "--force-conflicts"], cache.path);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, /Taking 2 field\(s\) back from other field managers/);
  const webhook = await kubectlJson<{ webhooks: { rules: { operations: string[] }[] }[] }>([
    "get",
    ...WEBHOOK,
  ]);
  assert.deepEqual(webhook.webhooks[0]!.rules[0]!.operations.sort(), ["CREATE", "UPDATE"]);
  const runtime = await kubectlJson<{ spec: { containers: { image: string }[] } }>([
    "get",
    ...RUNTIME,
  ]);
  assert.equal(runtime.spec.containers[0]!.image, "kserve/sklearnserver:v0.16.0");
  assert.equal((await kserveConfigJson("storageInitializer")).memoryLimit, "2Gi", "kept");
  await resetCluster();
});
