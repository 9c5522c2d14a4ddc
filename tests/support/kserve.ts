/** Putting KServe into the states the e2e tests need: installed, reconfigured, scaled. */
import assert from "node:assert/strict";
import {
  adminKubeconfig,
  kubectlJson,
  kubectlOk,
  resetCluster,
  tempDir,
  withNamespace,
} from "./cluster.ts";
import { FIXTURES } from "./fixtures.ts";
import { type PluginResult, runPlugin } from "./plugin.ts";

/** Flags of KServe's first-model example: an sklearn iris classifier. */
export const SKLEARN = [
  "--model-format",
  "sklearn",
  "--storage-uri",
  "gs://kfserving-examples/models/sklearn/1.0/model",
];

/**
 * The test-only model server the pod runner plays (tests/doubles/model_server.ts): KServe's v1
 * and v2 protocols, class = round(sum of features) mod 3. `--image` puts it behind a model.
 */
export const MODEL_SERVER_IMAGE = "kubectl-kserve.test/model-server:v1";

/** The API server's own answer when a request outlives its timeout (a loaded machine). */
const SERVER_TIMEOUT = /Timeout: request did not complete within requested timeout/;

/**
 * `kubectl kserve install ARGS` from the fixtures, with a private manifest cache; asserts success.
 * An install the API server timed out is run once more (the test machine runs several clusters
 * on two cores, and an interrupted install converges when run again, as README says).
 */
export async function installKServe(args: string[] = []): Promise<PluginResult> {
  await using cache = await tempDir();
  const run = () =>
    runPlugin(["install", "--manifests", FIXTURES, "--timeout", "4m", ...args], {
      env: { KUBECONFIG: adminKubeconfig(), XDG_CACHE_HOME: cache.path },
    });
  let result = await run();
  if (result.code !== 0 && SERVER_TIMEOUT.test(result.stderr)) result = await run();
  assert.equal(result.code, 0, result.stderr);
  return result;
}

/**
 * Runs `fn` in a new namespace on a reset cluster with KServe installed from the fixtures (two
 * minutes a request: other clusters share the machine's cores), and resets the cluster after,
 * for the other test files. Logs each phase's time.
 */
export async function withKServe<T>(prefix: string, fn: (ns: string) => Promise<T>): Promise<T> {
  const say = (msg: string) => console.log(`    ${msg}`);
  try {
    say(`cluster reset in ${(await resetCluster()).toFixed(1)}s`);
    const start = Date.now();
    await installKServe(["--request-timeout", "2m"]);
    say(`install took ${((Date.now() - start) / 1000).toFixed(1)}s`);
    return await withNamespace(prefix, fn);
  } finally {
    say(`cluster reset in ${(await resetCluster()).toFixed(1)}s`);
  }
}

/**
 * Replaces one JSON value of inferenceservice-config, as a careless `kubectl patch` would; a
 * string is written as it is (a hand edit that broke the JSON, say).
 */
export async function patchKServeConfig(key: string, value: object | string): Promise<void> {
  await kubectlOk([
    "patch",
    "configmap",
    "inferenceservice-config",
    "-n",
    "kserve",
    "--type",
    "merge",
    "-p",
    JSON.stringify({
      data: { [key]: typeof value === "string" ? value : JSON.stringify(value) },
    }),
  ]);
}

/** One JSON value of inferenceservice-config, parsed. */
export async function kserveConfigJson(key: string): Promise<Record<string, unknown>> {
  const cm = await kubectlJson<{ data: Record<string, string> }>([
    "get",
    "configmap",
    "inferenceservice-config",
    "-n",
    "kserve",
    "-o",
    "json",
  ]);
  return JSON.parse(cm.data[key]!);
}

/** The deployment-mode annotation an InferenceService was created with. */
export async function deploymentModeOf(name: string, namespace: string): Promise<string> {
  const isvc = await kubectlJson<{ metadata: { annotations: Record<string, string> } }>([
    "get",
    "isvc",
    name,
    "-n",
    namespace,
    "-o",
    "json",
  ]);
  return isvc.metadata.annotations["serving.kserve.io/deploymentMode"]!;
}

/**
 * The KServe controller's pods, as far as `T` reads them; not those being deleted (after a
 * restart the old pod stays Terminating until its process has stopped, as under a kubelet).
 */
export async function kserveControllerPods<T>(): Promise<T[]> {
  const pods = await kubectlJson<{ items: (T & { metadata?: { deletionTimestamp?: string } })[] }>(
    ["get", "pods", "-n", "kserve", "-l", "control-plane=kserve-controller-manager", "-o", "json"],
  );
  return pods.items.filter((pod) => !pod.metadata?.deletionTimestamp);
}

/** Scales the KServe controller; scaling up waits until it is rolled out again. */
export async function scaleController(replicas: number): Promise<void> {
  await kubectlOk([
    "scale",
    "deployment/kserve-controller-manager",
    "-n",
    "kserve",
    `--replicas=${replicas}`,
  ]);
  if (replicas > 0) {
    await kubectlOk([
      "rollout",
      "status",
      "deployment/kserve-controller-manager",
      "-n",
      "kserve",
      "--timeout=90s",
    ]);
  }
}

/**
 * Replaces one field of KServe's validating webhook configuration (as an admin's `kubectl patch`
 * would): `path` is a JSON pointer such as /webhooks/0/clientConfig/caBundle.
 */
export async function patchKServeWebhook(path: string, value: string): Promise<void> {
  await kubectlOk([
    "patch",
    "validatingwebhookconfiguration",
    "inferenceservice.serving.kserve.io",
    "--type",
    "json",
    "-p",
    JSON.stringify([{ op: "replace", path, value }]),
  ]);
}

/** An InferenceService for `kubectl apply` (JSON): a model of `format` at a bucket URI. */
export function inferenceServiceJson(
  metadata: { name: string; namespace: string; finalizers?: string[] },
  format = "sklearn",
): string {
  return JSON.stringify({
    apiVersion: "serving.kserve.io/v1beta1",
    kind: "InferenceService",
    metadata,
    spec: {
      predictor: { model: { modelFormat: { name: format }, storageUri: "gs://bucket/model" } },
    },
  });
}

/** ca.crt of KServe's webhook certificate (base64): a real CA, and not llmisvc's. */
export function kserveWebhookCa(): Promise<string> {
  return kubectlOk(
    [
      "get",
      "secret",
      "kserve-webhook-server-cert",
      "-n",
      "kserve",
      "-o",
      "jsonpath={.data.ca\\.crt}",
    ],
  );
}
