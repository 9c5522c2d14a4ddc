/** An HorizontalPodAutoscaler in one line of `status`. */
import type {
  HorizontalPodAutoscaler,
  HpaMetric,
  HpaMetricSource,
  HpaMetricValue,
} from "../kube/objects.ts";

/** `status`'s autoscaler line: replica bounds and count, metrics and their targets. */
export interface HpaLine {
  min: number;
  max?: number;
  current: number;
  metrics: string;
}

/**
 * The autoscaler in one line. An HPA without metrics yet reports `currentMetrics: [{type: ""}]`
 * (autoscaling/v2): entries without a value are left out rather than printed as "undefined ?%".
 */
export function hpaSummary(hpa: HorizontalPodAutoscaler): HpaLine {
  const metricName = (m: HpaMetric) =>
    m.resource?.name ?? m.containerResource?.name ?? m.pods?.metric?.name ??
      m.object?.metric?.name ?? m.external?.metric?.name;
  const amount = (v: HpaMetricValue | undefined) =>
    v?.averageUtilization !== undefined ? `${v.averageUtilization}%` : v?.averageValue ?? v?.value;
  const source = (m: HpaMetric): HpaMetricSource =>
    m.resource ?? m.containerResource ?? m.pods ?? m.object ?? m.external ?? {};
  const current = (hpa.status?.currentMetrics ?? []).flatMap((m) => {
    const name = metricName(m);
    const value = amount(source(m).current);
    return name && value !== undefined ? [`${name} ${value}`] : [];
  });
  const targets = (hpa.spec?.metrics ?? []).flatMap((m) => {
    const name = metricName(m);
    const value = amount(source(m).target);
    return name && value !== undefined ? [`${name} target ${value}`] : [];
  });
  return {
    min: hpa.spec?.minReplicas ?? 1,
    max: hpa.spec?.maxReplicas,
    current: hpa.status?.currentReplicas ?? 0,
    metrics: [...(current.length ? current : [noMetrics(hpa)]), ...targets].join(", "),
  };
}

/**
 * Why an HPA has no metric values: "yet" while it starts, or the reason it cannot get them from
 * its ScalingActive condition (FailedGetResourceMetric when metrics.k8s.io is not served: no
 * metrics-server, so it never scales; the HPA controller writes it, no request is needed).
 */
function noMetrics(hpa: HorizontalPodAutoscaler): string {
  const active = (hpa.status?.conditions ?? []).find((c) => c.type === "ScalingActive");
  if (active?.status !== "False" || !/^FailedGet/.test(active.reason ?? "")) {
    return "no metrics yet";
  }
  const missing = /metrics API|could not find the requested resource/i.test(active.message ?? "");
  return `no metrics: ${active.reason}: ${active.message}${
    missing ? " (is metrics-server installed? it never scales without it)" : ""
  }`;
}
