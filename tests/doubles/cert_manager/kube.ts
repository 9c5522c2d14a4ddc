// A minimal Kubernetes API client for the cert-manager double: plain fetch with the admin
// kubeconfig's client certificate, list+watch informers, and a serial reconcile loop.
import { parse } from "yaml";

export interface Metadata {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
}

export interface KObject {
  apiVersion?: string;
  kind?: string;
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

/** An API request that the server answered with a non-2xx status. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "ApiError";
  }
}

let logRole = "cert-manager-double";

/** Sets the role name that prefixes every log line. */
export function setLogRole(role: string): void {
  logRole = `cert-manager-double ${role}`;
}

/** Logs one line to stderr, as the pod's log. */
export function log(message: string): void {
  console.error(`${new Date().toISOString()} ${logRole}: ${message}`);
}

/** Resolves after `ms`, or early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}

export function key(o: KObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

interface Kubeconfig {
  "current-context"?: string;
  contexts?: { name: string; context: { cluster: string; user: string } }[];
  clusters?: { name: string; cluster: { server: string; "certificate-authority-data"?: string } }[];
  users?: {
    name: string;
    user: { "client-certificate-data"?: string; "client-key-data"?: string; token?: string };
  }[];
}

export class Kube {
  readonly #server: string;
  readonly #client: Deno.HttpClient;
  readonly #auth: Record<string, string>;

  constructor(server: string, client: Deno.HttpClient, token?: string) {
    this.#server = server.replace(/\/$/, "");
    this.#client = client;
    this.#auth = token ? { Authorization: `Bearer ${token}` } : {};
  }

  /** Builds a client from a kubeconfig with embedded CA data and client cert/key or a token. */
  static fromKubeconfig(path: string): Kube {
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

  /** Sends one request and returns the decoded JSON body; throws ApiError unless 2xx. */
  async request<T>(
    method: string,
    path: string,
    opts: { body?: unknown; contentType?: string; signal?: AbortSignal } = {},
  ): Promise<T> {
    const res = await fetch(this.#server + path, {
      method,
      client: this.#client,
      signal: opts.signal,
      headers: {
        ...this.#auth,
        "Accept": "application/json",
        ...(opts.body === undefined
          ? {}
          : { "Content-Type": opts.contentType ?? "application/json" }),
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    if (!res.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch { /* not a Status object */ }
      throw new ApiError(res.status, `${method} ${path}: ${res.status} ${message}`);
    }
    return JSON.parse(text) as T;
  }

  mergePatch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PATCH", path, {
      body,
      contentType: "application/merge-patch+json",
    });
  }

  jsonPatch<T>(path: string, ops: unknown[]): Promise<T> {
    return this.request<T>("PATCH", path, {
      body: ops,
      contentType: "application/json-patch+json",
    });
  }

  /** Opens a watch and yields its events until the server ends the stream. */
  async *watch(path: string, resourceVersion: string, signal: AbortSignal) {
    const sep = path.includes("?") ? "&" : "?";
    const url = `${this.#server}${path}${sep}watch=1&allowWatchBookmarks=true` +
      `&timeoutSeconds=300&resourceVersion=${encodeURIComponent(resourceVersion)}`;
    const res = await fetch(url, { client: this.#client, signal, headers: this.#auth });
    if (!res.ok || !res.body) throw new ApiError(res.status, `watch ${path}: ${await res.text()}`);
    // Events are newline-delimited JSON; one CRD event can span many chunks.
    let parts: string[] = [];
    for await (const chunk of res.body.pipeThrough(new TextDecoderStream())) {
      let rest = chunk;
      let nl: number;
      while ((nl = rest.indexOf("\n")) >= 0) {
        parts.push(rest.slice(0, nl));
        const line = parts.join("");
        parts = [];
        rest = rest.slice(nl + 1);
        if (line.trim()) yield JSON.parse(line) as { type: string; object: KObject };
      }
      parts.push(rest);
    }
  }
}

/** Keeps an up-to-date cache of one collection, and calls `onChange` after every change. */
export class Informer<T extends KObject> {
  readonly items = new Map<string, T>();
  synced = false;
  readonly #kube: Kube;
  readonly #path: string;
  readonly #onChange: () => void;

  constructor(kube: Kube, path: string, onChange: () => void) {
    this.#kube = kube;
    this.#path = path;
    this.#onChange = onChange;
  }

  /**
   * Records an object this process just wrote, so that a reconcile running before the watch
   * delivers it does not act on the stale copy (that would reissue certificates twice).
   */
  upsert(obj: T): void {
    const old = this.items.get(key(obj));
    if (!old || rvNumber(obj) >= rvNumber(old)) this.items.set(key(obj), obj);
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const list = await this.#kube.request<
          { metadata: { resourceVersion: string }; items: T[] }
        >(
          "GET",
          this.#path,
          { signal },
        );
        this.items.clear();
        for (const item of list.items) this.items.set(key(item), item);
        this.synced = true;
        this.#onChange();
        let rv = list.metadata.resourceVersion;
        while (!signal.aborted) {
          for await (const ev of this.#kube.watch(this.#path, rv, signal)) {
            if (ev.type === "ERROR") throw new ApiError(410, "watch expired");
            rv = ev.object.metadata.resourceVersion ?? rv;
            if (ev.type === "BOOKMARK") continue;
            if (ev.type === "DELETED") this.items.delete(key(ev.object));
            else this.upsert(ev.object as T);
            this.#onChange();
          }
        }
      } catch (e) {
        if (signal.aborted) return;
        if (!(e instanceof ApiError && e.status === 410)) log(`list/watch ${this.#path}: ${e}`);
        await sleep(1000, signal);
      }
    }
  }
}

function rvNumber(o: KObject): number {
  return Number(o.metadata.resourceVersion ?? 0);
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
