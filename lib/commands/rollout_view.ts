/** `rollout status`: the traffic by revision, laid out after `kn service describe`. */
import type { RevisionTraffic } from "../kserve/traffic.ts";
import { standardCanaryWarning } from "../kserve/traffic.ts";
import type { RolloutState } from "../models/rollout.ts";

/** What `rollout status` reports (-o json is this object). */
export interface RolloutReport {
  name: string;
  namespace: string;
  mode: string;
  url?: string;
  /** spec.predictor.canaryTrafficPercent: the share asked for the latest revision. */
  canaryTrafficPercent?: number;
  /** Where the Route sends traffic now, by revision (Knative mode only). */
  revisions: RevisionTraffic[];
  /** Where the split asked for and the one happening differ (rollout status then exits 1). */
  notes: string[];
  /** Why the model has no split at all (its kind or mode), when it asks for none. */
  info?: string;
}

export function rolloutReport(
  name: string,
  namespace: string,
  state: Pick<RolloutState, "live" | "mode" | "kserve" | "refusal" | "view">,
): RolloutReport {
  const { live, mode, view, refusal } = state;
  const warning = standardCanaryWarning(live, mode, state.kserve.version);
  const info = warning ? undefined : refusal?.info;
  const notes = warning ? [`${warning.message}. Fix: ${warning.fix}`] : refusal ? [] : view.notes;
  const canary = view.canaryTrafficPercent ??
    (live.spec?.predictor?.canaryTrafficPercent as number | undefined);
  return {
    name,
    namespace,
    mode: mode.value,
    ...(live.status?.url ? { url: live.status.url } : {}),
    ...(canary !== undefined ? { canaryTrafficPercent: canary } : {}),
    revisions: view.revisions,
    notes,
    ...(info ? { info } : {}),
  };
}

/** Each revision's share, tags and readiness, a line each (and its tagged URLs), as `kn` shows them. */
export function trafficLines(revisions: RevisionTraffic[]): string[] {
  return revisions.flatMap((r) => {
    const tags = [...(r.latest ? ["latest"] : []), ...r.tags.filter((t) => t !== "latest")];
    const ready = r.ready === "True"
      ? "Ready"
      : r.ready === "False"
      ? `Failed${r.reason ? ` (${r.reason})` : ""}`
      : `Not ready${r.pods ? ` (${r.pods})` : ""}`;
    return [
      `  ${String(r.percent).padStart(3)}%  ${r.revision}${
        tags.length ? ` [${tags.join(", ")}]` : ""
      }  ${ready}`,
      ...r.urls.map((url) => `        ${url}`),
    ];
  });
}

export function renderRollout(report: RolloutReport): string {
  const lines = [
    `Name:       ${report.name}`,
    `Namespace:  ${report.namespace}`,
    `Mode:       ${report.mode}`,
  ];
  if (report.url) lines.push(`URL:        ${report.url}`);
  if (report.canaryTrafficPercent !== undefined) {
    lines.push(`Canary:     ${report.canaryTrafficPercent}% asked for the latest revision`);
  }
  if (report.revisions.length) {
    lines.push("", "Traffic (as the Route sends it):", ...trafficLines(report.revisions));
  }
  if (report.info) lines.push("", report.info);
  if (report.notes.length) lines.push("", ...report.notes.map((note) => `! ${note}`));
  return lines.join("\n") + "\n";
}
