/**
 * Deleting what install created, in the order that never hangs: models while the controller
 * still runs, then cluster resources, webhooks, controller, CRDs and namespace (kserve-facts §9).
 */
import { DeadlineError } from "../errors.ts";
import { CLEANUP_RETRY_ANNOTATION, CRD_PATH, KSERVE } from "../defaults.ts";
import type { Kube } from "../kube/client.ts";
import { waitFor } from "../kube/wait.ts";
import { isWebhookStarting, withRetry } from "./apply.ts";
import { probeInferenceService } from "../checks/webhooks.ts";

// deno-lint-ignore no-explicit-any
export type Obj = Record<string, any>;

/** Kinds whose objects carry KServe finalizers, with the API version they are listed at. */
export const MODEL_KINDS = [
  { version: "v1beta1", resource: "inferenceservices", kind: "InferenceService" },
  { version: "v1alpha1", resource: "inferencegraphs", kind: "InferenceGraph" },
  { version: "v1alpha1", resource: "trainedmodels", kind: "TrainedModel" },
  { version: "v1alpha1", resource: "llminferenceservices", kind: "LLMInferenceService" },
];

export const CLUSTER_RESOURCE_KINDS = ["clusterservingruntimes", "clusterstoragecontainers"];
export const NAMESPACED_RESOURCE_KINDS = ["llminferenceserviceconfigs"];

export interface Ref {
  path: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** Lists objects of a collection as references; an API that is not served gives none. */
export async function listRefs(
  kube: Kube,
  collection: string,
  kind: string,
): Promise<(Ref & { object: Obj })[]> {
  const list = await kube.getOptional<{ items: Obj[] }>(collection);
  return (list?.items ?? []).map((object) => {
    const ns = object.metadata.namespace as string | undefined;
    const base = collection.replace(/\/namespaces\/[^/]+\//, "/");
    const prefix = ns ? base.replace(/\/([^/]+)$/, `/namespaces/${ns}/$1`) : base;
    return {
      path: `${prefix}/${object.metadata.name}`,
      kind,
      name: object.metadata.name,
      namespace: ns,
      object,
    };
  });
}

/** Every model object (InferenceService, InferenceGraph, TrainedModel, LLMInferenceService) in the cluster. */
export async function modelObjects(kube: Kube): Promise<(Ref & { object: Obj })[]> {
  const lists = await Promise.all(
    MODEL_KINDS.map((k) =>
      listRefs(kube, `/apis/${KSERVE.apiGroup}/${k.version}/${k.resource}`, k.kind)
    ),
  );
  return lists.flat();
}

/** Deletes objects, ignoring those already gone. */
export async function deleteAll(
  kube: Kube,
  refs: Ref[],
  options: { dryRun?: boolean } = {},
): Promise<void> {
  await eachRef(refs, (ref) =>
    kube.request("DELETE", ref.path, {
      query: { dryRun: options.dryRun ? "All" : undefined },
      body: { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: "Background" },
    }));
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
      withRetry(() => send(ref), { retry: isWebhookStarting, deadline: Date.now() + 10_000 })
        .catch((error) => {
          if ((error as { status?: number }).status !== 404) throw error;
        })
    ),
  );
}

/** Waits until a GET on each path answers 404. */
export async function waitDeleted(
  kube: Kube,
  refs: Ref[],
  deadline: number,
  what: string,
): Promise<void> {
  const collections = new Map<string, string[]>();
  for (const ref of refs) {
    const collection = ref.path.slice(0, ref.path.lastIndexOf("/"));
    collections.set(collection, [...(collections.get(collection) ?? []), ref.name]);
  }
  const stop = new AbortController();
  try {
    await Promise.all([...collections].map(([collection, names]) => {
      let seen: Obj[] = [];
      if (collection === CRD_PATH) requeueStuckCleanups(kube, () => seen, stop.signal);
      return waitFor<Obj>(kube, {
        path: collection,
        description: what,
        ready: (items) => {
          seen = items.filter((i) => names.includes(i.metadata.name));
          const left = seen.map((i) => i.metadata.name);
          return left.length === 0 ? true : `still present: ${left.join(", ")}`;
        },
      }, { timeoutMs: Math.max(1, deadline - Date.now()) });
    }));
  } catch (error) {
    if (error instanceof DeadlineError) {
      throw new DeadlineError(error.message, {
        hint: "Objects wait for finalizers; see kubectl kserve check, or rerun with --force",
      });
    }
    throw error;
  } finally {
    stop.abort();
  }
}

/**
 * The API server's CRD cleanup fails with "storage is (re)initializing" when it runs while the
 * CRD's storage is being rebuilt (its own deletion causes that), and then may not retry for
 * minutes. Touching the CRD's metadata requeues the cleanup, so stuck CRDs get an annotation.
 */
async function requeueStuckCleanups(
  kube: Kube,
  current: () => Obj[],
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    if (signal.aborted) return;
    const stuck = current().filter((crd) =>
      (crd.status?.conditions ?? []).some((c: Obj) =>
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

/** Whether the KServe webhook answers: a server-side dry-run create of the probe InferenceService. */
export async function webhookAlive(kube: Kube): Promise<boolean> {
  try {
    await kube.request(
      "POST",
      `/apis/${KSERVE.apiGroup}/v1beta1/namespaces/default/inferenceservices`,
      {
        query: { dryRun: "All" },
        body: probeInferenceService("default"),
      },
    );
    return true;
  } catch {
    return false;
  }
}
