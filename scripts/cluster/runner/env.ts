// What a kubelet gives a container besides its command line: environment variables (value,
// fieldRef, secretKeyRef, configMapKeyRef, envFrom, `$(VAR)` expansion) and Secret/ConfigMap
// volumes, written as files under the container's root dir at the mount path.
import { PrepareError } from "./container.ts";
import type { Kube } from "./kube.ts";
import type { ConfigMap, Container, KeyToPath, Pod, Secret, Volume } from "./types.ts";

/** A volume that cannot be set up; the message is the kubelet's FailedMount text. */
export class MountError extends Error {}

/** Expands `$(VAR)` from `env` as the kubelet does (`$$(VAR)` escapes; unknown stays). */
export function expand(s: string, env: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name?: string) => {
    if (m === "$$") return "$";
    return env[name!] ?? m;
  });
}

function apiPath(kind: "secrets" | "configmaps", ns: string, name: string): string {
  return `/api/v1/namespaces/${ns}/${kind}/${name}`;
}

async function getData(
  kube: Kube,
  kind: "secrets" | "configmaps",
  ns: string,
  name: string,
): Promise<Record<string, Uint8Array> | null> {
  const obj = await kube.request<Secret & ConfigMap>("GET", apiPath(kind, ns, name), {
    allow404: true,
  });
  if (!obj) return null;
  const out: Record<string, Uint8Array> = {};
  const enc = new TextEncoder();
  const decode = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  if (kind === "secrets") {
    for (const [k, v] of Object.entries(obj.data ?? {})) out[k] = decode(v);
  } else {
    for (const [k, v] of Object.entries(obj.data ?? {})) out[k] = enc.encode(v);
    for (const [k, v] of Object.entries(obj.binaryData ?? {})) out[k] = decode(v);
  }
  return out;
}

/** The value of a fieldRef such as metadata.name or status.podIP. */
function fieldValue(pod: Pod, path: string): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return pod.metadata[m[1] as "labels" | "annotations"]?.[m[2]!] ?? "";
  switch (path) {
    case "metadata.name":
      return pod.metadata.name;
    case "metadata.namespace":
      return pod.metadata.namespace ?? "";
    case "metadata.uid":
      return pod.metadata.uid ?? "";
    case "spec.nodeName":
      return pod.spec.nodeName ?? "";
    case "spec.serviceAccountName":
      return pod.spec.serviceAccountName ?? "default";
    case "status.podIP":
    case "status.podIPs":
      return pod.status?.podIP ?? "";
    case "status.hostIP":
    case "status.hostIPs":
      return pod.status?.hostIP ?? "";
    default:
      return "";
  }
}

/** The container's environment: `base` first, then its env and envFrom, in the kubelet's order. */
export async function containerEnv(
  kube: Kube,
  pod: Pod,
  c: Container,
  base: Record<string, string>,
): Promise<Record<string, string>> {
  const ns = pod.metadata.namespace!;
  const env: Record<string, string> = { ...base };
  const dec = new TextDecoder();
  for (const from of c.envFrom ?? []) {
    const ref = from.secretRef ?? from.configMapRef;
    if (!ref) continue;
    const kind = from.secretRef ? "secrets" : "configmaps";
    const data = await getData(kube, kind, ns, ref.name);
    if (!data) {
      if (ref.optional) continue;
      throw new PrepareError(
        "CreateContainerConfigError",
        `${kind.slice(0, -1)} "${ref.name}" not found`,
      );
    }
    for (const [k, v] of Object.entries(data)) env[`${from.prefix ?? ""}${k}`] = dec.decode(v);
  }
  for (const e of c.env ?? []) {
    const vf = e.valueFrom;
    if (!vf) {
      env[e.name] = expand(e.value ?? "", env);
    } else if (vf.fieldRef) {
      env[e.name] = fieldValue(pod, vf.fieldRef.fieldPath);
    } else if (vf.secretKeyRef || vf.configMapKeyRef) {
      const ref = (vf.secretKeyRef ?? vf.configMapKeyRef)!;
      const kind = vf.secretKeyRef ? "secrets" : "configmaps";
      const what = kind === "secrets" ? "secret" : "configmap";
      const data = await getData(kube, kind, ns, ref.name);
      const value = data?.[ref.key];
      if (value === undefined) {
        if (ref.optional) continue;
        throw new PrepareError(
          "CreateContainerConfigError",
          data
            ? `couldn't find key ${ref.key} in ${what} ${ns}/${ref.name}`
            : `${what} "${ref.name}" not found`,
        );
      }
      env[e.name] = dec.decode(value);
    }
    // resourceFieldRef (limits as numbers) is not needed by any image in the table.
  }
  return env;
}

/** Writes one Secret or ConfigMap volume's files into `dir`. */
async function writeVolume(
  dir: string,
  data: Record<string, Uint8Array>,
  items: KeyToPath[] | undefined,
  mode: number,
) {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  const files: KeyToPath[] = items ?? Object.keys(data).map((k) => ({ key: k, path: k }));
  for (const item of files) {
    const value = data[item.key];
    if (value === undefined) throw new MountError(`couldn't find key ${item.key}`);
    const path = `${dir}/${item.path}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeFile(path, value, { mode: item.mode ?? mode });
  }
}

/**
 * Sets up the volumes `containers` mount, under `<rootOf(container)><mountPath>`. Throws
 * MountError with the kubelet's message when a Secret or ConfigMap is missing. Volume types
 * other than secret and configMap (e.g. the projected ServiceAccount token: the processes use
 * the admin kubeconfig) become empty directories.
 */
export async function mountVolumes(
  kube: Kube,
  pod: Pod,
  containers: Container[],
  rootOf: (c: Container) => string,
): Promise<void> {
  const ns = pod.metadata.namespace!;
  const volumes = new Map<string, Volume>((pod.spec.volumes ?? []).map((v) => [v.name, v]));
  for (const c of containers) {
    for (const m of c.volumeMounts ?? []) {
      const v = volumes.get(m.name);
      const dir = `${rootOf(c)}${m.mountPath}`;
      if (v?.secret || v?.configMap) {
        const kind = v.secret ? "secrets" : "configmaps";
        const name = v.secret?.secretName ?? v.configMap!.name;
        const data = await getData(kube, kind, ns, name);
        const optional = (v.secret ?? v.configMap)!.optional;
        if (!data && !optional) {
          const what = kind === "secrets" ? "secret" : "configmap";
          throw new MountError(
            `MountVolume.SetUp failed for volume "${m.name}" : ${what} "${name}" not found`,
          );
        }
        const mode = (v.secret ?? v.configMap)!.defaultMode ?? 0o644;
        try {
          await writeVolume(dir, data ?? {}, (v.secret ?? v.configMap)!.items, mode);
        } catch (e) {
          throw new MountError(
            `MountVolume.SetUp failed for volume "${m.name}" : ${(e as Error).message}`,
          );
        }
      } else {
        await Deno.mkdir(dir, { recursive: true });
      }
    }
  }
}
