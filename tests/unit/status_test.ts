import assert from "node:assert/strict";
import { hpaSummary } from "../../lib/commands/status.ts";

Deno.test("hpaSummary(): an HPA with no metrics yet says so instead of printing undefined", () => {
  // What autoscaling/v2 reports before metrics-server has answered once.
  const fresh = hpaSummary({
    spec: {
      minReplicas: 1,
      maxReplicas: 3,
      metrics: [{
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
      }],
    },
    status: { currentReplicas: 1, currentMetrics: [{ type: "" }] },
  })!;
  assert.equal(fresh.metrics, "no metrics yet, cpu target 80%");
  assert.doesNotMatch(JSON.stringify(fresh), /undefined|\?%/);
});

Deno.test("hpaSummary(): utilization, average values and pod metrics are each shown with their unit", () => {
  const busy = hpaSummary({
    spec: {
      maxReplicas: 4,
      metrics: [
        {
          type: "Resource",
          resource: { name: "memory", target: { type: "AverageValue", averageValue: "1Gi" } },
        },
        {
          type: "Pods",
          pods: {
            metric: { name: "requests_per_second" },
            target: { type: "AverageValue", averageValue: "10" },
          },
        },
      ],
    },
    status: {
      currentReplicas: 2,
      currentMetrics: [
        { type: "Resource", resource: { name: "memory", current: { averageValue: "700Mi" } } },
        {
          type: "Pods",
          pods: { metric: { name: "requests_per_second" }, current: { averageValue: "12" } },
        },
      ],
    },
  })!;
  assert.equal(
    busy.metrics,
    "memory 700Mi, requests_per_second 12, memory target 1Gi, requests_per_second target 10",
  );
  assert.deepEqual([busy.min, busy.max, busy.current], [1, 4, 2]);
});
