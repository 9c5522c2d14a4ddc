/**
 * Answers read as they arrive rather than whole: a proxied server's streamed body (server-sent
 * events) and a watch's events. Neither is retried; the caller bounds each with its signal.
 */
import { delay } from "../async.ts";
import { TIMINGS } from "../defaults.ts";
import { CliError } from "../errors.ts";
import type { ApiConnection, Query, RequestOptions } from "./connection.ts";
import { errorFromNetwork, errorFromResponse, KubeApiError } from "./errors.ts";
import { splitLines } from "./lines.ts";

/** One event of a watch stream. */
export interface WatchEvent<T> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T;
}

/**
 * Sends one request and returns its body as it arrives. --request-timeout bounds the wait for
 * the answer's headers, not the body, which lasts as long as the server writes. Errors: a status
 * of 400 or more as a typed error (errorFromResponse), else the connection's failure().
 */
export async function openStream(
  api: ApiConnection,
  method: string,
  path: string,
  options: RequestOptions,
): Promise<ReadableStream<Uint8Array>> {
  const headers = new AbortController();
  const timer = api.timeoutMs > 0
    ? setTimeout(
      () => headers.abort(new DOMException("timed out", "TimeoutError")),
      api.timeoutMs,
    )
    : undefined;
  const signals = [options.signal, headers.signal].filter((s): s is AbortSignal => !!s);
  try {
    const response = await api.open(method, path, options, AbortSignal.any(signals));
    if (response.status < 400) {
      return response.stream() ?? new ReadableStream({ start: (c) => c.close() });
    }
    throw errorFromResponse(api.target(method, path), response.status, await response.text());
  } catch (error) {
    throw api.failure(method, path, error, options.signal);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Streams watch events for a collection until the server ends the watch or `signal` aborts
 * (which ends it quietly). No request timeout applies: the caller bounds the watch with
 * timeoutSeconds and the signal. A throttled watch (429) ends after a pause, for the caller to
 * list again. Errors: a refused watch as a typed error, a broken stream as a network error.
 */
export async function* watchEvents<T>(
  api: ApiConnection,
  path: string,
  query: Query,
  signal: AbortSignal,
): AsyncGenerator<WatchEvent<T>> {
  const target = api.target("WATCH", path);
  let lines: ReadableStream<string>;
  try {
    const watch = { query: { ...query, watch: true } };
    const response = await api.open("GET", path, watch, signal, "WATCH");
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
