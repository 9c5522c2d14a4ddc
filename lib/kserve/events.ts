/**
 * The one rule for which events belong to a model: an event's involved object is the model
 * itself or an object its owner chain leads to (InferenceService -> Deployment -> ReplicaSet
 * -> Pod, and the HPA and Service it owns), matched by UID. Names are never matched by prefix:
 * "iris" must not collect the events of "iris2", nor those of an earlier, deleted "iris".
 * `status`, `deploy --wait` and `check` all use it.
 */

import type { CoreV1Event } from "@kubernetes/client-node";
import type { ObjectMeta } from "../kube/objects.ts";

/**
 * A core/v1 Event as read from the API (every field may be absent). client-node's types describe
 * its deserialized objects, whose timestamps are Dates; here they are the JSON's RFC 3339
 * strings.
 */
export type Event =
  & Partial<
    Omit<CoreV1Event, "metadata" | "eventTime" | "firstTimestamp" | "lastTimestamp" | "series">
  >
  & {
    metadata?: ObjectMeta;
    eventTime?: string;
    firstTimestamp?: string;
    lastTimestamp?: string;
    series?: { count?: number; lastObservedTime?: string };
  };

/** The parts of an object the rule reads. */
export interface Owned {
  kind?: string;
  metadata?: {
    name?: string;
    uid?: string;
    ownerReferences?: { uid?: string; kind?: string; name?: string }[];
  };
}

/** The part of an event (core/v1 Event) the rule reads. */
export interface KubeEvent {
  involvedObject?: { kind?: string; name?: string; uid?: string };
}

/** The UIDs of the roots and of every object in `objects` whose owner chain leads to one. */
export function ownedUids(root: Owned | Owned[], objects: Owned[]): Set<string> {
  const roots = Array.isArray(root) ? root : [root];
  const uids = new Set<string>(roots.flatMap((r) => r.metadata?.uid ? [r.metadata.uid] : []));
  for (let grew = true; grew;) {
    grew = false;
    for (const object of objects) {
      const uid = object.metadata?.uid;
      if (!uid || uids.has(uid)) continue;
      if ((object.metadata?.ownerReferences ?? []).some((r) => r.uid && uids.has(r.uid))) {
        uids.add(uid);
        grew = true;
      }
    }
  }
  return uids;
}

/**
 * The events whose involved object is a root (the model; for the deployment backend also the
 * HPA and Service it was deployed with) or owned by one, through `objects`.
 */
export function eventsOf<E extends KubeEvent>(
  root: Owned | Owned[],
  objects: Owned[],
  events: E[],
): E[] {
  const uids = ownedUids(root, objects);
  return events.filter((e) =>
    e.involvedObject?.uid !== undefined && uids.has(e.involvedObject.uid)
  );
}

/**
 * Whether one event belongs to the object with `rootUid`, walking its involved object's owner
 * chain with `lookup` (a GET by kind and name) for at most `depth` steps. For a wait that sees
 * events one at a time and lists nothing up front.
 */
export async function eventBelongs(
  event: KubeEvent,
  rootUid: string,
  lookup: (kind: string, name: string) => Promise<Owned | undefined>,
  depth = 4,
): Promise<boolean> {
  let current: { kind?: string; name?: string; uid?: string } | undefined = event.involvedObject;
  for (let step = 0; current && step <= depth; step++) {
    if (current.uid === rootUid) return true;
    if (!current.kind || !current.name) return false;
    const object = await lookup(current.kind, current.name);
    if (!object || (current.uid && object.metadata?.uid !== current.uid)) return false;
    const owners = object.metadata?.ownerReferences ?? [];
    if (owners.some((r) => r.uid === rootUid)) return true;
    const owner = owners.find((r) => r.kind && r.name);
    current = owner ? { kind: owner.kind, name: owner.name, uid: owner.uid } : undefined;
  }
  return false;
}
