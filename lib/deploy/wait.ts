/**
 * Waits for a model to serve, and fails fast with the reason when waiting cannot help:
 * a rejected or invalid InferenceService, an image that cannot be pulled, a crashing or
 * unschedulable pod, or an exceeded quota.
 */
import type { V1Pod } from "@kubernetes/client-node";
import type { Deployment } from "../kube/objects.ts";
import { deploymentRolledOut } from "../kserve/diagnose.ts";
import { classifyPod, lastingEvent } from "../kserve/failures.ts";
import { CliError } from "../errors.ts";
import type { Kube } from "../kube/client.ts";
import { failureOnly, waitFor } from "../kube/wait.ts";
import type { Event } from "../kserve/diagnose.ts";
import { eventBelongs, type Owned } from "../kserve/events.ts";
import { FIELD_MANAGER, ISVC_PATH } from "../defaults.ts";

/**
 * What the wait reads of a model's main object (an InferenceService or a Deployment): its
 * address, UID (events are matched by it) and resourceVersion (where watching starts).
 */
export interface WaitedObject {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    managedFields?: { manager?: string; operation?: string; time?: string }[];
  };
}

export interface ModelWait<T extends WaitedObject> {
  namespace: string;
  name: string;
  /** The object whose readiness ends the wait, and the test for it. */
  path: string;
  ready(object: T | undefined): true | string;
  /** A reason found on the object itself (KServe's modelStatus), if any. */
  failedObject?(object: T): string | undefined;
  podSelector: string;
  description: string;
  /**
   * When the ready object's serving Deployments must also be rolled out, their label selector:
   * KServe v0.20 keeps a raw-mode InferenceService Ready while a re-deploy's new pod starts (the
   * old one still serves), so Ready alone would end the wait before the change runs.
   */
  rolloutSelector?(object: T): string | undefined;
  /**
   * What of the object's spec a rolled-out Deployment does not show yet (undefined: all of it):
   * KServe renders a re-deploy's spec into the Deployment some time after the apply, and until
   * then the old Deployment is rolled out and the object still Ready.
   */
  unrendered?(object: T, deployment: Deployment): string | undefined;
}

/** Resolves with the ready object, or throws the first failure that waiting cannot fix. */
export async function waitForModel<T extends WaitedObject>(
  kube: Kube,
  spec: ModelWait<T>,
  timeoutMs: number,
  applied?: T,
  /** UIDs of the model's pods from before the apply: their failures are the old spec's. */
  earlierPods: Set<string> = new Set(),
): Promise<T> {
  const stop = new AbortController();
  const deadline = Date.now() + timeoutMs;
  // When this apply was written, by the server's clock (its managedFields entry).
  const appliedAt =
    applied?.metadata?.managedFields?.find((f) =>
      f.manager === FIELD_MANAGER && f.operation === "Apply"
    )?.time ?? "";
  const fail = (message: string) =>
    new CliError(`${spec.description} failed: ${message}`, {
      hint: `See everything about it with: kubectl kserve status ${spec.name} -n ${spec.namespace}`,
    });
  // Events belong to the model by UID along its owner chain (lib/kserve/events.ts); the
  // model's UID is known from the apply, or from the first time the wait sees it.
  let rootUid: string | undefined = applied?.metadata?.uid;
  // Once it has existed, its disappearance is final: waiting longer cannot bring it back.
  let seen = applied !== undefined;
  const ready = waitFor<T>(kube, {
    path: spec.path,
    fieldSelector: `metadata.name=${spec.name}`,
    description: spec.description,
    ready: (items) => spec.ready(items[0]),
    failed: (items) => {
      const object = items[0];
      if (!object) return seen ? fail("it was deleted while waiting") : undefined;
      seen = true;
      rootUid ??= object.metadata?.uid;
      const reason = spec.failedObject?.(object);
      return reason ? fail(reason) : undefined;
    },
  }, {
    timeoutMs,
    signal: stop.signal,
    ...(applied?.metadata?.resourceVersion
      ? { since: { items: [applied], resourceVersion: applied.metadata.resourceVersion } }
      : {}),
  });
  const lookup = ownerLookup(kube, spec.namespace);
  const checked = new Set<string>();
  const events = waitFor<Event>(kube, {
    path: `/api/v1/namespaces/${spec.namespace}/events`,
    fieldSelector: "type=Warning",
    description: "events",
    ready: () => "watching",
    failed: async (items) => {
      if (!rootUid) return undefined;
      for (const event of items) {
        // One rule (lib/kserve/failures.ts); a refusal from before this apply was about an
        // earlier spec.
        const cause = lastingEvent(event, appliedAt);
        const key = String(event.metadata?.uid);
        if (!cause || checked.has(key)) continue;
        checked.add(key);
        if (await eventBelongs(event, rootUid, lookup)) return fail(cause);
      }
      return undefined;
    },
  }, { timeoutMs, signal: stop.signal });
  const pods = waitFor<V1Pod>(kube, {
    path: `/api/v1/namespaces/${spec.namespace}/pods`,
    labelSelector: spec.podSelector,
    description: "pods",
    ready: () => "watching",
    failed: async (items) => {
      for (const pod of items) {
        // A pod from before this apply (an older ReplicaSet's, which stays while a rollout
        // replaces it) fails for the old spec, not this change.
        if (earlierPods.has(pod.metadata?.uid ?? "")) continue;
        const reason = await podFailure(kube, pod);
        if (reason) return fail(reason);
      }
      return undefined;
    },
  }, { timeoutMs, signal: stop.signal });
  const rolledOut = ready.then(async ([object]) => {
    const selector = spec.rolloutSelector?.(object!);
    // The rest of the same --timeout, not a second one.
    const left = Math.max(1, deadline - Date.now());
    if (selector) {
      const unrendered = (d: Deployment) => spec.unrendered?.(object!, d);
      await waitRolledOut(
        kube,
        spec.namespace,
        selector,
        object!.metadata?.uid,
        left,
        stop.signal,
        unrendered,
      );
    }
    return object!;
  });
  try {
    // The event and pod waits are never ready ("watching"): only their failures end the race.
    return await Promise.race([rolledOut, failureOnly<T>(events), failureOnly<T>(pods)]);
  } finally {
    stop.abort();
    // The losers of the race end with the abort; their rejections are expected.
    for (const loser of [ready, rolledOut, events, pods]) loser.catch(() => {});
  }
}

/**
 * Waits until every Deployment the selector names and `ownerUid` owns shows the model's spec
 * (`unrendered`) and is rolled out (at least one exists). Another owner's is not this model's: a deleted model's Deployment of the same
 * name stays until the garbage collector removes it (field report: a deploy right after a
 * delete was called ready on the old pod).
 */
async function waitRolledOut(
  kube: Kube,
  namespace: string,
  labelSelector: string,
  ownerUid: string | undefined,
  timeoutMs: number,
  signal: AbortSignal,
  /** What of the model's spec a Deployment does not show yet (undefined: it renders it). */
  unrendered: (deployment: Deployment) => string | undefined = () => undefined,
): Promise<void> {
  await waitFor<Deployment>(kube, {
    path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
    labelSelector,
    description: `the model's Deployments in ${namespace} to be rolled out`,
    ready: (listed) => {
      const items = listed.filter((d) =>
        (d.metadata?.ownerReferences ?? []).some((owner) => owner.uid === ownerUid)
      );
      if (items.length === 0) return "no Deployment of this model yet";
      const waiting = items.flatMap((d) => {
        const behind = unrendered(d);
        if (behind) {
          return [`${d.metadata?.name}: KServe has not rendered the new spec yet (${behind})`];
        }
        const state = deploymentRolledOut(d);
        return state === true ? [] : [`${d.metadata?.name}: ${state}`];
      });
      return waiting.length ? waiting.join("; ") : true;
    },
  }, { timeoutMs, signal });
}

/** GETs the objects an owner chain passes through, once each per wait. */
function ownerLookup(kube: Kube, namespace: string) {
  const paths: Record<string, string> = {
    Pod: `/api/v1/namespaces/${namespace}/pods`,
    ReplicaSet: `/apis/apps/v1/namespaces/${namespace}/replicasets`,
    Deployment: `/apis/apps/v1/namespaces/${namespace}/deployments`,
    HorizontalPodAutoscaler:
      `/apis/autoscaling/v2/namespaces/${namespace}/horizontalpodautoscalers`,
    InferenceService: `${ISVC_PATH}/namespaces/${namespace}/inferenceservices`,
  };
  const cache = new Map<string, Promise<Owned | undefined>>();
  return (kind: string, name: string): Promise<Owned | undefined> => {
    const collection = paths[kind];
    if (!collection) return Promise.resolve(undefined);
    const key = `${kind}/${name}`;
    let found = cache.get(key);
    if (!found) {
      found = kube.getOptional<Owned>(`${collection}/${name}`).catch(() => undefined);
      cache.set(key, found);
    }
    return found;
  };
}

/**
 * A lasting failure of one pod in classifyPod's words (lib/kserve/failures.ts), with the last
 * lines of a crash-looping container's previous log read for it; undefined while it may start.
 */
export async function podFailure(kube: Kube, pod: V1Pod): Promise<string | undefined> {
  const finding = classifyPod(pod);
  if (!finding?.lasting) return undefined;
  const crashing = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ].find((status) => status.state?.waiting?.reason === "CrashLoopBackOff");
  if (!crashing || /OOMKilled/.test(finding.cause)) return finding.cause;
  const log = await kube.requestText(
    "GET",
    `/api/v1/namespaces/${pod.metadata?.namespace}/pods/${pod.metadata?.name}/log`,
    { query: { container: crashing.name, previous: true, tailLines: 20 }, accept: "text/plain" },
  ).catch(() => "");
  return classifyPod(pod, [], log)?.cause ?? finding.cause;
}
