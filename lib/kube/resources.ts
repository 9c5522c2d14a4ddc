/** Maps apiVersion and kind to REST paths through API discovery, cached per group version. */
import { CliError } from "../errors.ts";
import type { Kube, KubeObject } from "./client.ts";

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

/** Resolves object URLs; call `forget()` after installing CRDs so new kinds are found. */
export class ResourceMap {
  readonly #kube: Kube;
  readonly #groups = new Map<string, Promise<ApiResource[] | undefined>>();

  constructor(kube: Kube) {
    this.#kube = kube;
  }

  /** Drops cached discovery for a group version (or all), so that new CRDs are seen. */
  forget(apiVersion?: string): void {
    if (apiVersion) this.#groups.delete(apiVersion);
    else this.#groups.clear();
  }

  /** Starts discovery of these group versions now, for paths resolved later. */
  warm(apiVersions: string[]): void {
    for (const apiVersion of apiVersions) this.#resources(apiVersion).catch(() => {});
  }

  /** Whether the cluster serves this kind now. */
  async serves(apiVersion: string, kind: string): Promise<boolean> {
    return (await this.#resources(apiVersion))?.some((r) => r.kind === kind) ?? false;
  }

  /** Whether the cluster serves this resource (by its plural name, as discovery lists it) now. */
  async servesResource(apiVersion: string, resource: string): Promise<boolean> {
    return (await this.#resources(apiVersion))?.some((r) => r.name === resource) ?? false;
  }

  /** The collection path for a kind in a namespace (ignored for cluster-scoped kinds). */
  async collectionPath(apiVersion: string, kind: string, namespace?: string): Promise<string> {
    const resource = await this.#resource(apiVersion, kind);
    const prefix = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    if (!resource.namespaced) return `${prefix}/${resource.name}`;
    if (!namespace) throw new CliError(`${kind} objects need a namespace`);
    return `${prefix}/namespaces/${namespace}/${resource.name}`;
  }

  /** The object's own path. */
  async objectPath(object: KubeObject): Promise<string> {
    const collection = await this.collectionPath(
      String(object.apiVersion),
      String(object.kind),
      object.metadata?.namespace,
    );
    return `${collection}/${object.metadata?.name}`;
  }

  /** Whether a kind is namespaced. */
  async namespaced(apiVersion: string, kind: string): Promise<boolean> {
    return (await this.#resource(apiVersion, kind)).namespaced;
  }

  async #resource(apiVersion: string, kind: string): Promise<ApiResource> {
    const found = (await this.#resources(apiVersion))?.find((r) => r.kind === kind);
    if (!found) {
      throw new CliError(`The cluster does not serve ${kind} in ${apiVersion}`, {
        hint: "Its CRD is not installed or not yet Established",
      });
    }
    return found;
  }

  #resources(apiVersion: string): Promise<ApiResource[] | undefined> {
    let cached = this.#groups.get(apiVersion);
    if (!cached) {
      const path = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      cached = this.#kube.getOptional<{ resources: ApiResource[] }>(path)
        .then((list) => list?.resources.filter((r) => !r.name.includes("/")));
      this.#groups.set(apiVersion, cached);
      // A failed lookup must not stick: the next call asks again.
      cached.catch(() => this.#groups.delete(apiVersion));
    }
    return cached;
  }
}
