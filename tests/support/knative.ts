/** A test cluster with KServe in Knative mode on Knative Serving's real controllers. */
import { kubectlJson, kubectlOk, type Obj } from "./cluster.ts";
import { FIXTURES } from "./fixtures.ts";
import { installKServe } from "./kserve.ts";

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
