/** install and uninstall on the test cluster with the real KServe controller behind kwok pods. */
import assert from "node:assert/strict";
import {
  adminKubeconfig,
  kubectl,
  kubectlJson,
  kubectlOk,
  resetCluster,
  tempDir,
} from "../support/cluster.ts";
import { editorKubeconfig } from "../support/credentials.ts";
import { FIXTURES } from "../support/fixtures.ts";
import { runPlugin } from "../support/plugin.ts";
import { runCheck } from "../support/plugin_json.ts";
import { kserveConfigJson, SKLEARN } from "../support/kserve.ts";

/** A private manifest cache per test, so a cached copy never hides what the test is about. */
function pluginEnv(cache: string): Record<string, string> {
  return { KUBECONFIG: adminKubeconfig(), XDG_CACHE_HOME: cache };
}

async function install(args: string[], cache: string) {
  return await runPlugin(["install", "--timeout", "4m", ...args], { env: pluginEnv(cache) });
}

/** resourceVersions of everything KServe and cert-manager consist of, to prove a re-run writes nothing. */
async function versions(): Promise<Map<string, string>> {
  const list = await kubectlJson<
    {
      items: {
        kind: string;
        metadata: { name: string; namespace?: string; resourceVersion: string };
      }[];
    }
  >(
    [
      "get",
      "deployments,services,configmaps,serviceaccounts,certificates,issuers,clusterservingruntimes",
      "-A",
      "-o",
      "json",
    ],
  );
  const webhooks = await kubectlJson<typeof list>([
    "get",
    "validatingwebhookconfigurations,mutatingwebhookconfigurations,crd",
    "-o",
    "json",
  ]);
  return new Map(
    [...list.items, ...webhooks.items].map((
      o,
    ) => [
      `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`,
      o.metadata.resourceVersion,
    ]),
  );
}

/** Creates namespace "models" and deploys the sklearn example into it as "iris". */
async function deployIris(cache: string, extra: string[] = []) {
  await kubectlOk(["create", "namespace", "models"]);
  return await runPlugin(["deploy", "iris", "-n", "models", ...SKLEARN, ...extra], {
    env: pluginEnv(cache),
  });
}

/** No webhook configuration or CRD whose name matches `names` is left, nor the kserve namespace. */
async function assertRemoved(names: RegExp): Promise<void> {
  const left = await kubectlOk([
    "get",
    "crd,validatingwebhookconfigurations,mutatingwebhookconfigurations",
    "-o",
    "name",
  ]);
  assert.doesNotMatch(left, names);
  assert.notEqual((await kubectl(["get", "namespace", "kserve"])).code, 0);
}

for (const version of ["v0.16.0", "v0.20.0"]) {
  Deno.test(`install --mode raw ${version}: check passes, a model serves, and a re-run changes nothing`, async () => {
    await resetCluster();
    await using cache = await tempDir();
    const first = await install(["--version", version, "--manifests", FIXTURES], cache.path);
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stderr,
      new RegExp(`KServe ${version} is installed; default deployment mode Standard`),
    );

    // Done means cainjector has also given the conversion webhooks their CA (v0.20's LLM CRDs).
    for (const crd of ["llminferenceservices", "llminferenceserviceconfigs"]) {
      const { spec } = await kubectlJson<
        {
          spec: {
            conversion?: { strategy: string; webhook?: { clientConfig?: { caBundle?: string } } };
          };
        }
      >(["get", "crd", `${crd}.serving.kserve.io`, "-o", "json"]);
      if (spec.conversion?.strategy === "Webhook") {
        assert.ok(spec.conversion.webhook?.clientConfig?.caBundle, `${crd}: caBundle is empty`);
      }
    }

    const check = await runCheck([], adminKubeconfig());
    assert.deepEqual(check.failed, [], JSON.stringify(check.report, null, 2));
    assert.equal(check.code, 0);
    assert.equal(check.report.kserveVersion, version);

    const deployed = await deployIris(cache.path, ["--wait", "--timeout", "2m"]);
    assert.equal(deployed.code, 0, deployed.stderr);
    // No Istio here: VirtualServices are off, so v0.20 does not warn about every model.
    assert.equal((await kserveConfigJson("ingress")).disableIstioVirtualHost, true);
    const reasons = await kubectlOk(
      ["get", "events", "-n", "models", "-o", "jsonpath={.items[*].reason}"],
    );
    assert.doesNotMatch(reasons, /VirtualServiceCRDNotFound/);

    const before = await versions();
    const again = await install(
      ["--version", version, "--manifests", FIXTURES, "-o", "json"],
      cache.path,
    );
    assert.equal(again.code, 0, again.stderr);
    const report = JSON.parse(again.stdout);
    for (const component of report.components) {
      assert.equal(
        component.created + component.changed,
        0,
        `${component.name} changed on a re-run: ${JSON.stringify(component)}`,
      );
    }
    const after = await versions();
    const changed = [...before].filter(([key, rv]) =>
      after.get(key) !== rv && !key.includes("/models/")
    );
    assert.deepEqual(changed, [], "a re-run must not change any object's resourceVersion");

    if (version === "v0.20.0") {
      const older = await install(["--version", "v0.16.0", "--manifests", FIXTURES], cache.path);
      assert.equal(older.code, 1, older.stderr);
      assert.match(older.stderr, /KServe v0\.20\.0 is installed; installing the older v0\.16\.0/);
      const untouched = await versions();
      assert.deepEqual(
        [...after].filter(([key, rv]) => untouched.get(key) !== rv && !key.includes("/models/")),
        [],
        "a refused downgrade changes nothing",
      );
    }

    // Uninstall, with the controller running: v0.20's webhook refuses deleting its well-known
    // LLMInferenceServiceConfigs one by one, so they must go with their CRD.
    const model = await runPlugin(["delete", "iris", "-n", "models"], {
      env: pluginEnv(cache.path),
    });
    assert.equal(model.code, 0, model.stderr);
    const removed = await runPlugin(["uninstall", "--yes", "--timeout", "2m"], {
      env: pluginEnv(cache.path),
    });
    assert.equal(removed.code, 0, removed.stderr);
    await assertRemoved(/serving\.kserve\.io/);

    if (version === "v0.20.0") {
      // Its cert-manager v1.18.0 stays; installing v0.16.0 (which pins v1.16.1) must not
      // downgrade it.
      const older = await install(
        ["--version", "v0.16.0", "--manifests", FIXTURES, "--dry-run=server", "-o", "json"],
        cache.path,
      );
      assert.equal(older.code, 0, older.stderr);
      const certManager = JSON.parse(older.stdout).components[0];
      assert.deepEqual([certManager.name, certManager.version], ["cert-manager", "v1.18.0"]);
      assert.match(certManager.skipped, /newer than the v1\.16\.1 this release pins/);
    }
  });
}

Deno.test("install --dry-run=client and --dry-run=server leave the cluster untouched", async () => {
  await resetCluster();
  await using cache = await tempDir();
  const client = await install(["--dry-run=client", "--manifests", FIXTURES], cache.path);
  assert.equal(client.code, 0, client.stderr);
  assert.match(client.stdout, /Install plan: KServe v0\.20\.0, default deployment mode Standard/);
  const yaml = await install(
    ["--dry-run=client", "-o", "yaml", "--manifests", FIXTURES],
    cache.path,
  );
  assert.match(yaml.stdout, /name: inferenceservice-config/);
  const server = await install(["--dry-run=server", "--manifests", FIXTURES], cache.path);
  assert.equal(server.code, 0, server.stderr);
  assert.notEqual((await kubectl(["get", "namespace", "kserve"])).code, 0);
  assert.notEqual((await kubectl(["get", "crd", "inferenceservices.serving.kserve.io"])).code, 0);
  assert.notEqual((await kubectl(["get", "namespace", "cert-manager"])).code, 0);
});

Deno.test("install refuses, before changing anything, a user who may not create what it installs", async () => {
  await resetCluster();
  await using cache = await tempDir();
  await using kubeconfig = await editorKubeconfig();
  const result = await runPlugin(["install", "--manifests", FIXTURES], {
    env: { KUBECONFIG: kubeconfig.path, XDG_CACHE_HOME: cache.path },
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /Cannot install: Missing permissions: create namespaces/);
  assert.notEqual(
    (await kubectl(["get", "namespace", "cert-manager"])).code,
    0,
    "nothing was created",
  );
});

Deno.test("an install killed part-way converges when run again", async () => {
  await resetCluster();
  await using cache = await tempDir();
  const env = pluginEnv(cache.path);
  for (const afterMs of [1500, 5000, 12000]) {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../../main.ts", import.meta.url).pathname,
        "install",
        "--manifests",
        FIXTURES,
      ],
      env: { ...Deno.env.toObject(), ...env },
      stdout: "null",
      stderr: "null",
    }).spawn();
    await new Promise((r) => setTimeout(r, afterMs));
    try {
      child.kill("SIGKILL");
    } catch { /* it finished already */ }
    await child.status;
  }
  const finished = await install(["--manifests", FIXTURES], cache.path);
  assert.equal(finished.code, 0, finished.stderr);
  const check = await runCheck([], adminKubeconfig());
  assert.deepEqual(check.failed, []);
});

Deno.test("uninstall with an InferenceService left and the controller gone finishes, leaving nothing", async () => {
  await resetCluster();
  await using cache = await tempDir();
  assert.equal(
    (await install(["--version", "v0.16.0", "--manifests", FIXTURES], cache.path)).code,
    0,
  );
  const deployed = await deployIris(cache.path);
  assert.equal(deployed.code, 0, deployed.stderr);
  const refused = await runPlugin(["uninstall", "--yes"], { env: pluginEnv(cache.path) });
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /Refusing to uninstall: 1 model object\(s\) exist: InferenceService models\/iris/,
  );

  await kubectlOk(["delete", "deployment", "kserve-controller-manager", "-n", "kserve"]);
  const started = Date.now();
  const removed = await runPlugin([
    "uninstall",
    "--yes",
    "--force",
    "--with-cert-manager",
    "--timeout",
    "90s",
  ], { env: pluginEnv(cache.path) });
  assert.equal(removed.code, 0, removed.stderr);
  assert.ok(Date.now() - started < 100_000);
  await assertRemoved(/serving\.kserve\.io|cert-manager/);
  const roles = await kubectlOk(["get", "roles,rolebindings", "-n", "kube-system", "-o", "name"]);
  assert.doesNotMatch(roles, /cert-manager/);
  await resetCluster();
});

Deno.test("switching an install from raw to serverless and back flips the default mode and says so", async () => {
  await resetCluster();
  await using cache = await tempDir();
  assert.equal(
    (await install(["--version", "v0.16.0", "--manifests", FIXTURES], cache.path)).code,
    0,
  );
  const serverless = await install([
    "--version",
    "v0.16.0",
    "--mode",
    "serverless",
    "--manifests",
    FIXTURES,
  ], cache.path);
  assert.equal(serverless.code, 0, serverless.stderr);
  assert.match(serverless.stderr, /Switching the default deployment mode from Standard to Knative/);
  assert.match(
    serverless.stderr,
    /Existing InferenceServices keep the mode they were created with/,
  );
  const network = await kubectlJson<{ data: Record<string, string> }>([
    "get",
    "configmap",
    "config-network",
    "-n",
    "knative-serving",
    "-o",
    "json",
  ]);
  assert.equal(network.data["ingress-class"], "kourier.ingress.networking.knative.dev");
  const ingress = await kserveConfigJson("ingress");
  assert.equal(ingress.disableIstioVirtualHost, true);
  assert.equal(
    ingress.ingressGateway,
    "knative-serving/knative-ingress-gateway",
  );
  assert.deepEqual((await runCheck([], adminKubeconfig())).failed, []);

  const raw = await install(["--version", "v0.16.0", "--manifests", FIXTURES], cache.path);
  assert.equal(raw.code, 0, raw.stderr);
  assert.match(raw.stderr, /Switching the default deployment mode from Knative to Standard/);
  assert.equal((await kserveConfigJson("deploy")).defaultDeploymentMode, "Standard");
  await resetCluster();
});
