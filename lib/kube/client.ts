/**
 * The API connection every command uses: typed errors, 429 retries, watches and apply.
 * Nothing is loaded or dialled until a command connects; transport.ts picks how to send.
 */
import { delay } from "../async.ts";
import { FIELD_MANAGER, TIMINGS } from "../defaults.ts";
import { CliError } from "../errors.ts";
import { writeErr } from "../output.ts";
import { CLIENT_VERSION } from "../version.ts";
import { errorFromNetwork, errorFromResponse, KubeApiError, type RequestTarget } from "./errors.ts";
import { requestTarget } from "./target.ts";
import { type ConnectionFlags, loadKubeconfig } from "./load.ts";
import type { KubeconfigSelection } from "./kubeconfig.ts";
import { splitLines } from "./lines.ts";
import type { HttpResponse } from "./http.ts";
import { openTransport, type Transport } from "./transport.ts";

export interface KubeFlags extends ConnectionFlags {
  /** 0 means no timeout, as with kubectl. */
  requestTimeoutMs?: number;
  /** Logs every request with its status and duration to stderr, like kubectl -v=6. */
  verbose?: boolean;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** More request headers (a Knative revision's for its activator, through the service proxy). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** A minimal Kubernetes object, enough to address it. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** The API server's metadata-only rendering of an object (its managed fields included). */
const METADATA_ONLY = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";
/** The same for a list: items carry metadata only (no spec, no status). */
export const METADATA_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";

/** Shown in the API server's audit log, as kubectl's own is. */
const USER_AGENT = `kubectl-kserve/${CLIENT_VERSION} (${Deno.build.os}/${Deno.build.arch})`;

/** Attempts for a request the API server throttles (429) before its error is reported. */
const MAX_ATTEMPTS = 10;

/** One event of a watch stream. */
export interface WatchEvent<T> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T;
}

/** An API connection for one kubeconfig context. */
export class Kube {
  readonly selection: KubeconfigSelection;
  readonly namespace: string;
  readonly server: string;
  readonly #transport: Transport;
  readonly #timeoutMs: number;
  readonly #verbose: boolean;
  /** API requests sent by every client in this process; benchmarks report it. */
  static requestsSent = 0;

  private constructor(transport: Transport, selection: KubeconfigSelection, flags: KubeFlags) {
    this.#transport = transport;
    this.#verbose = flags.verbose === true;
    this.selection = selection;
    this.namespace = selection.namespace;
    this.server = String(selection.cluster.cluster.server).replace(/\/$/, "");
    this.#timeoutMs = flags.requestTimeoutMs ?? TIMINGS.requestMs;
  }

  /** Loads the kubeconfig the way kubectl does and prepares a client; sends nothing yet. */
  static async connect(flags: KubeFlags): Promise<Kube> {
    const selection = await loadKubeconfig(flags);
    const transport = await openTransport(selection);
    return new Kube(transport, selection, flags);
  }

  /** Sends one request and returns the parsed JSON body; failures become typed errors. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const text = await this.requestText(method, path, options);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Like request(), but returns the body as text. */
  async requestText(method: string, path: string, options: RequestOptions = {}): Promise<string> {
    // The API server answers 429 with Retry-After while it throttles or while a new CRD's
    // storage initialises; kubectl retries those, and so do we, a bounded number of times.
    for (let attempt = 1;; attempt++) {
      const { status, text, retryAfter } = await this.#send(method, path, options);
      if (status === 429 && attempt < MAX_ATTEMPTS) {
        // A new CRD's storage is ready within a fraction of the second it asks for: the first
        // retries come sooner, later ones honour Retry-After.
        const seconds = attempt <= 3 ? 0.25 : Math.min(retryAfter ?? 1, 5);
        await delay(seconds * 1000, options.signal);
        continue;
      }
      if (status >= 400) throw errorFromResponse(this.#target(method, path), status, text);
      return text;
    }
  }

  async #send(
    method: string,
    path: string,
    options: RequestOptions,
  ): Promise<{ status: number; text: string; retryAfter?: number }> {
    const timeout = this.#timeoutMs > 0 ? AbortSignal.timeout(this.#timeoutMs) : undefined;
    const signals = [options.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
    try {
      const response = await this.#open(method, path, options, AbortSignal.any(signals));
      const retryAfter = Number(response.header("retry-after") ?? NaN);
      return {
        status: response.status,
        text: await response.text(),
        ...(Number.isFinite(retryAfter) ? { retryAfter } : {}),
      };
    } catch (error) {
      throw this.#failure(method, path, error, options.signal);
    }
  }

  /**
   * Sends one request and returns its body as it arrives (a model server's server-sent events
   * through the service proxy). --request-timeout bounds the wait for the answer's headers, not
   * the body, which lasts as long as the server writes. Failures as requestText()'s.
   */
  async requestStream(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ReadableStream<Uint8Array>> {
    const headers = new AbortController();
    const timer = this.#timeoutMs > 0
      ? setTimeout(
        () => headers.abort(new DOMException("timed out", "TimeoutError")),
        this.#timeoutMs,
      )
      : undefined;
    const signals = [options.signal, headers.signal].filter((s): s is AbortSignal => !!s);
    try {
      const response = await this.#open(method, path, options, AbortSignal.any(signals));
      if (response.status < 400) {
        return response.stream() ?? new ReadableStream({ start: (c) => c.close() });
      }
      throw errorFromResponse(this.#target(method, path), response.status, await response.text());
    } catch (error) {
      throw this.#failure(method, path, error, options.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a request, bounded by `signal`, and logs its status (-v) as `logAs`. */
  async #open(
    method: string,
    path: string,
    options: RequestOptions,
    signal: AbortSignal,
    logAs = method,
  ): Promise<HttpResponse> {
    const url = this.#url(path, options.query ?? {});
    const headers: Record<string, string> = {
      ...options.headers,
      Accept: options.accept ?? "application/json",
      "User-Agent": USER_AGENT,
    };
    const body = options.body;
    if (body !== undefined) headers["Content-Type"] = options.contentType ?? "application/json";
    Kube.requestsSent++;
    const started = performance.now();
    const response = await this.#transport.send({
      method,
      url: url.toString(),
      headers,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      signal,
    });
    this.#log(logAs, url, response.status, started);
    return response;
  }

  /** The error a request failed with: the caller's abort, a typed error, or the network's. */
  #failure(method: string, path: string, error: unknown, callerSignal?: AbortSignal): unknown {
    if (callerSignal?.aborted) return callerSignal.reason;
    if (error instanceof CliError) return error; // a credential that cannot be read, say
    return errorFromNetwork(this.#target(method, path), error, this.#timeoutMs || undefined);
  }

  /**
   * Streams watch events for a collection until the server ends the watch or `signal` aborts.
   * No request timeout applies: the caller bounds the watch with timeoutSeconds and the signal.
   */
  async *watch<T>(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    signal: AbortSignal,
  ): AsyncGenerator<WatchEvent<T>> {
    const target = this.#target("WATCH", path);
    let lines: ReadableStream<string>;
    try {
      const watch = { query: { ...query, watch: true } };
      const response = await this.#open("GET", path, watch, signal, "WATCH");
      if (response.status === 429) {
        // Throttled: end this watch; the caller lists again, which retries with backoff.
        await response.text();
        await delay(TIMINGS.throttledWatchMs, signal).catch(() => {}); // an abort ends the wait, and the watch
        return;
      }
      if (response.status >= 400) {
        throw errorFromResponse(target, response.status, await response.text());
      }
      const body = response.stream();
      if (!body) return;
      lines = body.pipeThrough(new TextDecoderStream()).pipeThrough(splitLines());
    } catch (error) {
      if (error instanceof KubeApiError || error instanceof CliError) throw error;
      if (signal.aborted) return; // the caller's deadline or cancellation ends the watch quietly
      throw errorFromNetwork(target, error, undefined);
    }
    // An aborted response body may never settle a pending read, so each read races the signal.
    const reader = lines.getReader();
    const aborted = new Promise<"aborted">((resolve) => {
      if (signal.aborted) resolve("aborted");
      signal.addEventListener("abort", () => resolve("aborted"), { once: true });
    });
    try {
      for (;;) {
        const next = await Promise.race([reader.read(), aborted]);
        if (next === "aborted" || next.done) return;
        if (next.value.trim()) yield JSON.parse(next.value) as WatchEvent<T>;
      }
    } catch (error) {
      if (signal.aborted) return;
      throw errorFromNetwork(target, error, undefined);
    } finally {
      reader.cancel().catch(() => {});
    }
  }

  /** GETs a path, returning undefined on 404 instead of throwing. */
  async getOptional<T>(path: string, options: RequestOptions = {}): Promise<T | undefined> {
    try {
      return await this.request<T>("GET", path, options);
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw error;
    }
  }

  /**
   * Server-side apply with this tool's field manager. The body is an object or its YAML text;
   * `metadataOnly` asks for the result's metadata alone, which spares parsing a large object.
   */
  apply<T extends KubeObject>(
    path: string,
    object: T | string,
    options: { dryRun?: boolean; force?: boolean; metadataOnly?: boolean } = {},
  ): Promise<T> {
    return this.request<T>("PATCH", path, {
      body: object,
      contentType: "application/apply-patch+yaml",
      ...(options.metadataOnly ? { accept: METADATA_ONLY } : {}),
      query: {
        fieldManager: FIELD_MANAGER,
        force: options.force ?? true,
        dryRun: options.dryRun ? "All" : undefined,
      },
    });
  }

  /**
   * DELETE, with background propagation; `foreground`: the object stays until the dependents
   * that block it are gone (kubectl --cascade=foreground). With `dryRun` the API server validates the delete
   * (admission, RBAC) and persists nothing. It reads dryRun from the DeleteOptions body when a
   * body is sent, and ignores the query then, so the body carries it as well as the query.
   */
  delete(
    path: string,
    options: { dryRun?: boolean; signal?: AbortSignal; foreground?: boolean } = {},
  ): Promise<unknown> {
    return this.request("DELETE", path, {
      query: { dryRun: options.dryRun ? "All" : undefined },
      body: {
        apiVersion: "v1",
        kind: "DeleteOptions",
        propagationPolicy: options.foreground ? "Foreground" : "Background",
        ...(options.dryRun ? { dryRun: ["All"] } : {}),
      },
      signal: options.signal,
    });
  }

  #url(path: string, query: Record<string, string | number | boolean | undefined>): URL {
    const url = new URL(this.server + path);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  #log(method: string, url: URL, status: number, started: number): void {
    if (!this.#verbose) return;
    const now = performance.now();
    // The offset from process start shows where time goes between requests, too.
    writeErr(
      `[+${started.toFixed(0)}ms] ${method} ${url.pathname}${url.search} ${status} in ${
        (now - started).toFixed(0)
      } ms\n`,
    );
  }

  #target(method: string, path: string): RequestTarget {
    return requestTarget(this.selection, this.server, method, path);
  }
}
