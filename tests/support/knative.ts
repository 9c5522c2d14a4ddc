/** A test cluster with KServe in Knative mode on Knative Serving's real controllers. */
import { adminKubeconfig, kubectlJson, kubectlOk, type Obj, tempDir } from "./cluster.ts";
import { FIXTURES } from "./fixtures.ts";
import { installKServe } from "./kserve.ts";
import { runPlugin } from "./plugin.ts";

/** The registries Knative leaves as tagged (its default list, and the test registry). */
const SKIPPING_TAG_RESOLVING = "kind.local,ko.local,dev.local,kubectl-kserve.test";

/**
 * `install --mode serverless` of KServe `version` from the fixtures (two minutes a request:
 * v0.20.0's CRDs take the API server longer than its own minute on a loaded machine), and
 * Knative told not to resolve the test registry's tags to digests: that registry does not
 * exist (an image of any other registry still fails as on a cluster that cannot fetch it).
 */
export async function installServerless(version: string): Promise<void> {
  await installKServe(
    ["--version", version, "--mode", "serverless", "--manifests", FIXTURES]
      .concat(["--request-timeout", "2m"]),
  );
  await kubectlOk(
    ["patch", "configmap", "config-deployment", "-n", "knative-serving", "--type=merge", "-p"]
      .concat([JSON.stringify({
        data: { "registries-skipping-tag-resolving": SKIPPING_TAG_RESOLVING },
      })]),
  );
}

/** The smallest Knative Service (JSON), for kubectl's dry runs through Knative's webhooks. */
export const SMALLEST_KNATIVE_SERVICE = JSON.stringify({
  apiVersion: "serving.knative.dev/v1",
  kind: "Service",
  metadata: { name: "probe", namespace: "default" },
  spec: { template: { spec: { containers: [{ image: "ghcr.io/knative/helloworld-go:latest" }] } } },
});

/** install's arguments for `version` in serverless mode from the fixtures. */
export const serverlessArgs = (version: string) => [
  "--version",
  version,
  "--mode",
  "serverless",
  "--manifests",
  FIXTURES,
  "--request-timeout",
  "2m",
];

/** `install` of `version` in serverless mode within `timeout`, with its exit code and output. */
export async function installServerlessWithin(version: string, timeout: string) {
  await using cache = await tempDir();
  return await runPlugin(["install", ...serverlessArgs(version), "--timeout", timeout], {
    env: { KUBECONFIG: adminKubeconfig(), XDG_CACHE_HOME: cache.path },
  });
}

/** Percent by revision name of a Knative traffic list (a revision named twice adds up). */
export function sharesOf(traffic: Obj[] | undefined): Record<string, number> {
  const shares: Record<string, number> = {};
  for (const target of traffic ?? []) {
    shares[target.revisionName] = (shares[target.revisionName] ?? 0) + (target.percent ?? 0);
  }
  return shares;
}

/**
 * Where traffic goes, read from the cluster: the InferenceService's status.components.predictor
 * and the Knative Route's status.traffic, by revision.
 */
export async function trafficOf(name: string, namespace: string) {
  const [isvc, route] = await Promise.all([
    kubectlJson<Obj>(["get", "isvc", name, "-n", namespace]),
    kubectlJson<Obj>(["get", "routes.serving.knative.dev", `${name}-predictor`, "-n", namespace]),
  ]);
  const predictor: Obj = isvc.status?.components?.predictor ?? {};
  return {
    isvc,
    predictor,
    shares: sharesOf(predictor.traffic),
    route: sharesOf(route.status?.traffic),
  };
}
