/**
 * The one home for waiting in time: delays and retries that a deadline bounds and an
 * AbortSignal (Ctrl-C, an enclosing deadline) cancels, and bounded parallelism.
 */
import { TIMINGS } from "./defaults.ts";

/**
 * Resolves after `ms` milliseconds (at most TIMINGS.maxTimerMs: a server's Retry-After can ask
 * for more than a timer holds); rejects with the signal's reason as soon as it aborts.
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.min(ms, TIMINGS.maxTimerMs));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export interface RetryOptions {
  /** Whether a failure is worth another attempt; without it nothing is retried. */
  retry?: (error: unknown) => boolean;
  /** Epoch milliseconds after which the last failure is thrown. */
  deadline?: number;
  /** First pause in milliseconds (default 200); each next one is 1.5 times longer. */
  initialMs?: number;
  /** Longest pause in milliseconds (default 1000). */
  maxMs?: number;
  signal?: AbortSignal;
}

/**
 * Runs `operation` until it succeeds, a failure is not retryable, or the next attempt would
 * start after the deadline; then throws the last failure. The defaults suit a webhook that is
 * starting, which answers within a second or two: retry often, and briefly.
 */
export async function retry<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (
    let pause = options.initialMs ?? 200;;
    pause = Math.min(pause * 1.5, options.maxMs ?? 1000)
  ) {
    try {
      return await operation();
    } catch (error) {
      const canRetry = options.retry?.(error) && Date.now() + pause < (options.deadline ?? 0);
      if (!canRetry || options.signal?.aborted) throw error;
      await delay(Math.round(pause), options.signal);
    }
  }
}

/** Runs `work` over items with at most `limit` in flight; results keep the items' order. */
export async function inParallel<T, R>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Awaits every promise of an object at once; the result has the same keys, resolved. */
export async function allOf<T extends Record<string, Promise<unknown>>>(
  promises: T,
): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const entries = await Promise.all(
    Object.entries(promises).map(async ([key, promise]) => [key, await promise] as const),
  );
  return Object.fromEntries(entries) as { [K in keyof T]: Awaited<T[K]> };
}
