/**
 * Gets release manifests from GitHub, a mirror URL or an air-gapped directory, verifies each
 * against its pinned sha256, and caches verified copies so a second install downloads nothing.
 */
import { CliError, UsageError } from "../errors.ts";
import { type ManifestFile, manifestPath, pinnedSha256, upstreamUrl } from "./releases.ts";

/** Where manifests come from: the projects' release URLs, a mirror, or a local directory. */
export type ManifestSource =
  | { kind: "upstream" }
  | { kind: "url"; base: string }
  | { kind: "dir"; path: string };

/** Reads --manifests: an http(s) URL is a mirror, anything else a directory. */
export function parseSource(value: string | undefined): ManifestSource {
  if (!value) return { kind: "upstream" };
  if (/^https?:\/\//.test(value)) return { kind: "url", base: value.replace(/\/+$/, "") };
  return { kind: "dir", path: value.replace(/\/+$/, "") };
}

/** The user cache directory for verified manifests. */
export function defaultCacheDir(): string {
  const base = Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME") ?? "."}/.cache`;
  return `${base}/kubectl-kserve/manifests`;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Returns a manifest's text after checking its sha256; uses and fills the cache. */
export async function loadManifest(
  file: ManifestFile,
  source: ManifestSource,
  options: { cacheDir: string; signal?: AbortSignal },
): Promise<string> {
  const pinned = pinnedSha256(file);
  if (!pinned) {
    throw new UsageError(`No checksum is pinned for ${manifestPath(file)}`, {
      hint: "Use a version this plugin pins checksums for (see kubectl kserve install --help)",
    });
  }
  const cached = `${options.cacheDir}/${manifestPath(file)}`;
  const fromCache = await readIfMatches(cached, pinned);
  if (fromCache !== undefined) return fromCache;

  const { bytes, origin } = source.kind === "dir"
    ? await readLocal(`${source.path}/${manifestPath(file)}`)
    : await download(
      source.kind === "url" ? `${source.base}/${manifestPath(file)}` : upstreamUrl(file),
      options.signal,
    );
  const actual = await sha256Hex(bytes);
  if (actual !== pinned) {
    throw new CliError(
      `Checksum mismatch for ${origin}: expected sha256 ${pinned}, got ${actual}; refusing to apply a manifest that differs from the release`,
      { hint: "Check the mirror or directory for a modified or truncated file, then run again" },
    );
  }
  await Deno.mkdir(cached.slice(0, cached.lastIndexOf("/")), { recursive: true });
  // Write then rename, so an interrupted run never leaves a partial file in the cache.
  await Deno.writeFile(`${cached}.tmp`, bytes);
  await Deno.rename(`${cached}.tmp`, cached);
  return new TextDecoder().decode(bytes);
}

async function readIfMatches(path: string, sha256: string): Promise<string | undefined> {
  try {
    const bytes = await Deno.readFile(path);
    return await sha256Hex(bytes) === sha256 ? new TextDecoder().decode(bytes) : undefined;
  } catch {
    return undefined;
  }
}

async function readLocal(path: string): Promise<{ bytes: Uint8Array; origin: string }> {
  try {
    return { bytes: await Deno.readFile(path), origin: path };
  } catch (error) {
    throw new UsageError(`Cannot read manifest ${path}: ${(error as Error).message}`, {
      hint:
        "An air-gapped directory is laid out as <component>/<version>/<file>; fill it with: kubectl kserve manifests pull --dest DIR",
    });
  }
}

async function download(
  url: string,
  signal?: AbortSignal,
): Promise<{ bytes: Uint8Array; origin: string }> {
  let response: Response;
  try {
    // HEAD first: a release published without its assets (as KServe v0.15.1 once was) fails clearly.
    const head = await fetch(url, { method: "HEAD", signal, redirect: "follow" });
    if (head.status === 404) {
      throw new CliError(`Release asset not found: ${url} (HTTP 404)`, {
        hint:
          "The release may have been published without its YAML files; use a mirror or a local copy with --manifests URL|DIR",
      });
    }
    response = await fetch(url, { signal, redirect: "follow" });
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`Cannot download ${url}: ${(error as Error).message}`, {
      hint:
        "Without internet access, install from a local copy: kubectl kserve install --manifests DIR",
      cause: error,
    });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new CliError(`Cannot download ${url}: HTTP ${response.status}`, {
      hint: "Use a mirror or a local copy with --manifests URL|DIR",
    });
  }
  return { bytes: new Uint8Array(await response.arrayBuffer()), origin: url };
}
