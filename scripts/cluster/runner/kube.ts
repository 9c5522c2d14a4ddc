// A minimal Kubernetes API client for the test cluster's own processes (the pod runner and
// the cert-manager double): fetch with a client certificate or token, list+watch informers,
// and Events like the kubelet's.
import type { KObject, Pod } from "./types.ts";

/** An API request that the server answered with a non-2xx status. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "ApiError";
  }
}

let logPrefix = "";

/** Sets what prefixes every log line (the cert-manager double names its role). */
export function setLogPrefix(prefix: string): void {
  logPrefix = prefix;
}

/** Logs one line to stderr (the runner's log is $STATE/logs/pod-runner.log; a pod's is its log). */
export function log(message: string): void {
  console.error(`${new Date().toISOString()} ${logPrefix}${message}`);
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

export class Kube {
  readonly #server: string;
  readonly #client: Deno.HttpClient;
  readonly #auth: Record<string, string>;

  constructor(server: string, client: Deno.HttpClient, token?: string) {
    this.#server = server.replace(/\/$/, "");
    this.#client = client;
    this.#auth = token ? { Authorization: `Bearer ${token}` } : {};
  }

  /** A client for `server` with the cluster CA and admin cert in `pkiDir` (see pki.sh). */
  static fromPki(server: string, pkiDir: string): Kube {
    return new Kube(
      server,
      Deno.createHttpClient({
        caCerts: [Deno.readTextFileSync(`${pkiDir}/ca.crt`)],
        cert: Deno.readTextFileSync(`${pkiDir}/admin.crt`),
        key: Deno.readTextFileSync(`${pkiDir}/admin.key`),
      }),
    );
  }

  /** Sends one request; returns the decoded JSON body, or null for 404 when `allow404`. */
  async request<T>(
    method: string,
    path: string,
    opts: { body?: unknown; contentType?: string; allow404?: boolean; signal?: AbortSignal } = {},
  ): Promise<T> {
    const res = await fetch(this.#server + path, {
      method,
      client: this.#client,
      signal: opts.signal ?? AbortSignal.timeout(30_000),
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
    if (res.status === 404 && opts.allow404) return null as T;
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
    return this.request<T>("PATCH", path, { body, contentType: "application/merge-patch+json" });
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
    let buffered = "";
    for await (const chunk of res.body.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.trim()) yield JSON.parse(line) as { type: string; object: KObject };
      }
    }
  }
}

/** Keeps an up-to-date cache of one collection, and calls `onChange` after every change. */
export class Informer<T extends KObject> {
  readonly items = new Map<string, T>();
  synced = false;

  constructor(
    readonly kube: Kube,
    readonly path: string,
    readonly onChange: () => void,
  ) {}

  /**
   * Records an object this process just wrote, so that a reconcile running before the watch
   * delivers it does not act on the stale copy (the double would reissue certificates twice).
   */
  upsert(obj: T): void {
    const old = this.items.get(key(obj));
    if (!old || rvNumber(obj) >= rvNumber(old)) this.items.set(key(obj), obj);
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const list = await this.kube.request<{ metadata: { resourceVersion: string }; items: T[] }>(
          "GET",
          this.path,
          { signal },
        );
        this.items.clear();
        for (const item of list.items) this.items.set(key(item), item);
        this.synced = true;
        this.onChange();
        let rv = list.metadata.resourceVersion;
        while (!signal.aborted) {
          for await (const ev of this.kube.watch(this.path, rv, signal)) {
            if (ev.type === "ERROR") throw new ApiError(410, "watch expired");
            rv = ev.object.metadata.resourceVersion ?? rv;
            if (ev.type === "BOOKMARK") continue;
            if (ev.type === "DELETED") this.items.delete(key(ev.object));
            else this.upsert(ev.object as T);
            this.onChange();
          }
        }
      } catch (e) {
        if (signal.aborted) return;
        if (!(e instanceof ApiError && e.status === 410)) log(`list/watch ${this.path}: ${e}`);
        await sleep(1000, signal);
      }
    }
  }
}

function rvNumber(o: KObject): number {
  return Number(o.metadata.resourceVersion ?? 0);
}

/**
 * Records Events on pods as the kubelet does (source component "kubelet", host = node). A
 * repeated event (same pod, reason and message) bumps the count of the first one.
 */
export class EventRecorder {
  readonly #seen = new Map<string, { name: string; count: number }>();

  constructor(readonly kube: Kube) {}

  async record(
    pod: Pod,
    type: "Normal" | "Warning",
    reason: string,
    message: string,
  ): Promise<void> {
    const ns = pod.metadata.namespace!;
    const id = `${pod.metadata.uid}/${reason}/${message}`;
    const now = new Date().toISOString();
    const seen = this.#seen.get(id);
    try {
      if (seen) {
        seen.count++;
        await this.kube.request("PATCH", `/api/v1/namespaces/${ns}/events/${seen.name}`, {
          body: { count: seen.count, lastTimestamp: now },
          contentType: "application/merge-patch+json",
        });
        return;
      }
      const name = `${pod.metadata.name}.${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
      await this.kube.request("POST", `/api/v1/namespaces/${ns}/events`, {
        body: {
          apiVersion: "v1",
          kind: "Event",
          metadata: { name, namespace: ns },
          involvedObject: {
            apiVersion: "v1",
            kind: "Pod",
            name: pod.metadata.name,
            namespace: ns,
            uid: pod.metadata.uid,
            resourceVersion: pod.metadata.resourceVersion,
          },
          type,
          reason,
          message,
          source: { component: "kubelet", host: pod.spec.nodeName },
          reportingComponent: "kubelet",
          reportingInstance: pod.spec.nodeName,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
      this.#seen.set(id, { name, count: 1 });
    } catch (e) {
      log(`cannot record event ${reason} on ${key(pod)}: ${e}`);
    }
  }

  /** Forgets a pod's events (when the pod is gone). */
  forget(uid: string): void {
    for (const id of this.#seen.keys()) if (id.startsWith(`${uid}/`)) this.#seen.delete(id);
  }
}
