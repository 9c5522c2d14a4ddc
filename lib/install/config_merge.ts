/**
 * The three-way merge of inferenceservice-config on install and upgrade: a live value equal to
 * the default of the release it came from (the base) is that release's, and takes the new
 * release's value; a value no base holds is an admin's edit, kept and listed. Keys hold JSON
 * objects (KServe pkg/apis/serving/v1beta1/configmap.go), merged field by field, so an edited
 * memoryLimit in "agent" keeps the admin's limit and still gets the new release's agent image.
 * Field report: an upgrade v0.16.0 -> v0.20.0 kept every v0.16.0 image, treating the old
 * release's defaults as edits.
 */
import { type ConfigData, configImages, configValue } from "../kserve/config.ts";

export interface ConfigMerge {
  /** The data to apply. */
  data: ConfigData;
  /** The admin's values that were kept, as "agent.memoryLimit" (a key alone when not JSON). */
  kept: string[];
}

/**
 * Merges `live` into `release` against `bases` (the inferenceservice-config data of the
 * releases the live values may have come from; none known keeps every live value). A key or
 * field the cluster lacks gets the release's value; one the release dropped is dropped unless
 * the admin changed it. A value that is the same under another spelling keeps the live text.
 */
export function mergeConfig(
  release: ConfigData,
  live: ConfigData | undefined,
  bases: ConfigData[],
): ConfigMerge {
  const data: ConfigData = {};
  const kept: string[] = [];
  const keys = new Set([...Object.keys(release), ...Object.keys(live ?? {})]);
  for (const key of keys) {
    const [mine, theirs] = [live?.[key], release[key]];
    if (mine === undefined) {
      data[key] = theirs!;
      continue;
    }
    const [liveJson, releaseJson] = [configValue(live, key)!, configValue(release, key)];
    if (liveJson.ok && releaseJson?.ok) {
      const merged = mergeValue(
        liveJson.value,
        releaseJson.value,
        bases.map((base) => jsonOf(base, key)),
        key,
        kept,
      );
      data[key] = equal(merged, releaseJson.value)
        ? theirs!
        : equal(merged, liveJson.value)
        ? mine
        : JSON.stringify(merged);
      continue;
    }
    // JSON that does not parse crashes the controller: the release's value repairs it.
    const broken = !liveJson.ok && releaseJson?.ok;
    const fromBase = bases.some((base) => base[key] === mine);
    if (broken || mine === theirs || (fromBase && theirs !== undefined)) data[key] = theirs!;
    else if (!fromBase) {
      data[key] = mine;
      kept.push(key);
    } // else: a default of an older release that this one dropped
  }
  return { data, kept };
}

/**
 * The releases whose defaults the live config may hold: the installed controller's and those
 * its KServe images name, among `known` (the releases whose manifests can be read).
 */
export function baseVersions(
  live: ConfigData | undefined,
  installed: string | undefined,
  known: readonly string[],
): string[] {
  const named = configImages(live).flatMap((image) => image.version ? [image.version] : []);
  return [...new Set([installed, ...named])].filter((v): v is string =>
    v !== undefined && known.includes(v)
  );
}

/** The "admin's values kept" note; undefined when there are none. */
export function keptNote(configMap: string, kept: string[]): string | undefined {
  if (kept.length === 0) return undefined;
  return `${configMap}: kept ${kept.length} value(s) that differ from every release default (your edits): ${
    kept.join(", ")
  }`;
}

function mergeValue(
  live: unknown,
  release: unknown,
  bases: unknown[],
  path: string,
  kept: string[],
): unknown {
  if (isObject(live) && isObject(release)) {
    const merged: Record<string, unknown> = {};
    for (const field of new Set([...Object.keys(release), ...Object.keys(live)])) {
      const [mine, theirs] = [live[field], release[field]];
      const fieldBases = bases.map((base) => isObject(base) ? base[field] : undefined);
      if (mine === undefined) merged[field] = theirs;
      else if (theirs === undefined) {
        // Dropped by the release: gone, unless the admin set it.
        if (!fieldBases.some((base) => equal(base, mine))) {
          merged[field] = mine;
          kept.push(`${path}.${field}`);
        }
      } else merged[field] = mergeValue(mine, theirs, fieldBases, `${path}.${field}`, kept);
    }
    return merged;
  }
  if (equal(live, release) || bases.some((base) => equal(base, live))) return release;
  kept.push(path);
  return live;
}

function jsonOf(data: ConfigData, key: string): Record<string, unknown> | undefined {
  const parsed = configValue(data, key);
  return parsed?.ok ? parsed.value : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === "object" && !Array.isArray(value);
}

/** Same JSON value, whatever the order of object fields. */
function equal(a: unknown, b: unknown): boolean {
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => equal(a[k], b[k]));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => equal(item, b[i]));
  }
  return a === b;
}
