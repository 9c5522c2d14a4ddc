/**
 * Waits for a model to serve, and fails fast with the reason when waiting cannot help:
 * a rejected or invalid InferenceService, an image that cannot be pulled, a crashing or
 * unschedulable pod, or an exceeded quota.
 */
import { CliError } from "../errors.ts";
import type { Kube } from "../kube/client.ts";
import { waitFor } from "../kube/wait.ts";

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;

export interface ModelWait {
  namespace: string;
  name: string;
  /** The object whose readiness ends the wait, and the test for it. */
  path: string;
  ready(object: Obj | undefined): true | string;
  /** A reason found on the object itself (KServe's modelStatus), if any. */
  failedObject?(object: Obj): string | undefined;
  podSelector: string;
  /** Events about these object names (or name prefixes) can explain a failure. */
  eventPrefixes: string[];
  description: string;
}

const POD_FAILURES =
  /ImagePullBackOff|ErrImagePull|InvalidImageName|CrashLoopBackOff|CreateContainerConfigError|OOMKilled/;
// InternalError is left out: KServe also reports transient update conflicts with it.
const EVENT_FAILURES = ["ServerlessModeRejected", "FailedCreate", "InferenceServiceInvalid"];

/** Resolves with the ready object, or throws the first failure that waiting cannot fix. */
export async function waitForModel(
  kube: Kube,
  spec: ModelWait,
  timeoutMs: number,
  applied?: Obj,
): Promise<Obj> {
  const stop = new AbortController();
  const fail = (message: string) =>
    new CliError(`${spec.description} failed: ${message}`, {
      hint: `See everything about it with: kubectl kserve status ${spec.name} -n ${spec.namespace}`,
    });
  // Once it has existed, its disappearance is final: waiting longer cannot bring it back.
  let seen = applied !== undefined;
  const ready = waitFor<Obj>(kube, {
    path: spec.path,
    fieldSelector: `metadata.name=${spec.name}`,
    description: spec.description,
    ready: (items) => spec.ready(items[0]),
    failed: (items) => {
      const object = items[0];
      if (!object) return seen ? fail("it was deleted while waiting") : undefined;
      seen = true;
      const reason = spec.failedObject?.(object);
      return reason ? fail(reason) : undefined;
    },
  }, {
    timeoutMs,
    signal: stop.signal,
    ...(applied?.metadata?.resourceVersion
      ? { since: { items: [applied], resourceVersion: applied.metadata.resourceVersion } }
      : {}),
  });
  const mine = (name: string) =>
    spec.eventPrefixes.some((p) => name === p || name.startsWith(`${p}-`));
  const events = waitFor<Obj>(kube, {
    path: `/api/v1/namespaces/${spec.namespace}/events`,
    fieldSelector: "type=Warning",
    description: "events",
    ready: () => "watching",
    failed: (items) => {
      const event = items.find((e) =>
        mine(String(e.involvedObject?.name)) && EVENT_FAILURES.includes(e.reason) &&
        (e.reason !== "FailedCreate" || /exceeded quota|forbidden/.test(e.message))
      );
      return event ? fail(`${event.reason}: ${event.message}`) : undefined;
    },
  }, { timeoutMs, signal: stop.signal });
  const pods = waitFor<Obj>(kube, {
    path: `/api/v1/namespaces/${spec.namespace}/pods`,
    labelSelector: spec.podSelector,
    description: "pods",
    ready: () => "watching",
    failed: async (items) => {
      for (const pod of items) {
        const reason = await podFailure(kube, pod);
        if (reason) return fail(reason);
      }
      return undefined;
    },
  }, { timeoutMs, signal: stop.signal });
  try {
    const [object] = await Promise.race([ready, events, pods]);
    return object!;
  } finally {
    stop.abort();
    // The losers of the race end with the abort; their rejections are expected.
    for (const loser of [ready, events, pods]) loser.catch(() => {});
  }
}

async function podFailure(kube: Kube, pod: Obj): Promise<string | undefined> {
  const name = `pod ${pod.metadata.name}`;
  const scheduled = (pod.status?.conditions ?? []).find((c: Obj) => c.type === "PodScheduled");
  if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
    return `${name} cannot be scheduled (FailedScheduling): ${scheduled.message}`;
  }
  for (
    const status of [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ]
  ) {
    const reason = status.state?.waiting?.reason ?? status.lastState?.terminated?.reason;
    if (!reason || !POD_FAILURES.test(reason)) continue;
    if (reason === "CrashLoopBackOff") {
      const log = await kube.requestText(
        "GET",
        `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/log`,
        {
          query: { container: status.name, previous: true, tailLines: 20 },
          accept: "text/plain",
        },
      ).catch(() => "");
      const lines = log.trim().split("\n").slice(-5).join("\n      ");
      return `${name}: container ${status.name} is in CrashLoopBackOff${
        log ? `; last log lines:\n      ${lines}` : ""
      }`;
    }
    return `${name}: container ${status.name}: ${reason}${
      status.state?.waiting?.message ? `: ${status.state.waiting.message}` : ""
    }`;
  }
  return undefined;
}
