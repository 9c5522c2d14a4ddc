/**
 * A snapshot of the whole cluster, discovery-driven: every object of every kind the API server
 * serves and lists (cluster-scoped and namespaced), with its resourceVersion, its content without
 * status (what a command can write) and its field managers,
 * and the count of each kind. Two snapshots are compared with `diffSnapshots`, which names every
 * object added, removed or written, and by which manager. This is how a test proves that a
 * dry run, a refusal or a re-run changed nothing.
 */
import assert from "node:assert/strict";
import { kubectlOk } from "./cluster.ts";

/** Kinds that change on their own, with no command involved: heartbeats and event records. */
export const AMBIENT_KINDS = [
  "events",
  "events.events.k8s.io",
  "leases.coordination.k8s.io",
];

export interface ObjectState {
  resourceVersion: string;
  /**
   * The object without its status and bookkeeping (resourceVersion, managedFields times, status
   * managers): what a command can write. Controllers keep writing status (an HPA's conditions,
   * a node's heartbeat); that moves resourceVersion but is not a change a command made.
   */
  content: string;
  /** "manager/operation" of every managedFields entry, in order. */
  managers: string[];
  deleting: boolean;
}

export interface Snapshot {
  /** "kind.group namespace/name" -> state. */
  objects: Map<string, ObjectState>;
  /** "kind.group" -> number of objects. */
  counts: Map<string, number>;
}

interface Item {
  apiVersion: string;
  kind: string;
  status?: unknown;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion: string;
    deletionTimestamp?: string;
    managedFields?: { manager?: string; operation?: string; subresource?: string; time?: string }[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** What a command can write: everything but status and bookkeeping. */
function contentOf(item: Item): string {
  const { status: _status, metadata, ...rest } = item;
  const { resourceVersion: _rv, managedFields, ...meta } = metadata;
  const fields = (managedFields ?? []).filter((f) => f.subresource !== "status")
    .map(({ time: _time, ...f }) => f);
  return JSON.stringify({ ...rest, metadata: { ...meta, managedFields: fields } });
}

/** Every listable resource the API server serves, by kubectl's "plural.group" name. */
export async function listableResources(): Promise<string[]> {
  const out = await kubectlOk(["api-resources", "--verbs=list", "-o", "name"]);
  return out.split("\n").map((s) => s.trim()).filter((s) => s && !AMBIENT_KINDS.includes(s));
}

/** Takes a snapshot of every object of every served kind (ambient kinds left out). */
export async function snapshot(): Promise<Snapshot> {
  const resources = await listableResources();
  const list = JSON.parse(
    await kubectlOk(["get", resources.join(","), "-A", "-o", "json"]),
  ) as { items: Item[] };
  const objects = new Map<string, ObjectState>();
  const counts = new Map<string, number>();
  for (const item of list.items) {
    const group = item.apiVersion.includes("/") ? item.apiVersion.split("/")[0] : "core";
    const kind = `${item.kind}.${group}`;
    const key = `${kind} ${item.metadata.namespace ?? ""}/${item.metadata.name}`;
    if (objects.has(key)) continue; // the same object listed under two API versions
    objects.set(key, {
      resourceVersion: item.metadata.resourceVersion,
      content: contentOf(item),
      managers: (item.metadata.managedFields ?? []).map((f) => `${f.manager}/${f.operation}`),
      deleting: item.metadata.deletionTimestamp !== undefined,
    });
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return { objects, counts };
}

export interface SnapshotDiff {
  added: string[];
  removed: string[];
  /** Objects whose content (not only their status) changed, with their managers or deletion. */
  changed: string[];
  /** "kind: before -> after" for every kind whose count differs. */
  counts: string[];
}

/** What differs between two snapshots, object by object. */
export function diffSnapshots(before: Snapshot, after: Snapshot): SnapshotDiff {
  const added = [...after.objects.keys()].filter((k) => !before.objects.has(k));
  const removed = [...before.objects.keys()].filter((k) => !after.objects.has(k));
  const changed: string[] = [];
  for (const [key, was] of before.objects) {
    const now = after.objects.get(key);
    if (!now || now.content === was.content) continue;
    const notes = [];
    if (now.deleting && !was.deleting) notes.push("now being deleted");
    const newManagers = now.managers.filter((m) => !was.managers.includes(m));
    if (newManagers.length) notes.push(`new managers ${newManagers.join(", ")}`);
    changed.push(
      `${key} (resourceVersion ${was.resourceVersion} -> ${now.resourceVersion}${
        notes.length ? `; ${notes.join("; ")}` : ""
      })`,
    );
  }
  const kinds = new Set([...before.counts.keys(), ...after.counts.keys()]);
  const counts = [...kinds].filter((k) => before.counts.get(k) !== after.counts.get(k))
    .map((k) => `${k}: ${before.counts.get(k) ?? 0} -> ${after.counts.get(k) ?? 0}`);
  return { added, removed, changed, counts };
}

/**
 * Fails, naming every difference, unless the two snapshots are equal. `ignore` leaves out
 * objects a test knows others write meanwhile (a model's status, by its controller), by key.
 */
export function assertSameCluster(
  before: Snapshot,
  after: Snapshot,
  what: string,
  ignore: (key: string) => boolean = () => false,
): void {
  const diff = diffSnapshots(only(before, ignore), only(after, ignore));
  const lines = [
    ...diff.counts.map((c) => `count ${c}`),
    ...diff.added.map((k) => `added ${k}`),
    ...diff.removed.map((k) => `removed ${k}`),
    ...diff.changed.map((k) => `changed ${k}`),
  ];
  assert.deepEqual(lines, [], `${what} changed the cluster:\n  ${lines.join("\n  ")}`);
}

/** The snapshot without the objects `ignore` names; counts are recounted from what is left. */
function only(whole: Snapshot, ignore: (key: string) => boolean): Snapshot {
  const objects = new Map([...whole.objects].filter(([key]) => !ignore(key)));
  const counts = new Map<string, number>();
  for (const key of objects.keys()) {
    const kind = key.slice(0, key.indexOf(" "));
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return { objects, counts };
}

/**
 * Waits until the cluster stops changing on its own (two snapshots `quietMs` apart are equal):
 * controllers finish what a setup started (an EndpointSlice gets its ready endpoint after a
 * Deployment is Available) before a test compares a command's before and after.
 */
export async function settledSnapshot(quietMs = 2000, timeoutMs = 30_000): Promise<Snapshot> {
  const deadline = Date.now() + timeoutMs;
  let previous = await snapshot();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    const current = await snapshot();
    const diff = diffSnapshots(previous, current);
    const quiet = !diff.added.length && !diff.removed.length && !diff.changed.length &&
      !diff.counts.length;
    if (quiet) return current;
    if (Date.now() > deadline) {
      // Something keeps changing on its own (a crash-looping pod's endpoint): compare from here,
      // and let the assertion name it if it changes again.
      console.warn(`    the cluster kept changing: ${[...diff.changed, ...diff.added].join(", ")}`);
      return current;
    }
    previous = current;
  }
}

/**
 * Runs `refusals` between a settled snapshot and the next one, and asserts the cluster did not
 * change: what a refusal means ("refused before changing anything"). Returns what they return.
 * A namespace already being deleted is left out: the namespace controller empties it in steps
 * with pauses between (no quiet moment says it is done), and the API server refuses to create
 * anything in it.
 */
export async function assertUnchangedBy<T>(
  what: string,
  refusals: () => Promise<T>,
  ignore: (key: string) => boolean = () => false,
): Promise<T> {
  const before = await settledSnapshot();
  const terminating = [...before.objects].filter(([key, state]) =>
    key.startsWith("Namespace.core /") && state.deleting
  ).map(([key]) => key.slice("Namespace.core /".length));
  const inTerminating = (key: string) =>
    terminating.some((ns) => key === `Namespace.core /${ns}` || key.includes(` ${ns}/`));
  const result = await refusals();
  assertSameCluster(before, await snapshot(), what, (key) => ignore(key) || inTerminating(key));
  return result;
}
