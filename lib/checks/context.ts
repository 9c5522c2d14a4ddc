/**
 * What checks share: the client and a per-run cache, so that no object or list is fetched
 * twice however many checks read it.
 */
import { KSERVE, KSERVE_OBJECTS } from "../defaults.ts";
import type { Kube } from "../kube/client.ts";
import type { Deployment, ObjectMeta } from "../kube/objects.ts";
import { KubeApiError } from "../kube/errors.ts";
import {
  confirmHelmOwner,
  type DetectedObject,
  findKServe,
  kserveFrom,
  type KServeInstall,
  withDeletingCrd,
} from "../kserve/detect.ts";
import { resolveHint } from "../kserve/hints.ts";
import type { CheckResult } from "./check_types.ts";
import { defaultDeploymentMode } from "../kserve/config.ts";
import type { CheckMode } from "../options.ts";

export interface CheckOptions {
  mode?: CheckMode;
  /** The KServe version an install is about to apply (pre checks); the default one otherwise. */
  installVersion?: string;
  /** Namespace for model checks; set by -n. */
  modelNamespace?: string;
  allNamespaces?: boolean;
  /** install --force: an install of another owner may be taken over (never Kubeflow's). */
  takeOver?: boolean;
}

/** The KServe installation as `check` sees it (lib/kserve/detect.ts decides). */
export type KServeFacts = KServeInstall;

export class CheckContext {
  readonly kube: Kube;
  readonly options: CheckOptions;
  readonly #cache = new Map<string, Promise<unknown>>();

  constructor(kube: Kube, options: CheckOptions) {
    this.kube = kube;
    this.options = options;
  }

  /** GETs once per run; undefined on 404. T names the shape read (unknown when only existence matters). */
  get<T = unknown>(path: string, query: Record<string, string> = {}): Promise<T | undefined> {
    return this.once(
      `${path}?${new URLSearchParams(query)}`,
      () => this.kube.getOptional<T>(path, { query }),
    );
  }

  /**
   * Runs `fetch` once per run under `key`. A caller may start it early, before any check needs
   * it; a failure then surfaces in the check that awaits it, never as an unhandled rejection.
   */
  once<T>(key: string, fetch: () => Promise<T>): Promise<T> {
    let cached = this.#cache.get(key) as Promise<T> | undefined;
    if (!cached) {
      cached = fetch();
      cached.catch(() => {});
      this.#cache.set(key, cached);
    }
    return cached;
  }

  /** A collection's items, fetched once per run; empty when the API is not served. */
  async list<T = unknown>(path: string, query: Record<string, string> = {}): Promise<T[]> {
    return (await this.get<{ items: T[] }>(path, query))?.items ?? [];
  }

  /**
   * Deployments in one namespace or the whole cluster, selected by labels on the server: a
   * platform cluster holds thousands of Deployments that are neither KServe's, cert-manager's
   * nor Knative's, and each check asks only for its own (each distinct request once per run).
   */
  deployments(
    filter: { namespace?: string; labels?: Record<string, string> } = {},
  ): Promise<Deployment[]> {
    const path = filter.namespace
      ? `/apis/apps/v1/namespaces/${filter.namespace}/deployments`
      : "/apis/apps/v1/deployments";
    const labels = Object.entries(filter.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(",");
    return this.list<Deployment>(path, labels ? { labelSelector: labels } : {});
  }

  /** Whether a resource is served, from API discovery (cheap, and only true once a CRD is Established). */
  async serves(groupVersion: string, resource: string): Promise<boolean> {
    const prefix = groupVersion.includes("/") ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
    try {
      const list = await this.get<{ resources: { name: string }[] }>(prefix);
      return list?.resources.some((r) => r.name === resource) ?? false;
    } catch (error) {
      // An API group that is not installed answers 404 (handled by get) or 503 while starting.
      if (error instanceof KubeApiError && error.status === 503) return false;
      throw error;
    }
  }

  /** The KServe installation, found from its controller Deployment or its config map. */
  kserve(): Promise<KServeFacts> {
    const key = "facts:kserve";
    let cached = this.#cache.get(key) as Promise<KServeFacts> | undefined;
    if (!cached) {
      cached = this.#findKServe();
      this.#cache.set(key, cached);
    }
    return cached;
  }

  async #findKServe(): Promise<KServeFacts> {
    try {
      return await this.#findKServeFromLists();
    } catch (error) {
      // A user who may not list cluster-wide: detection reads what they may (lib/kserve/detect.ts).
      if (error instanceof KubeApiError && error.status === 403) return await findKServe(this.kube);
      throw error;
    }
  }

  async #findKServeFromLists(): Promise<KServeFacts> {
    const [controllers, configMaps, group] = await Promise.all([
      this.deployments({ labels: Object.fromEntries([KSERVE.controllerSelector.split("=")]) }),
      this.list<DetectedObject>("/api/v1/configmaps", {
        fieldSelector: `metadata.name=${KSERVE_OBJECTS.configMap}`,
      }),
      this.get(`/apis/${KSERVE.apiGroup}`),
    ]);
    const namespace = controllers[0]?.metadata?.namespace ?? configMaps[0]?.metadata.namespace ??
      KSERVE.namespace;
    const home = await this.get<{ metadata?: { deletionTimestamp?: string } }>(
      `/api/v1/namespaces/${namespace}`,
    );
    const get = (path: string, query: Record<string, string>) => this.get(path, query);
    return await withDeletingCrd(
      await confirmHelmOwner(
        kserveFrom({
          controllers: controllers.filter(named),
          configMaps,
          apiServed: group !== undefined,
          home,
        }),
        get,
      ),
      get,
    );
  }
}

/** Whether a listed object has its name, as every object the API server lists does. */
function named<T extends { metadata?: ObjectMeta }>(
  object: T,
): object is T & { metadata: ObjectMeta & { name: string } } {
  return object.metadata?.name !== undefined;
}

/**
 * Fills the placeholders of every hint ({reapply}, {mode:raw}, {kserve-ns}...) with commands
 * that fit the install found: its owner's tool, its version, its namespace, its mode.
 */
export async function resolveHints(
  results: CheckResult[],
  ctx: CheckContext,
): Promise<CheckResult[]> {
  if (!results.some((r) => r.hint?.includes("{"))) return results;
  const kserve = await ctx.kserve().catch(() => undefined);
  const fallback: KServeInstall = {
    installed: false,
    namespace: KSERVE.namespace,
    apiServed: false,
  };
  const mode = defaultDeploymentMode(kserve?.configMap?.data);
  return results.map((r) =>
    r.hint ? { ...r, hint: resolveHint(r.hint, kserve ?? fallback, mode) } : r
  );
}
