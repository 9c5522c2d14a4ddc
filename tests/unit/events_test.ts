import assert from "node:assert/strict";
import { eventBelongs, eventsOf, type Owned } from "../../lib/kserve/events.ts";

const object = (kind: string, name: string, uid: string, owner?: string): Owned => ({
  kind,
  metadata: {
    name,
    uid,
    ...(owner ? { ownerReferences: [{ uid: owner, kind: "x", name: "x" }] } : {}),
  },
});
const event = (kind: string, name: string, uid: string, reason: string) => ({
  involvedObject: { kind, name, uid },
  reason,
});

// Field report: `status iris` showed the events of iris2, iris3 and of a deleted earlier iris.
const iris = object("InferenceService", "iris", "isvc-1");
const chain = [
  object("Deployment", "iris-predictor", "dep-1", "isvc-1"),
  object("ReplicaSet", "iris-predictor-abc", "rs-1", "dep-1"),
  object("Pod", "iris-predictor-abc-x", "pod-1", "rs-1"),
  object("Deployment", "iris2-predictor", "dep-2", "isvc-2"),
  object("Pod", "iris2-predictor-def-y", "pod-2", "rs-2"),
];
const events = [
  event("InferenceService", "iris", "isvc-1", "InferenceServiceReady"),
  event("Pod", "iris-predictor-abc-x", "pod-1", "Started"),
  event("ReplicaSet", "iris-predictor-abc", "rs-1", "SuccessfulCreate"),
  event("InferenceService", "iris2", "isvc-2", "InferenceServiceReady"),
  event("Pod", "iris2-predictor-def-y", "pod-2", "Started"),
  event("InferenceService", "iris", "isvc-0-deleted", "InferenceServiceReady"),
  event("Pod", "iris-predictor-old-z", "pod-0", "Killing"),
];

Deno.test("eventsOf(): a model's events follow its owner chain by UID, not its name", () => {
  const mine = eventsOf(iris, chain, events).map((e) => `${e.involvedObject.kind} ${e.reason}`);
  assert.deepEqual(mine, [
    "InferenceService InferenceServiceReady",
    "Pod Started",
    "ReplicaSet SuccessfulCreate",
  ]);
});

Deno.test("eventBelongs(): one event is walked up its owners with GETs, for a wait", async () => {
  const byName = new Map(chain.map((o) => [`${o.kind}/${o.metadata!.name}`, o]));
  const lookup = (kind: string, name: string) => Promise.resolve(byName.get(`${kind}/${name}`));
  const chained = chain.map((o) => ({
    ...o,
    metadata: {
      ...o.metadata,
      ownerReferences: o.metadata!.ownerReferences?.map((r) => ({
        ...r,
        kind: { "dep-1": "Deployment", "rs-1": "ReplicaSet", "isvc-1": "InferenceService" }[r.uid!],
        name: { "dep-1": "iris-predictor", "rs-1": "iris-predictor-abc", "isvc-1": "iris" }[r.uid!],
      })),
    },
  }));
  for (const o of chained) byName.set(`${o.kind}/${o.metadata.name}`, o);
  assert.equal(await eventBelongs(events[1]!, "isvc-1", lookup), true);
  assert.equal(await eventBelongs(events[4]!, "isvc-1", lookup), false, "iris2's pod");
  assert.equal(await eventBelongs(events[6]!, "isvc-1", lookup), false, "a pod that is gone");
});
