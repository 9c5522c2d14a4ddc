/**
 * Helm's release record, the one thing every `helm` command loads first: a Secret of type
 * helm.sh/release.v1 named sh.helm.release.v1.RELEASE.vN in the release namespace, labelled
 * owner=helm, name=RELEASE, status=deployed for the live revision (Helm 3's storage driver,
 * pkg/storage/driver/secrets.go). Its data.release is base64 of gzip of the release JSON,
 * whose "manifest" holds every object the release installed. Helm's labels on an object without
 * such a record (a "mixed" install) make every `helm upgrade` or `helm uninstall` fail with
 * "has no deployed releases".
 */
import { KubeApiError } from "./errors.ts";

export const HELM_RELEASE_SECRET_TYPE = "helm.sh/release.v1";

/** A Secret as far as the record goes. */
export interface HelmRecordSecret {
  metadata?: { name?: string; labels?: Record<string, string> };
  type?: string;
  data?: Record<string, string>;
}

/** An object the record must hold, by kind and name (as the chart's manifest names it). */
export interface ExpectedObject {
  kind: string;
  name: string;
}

/**
 * Why Helm cannot manage `object` through `release`, or undefined when it can: the deployed
 * record loads and its manifest holds the object. `get` reads a path with a query (404:
 * undefined). When the Secrets may not be read (403) the labels are taken at their word.
 */
export async function helmRecordProblem(
  get: (path: string, query: Record<string, string>) => Promise<unknown>,
  release: string,
  namespace: string,
  object: ExpectedObject,
): Promise<string | undefined> {
  let list: { items?: HelmRecordSecret[] } | undefined;
  try {
    list = await get(`/api/v1/namespaces/${namespace}/secrets`, {
      labelSelector: `owner=helm,name=${release}`,
    }) as { items?: HelmRecordSecret[] } | undefined;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 403) return undefined;
    throw error;
  }
  return await recordProblem(list?.items ?? [], release, namespace, object);
}

/** Pure but for decompression: the problem with the records found, or undefined. */
export async function recordProblem(
  secrets: HelmRecordSecret[],
  release: string,
  namespace: string,
  object: ExpectedObject,
): Promise<string | undefined> {
  const prefix = `sh.helm.release.v1.${release}.v`;
  const deployed = secrets.find((s) =>
    s.type === HELM_RELEASE_SECRET_TYPE && s.metadata?.name?.startsWith(prefix) &&
    s.metadata.labels?.status === "deployed"
  );
  if (!deployed) {
    return `Helm has no deployed release ${release} in namespace ${namespace} (no Secret ${prefix}N of type ${HELM_RELEASE_SECRET_TYPE} with status deployed)`;
  }
  const manifest = await manifestOf(deployed);
  if (manifest === undefined) {
    return `Helm's record ${deployed.metadata?.name} in namespace ${namespace} does not load`;
  }
  const documents = manifest.split(/^---\s*$/m);
  const holds = documents.some((d) =>
    new RegExp(`^kind:\\s*${object.kind}\\s*$`, "m").test(d) &&
    new RegExp(`^\\s+name:\\s*["']?${object.name}["']?\\s*$`, "m").test(d)
  );
  return holds
    ? undefined
    : `Helm's release ${release} in namespace ${namespace} (${deployed.metadata?.name}) does not hold ${object.kind} ${object.name}`;
}

/** The manifest of a release record, or undefined when it does not decode. */
async function manifestOf(secret: HelmRecordSecret): Promise<string | undefined> {
  try {
    const bytes = Uint8Array.from(atob(atob(secret.data?.release ?? "")), (c) => c.charCodeAt(0));
    const gzipped = bytes[0] === 0x1f && bytes[1] === 0x8b;
    const json = gzipped
      ? await new Response(
        new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip")),
      ).text()
      : new TextDecoder().decode(bytes);
    const manifest = (JSON.parse(json) as { manifest?: unknown }).manifest;
    return typeof manifest === "string" ? manifest : undefined;
  } catch {
    return undefined;
  }
}
