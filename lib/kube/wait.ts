/**
 * The one wait helper: list, then watch, re-evaluating a condition on every change until it
 * holds, fails fast, or the deadline passes. Watching instead of polling costs one request.
 */
import { type CliError, DeadlineError } from "../errors.ts";
import type { Kube } from "./client.ts";

/**
 * What a wait reads of every object: its name and namespace, which tell watch events apart.
 * Any object read from the API (a client-node type, a narrow local shape) has them.
 */
export interface Named {
  metadata?: { name?: string; namespace?: string };
}

export interface WaitSpec<T extends Named> {
  /** Collection path, such as /apis/apps/v1/namespaces/kserve/deployments. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** What is awaited, for the timeout message: "Deployment kserve/x to become Available". */
  description: string;
  /** true when done; otherwise a short reason it is not, shown if the deadline passes. */
  ready(items: T[]): true | string;
  /** An error when waiting longer cannot help (CrashLoopBackOff, a rejected object...). */
  failed?(items: T[]): CliError | undefined | Promise<CliError | undefined>;
}

interface List<T> {
  metadata: { resourceVersion: string };
  items: T[];
}

/** Waits until `spec.ready` holds; throws DeadlineError after `timeoutMs` with the last reason. */
export async function waitFor<T extends Named>(
  kube: Kube,
  spec: WaitSpec<T>,
  options: {
    timeoutMs: number;
    signal?: AbortSignal;
    /** A state already known (such as an apply's response): the first list is skipped. */
    since?: { items: T[]; resourceVersion: string };
  },
): Promise<T[]> {
  const deadline = Date.now() + options.timeoutMs;
  const query = { labelSelector: spec.labelSelector, fieldSelector: spec.fieldSelector };
  let reason = "nothing observed yet";
  const evaluate = async (items: T[]): Promise<T[] | undefined> => {
    const failure = await spec.failed?.(items);
    if (failure) throw failure;
    const verdict = spec.ready(items);
    if (verdict === true) return items;
    reason = verdict;
    return undefined;
  };
  let known = options.since;
  while (Date.now() < deadline) {
    const list: List<T> = known
      ? { metadata: { resourceVersion: known.resourceVersion }, items: known.items }
      : await kube.request<List<T>>("GET", spec.path, { query, signal: options.signal });
    known = undefined;
    const objects = new Map(list.items.map((item) => [keyOf(item), item]));
    const done = await evaluate([...objects.values()]);
    if (done) return done;
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    const stop = AbortSignal.any([
      AbortSignal.timeout(remaining),
      ...(options.signal ? [options.signal] : []),
    ]);
    const watchQuery = {
      ...query,
      resourceVersion: list.metadata.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: Math.max(1, Math.ceil(remaining / 1000)),
    };
    for await (const event of kube.watch<T>(spec.path, watchQuery, stop)) {
      if (event.type === "ERROR") break; // typically 410 Gone: list again
      if (event.type === "BOOKMARK") continue;
      if (event.type === "DELETED") objects.delete(keyOf(event.object));
      else objects.set(keyOf(event.object), event.object);
      const finished = await evaluate([...objects.values()]);
      if (finished) return finished;
    }
    if (options.signal?.aborted) throw options.signal.reason;
  }
  throw new DeadlineError(
    `Timed out after ${
      Math.round(options.timeoutMs / 1000)
    }s waiting for ${spec.description}: ${reason}`,
  );
}

/**
 * A wait that only ends in failure (one whose `ready` never holds, watching for failures beside
 * another wait): resolves never, and rejects with its failure. Its deadline is not the answer
 * either: the wait it runs beside times out at the same moment and says what is missing (field
 * report: which of three waits timed out first decided the message, "waiting for pods: watching").
 */
export function failureOnly<T>(watch: Promise<unknown>): Promise<T> {
  return watch.then(
    () => new Promise<T>(() => {}),
    (error) => error instanceof DeadlineError ? new Promise<T>(() => {}) : Promise.reject(error),
  );
}

function keyOf(object: Named): string {
  return `${object.metadata?.namespace ?? ""}/${object.metadata?.name ?? ""}`;
}
