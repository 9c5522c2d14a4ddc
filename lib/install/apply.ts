/**
 * Server-side apply of many objects, in parallel, reporting for each whether it was created,
 * changed or left unchanged (by comparing resourceVersions, so a no-op re-run is visible).
 */
import type { Kube, KubeObject } from "../kube/client.ts";
import { KubeApiError } from "../kube/errors.ts";
import type { ResourceMap } from "../kube/resources.ts";

export type Action = "created" | "changed" | "unchanged";

export interface Applied {
  kind: string;
  name: string;
  namespace?: string;
  action: Action;
}

const METADATA_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
const CONCURRENCY = 8;

/** Runs `work` over items with at most `limit` in flight. */
export async function inParallel<T, R>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Applies objects with server-side apply; `dryRun` asks the server to validate without persisting. */
export async function applyObjects(
  kube: Kube,
  resources: ResourceMap,
  objects: KubeObject[],
  options: { dryRun?: boolean; retry?: (error: unknown) => boolean; deadline?: number } = {},
): Promise<Applied[]> {
  const before = await currentVersions(kube, resources, objects);
  return await inParallel(objects, CONCURRENCY, async (object) => {
    const path = await resources.objectPath(object);
    const applied = await withRetry(
      () => kube.apply(path, object, { dryRun: options.dryRun }),
      options,
    );
    const previous = before.get(keyOf(object));
    const now = (applied.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    return {
      kind: String(object.kind),
      name: String(object.metadata?.name),
      ...(object.metadata?.namespace ? { namespace: object.metadata.namespace } : {}),
      action: previous === undefined ? "created" : previous === now ? "unchanged" : "changed",
    };
  });
}

/** Retries an operation while `retry` says the error is transient (a webhook still starting). */
export async function withRetry<T>(
  operation: () => Promise<T>,
  options: { retry?: (error: unknown) => boolean; deadline?: number },
): Promise<T> {
  for (let delay = 250;; delay = Math.min(delay * 2, 4000)) {
    try {
      return await operation();
    } catch (error) {
      const canRetry = options.retry?.(error) && Date.now() + delay < (options.deadline ?? 0);
      if (!canRetry) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** Errors that mean a webhook is not answering yet, not that the object is wrong. */
export function isWebhookStarting(error: unknown): boolean {
  return error instanceof KubeApiError &&
    /failed calling webhook|connection refused|no endpoints available|x509|context deadline exceeded/i
      .test(error.message);
}

/** resourceVersions of the objects that already exist, one metadata-only list per kind and namespace. */
async function currentVersions(
  kube: Kube,
  resources: ResourceMap,
  objects: KubeObject[],
): Promise<Map<string, string>> {
  const collections = new Map<string, { apiVersion: string; kind: string; namespace?: string }>();
  for (const object of objects) {
    const apiVersion = String(object.apiVersion);
    const kind = String(object.kind);
    if (!await resources.serves(apiVersion, kind)) continue; // its CRD arrives in this run
    const namespace = await resources.namespaced(apiVersion, kind)
      ? object.metadata?.namespace
      : undefined;
    collections.set(`${apiVersion}|${kind}|${namespace ?? ""}`, { apiVersion, kind, namespace });
  }
  const versions = new Map<string, string>();
  await inParallel(
    [...collections.values()],
    CONCURRENCY,
    async ({ apiVersion, kind, namespace }) => {
      const path = await resources.collectionPath(apiVersion, kind, namespace);
      const list = await kube.getOptional<
        { items: { metadata: { name: string; namespace?: string; resourceVersion: string } }[] }
      >(
        path,
        { accept: METADATA_ONLY },
      );
      for (const item of list?.items ?? []) {
        versions.set(
          keyOf({
            apiVersion,
            kind,
            metadata: { name: item.metadata.name, namespace: item.metadata.namespace },
          }),
          item.metadata.resourceVersion,
        );
      }
    },
  );
  return versions;
}

function keyOf(object: KubeObject): string {
  return `${object.kind}|${object.metadata?.namespace ?? ""}|${object.metadata?.name}`;
}
