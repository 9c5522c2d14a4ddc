/** `kubectl kserve status NAME`: conditions, pods, events, HPA, URL, and why it is not ready. */
import type { V1Pod, V1ReplicaSet } from "@kubernetes/client-node";
import type { GlobalOptions } from "../options.ts";
import { Kube } from "../kube/client.ts";
import type {
  Deployment,
  HorizontalPodAutoscaler,
  HpaMetric,
  HpaMetricSource,
  HpaMetricValue,
} from "../kube/objects.ts";
import {
  isvcReady,
  modelAddress,
  modelPodSelector,
  rendersDeployments,
  requireModel,
} from "../deploy/models.ts";
import {
  deploymentAvailable,
  deploymentRolledOut,
  type Event,
  explainPods,
  podStatus,
} from "../kserve/diagnose.ts";
import { explainInferenceService } from "../kserve/diagnose.ts";
import { ownedUids } from "../kserve/events.ts";
import { findKServe } from "../kserve/detect.ts";
import type { InferenceService } from "../kserve/inference_service.ts";
import { selectRuntime, type ServingRuntime } from "../deploy/runtimes.ts";
import { KSERVE } from "../defaults.ts";
import { LEGACY_MODE_NAMES, legacyModeFix, MODE_ANNOTATION } from "../kserve/versions.ts";
import { writeOut } from "../output.ts";
import { type ModelStatus, renderStatus } from "./status_view.ts";

export async function status(options: { global: GlobalOptions; name: string }): Promise<number> {
  const kube = await Kube.connect(options.global);
  const namespace = options.global.namespace ?? kube.namespace;
  const { name } = options;
  const model = await requireModel(kube, namespace, name);
  const kserve = model.backend === "kserve";
  const podSelector = modelPodSelector(model.backend, name);
  const hpaName = kserve ? `${name}-predictor` : name;
  // Everything is asked for by name, label or field selector: the cost follows this model,
  // not the number of other objects in its namespace.
  const eventsOfUid = (uid: string) =>
    kube.request<{ items: Event[] }>("GET", `/api/v1/namespaces/${namespace}/events`, {
      query: { fieldSelector: `involvedObject.uid=${uid}` },
    }).then((list) => list.items);
  const modelUid = String(model.object.metadata?.uid);
  const [pods, replicaSets, deployments, hpa, runtimes, modelEvents] = await Promise.all([
    kube.request<{ items: V1Pod[] }>("GET", `/api/v1/namespaces/${namespace}/pods`, {
      query: { labelSelector: podSelector },
    }),
    kube.request<{ items: V1ReplicaSet[] }>(
      "GET",
      `/apis/apps/v1/namespaces/${namespace}/replicasets`,
      { query: { labelSelector: podSelector } },
    ),
    kserve
      ? kube.request<{ items: Deployment[] }>(
        "GET",
        `/apis/apps/v1/namespaces/${namespace}/deployments`,
        { query: { labelSelector: podSelector } },
      )
      : Promise.resolve({ items: [] as Deployment[] }),
    kube.getOptional<HorizontalPodAutoscaler>(
      `/apis/autoscaling/v2/namespaces/${namespace}/horizontalpodautoscalers/${hpaName}`,
    ),
    // The runtimes are read only to predict KServe's choice before it has reported one.
    model.backend === "kserve" && !knownRuntime(model.object)
      ? Promise.all([
        kube.getOptional<{ items: ServingRuntime[] }>(
          `/apis/${KSERVE.apiGroup}/v1alpha1/namespaces/${namespace}/servingruntimes`,
        ),
        kube.getOptional<{ items: ServingRuntime[] }>(
          `/apis/${KSERVE.apiGroup}/v1alpha1/clusterservingruntimes`,
        ),
      ]).then(([own, cluster]) => [...(own?.items ?? []), ...(cluster?.items ?? [])])
      : Promise.resolve([] as ServingRuntime[]),
    eventsOfUid(modelUid),
  ]);
  // One rule for a model's events: by UID along its owner chain, never by name prefix. The
  // events of each object it owns are asked for by that object's UID, in parallel (the model's
  // own with the lists above).
  const uids = ownedUids(
    kserve || !hpa ? model.object : [model.object, hpa],
    [...deployments.items, ...replicaSets.items, ...pods.items, ...(hpa ? [hpa] : [])],
  );
  uids.delete(modelUid);
  const events = [...modelEvents, ...(await Promise.all([...uids].map(eventsOfUid))).flat()];
  const related = [...events]
    .sort((a, b) =>
      String(a.lastTimestamp ?? a.eventTime).localeCompare(String(b.lastTimestamp ?? b.eventTime))
    )
    .slice(-10);
  const isvc = model.backend === "kserve" ? model.object : undefined;
  const ready = model.backend === "kserve"
    ? isvcReady(model.object)
    : deploymentAvailable(model.object);
  const address = modelAddress(model, namespace, name);
  const conditions: ModelStatus["conditions"] = model.object.status?.conditions ?? [];
  const report: ModelStatus = {
    name,
    namespace,
    backend: model.backend,
    ...(isvc
      ? {
        mode: isvc.status?.deploymentMode ??
          isvc.metadata?.annotations?.["serving.kserve.io/deploymentMode"],
      }
      : {}),
    ready,
    ...(address.url ? { url: address.url } : {}),
    address: address.internal,
    conditions: conditions.map((c) => ({
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
    })),
    pods: pods.items.map((p) => ({
      // Every pod the API lists has a name and a spec.
      name: p.metadata?.name ?? "",
      phase: p.status?.phase ?? "Unknown",
      status: podStatus(p),
      ready: `${(p.status?.containerStatuses ?? []).filter((c) => c.ready).length}/${
        p.spec?.containers.length ?? 0
      }`,
      restarts: (p.status?.containerStatuses ?? []).reduce(
        (sum: number, c) => sum + (c.restartCount ?? 0),
        0,
      ),
    })),
    ...(hpa ? { hpa: hpaSummary(hpa) } : {}),
    events: related.map((e) => ({
      type: e.type,
      reason: e.reason,
      message: e.message,
      object: `${e.involvedObject?.kind}/${e.involvedObject?.name}`,
      uid: e.involvedObject?.uid,
    })),
  };
  if (isvc) report.runtime = servingRuntime(isvc, runtimes);
  const serving: Deployment[] = model.backend === "kserve"
    ? (rendersDeployments(model.object) ? deployments.items : [])
    : [model.object];
  const rolling = serving.flatMap((d) => {
    // Scaled to 0 (by the user, or KEDA's scale to zero) has nothing to roll out.
    const state = d.spec?.replicas === 0 ? true : deploymentRolledOut(d);
    return state === true ? [] : [`Deployment ${d.metadata?.name}: ${state}`];
  });
  if (serving.length) {
    report.rollout = rolling.length
      ? { complete: false, detail: rolling.join("; ") }
      : { complete: true };
  }
  const metadata = model.object.metadata;
  if (metadata?.deletionTimestamp) {
    report.deleting = { since: metadata.deletionTimestamp, finalizers: metadata.finalizers ?? [] };
  }
  const annotation = metadata?.annotations?.[MODE_ANNOTATION];
  // The KServe version matters only for a legacy mode value: found only then (4 requests).
  const legacy = kserve && annotation !== undefined && LEGACY_MODE_NAMES.includes(annotation);
  const installed = legacy ? await findKServe(kube).catch(() => undefined) : undefined;
  const fix = legacy
    ? legacyModeFix(annotation, isvc?.status?.deploymentMode, installed?.version)
    : undefined;
  if (fix) {
    report.warnings = [
      `${MODE_ANNOTATION}=${annotation} is a legacy value: KServe v0.16.0 rejects every update of this InferenceService (and its deletion hangs) until it reads ${fix}. Fix: kubectl annotate inferenceservice ${name} -n ${namespace} ${MODE_ANNOTATION}=${fix} --overwrite`,
    ];
  }
  if (ready && rolling.length) {
    // KServe (v0.20) and a Deployment stay Ready on the old pods while new ones fail: serving,
    // but not the spec last deployed.
    const why = explainPods(pods.items, events);
    (report.warnings ??= []).push(
      `the old pods serve while the rollout of the latest spec is not complete (${
        rolling.join("; ")
      })${
        why
          ? `: ${why}. Fix the spec and deploy again`
          : "; transient while new pods start (deploy --wait waits for it)"
      }`,
    );
  }
  if (!ready) {
    report.diagnosis = explainPods(pods.items, events) ??
      (isvc
        ? explainInferenceService(isvc, events)
        : "the Deployment has no available replicas yet");
  }
  writeOut(
    options.global.output === "json"
      ? JSON.stringify(report, null, 2) + "\n"
      : renderStatus(report),
  );
  return ready ? 0 : 1;
}

/**
 * The autoscaler in one line. An HPA without metrics yet reports `currentMetrics: [{type: ""}]`
 * (autoscaling/v2): entries without a value are left out rather than printed as "undefined ?%".
 */
export function hpaSummary(hpa: HorizontalPodAutoscaler): ModelStatus["hpa"] {
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

/** The runtime named in the spec, or the one the controller reports it chose (its status). */
function knownRuntime(isvc: InferenceService): string | undefined {
  const named = isvc.spec?.predictor?.model?.runtime;
  if (named) return `${named} (named in the spec)`;
  const reported = isvc.status?.servingRuntimeName ?? isvc.status?.clusterServingRuntimeName;
  return reported ? `${reported} (chosen by KServe)` : undefined;
}

/**
 * The runtime named in the spec; else the one the controller reports it chose (status); else,
 * before it has reconciled, the one KServe's selection would pick (lib/deploy/runtimes.ts).
 */
function servingRuntime(isvc: InferenceService, runtimes: ServingRuntime[]): string | undefined {
  const model = isvc.spec?.predictor?.model;
  if (!model) return undefined;
  const known = knownRuntime(isvc);
  if (known) return known;
  if (!model.modelFormat?.name) return undefined;
  const protocol = model.protocolVersion ?? "v1";
  const chosen = selectRuntime(runtimes, model.modelFormat, { protocol });
  return chosen && runtimes.length
    ? `${chosen.name} (selected for ${model.modelFormat.name}, protocol ${protocol})`
    : `none serves ${model.modelFormat.name} over protocol ${protocol}`;
}
