/** Manifest download, verification, caching and air-gapped installs, from a loopback mirror. */
import assert from "node:assert/strict";
import { adminKubeconfig, resetCluster, tempDir } from "../support/cluster.ts";
import { FIXTURES } from "../support/fixtures.ts";
import { runPlugin } from "../support/plugin.ts";
import { assertUnchangedBy } from "../support/snapshot.ts";
import { assertHintParses } from "../support/hints.ts";

/** Serves the fixtures like a release mirror; `tamper` changes one file, `missing` 404s one. */
function mirror(options: { tamper?: string; missing?: string } = {}) {
  const requests: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const path = new URL(request.url).pathname.slice(1);
      requests.push(`${request.method} ${path}`);
      if (path === options.missing || path.includes("..")) {
        return new Response("Not Found", {
          status: 404,
        });
      }
      try {
        const bytes = await Deno.readFile(`${FIXTURES}${path}`);
        const body = path === options.tamper
          ? new TextEncoder().encode(new TextDecoder().decode(bytes) + "# changed\n")
          : bytes;
        return new Response(request.method === "HEAD" ? null : body);
      } catch {
        return new Response("Not Found", { status: 404 });
      }
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

const plan = (source: string, cache: string) =>
  runPlugin(["install", "--dry-run=client", "--version", "v0.16.0", "--manifests", source], {
    env: { KUBECONFIG: adminKubeconfig(), XDG_CACHE_HOME: cache },
  });

Deno.test("manifests come from a mirror URL, are verified, and are cached for the next install", async () => {
  await using server = mirror();
  await using cache = await tempDir();
  const first = await plan(server.url, cache.path);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /3 files, sha256 verified/);
  assert.ok(
    server.requests.includes("HEAD kserve/v0.16.0/kserve.yaml"),
    "HEAD-checks before downloading",
  );
  const count = server.requests.length;
  const second = await plan(server.url, cache.path);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(server.requests.length, count, "the second install downloads nothing");
});

Deno.test("a tampered manifest is refused with both checksums", async () => {
  await using server = mirror({ tamper: "kserve/v0.16.0/kserve.yaml" });
  await using cache = await tempDir();
  const result = await plan(server.url, cache.path);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /Checksum mismatch for http:\/\/127\.0\.0\.1:\d+\/kserve\/v0\.16\.0\/kserve\.yaml: expected sha256 1cedecd9/,
  );
});

Deno.test("a release asset that is missing gives a clear 404 message", async () => {
  await using server = mirror({ missing: "kserve/v0.16.0/kserve-cluster-resources.yaml" });
  await using cache = await tempDir();
  const result = await plan(server.url, cache.path);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /Release asset not found: .*kserve-cluster-resources\.yaml \(HTTP 404\)/,
  );
  assert.match(result.stderr, /published without its YAML files/);
});

Deno.test("manifests pull fills an air-gapped directory that install then reads", async () => {
  await using server = mirror();
  await using cache = await tempDir();
  await using dest = await tempDir();
  const pulled = await runPlugin(
    [
      "manifests",
      "pull",
      "--version",
      "v0.16.0",
      "--mode",
      "serverless",
      "--dest",
      dest.path,
      "--manifests",
      server.url,
    ],
    { env: { XDG_CACHE_HOME: cache.path } },
  );
  assert.equal(pulled.code, 0, pulled.stderr);
  for (
    const file of [
      "cert-manager/v1.16.1/cert-manager.yaml",
      "knative-serving/v1.15.2/serving-crds.yaml",
      "net-kourier/v1.15.1/kourier.yaml",
      "kserve/v0.16.0/kserve.yaml",
    ]
  ) {
    assert.ok((await Deno.stat(`${dest.path}/${file}`)).isFile, file);
  }
  await using emptyCache = await tempDir();
  const offline = await plan(dest.path, emptyCache.path);
  assert.equal(offline.code, 0, offline.stderr);
});

/** `manifests pull --llm` of v0.20.0 from `source` into `dest`. */
const pullLlm = (source: string, dest: string, cache: string) =>
  runPlugin(
    ["manifests", "pull", "--llm", "--version", "v0.20.0", "--dest", dest, "--manifests", source],
    { env: { XDG_CACHE_HOME: cache } },
  );

Deno.test("manifests pull --llm adds the Gateway API CRDs of the version install --llm applies, each sha256-verified", async () => {
  await using server = mirror();
  await using cache = await tempDir();
  await using dest = await tempDir();
  const pulled = await pullLlm(server.url, dest.path, cache.path);
  assert.equal(pulled.code, 0, pulled.stderr);
  // KServe v0.20.0 pins Gateway API v1.5.1: its files, as install --llm reads them.
  for (const crd of ["gatewayclasses", "gateways", "httproutes", "referencegrants"]) {
    const file = `gateway-api/v1.5.1/gateway.networking.k8s.io_${crd}.yaml`;
    assert.match(pulled.stderr, new RegExp(`√ ${file} \\(sha256 verified\\)`));
    assert.equal(
      await Deno.readTextFile(`${dest.path}/${file}`),
      await Deno.readTextFile(`${FIXTURES}${file}`),
    );
  }
  assert.ok((await Deno.stat(`${dest.path}/kserve/v0.20.0/kserve.yaml`)).isFile);
  const hint = /Install from it with: (.*)/.exec(pulled.stderr)?.[1] ?? "";
  assert.match(
    hint,
    /^kubectl kserve install --mode raw --version v0\.20\.0 --llm --gateway-class NAME --manifests /,
  );
  await assertHintParses(hint);
  await using tampered = mirror({
    tamper: "gateway-api/v1.5.1/gateway.networking.k8s.io_httproutes.yaml",
  });
  await using again = await tempDir();
  const refused = await pullLlm(tampered.url, again.path, cache.path + "-fresh");
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(
    refused.stderr,
    /Checksum mismatch for .*gateway\.networking\.k8s\.io_httproutes\.yaml/,
  );
});

Deno.test("unsupported versions and combinations are refused with the reason", async () => {
  // install's dry run runs the preflight, which reads the cluster: start from an empty one.
  await resetCluster();
  await using cache = await tempDir();
  const env = { KUBECONFIG: adminKubeconfig(), XDG_CACHE_HOME: cache.path };
  const old = await runPlugin([
    "install",
    "--dry-run=client",
    "--mode",
    "serverless",
    "--version",
    "v0.16.0",
    "--knative-version",
    "v1.11.0",
    "--manifests",
    FIXTURES,
  ], { env });
  assert.equal(old.code, 2);
  assert.match(
    old.stderr,
    /Knative v1\.11\.0 is not supported with KServe v0\.16\.0 \(tested with Knative 1\.15/,
  );
  const forced = await runPlugin([
    "install",
    "--dry-run=client",
    "--mode",
    "serverless",
    "--version",
    "v0.16.0",
    "--knative-version",
    "v1.11.0",
    "--force",
    "--manifests",
    FIXTURES,
  ], { env });
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, /knative-serving v1\.11\.0/);
  const serverlessWithoutKnative = await assertUnchangedBy(
    "install --mode serverless --without-knative",
    () => runPlugin(["install", "--mode", "serverless", "--without-knative"], { env }),
  );
  assert.equal(serverlessWithoutKnative.code, 2);
  assert.match(serverlessWithoutKnative.stderr, /Serverless mode without Knative does not exist/);
  assert.match(serverlessWithoutKnative.stderr, /--mode raw/);
});
