/** install and uninstall: dry runs, refusals, interruptions, leftovers and mode switches. */
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
import { kserveConfigJson } from "../support/kserve.ts";
import { assertRemoved, deployIris, install, pluginEnv } from "../support/install.ts";
import { assertUnchangedBy } from "../support/snapshot.ts";

Deno.test("install --dry-run=client and --dry-run=server leave the cluster untouched", async () => {
  await resetCluster();
  await using cache = await tempDir();
  const client = await install(["--dry-run=client", "--manifests", FIXTURES], cache.path);
  assert.equal(client.code, 0, client.stderr);
  assert.match(client.stdout, /Install plan: KServe v0\.20\.0, default deployment mode Standard/);
  assert.match(
    client.stdout,
    /then restart kserve-controller-manager if it started before Knative Serving's CRD existed/,
  );
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
  const result = await assertUnchangedBy(
    "an install the user may not make",
    () =>
      runPlugin(["install", "--manifests", FIXTURES], {
        env: { KUBECONFIG: kubeconfig.path, XDG_CACHE_HOME: cache.path },
      }),
  );
  assert.equal(result.code, 1);
  assert.match(result.stderr, /Cannot install: Missing permissions: create namespaces/);
});

/** `kubectl get ... -o jsonpath=...` as text, "" when it does not exist yet. */
async function jsonpath(args: string[], path: string): Promise<string> {
  const result = await kubectl([...args, "-o", `jsonpath=${path}`]);
  return result.success ? result.stdout.trim() : "";
}

/**
 * Starts an install and SIGKILLs it at the moment `reached` first holds (polled every 100 ms).
 * Fails unless the install was really interrupted there: still running when killed, killed by
 * the signal, and without its final "is installed" line.
 */
async function killWhen(
  env: Record<string, string>,
  what: string,
  reached: () => Promise<boolean>,
  options: { mayFinish?: boolean } = {},
): Promise<boolean> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../../main.ts", import.meta.url).pathname,
      "install",
      "--manifests",
      FIXTURES,
    ],
    // XDG_CACHE_HOME moves the manifest cache; Deno's own cache (offline here) stays put.
    env: {
      ...Deno.env.toObject(),
      ...env,
      NO_COLOR: "1",
      DENO_DIR: Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`,
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let exited = false;
  const status = child.status.then((s) => (exited = true, s));
  const deadline = Date.now() + 120_000;
  while (!exited && !(await reached())) {
    assert.ok(Date.now() < deadline, `never observed: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (exited && options.mayFinish) {
    await child.output();
    return false;
  }
  assert.equal(exited, false, `the install finished before: ${what}`);
  child.kill("SIGKILL");
  const { signal } = await status;
  assert.equal(signal, "SIGKILL", `killed at: ${what}`);
  const output = new TextDecoder().decode((await child.output()).stderr);
  assert.doesNotMatch(output, /is installed; default deployment mode/, what);
  return true;
}

/** Runs `kubectl ARGS` (a watch) until stopped; `seen` turns true with its first output line. */
function watchFirst(args: string[]): { seen: boolean; stop(): Promise<void> } {
  const child = new Deno.Command("kubectl", { args, stdout: "piped", stderr: "null" }).spawn();
  const reading = child.stdout.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({
      write(chunk) {
        if (chunk.trim()) state.seen = true;
      },
    }),
  ).catch(() => {});
  const state = {
    seen: false,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
      await reading;
    },
  };
  return state;
}

Deno.test("an install killed at observed points (CRDs Established, cert-manager Available, runtimes) converges when run again", async () => {
  await resetCluster();
  await using cache = await tempDir();
  const env = pluginEnv(cache.path);
  await killWhen(
    env,
    "the first CRDs are Established",
    async () =>
      await jsonpath(
        ["get", "crd", "certificates.cert-manager.io"],
        '{.status.conditions[?(@.type=="Established")].status}',
      ) === "True",
  );
  assert.equal(
    await jsonpath(["get", "clusterservingruntimes"], "{.items[*].metadata.name}"),
    "",
    "half-installed: no runtimes yet",
  );
  await killWhen(
    env,
    "cert-manager is Available",
    async () =>
      await jsonpath(
        ["get", "deployment", "cert-manager-webhook", "-n", "cert-manager"],
        '{.status.conditions[?(@.type=="Available")].status}',
      ) === "True",
  );
  assert.equal(
    await jsonpath(["get", "clusterservingruntimes"], "{.items[*].metadata.name}"),
    "",
    "half-installed: no runtimes yet",
  );
  // The runtimes are the last phase and take well under a second: a watch sees the first one
  // as it is created, where polling kubectl (100 ms a call) could miss the whole phase. On a
  // loaded machine the install may still finish first: then the runtimes are deleted (the
  // install half done again) and the kill is tried again.
  for (let attempt = 1;; attempt++) {
    const runtimes = watchFirst(["get", "clusterservingruntimes", "--watch", "-o", "name"]);
    const killed = await killWhen(
      env,
      "the runtimes are being applied",
      () => Promise.resolve(runtimes.seen),
      { mayFinish: attempt < 3 },
    );
    await runtimes.stop();
    if (killed) break;
    await kubectlOk(["delete", "clusterservingruntimes", "--all"]);
  }

  const finished = await install(["--manifests", FIXTURES], cache.path);
  assert.equal(finished.code, 0, finished.stderr);
  const check = await runCheck([], adminKubeconfig());
  assert.deepEqual(check.failed, [], JSON.stringify(check.report.categories, null, 1));
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
  const refused = await assertUnchangedBy(
    "an uninstall refused for a model",
    () => runPlugin(["uninstall", "--yes"], { env: pluginEnv(cache.path) }),
  );
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /Refusing to uninstall: 1 model object\(s\) exist: InferenceService models\/iris/,
  );
  // The hint names the command for this model, with its namespace (hints_test parses it).
  assert.match(refused.stderr, /hint: Delete them first \(kubectl kserve delete iris -n models\)/);

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
