import assert from "node:assert/strict";
import { baseVersions, mergeConfig } from "../../lib/install/config_merge.ts";
import { configImages } from "../../lib/kserve/config.ts";
import { parseManifest } from "../../lib/install/manifest.ts";
import { isKServeConfig } from "../../lib/install/plan.ts";
import { fixture } from "../support/fixtures.ts";

async function releaseConfig(version: string): Promise<Record<string, string>> {
  const objects = parseManifest(await fixture(`kserve/${version}/kserve.yaml`), "kserve.yaml");
  return objects.find(isKServeConfig)!.data as Record<string, string>;
}

Deno.test("mergeConfig() upgrades v0.16.0's defaults to v0.20.0's images and keeps an edited limit", async () => {
  const [old, release] = [await releaseConfig("v0.16.0"), await releaseConfig("v0.20.0")];
  const agent = JSON.parse(old.agent!);
  const live = { ...old, agent: JSON.stringify({ ...agent, memoryLimit: "2Gi" }) };
  const { data, kept } = mergeConfig(release, live, [old]);
  assert.deepEqual(
    configImages(data).map((i) => `${i.key}.${i.field} ${i.image}`),
    [
      "agent.image kserve/agent:v0.20.0",
      "batcher.image kserve/agent:v0.20.0",
      "logger.image kserve/agent:v0.20.0",
      "router.image kserve/router:v0.20.0",
      "storageInitializer.image kserve/storage-initializer:v0.20.0",
      "localModel.defaultJobImage kserve/storage-initializer:v0.20.0",
    ],
  );
  assert.equal(JSON.parse(data.agent!).memoryLimit, "2Gi");
  assert.deepEqual(kept, ["agent.memoryLimit"]);
  // Fields the new release adds arrive; untouched keys are the release's text as published.
  assert.equal(JSON.parse(data.ingress!).disableHTTPRouteTimeout, false);
  assert.equal(data.router, release.router);
});

Deno.test("mergeConfig() keeps an admin's image from a mirror and lists it", async () => {
  const [old, release] = [await releaseConfig("v0.16.0"), await releaseConfig("v0.20.0")];
  const router = { ...JSON.parse(old.router!), image: "mirror.local/kserve/router:v0.16.0" };
  const live = { ...old, router: JSON.stringify(router) };
  const { data, kept } = mergeConfig(release, live, [old]);
  assert.equal(JSON.parse(data.router!).image, "mirror.local/kserve/router:v0.16.0");
  assert.deepEqual(kept, ["router.image"]);
  assert.equal(JSON.parse(data.agent!).image, "kserve/agent:v0.20.0");
});

Deno.test("mergeConfig() without a known base keeps every live value, and a re-run is stable", () => {
  const release = { agent: '{"image":"kserve/agent:v2","cpuLimit":"1"}', extra: "text" };
  const live = { agent: '{"image":"kserve/agent:v1"}', mine: '{"a":1}' };
  const first = mergeConfig(release, live, []);
  assert.deepEqual(JSON.parse(first.data.agent!), { image: "kserve/agent:v1", cpuLimit: "1" });
  assert.equal(first.data.extra, "text", "a key the cluster lacks gets the release's value");
  assert.equal(first.data.mine, '{"a":1}', "a key only the cluster has stays");
  assert.deepEqual(first.kept.sort(), ["agent.image", "mine"]);
  assert.deepEqual(mergeConfig(release, first.data, []).data, first.data);
});

Deno.test("mergeConfig() drops a field the new release dropped unless the admin changed it", () => {
  const base = { x: '{"gone":"old","edited":"old","keep":1}' };
  const release = { x: '{"keep":2}' };
  const live = { x: '{"gone":"old","edited":"admin","keep":1}' };
  const { data, kept } = mergeConfig(release, live, [base]);
  assert.deepEqual(JSON.parse(data.x!), { keep: 2, edited: "admin" });
  assert.deepEqual(kept, ["x.edited"]);
});

Deno.test("mergeConfig() puts the release's value back where the live JSON does not parse", () => {
  const release = { storageInitializer: '{"image":"kserve/storage-initializer:v2"}' };
  const live = { storageInitializer: '{"image": "mirror/storage-initializer:v1",}' };
  const { data, kept } = mergeConfig(release, live, []);
  assert.equal(data.storageInitializer, release.storageInitializer);
  assert.deepEqual(kept, []);
});

Deno.test("baseVersions() takes the controller's release and the releases the images name", async () => {
  const [old, release] = [await releaseConfig("v0.16.0"), await releaseConfig("v0.20.0")];
  const known = ["v0.16.0", "v0.20.0"];
  assert.deepEqual(baseVersions(old, "v0.16.0", known), ["v0.16.0"]);
  // A v0.20.0 controller whose config was left with v0.16.0's images (a half-done upgrade).
  const left = { ...release, agent: old.agent! };
  assert.deepEqual(baseVersions(left, "v0.20.0", known), ["v0.20.0", "v0.16.0"]);
  assert.deepEqual(baseVersions(left, "unknown", ["v0.20.0"]), ["v0.20.0"]);
  const merged = mergeConfig(release, left, [release, old]);
  assert.equal(JSON.parse(merged.data.agent!).image, "kserve/agent:v0.20.0");
  assert.deepEqual(merged.kept, []);
});

Deno.test("configImages() tells KServe's own release images from mirrors and digests", () => {
  const images = configImages({
    agent: '{"image":"kserve/agent:v0.16.0"}',
    router: '{"image":"mirror.local:5000/kserve/router:v0.16.0"}',
    logger: '{"image":"kserve/agent@sha256:abc"}',
    batcher: "not json",
  });
  assert.deepEqual(images, [
    {
      key: "agent",
      field: "image",
      image: "kserve/agent:v0.16.0",
      version: "v0.16.0",
      releaseDefault: true,
    },
    { key: "logger", field: "image", image: "kserve/agent@sha256:abc", releaseDefault: false },
    {
      key: "router",
      field: "image",
      image: "mirror.local:5000/kserve/router:v0.16.0",
      version: "v0.16.0",
      releaseDefault: false,
    },
  ]);
});
