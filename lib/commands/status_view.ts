/** What `kubectl kserve status` reports of a model, and its text form (JSON is the object itself). */
import type { Backend } from "../options.ts";

export interface ModelStatus {
  name: string;
  namespace: string;
  backend: Backend;
  mode?: string;
  ready: boolean;
  url?: string;
  address: string;
  conditions: { type: string; status: string; reason?: string; message?: string }[];
  /** `status`: the pod's STATUS as kubectl prints it (CrashLoopBackOff, not the phase Running). */
  pods: { name: string; phase: string; status: string; ready: string; restarts: number }[];
  /** Whether the Deployments that serve the model run its latest spec (kubectl rollout status);
   * absent for Knative, whose revisions Ready already judges. */
  rollout?: { complete: boolean; detail?: string };
  hpa?: { min: number; max?: number; current: number; metrics: string };
  /**
   * `uid`: the involved object's, which tells a deleted earlier model's objects from this one's.
   * An event may lack a type, reason or message (core/v1 Event omits empty fields).
   */
  events: { type?: string; reason?: string; message?: string; object: string; uid?: string }[];
  /** The runtime that serves an InferenceService, and how it was chosen. */
  runtime?: string;
  /** Set while a delete is pending: what holds it. */
  deleting?: { since: string; finalizers: string[] };
  /** Findings about the object itself, each naming the offending value and the fix. */
  warnings?: string[];
  diagnosis?: string;
}

export function renderStatus(s: ModelStatus): string {
  const lines = [
    `Name:       ${s.name}`,
    `Namespace:  ${s.namespace}`,
    `Backend:    ${s.backend}${s.mode ? ` (mode ${s.mode})` : ""}`,
    ...(s.runtime ? [`Runtime:    ${s.runtime}`] : []),
    `Ready:      ${s.ready ? "True" : "False"}`,
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
  ];
  if (s.conditions.length) {
    lines.push(
      "Conditions:",
      ...s.conditions.map((c) =>
        `  ${c.type.padEnd(16)} ${c.status}${c.reason ? `  ${c.reason}` : ""}${
          c.message ? `: ${c.message}` : ""
        }`
      ),
    );
  }
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
    lines.push(
      "Events:",
      ...s.events.map((e) =>
        `  ${(e.type ?? "").padEnd(8)} ${(e.reason ?? "").padEnd(20)} ${e.object}: ${e.message}`
      ),
    );
  }
  for (const warning of s.warnings ?? []) lines.push(`Warning:    ${warning}`);
  if (s.diagnosis) lines.push(`Diagnosis:  ${s.diagnosis}`);
  return lines.join("\n") + "\n";
}
