// What a runner pod shows through the API: its status (as the kubelet writes it: phase,
// PodReadyToStartContainers/Initialized/ContainersReady/Ready, container states, restart counts)
// and the kwok Logs object that lets `kubectl logs` read the process's log file.
import type { ContainerRunner } from "./container.ts";
import { lookupImage } from "./images.ts";
import { key, type Kube, log } from "./kube.ts";
import type { Condition, Container, ContainerStatus, Pod } from "./types.ts";

/** The status the runner patches (strategic merge, so PodScheduled and the IPs stay kwok's). */
export function podStatus(pod: Pod, containers: Map<string, ContainerRunner>) {
  const startedAt = pod.status?.startTime ?? new Date().toISOString();
  const statuses: ContainerStatus[] = pod.spec.containers.map((c) => {
    const r = containers.get(c.name);
    const base = { name: c.name, image: c.image, imageID: "" };
    if (!lookupImage(c.image)) {
      const state = { running: { startedAt } };
      return { ...base, ready: true, started: true, restartCount: 0, state, lastState: {} };
    }
    if (!r) {
      const state = { waiting: { reason: "ContainerCreating" } };
      return { ...base, ready: false, started: false, restartCount: 0, state, lastState: {} };
    }
    return {
      ...base,
      ...(r.pid ? { containerID: `runner://${r.pid}` } : {}),
      ready: r.ready,
      started: r.running,
      restartCount: r.restartCount,
      state: r.state,
      lastState: r.lastState,
    };
  });
  const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
  const anyStarted = [...containers.values()].some((r) => r.started);
  const old = pod.status?.conditions ?? [];
  const cond = (type: string, ok: boolean, reason?: string, message?: string): Condition => {
    const prev = old.find((c) => c.type === type);
    const status = ok ? "True" : "False";
    return {
      type,
      status,
      // null removes a reason left from an earlier False (the patch is a strategic merge).
      ...(ok ? { reason: null, message: null } : { reason, message }),
      lastProbeTime: null,
      lastTransitionTime: prev?.status === status && prev.lastTransitionTime
        ? prev.lastTransitionTime
        : new Date().toISOString(),
    };
  };
  const why = `containers with unready status: [${unready.join(" ")}]`;
  return {
    phase: anyStarted ? "Running" : "Pending",
    conditions: [
      cond("PodReadyToStartContainers", true),
      cond("Initialized", true),
      cond("ContainersReady", unready.length === 0, "ContainersNotReady", why),
      cond("Ready", unready.length === 0, "ContainersNotReady", why),
    ],
    containerStatuses: statuses,
  };
}

/** kwok serves `kubectl logs` from the files named in a Logs object (its --enable-crds=Logs). */
export async function ensureLogsObject(
  kube: Kube,
  pod: Pod,
  runnable: Container[],
  logDir: string,
): Promise<void> {
  const { namespace, name, uid } = pod.metadata;
  await Deno.writeTextFile(`${logDir}/.empty.log`, "");
  const logs = runnable.map((c) => ({
    containers: [c.name],
    logsFile: `${logDir}/${c.name}.log`,
    previousLogsFile: `${logDir}/${c.name}.previous.log`,
  }));
  const body = {
    apiVersion: "kwok.x-k8s.io/v1alpha1",
    kind: "Logs",
    metadata: {
      name,
      namespace,
      ownerReferences: [{ apiVersion: "v1", kind: "Pod", name, uid }],
    },
    // Containers the runner does not play have empty logs.
    spec: { logs: [...logs, { logsFile: `${logDir}/.empty.log` }] },
  };
  const path = `/apis/kwok.x-k8s.io/v1alpha1/namespaces/${namespace}/logs`;
  try {
    await kube.request("DELETE", `${path}/${name}`, { allow404: true });
    await kube.request("POST", path, { body });
  } catch (e) {
    log(`${key(pod)}: cannot create kwok Logs object (kubectl logs will not work): ${e}`);
  }
}
