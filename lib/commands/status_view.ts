/** What `kubectl kserve status` reports of a model, and its text form (JSON is the object itself). */
import type { ModelStatus } from "../models/kind.ts";
import { trafficLines } from "./rollout_view.ts";

export type { ModelStatus };

export function renderStatus(s: ModelStatus): string {
  const lines = [
    `Name:       ${s.name}`,
    `Namespace:  ${s.namespace}`,
    `Backend:    ${s.backend}${s.mode ? ` (mode ${s.mode})` : ""}`,
    ...(s.runtime ? [`Runtime:    ${s.runtime}`] : []),
    `Ready:      ${s.ready ? "True" : "False"}${
      s.stopped
        ? ` (stopped on purpose; start it with: kubectl kserve start ${s.name} -n ${s.namespace})`
        : ""
    }`,
    ...(s.rollout
      ? [`Rollout:    ${s.rollout.complete ? "complete" : `in progress (${s.rollout.detail})`}`]
      : []),
    ...(s.deleting
      ? [
        `Deleting:   since ${s.deleting.since}${
          s.deleting.finalizers.length
            ? `, blocked by finalizer ${s.deleting.finalizers.join(", ")}`
            : ""
        }`,
      ]
      : []),
    ...(s.url ? [`URL:        ${s.url}`] : []),
    `Address:    ${s.address}`,
    ...(s.openai ? [`OpenAI:     ${s.openai}`] : []),
  ];
  if (s.conditions.length) {
    // Knative's names (ConfigurationsReady, LatestDeploymentReady) are longer than KServe's.
    const types = s.conditions.map((c) => `${"  ".repeat(c.depth ?? 0)}${c.type}`);
    const width = Math.max(16, ...types.map((t) => t.length));
    lines.push(
      "Conditions:",
      ...s.conditions.map((c, index) => {
        const type = types[index]!;
        return `  ${type.padEnd(width)} ${c.status}${c.reason ? `  ${c.reason}` : ""}${
          c.message ? `: ${c.message}` : ""
        }`;
      }),
    );
  }
  if (s.routing) lines.push("Routing:", ...s.routing.map((r) => `  ${r}`));
  if (s.traffic?.length) lines.push("Traffic (as the Route sends it):", ...trafficLines(s.traffic));
  lines.push(
    "Pods:",
    ...(s.pods.length
      ? s.pods.map((p) => `  ${p.name}  ${p.status}  ready ${p.ready}  restarts ${p.restarts}`)
      : ["  none"]),
  );
  if (s.hpa) {
    lines.push(
      `Autoscaler: ${s.hpa.current} replicas (min ${s.hpa.min}, max ${s.hpa.max}); ${s.hpa.metrics}`,
    );
  }
  if (s.events.length) {
    const width = Math.max(20, ...s.events.map((e) => (e.reason ?? "").length));
    lines.push(
      "Events:",
      ...s.events.map((e) =>
        `  ${(e.type ?? "").padEnd(8)} ${(e.reason ?? "").padEnd(width)} ${e.object}: ${e.message}`
      ),
    );
  }
  for (const warning of s.warnings ?? []) lines.push(`Warning:    ${warning}`);
  if (s.diagnosis) lines.push(`Diagnosis:  ${s.diagnosis}`);
  return lines.join("\n") + "\n";
}
