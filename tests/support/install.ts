/** Helpers for the install and uninstall tests: the plugin with a private manifest cache, and checks. */
import assert from "node:assert/strict";
import { adminKubeconfig, kubectl, kubectlOk } from "./cluster.ts";
import { runPlugin } from "./plugin.ts";
import { SKLEARN } from "./kserve.ts";

/** A private manifest cache per test, so a cached copy never hides what the test is about. */
export function pluginEnv(cache: string): Record<string, string> {
  return { KUBECONFIG: adminKubeconfig(), XDG_CACHE_HOME: cache };
}

export async function install(args: string[], cache: string) {
  return await runPlugin(["install", "--timeout", "4m", ...args], { env: pluginEnv(cache) });
}

/** Creates namespace "models" and deploys the sklearn example into it as "iris". */
export async function deployIris(cache: string, extra: string[] = []) {
  await kubectlOk(["create", "namespace", "models"]);
  return await runPlugin(["deploy", "iris", "-n", "models", ...SKLEARN, ...extra], {
    env: pluginEnv(cache),
  });
}

/** No webhook configuration or CRD whose name matches `names` is left, nor the kserve namespace. */
export async function assertRemoved(names: RegExp): Promise<void> {
  const left = await kubectlOk([
    "get",
    "crd,validatingwebhookconfigurations,mutatingwebhookconfigurations",
    "-o",
    "name",
  ]);
  assert.doesNotMatch(left, names);
  assert.notEqual((await kubectl(["get", "namespace", "kserve"])).code, 0);
}
