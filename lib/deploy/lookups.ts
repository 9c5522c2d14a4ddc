/**
 * Every read `deploy` needs before it applies, started together so that they cost one round
 * trip instead of six. Each is awaited where it is used; an unused one fails quietly.
 */
import type { Kube } from "../kube/client.ts";
import type { ResourceMap } from "../kube/resources.ts";
import { findKServe, type KServeInstall } from "../kserve/detect.ts";
import { readRuntimes, type ServingRuntime } from "../kserve/serving_runtimes.ts";

export interface DeployLookups {
  kserve: Promise<KServeInstall>;
  namespace: Promise<
    { metadata: { labels?: Record<string, string>; deletionTimestamp?: string } } | undefined
  >;
  /** Namespaced ServingRuntimes first, then ClusterServingRuntimes; empty without KServe. */
  runtimes: Promise<ServingRuntime[] | undefined>;
}

export function startLookups(
  kube: Kube,
  resources: ResourceMap,
  /** `apiVersions`: of the objects about to be applied, whose discovery is started here. */
  target: { namespace: string; apiVersions: string[] },
): DeployLookups {
  const { namespace } = target;
  // Discovery for the objects about to be applied, so that resolving their paths is free later.
  resources.warm(target.apiVersions);
  const lookups: DeployLookups = {
    kserve: findKServe(kube),
    namespace: kube.getOptional(`/api/v1/namespaces/${namespace}`),
    runtimes: readRuntimes((path) => kube.getOptional(path), namespace),
  };
  for (const pending of Object.values(lookups)) (pending as Promise<unknown>).catch(() => {});
  return lookups;
}
