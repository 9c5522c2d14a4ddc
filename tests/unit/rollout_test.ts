/**
 * A Deployment is rolled out as `kubectl rollout status` decides it, not when Available is
 * True: during an upgrade the old release's pod keeps Available True while the new one starts
 * (the upgrade test saw KServe v0.16.0's controller still reconciling at that moment).
 */
import assert from "node:assert/strict";
import { deploymentRolledOut } from "../../lib/kserve/diagnose.ts";

const AVAILABLE = [{ type: "Available", status: "True" }];

Deno.test("rolled out: the spec is observed, every replica updated and available", () => {
  assert.equal(
    deploymentRolledOut({
      metadata: { generation: 3 },
      spec: { replicas: 2 },
      status: {
        observedGeneration: 3,
        replicas: 2,
        updatedReplicas: 2,
        availableReplicas: 2,
        conditions: AVAILABLE,
      },
    }),
    true,
  );
});

Deno.test("not rolled out while the old ReplicaSet keeps it Available (a surge in progress)", () => {
  assert.equal(
    deploymentRolledOut({
      metadata: { generation: 2 },
      spec: { replicas: 1 },
      status: {
        observedGeneration: 2,
        replicas: 2,
        updatedReplicas: 1,
        availableReplicas: 1,
        conditions: AVAILABLE,
      },
    }),
    "1 old replica(s) pending termination",
  );
});

Deno.test("not rolled out before the Deployment controller observes the new spec", () => {
  assert.equal(
    deploymentRolledOut({
      metadata: { generation: 5 },
      spec: { replicas: 1 },
      status: {
        observedGeneration: 4,
        replicas: 1,
        updatedReplicas: 1,
        availableReplicas: 1,
        conditions: AVAILABLE,
      },
    }),
    "the change is not observed by the Deployment controller yet",
  );
});

Deno.test("not rolled out while new replicas are still being created, or not yet available", () => {
  const status = { observedGeneration: 1, replicas: 1, conditions: AVAILABLE };
  assert.equal(
    deploymentRolledOut({
      metadata: { generation: 1 },
      spec: { replicas: 2 },
      status: { ...status, updatedReplicas: 1, availableReplicas: 1 },
    }),
    "1 of 2 replicas run the new spec",
  );
  assert.equal(
    deploymentRolledOut({
      metadata: { generation: 1 },
      spec: { replicas: 1 },
      status: { ...status, updatedReplicas: 1, availableReplicas: 0, conditions: [] },
    }),
    "not Available",
  );
});
