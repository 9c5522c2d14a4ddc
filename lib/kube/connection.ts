/**
 * One API server of a kubeconfig context, at the level of single HTTP exchanges: each request
 * addressed, given this plugin's headers, sent through the transport, counted and (with -v)
 * logged, and a failure named by what it was sent to. Retries and parsing (client.ts) and
 * streamed bodies (streams.ts) are built on it.
 */
import { TIMINGS } from "../defaults.ts";
import { CliError } from "../errors.ts";
import { writeErr } from "../output.ts";
import { CLIENT_VERSION } from "../version.ts";
import { errorFromNetwork, type RequestTarget } from "./errors.ts";
import type { HttpResponse, Transport } from "./http.ts";
import type { KubeconfigSelection } from "./kubeconfig.ts";
import { requestTarget } from "./target.ts";

/** A request's query parameters; undefined ones are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  /** Sent as JSON, or as it is when it is a string (YAML, say). */
  body?: unknown;
  /** The body's media type; application/json when left out. */
  contentType?: string;
  /** The answer's media type; application/json when left out. */
  accept?: string;
  /** More request headers (a Knative revision's for its activator, through the service proxy). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Shown in the API server's audit log, as kubectl's own is. */
const USER_AGENT = `kubectl-kserve/${CLIENT_VERSION} (${Deno.build.os}/${Deno.build.arch})`;

/** The API server of one kubeconfig selection, reached through one transport. */
export class ApiConnection {
  readonly selection: KubeconfigSelection;
  /** The server's URL without a trailing slash. */
  readonly server: string;
  /** --request-timeout in ms; 0: no timeout, as with kubectl. */
  readonly timeoutMs: number;
  readonly #transport: Transport;
  readonly #verbose: boolean;
  /** API requests sent by every connection in this process; benchmarks report it. */
  static requestsSent = 0;

  constructor(
    transport: Transport,
    selection: KubeconfigSelection,
    options: { timeoutMs?: number; verbose?: boolean },
  ) {
    this.#transport = transport;
    this.#verbose = options.verbose === true;
    this.selection = selection;
    this.server = String(selection.cluster.cluster.server).replace(/\/$/, "");
    this.timeoutMs = options.timeoutMs ?? TIMINGS.requestMs;
  }

  /**
   * Sends a request, bounded by `signal` alone, and logs its status (-v) as `logAs`; the answer
   * is returned whatever its status. Errors: the transport's, as thrown (see failure()).
   */
  async open(
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
    ApiConnection.requestsSent++;
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
  failure(method: string, path: string, error: unknown, callerSignal?: AbortSignal): unknown {
    if (callerSignal?.aborted) return callerSignal.reason;
    if (error instanceof CliError) return error; // a credential that cannot be read, say
    return errorFromNetwork(this.target(method, path), error, this.timeoutMs || undefined);
  }

  /** The request, server and context, as error messages name them. */
  target(method: string, path: string): RequestTarget {
    return requestTarget(this.selection, this.server, method, path);
  }

  #url(path: string, query: Query): URL {
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
}
