/**
 * The gathering `status` does for every kind: its pods, ReplicaSets,
 * Deployments and HPA by name and label, its events by UID along its owner chain, its rollout.
 */
import type { V1Pod, V1ReplicaSet } from "@kubernetes/client-node";
import type { Kube } from "../kube/client.ts";
import type { Deployment, HorizontalPodAutoscaler } from "../kube/objects.ts";
import { deploymentRolledOut, type Event, explainPods, podStatus } from "../kserve/diagnose.ts";
import { ownedUids } from "../kserve/events.ts";
import type { Backend } from "../options.ts";
import { hpaSummary } from "./hpa.ts";
import type { ModelAddress, ModelObject, ModelStatus } from "./kind.ts";

/** What a model's objects are, read once. `events`: the model's own and its owned objects'. */
export interface Observed {
  pods: V1Pod[];
  deployments: Deployment[];
  hpa?: HorizontalPodAutoscaler;
  events: Event[];
  /** By pod name: the last lines of a crash-looping container's previous run (its cause). */
  logs: Record<string, string>;
}

/**
 * Reads a model's objects. Everything is asked for by name, label or field selector: the cost
 * follows this model, not the number of other objects in its namespace. `listDeployments`: the
 * kind's Deployments are rendered by a controller (found by label), not the main object.
 * `hpaIsRoot`: the HPA was written with the model (its events are the model's).
 */
export async function observe(
  kube: Kube,
  object: ModelObject,
  target: {
    namespace: string;
    podSelector: string;
    hpaName: string;
    listDeployments: boolean;
    hpaIsRoot: boolean;
  },
): Promise<Observed> {
  const { namespace, podSelector } = target;
  const eventsOfUid = (uid: string) =>
    kube.request<{ items: Event[] }>("GET", `/api/v1/namespaces/${namespace}/events`, {
      query: { fieldSelector: `involvedObject.uid=${uid}` },
    }).then((list) => list.items);
  const modelUid = String(object.metadata?.uid);
  const apps = `/apis/apps/v1/namespaces/${namespace}`;
  const [pods, replicaSets, deployments, hpa, modelEvents] = await Promise.all([
    kube.request<{ items: V1Pod[] }>("GET", `/api/v1/namespaces/${namespace}/pods`, {
      query: { labelSelector: podSelector },
    }),
    kube.request<{ items: V1ReplicaSet[] }>("GET", `${apps}/replicasets`, {
      query: { labelSelector: podSelector },
    }),
    target.listDeployments
      ? kube.request<{ items: Deployment[] }>("GET", `${apps}/deployments`, {
        query: { labelSelector: podSelector },
      })
      : Promise.resolve({ items: [] as Deployment[] }),
    kube.getOptional<HorizontalPodAutoscaler>(
      `/apis/autoscaling/v2/namespaces/${namespace}/horizontalpodautoscalers/${target.hpaName}`,
    ),
    eventsOfUid(modelUid),
  ]);
  // One rule for a model's events: by UID along its owner chain, never by name prefix. The
  // events of each object it owns are asked for by that object's UID, in parallel.
  const uids = ownedUids(
    target.hpaIsRoot && hpa ? [object, hpa] : object,
    [...deployments.items, ...replicaSets.items, ...pods.items, ...(hpa ? [hpa] : [])],
  );
  uids.delete(modelUid);
  const [events, logs] = await Promise.all([
    Promise.all([...uids].map(eventsOfUid)).then((lists) => [...modelEvents, ...lists.flat()]),
    crashLogs(kube, pods.items),
  ]);
  return {
    pods: pods.items,
    deployments: deployments.items,
    ...(hpa ? { hpa } : {}),
    events,
    logs,
  };
}

/**
 * The previous run's last lines of each pod's first crash-looping container (init containers
 * first: a storage initializer whose download fails), by pod name. A log that cannot be read
 * leaves the pod out: the crash is reported without its cause.
 */
async function crashLogs(kube: Kube, pods: V1Pod[]): Promise<Record<string, string>> {
  const reads = pods.flatMap((pod) => {
    const crashing = [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ].find((status) => status.state?.waiting?.reason === "CrashLoopBackOff");
    if (!crashing) return [];
    const name = pod.metadata?.name ?? "";
    return [
      kube.requestText("GET", `/api/v1/namespaces/${pod.metadata?.namespace}/pods/${name}/log`, {
        query: { container: crashing.name, previous: true, tailLines: 20 },
        accept: "text/plain",
      }).then((log) => [name, log] as const, () => undefined),
    ];
  });
  const read = await Promise.all(reads);
  return Object.fromEntries(read.filter((entry) => entry !== undefined));
}

/** The report's parts every kind has, from what was observed. */
export function baseReport(
  model: {
    backend: Backend;
    object: ModelObject;
    name: string;
    namespace: string;
    mode?: string;
  },
  observed: Observed,
  ready: boolean,
  address: ModelAddress,
): ModelStatus {
  const { object } = model;
  const related = [...observed.events]
    .sort((a, b) =>
      String(a.lastTimestamp ?? a.eventTime).localeCompare(String(b.lastTimestamp ?? b.eventTime))
    )
    .slice(-10);
  const report: ModelStatus = {
    name: model.name,
    namespace: model.namespace,
    backend: model.backend,
    ...(model.mode !== undefined ? { mode: model.mode } : {}),
    ready,
    ...(address.url ? { url: address.url } : {}),
    address: address.internal,
    conditions: (object.status?.conditions ?? []).map((c) => ({
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
    })),
    pods: observed.pods.map((p) => ({
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
    ...(observed.hpa ? { hpa: hpaSummary(observed.hpa) } : {}),
    events: related.map((e) => ({
      type: e.type,
      reason: e.reason,
      message: e.message,
      object: `${e.involvedObject?.kind}/${e.involvedObject?.name}`,
      uid: e.involvedObject?.uid,
    })),
  };
  return report;
}

/**
 * Adds the rollout of the Deployments that serve the model, a pending delete, and what is wrong:
 * the kind's `warnings` about the object, a rollout that fails behind Ready pods, and for a
 * model that is not ready the kind's diagnosis (`diagnose`).
 */
export function finishReport(
  report: ModelStatus,
  object: ModelObject,
  observed: Observed,
  serving: Deployment[],
  warnings: string[],
  diagnose: () => string,
): ModelStatus {
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
  const metadata = object.metadata;
  if (metadata?.deletionTimestamp) {
    report.deleting = { since: metadata.deletionTimestamp, finalizers: metadata.finalizers ?? [] };
  }
  if (warnings.length) report.warnings = [...warnings];
  if (report.ready && rolling.length) {
    // KServe (v0.20) and a Deployment stay Ready on the old pods while new ones fail: serving,
    // but not the spec last deployed.
    const why = explainPods(observed.pods, observed.events, observed.logs);
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
  if (!report.ready) report.diagnosis = diagnose();
  return report;
}
