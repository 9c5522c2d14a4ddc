import assert from "node:assert/strict";
import {
  configureKServeConfig,
  kserveNamespace,
  namespaceToApply,
  splitPhases,
  unparsableKeys,
} from "../../lib/install/plan.ts";
import { fullObject, parseManifest, rawManifest } from "../../lib/install/manifest.ts";
import { manifestsFor, upstreamUrl } from "../../lib/install/releases.ts";
import { releaseOf } from "../../lib/kserve/releases.ts";
import { loadManifest, parseSource } from "../../lib/install/source.ts";
import { containsAll } from "../../lib/install/apply.ts";
import { newerCertManager } from "../../lib/install/component_specs.ts";
import { isDowngrade } from "../../lib/kserve/versions.ts";
import { fixture, FIXTURES } from "../support/fixtures.ts";
import { tempDir } from "../support/plugin.ts";

Deno.test("splitPhases() orders KServe v0.16.0: CRDs first, webhook-admitted objects last", async () => {
  const objects = parseManifest(await fixture("kserve/v0.16.0/kserve.yaml"), "kserve.yaml");
  assert.equal(objects.length, 63);
  const phases = splitPhases(objects);
  assert.equal(phases.foundation.filter((o) => o.kind === "CustomResourceDefinition").length, 13);
  assert.ok(phases.foundation.some((o) => o.kind === "Namespace"));
  assert.equal(phases.webhookConfigs.length, 9);
  assert.deepEqual(
    new Set(phases.afterWebhook.map((o) => o.kind)),
    new Set(["LLMInferenceServiceConfig"]),
  );
  assert.ok(phases.main.some((o) => o.kind === "Certificate"));
});

Deno.test("namespaceToApply() marks a namespace install creates, or created before; one that existed is applied as the manifest has it", async () => {
  const certManager = splitPhases(
    parseManifest(await fixture("cert-manager/v1.18.0/cert-manager.yaml"), "cert-manager.yaml"),
  ).foundation.find((o) => o.kind === "Namespace")!;
  assert.deepEqual(certManager.metadata, { name: "cert-manager" }, "splitPhases adds nothing");
  assert.deepEqual(namespaceToApply(certManager).metadata, {
    name: "cert-manager",
    labels: { "app.kubernetes.io/managed-by": "kubectl-kserve" },
  });
  const marked = { metadata: { name: "cert-manager", labels: MARK } };
  assert.deepEqual(namespaceToApply(certManager, marked).metadata?.labels, MARK);
  const usersOwn = { metadata: { name: "cert-manager", labels: { team: "platform" } } };
  assert.equal(namespaceToApply(certManager, usersOwn), certManager);

  const kserve = splitPhases(
    parseManifest(await fixture("kserve/v0.16.0/kserve.yaml"), "kserve.yaml"),
  ).foundation.find((o) => o.kind === "Namespace")!;
  const created = namespaceToApply(kserve).metadata?.labels as Record<string, string>;
  assert.equal(created["app.kubernetes.io/managed-by"], "kubectl-kserve");
  assert.equal(created["control-plane"], "kserve-controller-manager");
  assert.equal(namespaceToApply(kserve, { metadata: { name: "kserve" } }), kserve);
});

const MARK = { "app.kubernetes.io/managed-by": "kubectl-kserve" };

Deno.test("splitPhases() puts all cluster resources after the webhook", async () => {
  const objects = parseManifest(await fixture("kserve/v0.20.0/kserve-cluster-resources.yaml"), "x");
  const phases = splitPhases(objects);
  assert.equal(phases.afterWebhook.length, objects.length);
});

Deno.test("v0.20.0 kserve.yaml has no Namespace, so the plan adds one that the pod mutator skips", async () => {
  const objects = parseManifest(await fixture("kserve/v0.20.0/kserve.yaml"), "kserve.yaml");
  assert.ok(!objects.some((o) => o.kind === "Namespace"));
  assert.equal(releaseOf("v0.20.0")!.manifestHasNamespace, false);
  const labels = kserveNamespace().metadata?.labels as Record<string, string>;
  assert.equal(labels["control-plane"], "kserve-controller-manager");
});

Deno.test("configureKServeConfig() edits the JSON in place and keeps ingressGateway", async () => {
  const objects = parseManifest(await fixture("kserve/v0.16.0/kserve.yaml"), "kserve.yaml");
  const release = objects.find((o) => o.metadata?.name === "inferenceservice-config")!
    .data as Record<string, string>;
  const data = configureKServeConfig(release, undefined, {
    defaultDeploymentMode: "Standard",
    ingressClass: "nginx",
  });
  assert.equal(JSON.parse(data.deploy!).defaultDeploymentMode, "Standard");
  const ingress = JSON.parse(data.ingress!);
  assert.equal(ingress.ingressClassName, "nginx");
  assert.equal(ingress.ingressGateway, "knative-serving/knative-ingress-gateway");
  assert.equal(data.storageInitializer, release.storageInitializer);
  const none = configureKServeConfig(release, undefined, {
    defaultDeploymentMode: "Standard",
    ingressClass: "none",
  });
  assert.equal(JSON.parse(none.ingress!).disableIngressCreation, true);
});

Deno.test("configureKServeConfig() keeps what the cluster has and is stable on re-run", () => {
  const release = {
    deploy: '{"defaultDeploymentMode":"Serverless"}',
    ingress: '{"ingressGateway":"a/b"}',
    agent: "{}",
  };
  const live = { ...release, agent: '{"image":"mine"}' };
  const first = configureKServeConfig(release, live, { defaultDeploymentMode: "Standard" });
  assert.equal(first.agent, '{"image":"mine"}');
  assert.deepEqual(
    configureKServeConfig(release, first, { defaultDeploymentMode: "Standard" }),
    first,
  );
});

Deno.test("manifestsFor() lists cert-manager, Knative CRDs before core, then KServe", () => {
  const versions = {
    kserve: "v0.16.0",
    certManager: "v1.16.1",
    knative: "v1.15.2",
    kourier: "v1.15.1",
    netIstio: "v1.15.1",
  };
  assert.deepEqual(
    manifestsFor("serverless", "kourier", versions).map((f) => `${f.component}/${f.file}`),
    [
      "cert-manager/cert-manager.yaml",
      "knative-serving/serving-crds.yaml",
      "knative-serving/serving-core.yaml",
      "net-kourier/kourier.yaml",
      "kserve/kserve.yaml",
      "kserve/kserve-cluster-resources.yaml",
    ],
  );
  assert.equal(manifestsFor("raw", "kourier", versions).length, 3);
  assert.equal(
    upstreamUrl({ component: "knative-serving", version: "v1.15.2", file: "serving-crds.yaml" }),
    "https://github.com/knative/serving/releases/download/knative-v1.15.2/serving-crds.yaml",
  );
});

Deno.test("loadManifest() verifies a directory source, caches it, and refuses a tampered file", async () => {
  await using cache = await tempDir();
  await using mirror = await tempDir();
  const file = { component: "net-kourier" as const, version: "v1.15.1", file: "kourier.yaml" };
  const text = await loadManifest(file, parseSource(FIXTURES), { cacheDir: cache.path });
  assert.match(text, /kourier/);
  // The cache answers even when the source is gone.
  assert.equal(
    await loadManifest(file, parseSource(`${mirror.path}/empty`), { cacheDir: cache.path }),
    text,
  );
  await Deno.mkdir(`${mirror.path}/net-kourier/v1.15.1`, { recursive: true });
  await Deno.writeTextFile(
    `${mirror.path}/net-kourier/v1.15.1/kourier.yaml`,
    text + "# tampered\n",
  );
  await using emptyCache = await tempDir();
  await assert.rejects(
    loadManifest(file, parseSource(mirror.path), { cacheDir: emptyCache.path }),
    /Checksum mismatch for .*kourier\.yaml: expected sha256 57b4c31c/,
  );
});

Deno.test("parseSource() tells mirrors from directories", () => {
  assert.deepEqual(parseSource(undefined), { kind: "upstream" });
  assert.deepEqual(parseSource("https://mirror.local/kserve/"), {
    kind: "url",
    base: "https://mirror.local/kserve",
  });
  assert.deepEqual(parseSource("/srv/manifests/"), { kind: "dir", path: "/srv/manifests" });
});

Deno.test("containsAll() accepts fields a controller added and refuses any changed value", () => {
  const desired = {
    spec: { replicas: 1, template: { args: ["a", "b"] } },
    metadata: { labels: { app: "x" } },
  };
  const live = {
    spec: { replicas: 1, template: { args: ["a", "b"] }, extra: true },
    metadata: { labels: { app: "x", more: "y" } },
    status: {},
  };
  assert.ok(containsAll(live, desired));
  assert.ok(!containsAll({ ...live, spec: { ...live.spec, replicas: 2 } }, desired));
  assert.ok(!containsAll({ ...live, spec: { ...live.spec, template: { args: ["a"] } } }, desired));
  assert.ok(!containsAll(undefined, desired));
  assert.ok(
    containsAll({ spec: {} }, { spec: { env: [], resources: {} } }),
    "omitted empty values match",
  );
});

Deno.test("parseManifest() reads CRD headers only, and their text parses to the full object", async () => {
  const { parseAllDocuments } = await import("yaml");
  for (
    const path of [
      "kserve/v0.16.0/kserve.yaml",
      "kserve/v0.20.0/kserve.yaml",
      "cert-manager/v1.18.0/cert-manager.yaml",
    ]
  ) {
    const text = await fixture(path);
    const objects = parseManifest(text, path);
    const reference = parseAllDocuments(text).map((d) => d.toJS({ maxAliasCount: -1 }))
      .filter((o) => o?.kind);
    assert.equal(objects.length, reference.length, path);
    objects.forEach((object, i) => {
      const expected = reference[i];
      if (object.kind === "CustomResourceDefinition") {
        assert.ok(rawManifest(object), `${path}: ${object.metadata?.name} keeps its text`);
        assert.equal(object.spec, undefined);
        assert.deepEqual(object.metadata, expected.metadata);
        // The text that is applied is exactly the release's object.
        assert.deepEqual(fullObject(object), expected);
        assert.ok(!JSON.stringify(object).includes("openAPIV3Schema"));
      } else {
        assert.equal(rawManifest(object), undefined);
        assert.deepEqual(object, expected);
      }
    });
  }
});

Deno.test("parseManifest() names the document with a syntax error", () => {
  assert.throws(
    () =>
      parseManifest(
        "kind: ConfigMap\nmetadata: {name: a}\n---\nkind: ConfigMap\n  bad: [\n",
        "x.yaml",
      ),
    /Cannot parse x.yaml, document 2/,
  );
});

Deno.test("newerCertManager() keeps only a newer cert-manager of ours, unless a version is asked for", () => {
  const crd = (version: string, manager = "kubectl-kserve") => ({
    metadata: {
      name: "certificates.cert-manager.io",
      labels: { "app.kubernetes.io/version": version },
      managedFields: [{ manager }],
    },
  });
  assert.equal(newerCertManager(crd("v1.18.0"), "v1.16.1", undefined), "v1.18.0");
  assert.equal(newerCertManager(crd("v1.16.1"), "v1.16.1", undefined), undefined);
  assert.equal(newerCertManager(crd("v1.16.1"), "v1.18.0", undefined), undefined, "upgrades");
  assert.equal(newerCertManager(crd("v1.18.0"), "v1.16.1", "v1.16.1"), undefined, "asked for");
  assert.equal(newerCertManager(crd("v1.18.0", "helm"), "v1.16.1", undefined), undefined);
  assert.equal(newerCertManager(undefined, "v1.16.1", undefined), undefined);
});

Deno.test("isDowngrade() compares the installed KServe with the one asked for", () => {
  assert.equal(isDowngrade("v0.20.0", "v0.16.0"), true);
  assert.equal(isDowngrade("v0.16.0", "v0.20.0"), false);
  assert.equal(isDowngrade("v0.16.0", "v0.16.0"), false);
  assert.equal(isDowngrade("unknown", "v0.16.0"), false, "a digest-pinned image is not refused");
  assert.equal(isDowngrade(undefined, "v0.16.0"), false);
});

Deno.test("configureKServeConfig() puts the release's value back where the live JSON does not parse", () => {
  // Field report: install left an inferenceservice-config that check calls fatal and exited 0.
  const release = {
    deploy: '{"defaultDeploymentMode":"Serverless"}',
    ingress: '{"ingressGateway":"a/b"}',
    storageInitializer: '{"image":"kserve/storage-initializer:v0.16.0"}',
  };
  const live = {
    ...release,
    storageInitializer: '{"image": "mirror/storage-initializer:v0.16.0",}',
    ingress: '{"ingressGateway":"a/b"',
  };
  assert.deepEqual(unparsableKeys(release, live).map((b) => b.key).sort(), [
    "ingress",
    "storageInitializer",
  ]);
  const data = configureKServeConfig(release, live, { defaultDeploymentMode: "Standard" });
  assert.equal(data.storageInitializer, release.storageInitializer);
  assert.equal(JSON.parse(data.ingress!).ingressGateway, "a/b");
  assert.deepEqual(unparsableKeys(release, data), [], "a second run finds nothing to repair");
});

Deno.test("summarizeWrites() counts a restarted Deployment once: as changed when the apply left it unchanged", async () => {
  const { summarizeWrites } = await import("../../lib/install/install_component.ts");
  const controller = { kind: "Deployment", namespace: "kserve", name: "kserve-controller-manager" };
  const config = { kind: "ConfigMap", namespace: "kserve", name: "inferenceservice-config" };
  const restart = { namespace: "kserve", name: "kserve-controller-manager", why: "pod p started" };
  // Same release re-applied, then the controller restarted: 1 changed, 1 unchanged.
  const rerun = summarizeWrites(
    [{ ...controller, action: "unchanged" }, { ...config, action: "unchanged" }],
    [restart],
  );
  assert.deepEqual(rerun, {
    created: 0,
    changed: 1,
    unchanged: 1,
    writes: ["restarted Deployment kserve/kserve-controller-manager: pod p started"],
  });
  // The apply changed the Deployment's labels, then it was restarted: still one change, not two.
  const relabelled = summarizeWrites(
    [{ ...controller, action: "changed" }, { ...config, action: "unchanged" }],
    [restart],
  );
  assert.deepEqual([relabelled.created, relabelled.changed, relabelled.unchanged], [0, 1, 1]);
  assert.deepEqual(relabelled.writes, [
    "changed Deployment kserve/kserve-controller-manager",
    "restarted Deployment kserve/kserve-controller-manager: pod p started",
  ]);
  assert.equal(summarizeWrites([{ ...config, action: "unchanged" }], []).writes, undefined);
});
