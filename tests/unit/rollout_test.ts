/**
 * A Deployment is rolled out as `kubectl rollout status` decides it, not when Available is
 * True: during an upgrade the old release's pod keeps Available True while the new one starts
 * (the upgrade test saw KServe v0.16.0's controller still reconciling at that moment).
 */
import assert from "node:assert/strict";
import { deploymentRolledOut } from "../../lib/kserve/diagnose.ts";

const AVAILABLE = [{ type: "Available", status: "True" }];

/** A Deployment's state: generation, wanted replicas, and its status counts. */
function state(
  generation: number,
  replicas: number,
  status: { observed: number; total: number; updated: number; available: number },
  conditions = AVAILABLE,
) {
  return {
    metadata: { generation },
    spec: { replicas },
    status: {
      observedGeneration: status.observed,
      replicas: status.total,
      updatedReplicas: status.updated,
      availableReplicas: status.available,
      conditions,
    },
  };
}

Deno.test("rolled out: the spec is observed, every replica updated and available", () => {
  assert.equal(
    deploymentRolledOut(state(3, 2, { observed: 3, total: 2, updated: 2, available: 2 })),
    true,
  );
});

Deno.test("not rolled out while the old ReplicaSet keeps it Available (a surge in progress)", () => {
  assert.equal(
    deploymentRolledOut(state(2, 1, { observed: 2, total: 2, updated: 1, available: 1 })),
    "1 old replica(s) pending termination",
  );
});

Deno.test("not rolled out before the Deployment controller observes the new spec", () => {
  assert.equal(
    deploymentRolledOut(state(5, 1, { observed: 4, total: 1, updated: 1, available: 1 })),
    "the change is not observed by the Deployment controller yet",
  );
});

Deno.test("not rolled out while new replicas are still being created, or not yet available", () => {
  assert.equal(
    deploymentRolledOut(state(1, 2, { observed: 1, total: 1, updated: 1, available: 1 })),
    "1 of 2 replicas run the new spec",
  );
  assert.equal(
    deploymentRolledOut(state(1, 1, { observed: 1, total: 1, updated: 1, available: 0 }, [])),
    "not Available",
  );
});
