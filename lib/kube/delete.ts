/**
 * Deleting objects and waiting for them to go: the generic helpers behind `uninstall` and
 * `delete`. An object already gone (404) counts as deleted.
 */
import { delay, retry } from "../async.ts";
import { CLEANUP_RETRY_ANNOTATION, CRD_PATH, TIMINGS } from "../defaults.ts";
import { DeadlineError } from "../errors.ts";
import { type Kube, type KubeObject, METADATA_LIST } from "./client.ts";
import { isWebhookStarting } from "./errors.ts";
import { waitFor } from "./wait.ts";

/** Enough to address, name and report one object. */
export interface Ref {
  /** The object's API path, such as /api/v1/namespaces/kserve. */
  path: string;
  /** The kind as shown to people: "InferenceService", "namespace", ... */
  kind: string;
  name: string;
  namespace?: string;
}

/** Metadata every listed object has; the rest of the object is kept as listed. */
export interface ListedObject extends KubeObject {
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    managedFields?: { manager?: string; operation?: string }[];
    [key: string]: unknown;
  };
}

/** A reference together with the object it was listed from. */
export type Listed = Ref & { object: ListedObject };

/**
 * Lists a collection as references; an API that is not served (404) gives none. Any other
 * failure (403, network) is thrown: a failed lookup must never read as "nothing there".
 */
export async function listRefs(
  kube: Kube,
  collection: string,
  kind: string,
  options: { metadataOnly?: boolean } = {},
): Promise<Listed[]> {
  const list = await kube.getOptional<{ items: ListedObject[] }>(
    collection,
    options.metadataOnly ? { accept: METADATA_LIST } : {},
  );
  return (list?.items ?? []).map((object) => {
    const ns = object.metadata.namespace;
    const base = collection.replace(/\/namespaces\/[^/]+\//, "/");
    const prefix = ns ? base.replace(/\/([^/]+)$/, `/namespaces/${ns}/$1`) : base;
    return {
      path: `${prefix}/${object.metadata.name}`,
      kind,
      name: object.metadata.name,
      ...(ns ? { namespace: ns } : {}),
      object,
    };
  });
}

/**
 * Deletes objects in parallel (dryRun: the server validates, nothing is deleted; foreground:
 * as Kube.delete).
 */
export async function deleteObjects(
  kube: Kube,
  refs: Ref[],
  options: { dryRun?: boolean; foreground?: boolean } = {},
): Promise<void> {
  await eachRef(refs, (ref) => kube.delete(ref.path, options));
}

/** Removes finalizers, for objects whose controller is gone and can never remove them. */
export async function stripFinalizers(kube: Kube, refs: Ref[]): Promise<void> {
  await eachRef(refs, (ref) =>
    kube.request("PATCH", ref.path, {
      body: { metadata: { finalizers: null } },
      contentType: "application/merge-patch+json",
    }));
}

/**
 * Sends one request per object, in parallel; an object already gone (404) is skipped. A webhook
 * configuration deleted a moment ago may still be called for a second or two, and a dead
 * webhook then fails the request: such failures are retried briefly.
 */
async function eachRef(refs: Ref[], send: (ref: Ref) => Promise<unknown>): Promise<void> {
  await Promise.all(
    refs.map((ref) =>
      retry(() => send(ref), {
        retry: isWebhookStarting,
        deadline: Date.now() + TIMINGS.webhookGoneRetryMs,
      }).catch((error) => {
        if ((error as { status?: number }).status !== 404) throw error;
      })
    ),
  );
}

/** Waits until none of `refs` is listed any more; throws DeadlineError naming what is left. */
export async function waitDeleted(
  kube: Kube,
  refs: Ref[],
  deadline: number,
  what: string,
  /** What to do when the deadline passes, in the caller's words (its own flags and commands). */
  hint = "Objects wait for their finalizers; see what holds them with: kubectl kserve check",
): Promise<void> {
  const collections = new Map<string, string[]>();
  for (const ref of refs) {
    const collection = ref.path.slice(0, ref.path.lastIndexOf("/"));
    collections.set(collection, [...(collections.get(collection) ?? []), ref.name]);
  }
  const stop = new AbortController();
  try {
    await Promise.all([...collections].map(([collection, names]) => {
      let seen: ListedObject[] = [];
      if (collection === CRD_PATH) requeueStuckCleanups(kube, () => seen, stop.signal);
      return waitFor<ListedObject>(kube, {
        path: collection,
        description: what,
        ready: (items) => {
          seen = items.filter((i) => names.includes(i.metadata.name));
          const left = seen.map((i) => describePending(i));
          return left.length === 0 ? true : `still present: ${left.join(", ")}`;
        },
      }, { timeoutMs: Math.max(1, deadline - Date.now()) });
    }));
  } catch (error) {
    if (error instanceof DeadlineError) {
      throw new DeadlineError(error.message, {
        hint,
      });
    }
    throw error;
  } finally {
    stop.abort();
  }
}

/**
 * Waits until no pod of `namespace` that matches `labelSelector` is owned or being deleted
 * (the pods of a deleted or stopped model: `delete` and `stop --wait` wait the same way);
 * throws DeadlineError naming those left. The garbage collector
 * may end a foreground deletion before it has seen a pod (one created a moment earlier, or one
 * whose owner reference does not block) and deletes that pod afterwards: until it is gone its
 * process still runs and holds its GPU. A pod with the labels and no owner (made by hand; a
 * ReplicaSet of the model would have adopted it) is nobody's to delete, so it is not waited for.
 */
export async function waitPodsGone(
  kube: Kube,
  namespace: string,
  labelSelector: string,
  deadline: number,
  what: string,
): Promise<void> {
  const counts = (pod: ListedObject) =>
    Boolean(pod.metadata.deletionTimestamp) ||
    ((pod.metadata.ownerReferences as unknown[] | undefined)?.length ?? 0) > 0;
  try {
    await waitFor<ListedObject>(kube, {
      path: `/api/v1/namespaces/${namespace}/pods`,
      labelSelector,
      description: what,
      ready: (items) => {
        const left = items.filter(counts);
        return left.length === 0
          ? true
          : `still present: ${left.map((i) => describePending(i)).join(", ")}`;
      },
    }, { timeoutMs: Math.max(1, deadline - Date.now()) });
  } catch (error) {
    if (error instanceof DeadlineError) {
      const hint = `See them with: kubectl get pods -n ${namespace} -l ${labelSelector}`;
      throw new DeadlineError(error.message, { hint });
    }
    throw error;
  }
}

/** "iris (deleting, blocked by finalizer inferenceservice.finalizers)" or just the name. */
function describePending(object: ListedObject): string {
  const finalizers = object.metadata.finalizers ?? [];
  return finalizers.length
    ? `${object.metadata.name} (blocked by finalizer ${finalizers.join(", ")})`
    : object.metadata.name;
}

/**
 * The API server's CRD cleanup fails with "storage is (re)initializing" when it runs while the
 * CRD's storage is being rebuilt (its own deletion causes that), and then may not retry for
 * minutes. Touching the CRD's metadata requeues the cleanup, so stuck CRDs get an annotation.
 */
async function requeueStuckCleanups(
  kube: Kube,
  current: () => ListedObject[],
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    await delay(TIMINGS.crdDeletePollMs, signal).catch(() => {});
    if (signal.aborted) return;
    const stuck = current().filter((crd) =>
      ((crd.status as { conditions?: { type: string; reason?: string }[] } | undefined)
        ?.conditions ?? []).some((c) =>
          c.type === "Terminating" && c.reason === "InstanceDeletionFailed"
        )
    );
    await Promise.all(
      stuck.map((crd) =>
        kube.request("PATCH", `${CRD_PATH}/${crd.metadata.name}`, {
          body: { metadata: { annotations: { [CLEANUP_RETRY_ANNOTATION]: String(Date.now()) } } },
          contentType: "application/merge-patch+json",
        }).catch(() => {}) // gone meanwhile, or not ours to touch: the wait reports what is left
      ),
    );
  }
}
