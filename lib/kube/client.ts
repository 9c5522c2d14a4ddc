/**
 * The API client every command uses: JSON requests with typed errors and 429 retries, reads
 * that may find nothing, apply and delete. Nothing is loaded or dialled until a command
 * connects; transport.ts picks how to send, connection.ts sends, streams.ts reads streamed
 * answers (a proxied server's events, watches).
 */
import { delay } from "../async.ts";
import { FIELD_MANAGER } from "../defaults.ts";
import { ApiConnection, type Query, type RequestOptions } from "./connection.ts";
import { errorFromResponse } from "./errors.ts";
import { type ConnectionFlags, loadKubeconfig } from "./load.ts";
import { openStream, type WatchEvent, watchEvents } from "./streams.ts";
import { openTransport } from "./transport.ts";

export type { RequestOptions } from "./connection.ts";
export type { WatchEvent } from "./streams.ts";

export interface KubeFlags extends ConnectionFlags {
  /** 0 means no timeout, as with kubectl. */
  requestTimeoutMs?: number;
  /** Logs every request with its status and duration to stderr, like kubectl -v=6. */
  verbose?: boolean;
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

/** Attempts for a request the API server throttles (429) before its error is reported. */
const MAX_ATTEMPTS = 10;

/** An API client for one kubeconfig context. */
export class Kube {
  /** The context's namespace, the default of every command. */
  readonly namespace: string;
  /** The API server's URL, without a trailing slash. */
  readonly server: string;
  readonly #api: ApiConnection;

  private constructor(api: ApiConnection) {
    this.#api = api;
    this.namespace = api.selection.namespace;
    this.server = api.server;
  }

  /** Loads the kubeconfig the way kubectl does and prepares a client; sends nothing yet. */
  static async connect(flags: KubeFlags): Promise<Kube> {
    const selection = await loadKubeconfig(flags);
    const transport = await openTransport(selection);
    return new Kube(
      new ApiConnection(transport, selection, {
        timeoutMs: flags.requestTimeoutMs,
        verbose: flags.verbose,
      }),
    );
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
      if (status >= 400) throw errorFromResponse(this.#api.target(method, path), status, text);
      return text;
    }
  }

  /** One attempt, its whole body read within --request-timeout. */
  async #send(
    method: string,
    path: string,
    options: RequestOptions,
  ): Promise<{ status: number; text: string; retryAfter?: number }> {
    const timeoutMs = this.#api.timeoutMs;
    const timeout = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
    const signals = [options.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
    try {
      const response = await this.#api.open(method, path, options, AbortSignal.any(signals));
      const retryAfter = Number(response.header("retry-after") ?? NaN);
      return {
        status: response.status,
        text: await response.text(),
        ...(Number.isFinite(retryAfter) ? { retryAfter } : {}),
      };
    } catch (error) {
      throw this.#api.failure(method, path, error, options.signal);
    }
  }

  /**
   * Sends one request and returns its body as it arrives (a model server's server-sent events
   * through the service proxy); see streams.ts openStream.
   */
  requestStream(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ReadableStream<Uint8Array>> {
    return openStream(this.#api, method, path, options);
  }

  /** Streams watch events for a collection until the watch ends; see streams.ts watchEvents. */
  watch<T>(path: string, query: Query, signal: AbortSignal): AsyncGenerator<WatchEvent<T>> {
    return watchEvents<T>(this.#api, path, query, signal);
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
}
