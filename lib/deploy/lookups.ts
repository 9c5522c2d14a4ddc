/**
 * Every read `deploy` needs before it applies, started together so that they cost one round
 * trip instead of six. Each is awaited where it is used; an unused one fails quietly.
 */
import { KSERVE } from "../defaults.ts";
import type { Kube, KubeObject } from "../kube/client.ts";
import type { ResourceMap } from "../kube/resources.ts";
import { findKServe, type KServeInstall } from "../kserve/detect.ts";
import { BACKEND_LABEL } from "./spec.ts";
import type { ServingRuntime } from "./runtimes.ts";
import type { Backend } from "../options.ts";

export interface DeployLookups {
  kserve: Promise<KServeInstall>;
  namespace: Promise<
    { metadata: { labels?: Record<string, string>; deletionTimestamp?: string } } | undefined
  >;
  /** Which backends already hold a model of this name, and whether it is being deleted. */
  existing: Promise<ExistingModel>;
  /** Namespaced ServingRuntimes first, then ClusterServingRuntimes; empty without KServe. */
  runtimes: Promise<ServingRuntime[] | undefined>;
}

/** What already holds the model's name. */
export interface ExistingModel {
  kserve: boolean;
  /** A Deployment of this tool's deployment backend. */
  deployment: boolean;
  deleting: boolean;
  /** That Deployment's spec.replicas (the HPA's choice), kept by a re-deploy. */
  replicas?: number;
  /** metadata.generation of each backend's object, when it exists: an apply that leaves it the same changed no spec. */
  generation: { kserve?: number; deployment?: number };
  /**
   * The objects of this name a deploy may write, as they are before it: the InferenceService
   * and the Deployment, plus the Service and HPA unless the backend is kserve. A re-deploy
   * compares what it wrote with them (`unchangedBy`).
   */
  live: KubeObject[];
}

export function startLookups(
  kube: Kube,
  resources: ResourceMap,
  target: { namespace: string; name: string; backend?: Backend },
): DeployLookups {
  const { namespace, name } = target;
  const kserveApi = `/apis/${KSERVE.apiGroup}`;
  // Discovery for the objects about to be applied, so that resolving their paths is free later.
  const groups = {
    kserve: [`${KSERVE.apiGroup}/v1beta1`],
    deployment: ["apps/v1", "v1", "autoscaling/v2"],
  };
  resources.warm(
    target.backend ? groups[target.backend] : [...groups.kserve, ...groups.deployment],
  );
  const lookups: DeployLookups = {
    kserve: findKServe(kube),
    namespace: kube.getOptional(`/api/v1/namespaces/${namespace}`),
    existing: Promise.all([
      kube.getOptional<KubeObject>(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`),
      // Without KServe's API this is a 404, so undefined; any other failure is an error.
      kube.getOptional<KubeObject>(
        `${kserveApi}/v1beta1/namespaces/${namespace}/inferenceservices/${name}`,
      ),
      ...(target.backend === "kserve" ? [] : [
        kube.getOptional<KubeObject>(`/api/v1/namespaces/${namespace}/services/${name}`),
        kube.getOptional<KubeObject>(
          `/apis/autoscaling/v2/namespaces/${namespace}/horizontalpodautoscalers/${name}`,
        ),
      ]),
    ]).then(([deployment, isvc, ...others]): ExistingModel => {
      const ours = (deployment?.metadata?.labels as Record<string, string> | undefined)
        ?.[BACKEND_LABEL] === "deployment";
      return {
        kserve: isvc !== undefined,
        deployment: ours,
        deleting: [isvc, ours ? deployment : undefined]
          .some((object) => object?.metadata?.deletionTimestamp !== undefined),
        replicas: ours ? (deployment?.spec as { replicas?: number })?.replicas : undefined,
        generation: {
          kserve: isvc?.metadata?.generation as number | undefined,
          deployment: ours ? deployment?.metadata?.generation as number | undefined : undefined,
        },
        live: [deployment, isvc, ...others].filter((o): o is KubeObject => o !== undefined),
      };
    }),
    runtimes: readRuntimes(kube, namespace),
  };
  for (const pending of Object.values(lookups)) (pending as Promise<unknown>).catch(() => {});
  return lookups;
}

/**
 * The ServingRuntimes of a namespace, then the ClusterServingRuntimes. A user with namespace
 * rights may not list ClusterServingRuntimes (403): then the runtimes are not known here
 * (undefined) and KServe itself decides; never "there are none". Without KServe's API: none.
 */
export function readRuntimes(kube: Kube, namespace: string): Promise<ServingRuntime[] | undefined> {
  const kserveApi = `/apis/${KSERVE.apiGroup}/v1alpha1`;
  return Promise.all([
    kube.getOptional<{ items: ServingRuntime[] }>(`${kserveApi}/clusterservingruntimes`),
    kube.getOptional<{ items: ServingRuntime[] }>(
      `${kserveApi}/namespaces/${namespace}/servingruntimes`,
    ),
  ]).then(
    ([cluster, namespaced]) => [...(namespaced?.items ?? []), ...(cluster?.items ?? [])],
    (error) => {
      if ((error as { status?: number }).status === 403) return undefined;
      throw error;
    },
  );
}
