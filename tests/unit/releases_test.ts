import assert from "node:assert/strict";
import { parse } from "yaml";
import { parseManifest, rawManifest } from "../../lib/install/manifest.ts";
import { manifestsFor, pinnedSha256 } from "../../lib/install/releases.ts";
import { gatewayApiFiles } from "../../lib/kserve/releases.ts";
import { resolveVersions } from "../../lib/install/preflight.ts";
import { sha256Hex } from "../../lib/install/source.ts";
import {
  DEFAULT_KSERVE_VERSION,
  DEPENDENCY_SHA256,
  factsOf,
  helmChart,
  INSTALLABLE_KSERVE_VERSIONS,
  KNATIVE_RELEASES,
  KSERVE_RELEASES,
  type KServeRelease,
  releaseOf,
} from "../../lib/kserve/releases.ts";
import { crdName, KSERVE_KINDS, servedVersions } from "../../lib/kserve/api_kinds.ts";
import {
  acceptedModes,
  classifyMode,
  legacyModeFix,
  minimumKubernetes,
  modeName,
} from "../../lib/kserve/versions.ts";
import { installStorageContainerCommand } from "../../lib/kserve/hints.ts";
import type { KServeInstall } from "../../lib/kserve/detect.ts";
import { CHARTS, fixture, FIXTURES } from "../support/fixtures.ts";

interface Crd {
  metadata?: { name?: string };
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string };
    versions: { name: string; served: boolean }[];
  };
}

/** A CRD without its schemas, which are most of its bytes and slow to parse. */
function crdHeader(text: string): Crd {
  const kept: string[] = [];
  let schemaIndent = -1;
  for (const line of text.split("\n")) {
    const indent = line.search(/\S/);
    if (schemaIndent >= 0 && (indent < 0 || indent > schemaIndent)) continue;
    schemaIndent = /^\s*(?:- )?(?:schema|subresources):\s*$/.test(line) ? indent : -1;
    kept.push(line);
  }
  return parse(kept.join("\n")) as Crd;
}

const served = (crd: Crd) => crd.spec.versions.filter((v) => v.served).map((v) => v.name).sort();

Deno.test("every checksum of the release table matches its fixture", async () => {
  const pins = [
    ...KSERVE_RELEASES.flatMap((r) =>
      Object.entries(r.sha256).map(([file, sha]) => [`kserve/${r.version}/${file}`, sha])
    ),
    ...Object.entries(DEPENDENCY_SHA256),
  ];
  for (const [path, sha] of pins as [string, string][]) {
    assert.equal(await sha256Hex(await Deno.readFile(`${FIXTURES}${path}`)), sha, path);
  }
});

Deno.test("each release's default install is pinned: every file it downloads has a checksum", () => {
  for (const release of KSERVE_RELEASES) {
    assert.ok(KNATIVE_RELEASES[release.knative], `${release.version}: Knative ${release.knative}`);
    const minor = release.knative.replace(/^v/, "").split(".").slice(0, 2).join(".");
    assert.ok(release.supportedKnative.includes(minor), release.version);
    for (const ingress of ["kourier", "istio"] as const) {
      const versions = resolveVersions({
        version: release.version,
        mode: "serverless",
        force: false,
      });
      assert.equal(versions.certManager, release.certManager);
      for (const file of manifestsFor("serverless", ingress, versions)) {
        assert.ok(pinnedSha256(file), `${release.version}: ${JSON.stringify(file)}`);
      }
    }
  }
});

Deno.test("each release's facts are those of its manifests: API versions, kinds, Namespace, storage container, InferencePool", async () => {
  for (const release of KSERVE_RELEASES) {
    const { version } = release;
    const kserveYaml = parseManifest(await fixture(`kserve/${version}/kserve.yaml`), "x");
    const crds = kserveYaml.filter((o) => o.kind === "CustomResourceDefinition")
      .map((o) => crdHeader(rawManifest(o)!));
    const kserveCrds = crds.filter((c) => c.spec.group === "serving.kserve.io");
    assert.deepEqual(
      [...new Set(kserveCrds.flatMap(served))].sort(),
      [...release.apiVersions].sort(),
      `${version}: serving.kserve.io versions`,
    );
    for (const kind of KSERVE_KINDS) {
      const crd = kserveCrds.find((c) => c.metadata?.name === crdName(kind));
      if (!crd) {
        assert.ok(!kind.core, `${version}: core kind ${kind.kind} has no CRD`);
        continue;
      }
      assert.equal(crd.spec.names.kind, kind.kind);
      assert.equal(crd.spec.scope === "Namespaced", kind.namespaced, `${version}: ${kind.kind}`);
      assert.deepEqual(served(crd), servedVersions(kind, release.apiVersions), kind.kind);
    }
    assert.equal(kserveYaml.some((o) => o.kind === "Namespace"), release.manifestHasNamespace);
    const storage = parseManifest(
      await fixture(`kserve/${version}/${release.storageContainerFile}`),
      "x",
    );
    assert.ok(storage.some((o) => o.kind === "ClusterStorageContainer"), version);
    const { group, version: poolVersion } = release.inferencePool;
    const pool = crds.find((c) => c.metadata?.name === `inferencepools.${group}`);
    assert.ok(pool && served(pool).includes(poolVersion), `${version}: InferencePool CRD`);
    // The router's HTTPRoute (an LLMInferenceServiceConfig) sends traffic to that pool.
    const configs = await fixture(`kserve/${version}/kserve-cluster-resources.yaml`);
    assert.match(
      configs,
      new RegExp(`group: ${group.replaceAll(".", "\\.")}\\s+kind: InferencePool`),
    );
    assert.ok(
      Deno.statSync(`${FIXTURES}gateway-api/${release.gatewayApi}`).isDirectory,
      `${version}: Gateway API ${release.gatewayApi} fixtures`,
    );
    // install --llm applies every standard-channel file of that version, each pinned.
    assert.deepEqual(
      gatewayApiFiles(release.gatewayApi).sort(),
      [...Deno.readDirSync(`${FIXTURES}gateway-api/${release.gatewayApi}`)].map((f) => f.name)
        .sort(),
    );
    // The presets llmisvc looks up are those kserve-cluster-resources.yaml ships.
    const presets = parseManifest(configs, "x").filter((o) =>
      o.kind === "LLMInferenceServiceConfig"
    )
      .map((o) => o.metadata?.name);
    assert.deepEqual([...release.llmPresets].sort(), presets.sort(), `${version}: presets`);
  }
});

Deno.test("the version-dependent functions answer from each release's entry", () => {
  assert.deepEqual(INSTALLABLE_KSERVE_VERSIONS, KSERVE_RELEASES.map((r) => r.version));
  assert.deepEqual(
    KSERVE_RELEASES.filter((r) => r.default).map((r) => r.version),
    [DEFAULT_KSERVE_VERSION],
  );
  const other = (version: string): KServeInstall => ({
    installed: true,
    namespace: "kserve",
    version,
    apiServed: true,
    owner: { by: "other", managers: ["kubectl"] },
  });
  for (const r of KSERVE_RELEASES) {
    assert.equal(modeName("raw", r.version), r.modes.raw);
    assert.equal(modeName("serverless", r.version), r.modes.serverless);
    assert.equal(classifyMode(r.modes.serverless, r.version), "serverless");
    assert.deepEqual(
      acceptedModes(r.version).filter((m) => m.endsWith("(legacy)")),
      r.modes.legacy.map((m) => `${m} (legacy)`),
    );
    const k8s = minimumKubernetes(r.version);
    assert.equal(`${k8s.major}.${k8s.minor}`, r.minimumKubernetes);
    assert.equal(
      legacyModeFix("RawDeployment", "Standard", r.version) !== undefined,
      r.legacyModeAnnotationBug !== undefined,
      r.version,
    );
    assert.equal(
      installStorageContainerCommand(other(r.version)).includes("kserve-cluster-resources.yaml"),
      r.storageContainerFile === "kserve-cluster-resources.yaml",
      r.version,
    );
  }
});

Deno.test("factsOf(): an entry answers for itself, a version between entries as the next newer one, an older one before the mode rename", () => {
  const [oldest, newest] = [KSERVE_RELEASES[0]!, KSERVE_RELEASES.at(-1)!];
  // A synthetic next release in a copy of the table: one entry makes it known everywhere.
  const next: KServeRelease = {
    ...newest,
    version: "v9.0.0",
    default: undefined,
    minimumKubernetes: "9.99",
  };
  const table = [...KSERVE_RELEASES, next];
  assert.equal(releaseOf("v9.0.0", table), next);
  assert.equal(factsOf("v9.0.0", table).minimumKubernetes, "9.99");
  assert.equal(factsOf("v8.5.0", table), next, "between the newest entry and the next");
  assert.equal(factsOf(undefined, table), next, "unknown: the newest");
  assert.equal(factsOf("unknown", KSERVE_RELEASES), newest);
  assert.equal(factsOf("v99.0.0", KSERVE_RELEASES), newest, "newer than all: the newest");
  const older = factsOf("v0.0.1");
  assert.equal(older.minimumKubernetes, oldest.minimumKubernetes);
  assert.equal(older.modes.raw, "RawDeployment");
  assert.equal(older.legacyModeAnnotationBug, undefined, "a bug of one release stays with it");
  assert.equal(releaseOf("v0.0.1"), undefined);
});

/** Comments may cite a KServe source file at a tag; code and messages read the table. */
function withoutComments(source: string): string {
  return source.replace(/^\s*\/\*[\s\S]*?\*\//gm, "").replace(/(^|\s)\/\/.*$/gm, "$1");
}

Deno.test("no file in lib/ but the release table names a KServe version", async () => {
  const offenders: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (path.endsWith(".ts") && !path.endsWith("lib/kserve/releases.ts")) {
        const code = withoutComments(await Deno.readTextFile(path));
        for (const match of code.matchAll(/\bv0\.\d+\.\d+\b/g)) {
          offenders.push(`${path}: ${match[0]}`);
        }
      }
    }
  };
  await walk(new URL("../../lib", import.meta.url).pathname);
  assert.deepEqual(offenders, []);
});

Deno.test("helmChart(): each release's chart names, as its charts' Chart.yaml name them where the fixtures have them", async () => {
  // v0.16.0's charts are in the fixtures: the controller's chart dir kserve-resources is named kserve.
  const chart = async (dir: string) =>
    (parse(await Deno.readTextFile(`${CHARTS}v0.16.0/${dir}/Chart.yaml`)) as { name: string }).name;
  assert.equal(
    helmChart("v0.16.0", "resources"),
    `oci://ghcr.io/kserve/charts/${await chart("kserve-resources")}`,
  );
  assert.equal(
    helmChart("v0.16.0", "crds"),
    `oci://ghcr.io/kserve/charts/${await chart("kserve-crd")}`,
  );
  // Renamed in v0.17 (KServe's upgrade guide): a version between entries takes the newer name.
  assert.equal(helmChart("v0.20.0", "resources"), "oci://ghcr.io/kserve/charts/kserve-resources");
  assert.equal(helmChart("v0.17.0", "resources"), "oci://ghcr.io/kserve/charts/kserve-resources");
  assert.equal(helmChart("v0.20.0", "crds"), "oci://ghcr.io/kserve/charts/kserve-crd");
});
