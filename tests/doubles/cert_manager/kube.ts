// The cert-manager double's view of the API: the test cluster's client (the pod runner's),
// built from the pod's kubeconfig, the object types it reads, and a serial reconcile loop.
import { parse } from "yaml";
import {
  ApiError,
  Informer,
  key,
  Kube,
  log,
  setLogPrefix,
  sleep,
} from "../../../scripts/cluster/runner/kube.ts";
import type { KObject as RunnerObject, ObjectMeta } from "../../../scripts/cluster/runner/types.ts";

export { ApiError, Informer, key, Kube, log, sleep };

export interface Metadata extends ObjectMeta {
  generation?: number;
}

export interface KObject extends RunnerObject {
  metadata: Metadata;
}

export interface Secret extends KObject {
  type?: string;
  data?: Record<string, string>;
}

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

/** Sets the role name that prefixes every log line. */
export function setLogRole(role: string): void {
  setLogPrefix(`cert-manager-double ${role}: `);
}

setLogPrefix("cert-manager-double: ");

interface Kubeconfig {
  "current-context"?: string;
  contexts?: { name: string; context: { cluster: string; user: string } }[];
  clusters?: { name: string; cluster: { server: string; "certificate-authority-data"?: string } }[];
  users?: {
    name: string;
    user: { "client-certificate-data"?: string; "client-key-data"?: string; token?: string };
  }[];
}

/** Builds a client from a kubeconfig with embedded CA data and client cert/key or a token. */
export function kubeFromKubeconfig(path: string): Kube {
  const kc = parse(Deno.readTextFileSync(path)) as Kubeconfig;
  const ctxName = kc["current-context"] ?? kc.contexts?.[0]?.name;
  const ctx = kc.contexts?.find((c) => c.name === ctxName)?.context;
  const cluster = kc.clusters?.find((c) => c.name === ctx?.cluster)?.cluster ??
    kc.clusters?.[0]?.cluster;
  const user = kc.users?.find((u) => u.name === ctx?.user)?.user ?? kc.users?.[0]?.user;
  const ca = cluster?.["certificate-authority-data"];
  const cert = user?.["client-certificate-data"];
  const clientKey = user?.["client-key-data"];
  if (!cluster || !ca || !((cert && clientKey) || user?.token)) {
    throw new TypeError(
      `Cannot use kubeconfig "${path}": it needs embedded CA data and client cert/key or a token`,
    );
  }
  const client = Deno.createHttpClient({
    caCerts: [atob(ca)],
    ...(cert && clientKey ? { cert: atob(cert), key: atob(clientKey) } : {}),
  });
  return new Kube(cluster.server, client, user?.token);
}

/**
 * Runs `reconcile` serially: a trigger during a run queues exactly one more run. Bursts are
 * coalesced, and a periodic resync retries failed writes and renews certificates in time.
 */
export function reconcileLoop(
  reconcile: () => Promise<void>,
  signal: AbortSignal,
  resyncMs = 10_000,
): () => void {
  let pending = false;
  let running = false;
  async function drain() {
    running = true;
    while (pending && !signal.aborted) {
      pending = false;
      await sleep(150, signal);
      try {
        await reconcile();
      } catch (e) {
        log(`reconcile failed (will retry): ${e instanceof Error ? e.message : e}`);
      }
    }
    running = false;
  }
  function trigger() {
    pending = true;
    if (!running) void drain();
  }
  const timer = setInterval(trigger, resyncMs);
  signal.addEventListener("abort", () => clearInterval(timer), { once: true });
  return trigger;
}

/** Waits until every informer has listed once; false if `signal` aborted first. */
export async function waitSynced(
  informers: Informer<KObject>[],
  signal: AbortSignal,
): Promise<boolean> {
  while (!signal.aborted && !informers.every((i) => i.synced)) await sleep(100, signal);
  return !signal.aborted;
}
