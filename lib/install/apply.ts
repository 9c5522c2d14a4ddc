/**
 * Server-side apply of many objects, in parallel, reporting for each whether it was created,
 * changed or left unchanged. "Changed" means this tool's own apply changed something: its
 * managed-fields entry moved, which a controller updating status at the same moment cannot fake.
 */
import { quantityValue } from "../quantity.ts";
import { FIELD_MANAGER, TIMINGS } from "../defaults.ts";
import { type Kube, type KubeObject, METADATA_LIST } from "../kube/client.ts";
import { inParallel, retry } from "../async.ts";
import type { ResourceMap } from "../kube/resources.ts";
import { rawManifest } from "./manifest.ts";
import { namespaceToApply } from "./plan.ts";
import { appliedStamp } from "../kube/owner.ts";
import { isServerTimeout } from "../kube/errors.ts";

/** "replaced": deleted and created again, as an immutable field changes (a dry run only asks). */
export type Action = "created" | "changed" | "replaced" | "unchanged";

export interface Applied {
  kind: string;
  name: string;
  namespace?: string;
  action: Action;
  /**
   * The resourceVersion at which the object held only what this apply wrote (no other field
   * manager, so no controller had set any status yet): a wait can watch from it without a list.
   */
  pristineVersion?: string;
}

const CONCURRENCY = 8;

/**
 * Applies objects with server-side apply; `dryRun` asks the server to validate without
 * persisting. An object whose live state already holds every field we would set is not sent:
 * a re-run then writes nothing, even where a controller has since added fields of its own.
 */
export async function applyObjects(
  kube: Kube,
  resources: ResourceMap,
  objects: KubeObject[],
  options: {
    dryRun?: boolean;
    retry?: (error: unknown) => boolean;
    deadline?: number;
    /** Objects to delete and create again: an immutable field changes (objectKey). */
    replace?: Set<string>;
  } = {},
): Promise<Applied[]> {
  const live = await liveObjects(kube, resources, objects);
  return await inParallel(objects, CONCURRENCY, async (manifestObject) => {
    // Manifests may give cluster-scoped objects a namespace (kustomize does); the API ignores it.
    const scoped = await resources.namespaced(
      String(manifestObject.apiVersion),
      String(manifestObject.kind),
    );
    const current = live.get(
      keyOf(
        scoped
          ? manifestObject
          : { ...manifestObject, metadata: { ...manifestObject.metadata, namespace: undefined } },
      ),
    );
    const object = manifestObject.kind === "Namespace"
      ? namespaceToApply(manifestObject, current?.full)
      : manifestObject;
    const result = {
      kind: String(object.kind),
      name: String(object.metadata?.name),
      ...(object.metadata?.namespace ? { namespace: object.metadata.namespace } : {}),
    };
    if (current?.full && containsAll(current.full, desiredFields(object))) {
      return { ...result, action: "unchanged" as const };
    }
    const path = await resources.objectPath(object);
    const replacing = current !== undefined && options.replace?.has(keyOf(object)) === true;
    if (replacing && options.dryRun) {
      // The API server refuses the update itself ("cannot change roleRef"), and a create beside
      // the live object would be "already exists": the delete is what can be validated.
      await kube.delete(path, { dryRun: true });
      return { ...result, action: "replaced" as const };
    }
    if (replacing) {
      await replaceDelete(kube, path, options.deadline ?? Date.now() + TIMINGS.replaceMs);
    }
    // A server-side apply is idempotent: one the API server timed out (a loaded server and
    // KServe's 7 MB of CRDs) is sent again until the deadline.
    const applied = await retry(
      () =>
        kube.apply(path, rawManifest(object) ?? object, {
          dryRun: options.dryRun,
          metadataOnly: true,
        }),
      { ...options, retry: (error) => isServerTimeout(error) || (options.retry?.(error) ?? false) },
    );
    const action: Action = current === undefined
      ? "created"
      : replacing
      ? "replaced"
      : current.stamp === appliedStamp(applied)
      ? "unchanged"
      : "changed";
    const version = applied.metadata?.resourceVersion;
    const managers = (applied.metadata?.managedFields ?? []) as ManagedField[];
    const pristine = typeof version === "string" &&
      managers.every((f) => f.manager === FIELD_MANAGER);
    return { ...result, action, ...(pristine ? { pristineVersion: version } : {}) };
  });
}

/** Deletes an object that is about to be created again, and waits until it is gone. */
async function replaceDelete(kube: Kube, path: string, deadline: number): Promise<void> {
  await kube.delete(path).catch((error) => {
    if ((error as { status?: number }).status !== 404) throw error;
  });
  await retry(async () => {
    if (await kube.getOptional(path)) throw new Error(`${path} is still being deleted`);
  }, { retry: () => true, deadline, initialMs: 100 });
}

/**
 * The objects an apply would send (they are new, or their live state lacks something this
 * release sets), each with its live state when it exists. CRDs are left out: their live state
 * is read as metadata only, so their contents cannot be compared here.
 */
export async function pendingWrites(
  kube: Kube,
  resources: ResourceMap,
  objects: KubeObject[],
): Promise<{ object: KubeObject; live?: KubeObject }[]> {
  const candidates = objects.filter((o) => o.kind !== "CustomResourceDefinition");
  // A kind that cannot be listed now (a half-upgraded CRD whose conversion webhook is not
  // served yet) is left to the real apply, which runs after the new controllers start.
  const unlistable = new Set<string>();
  const live = await liveObjects(kube, resources, candidates, unlistable);
  const pending: { object: KubeObject; live?: KubeObject }[] = [];
  for (const object of candidates) {
    if (unlistable.has(String(object.kind))) continue;
    const scoped = await resources.serves(String(object.apiVersion), String(object.kind)) &&
      await resources.namespaced(String(object.apiVersion), String(object.kind));
    const current = live.get(
      keyOf(
        scoped ? object : { ...object, metadata: { ...object.metadata, namespace: undefined } },
      ),
    );
    if (current?.full && containsAll(current.full, desiredFields(object))) continue;
    pending.push({ object, ...(current?.full ? { live: current.full } : {}) });
  }
  return pending;
}

function isEmpty(value: unknown): boolean {
  return (Array.isArray(value) && value.length === 0) ||
    (!!value && typeof value === "object" && Object.keys(value).length === 0);
}

/** The parts of a manifest object that an apply sets (status is not applied). */
function desiredFields(object: KubeObject): KubeObject {
  // Items of a list carry no apiVersion and kind (typed lists), so those are not compared.
  const { status: _status, apiVersion: _apiVersion, kind: _kind, ...rest } = object;
  const { namespace: _namespace, ...metadata } = object.metadata ?? {};
  return { ...rest, metadata };
}

/**
 * Whether `live` has every field of `desired` with the same value (lists compared element-wise).
 * An empty list or map counts as present when missing, and quantities compare by value
 * ("4000m" equals "4"): Go controllers that rewrite an object produce both, and they mean the same.
 */
export function containsAll(live: unknown, desired: unknown): boolean {
  if (live === undefined && isEmpty(desired)) return true;
  if (Array.isArray(desired)) {
    return Array.isArray(live) && live.length === desired.length &&
      desired.every((d, i) => containsAll(live[i], d));
  }
  if (desired && typeof desired === "object") {
    if (!live || typeof live !== "object" || Array.isArray(live)) return false;
    return Object.entries(desired).every(([key, value]) =>
      value === null || value === undefined
        ? true
        : containsAll((live as Record<string, unknown>)[key], value)
    );
  }
  if (live === desired) return true;
  // Quantities come back canonical ("4000m" as "4", 6 as "6") once a Go client rewrites them.
  const [a, b] = [quantityValue(live), quantityValue(desired)];
  return a !== undefined && b !== undefined && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
}

interface ManagedField {
  manager?: string;
  operation?: string;
  time?: string;
  fieldsV1?: unknown;
}

/**
 * What already exists, one list per kind and namespace: full objects (to skip unneeded writes),
 * except CRDs, which are large and listed as metadata only.
 */
async function liveObjects(
  kube: Kube,
  resources: ResourceMap,
  objects: KubeObject[],
  /** Kinds whose list fails are recorded here instead of failing (the pre-check's choice). */
  unlistable?: Set<string>,
): Promise<Map<string, { stamp: string; full?: KubeObject }>> {
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
  const found = new Map<string, { stamp: string; full?: KubeObject }>();
  await inParallel(
    [...collections.values()],
    CONCURRENCY,
    async ({ apiVersion, kind, namespace }) => {
      const path = await resources.collectionPath(apiVersion, kind, namespace);
      const list = await kube.getOptional<
        { items: KubeObject[] }
      >(
        path,
        kind === "CustomResourceDefinition" ? { accept: METADATA_LIST } : {},
      ).catch((error) => {
        if (!unlistable) throw error;
        unlistable.add(kind);
        return undefined;
      });
      for (const item of list?.items ?? []) {
        found.set(keyOf({ kind, metadata: item.metadata }), {
          stamp: appliedStamp(item),
          ...(kind === "CustomResourceDefinition" ? {} : { full: item }),
        });
      }
    },
  );
  return found;
}

/** How install names one object across its steps: kind, namespace and name. */
export function objectKey(object: KubeObject): string {
  return keyOf(object);
}

function keyOf(object: KubeObject): string {
  return `${object.kind}|${object.metadata?.namespace ?? ""}|${object.metadata?.name}`;
}
