/** Reads kubeconfig files (or the pod's service account) into a merged, selected config. */
import { UsageError } from "../errors.ts";
import { SERVICE_ACCOUNT_DIR } from "../defaults.ts";
import {
  inClusterKubeconfig,
  type Kubeconfig,
  kubeconfigPaths,
  type KubeconfigSelection,
  mergeKubeconfigs,
  parseKubeconfig,
  selectContext,
} from "./kubeconfig.ts";

export interface ConnectionFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

/** Loads and selects the configuration kubectl would use for these flags. */
export async function loadKubeconfig(flags: ConnectionFlags): Promise<KubeconfigSelection> {
  const { paths, explicit } = kubeconfigPaths({
    flag: flags.kubeconfig,
    env: Deno.env.get("KUBECONFIG"),
    home: Deno.env.get("HOME"),
  });
  const files: { path: string; config: Kubeconfig }[] = [];
  for (const path of paths) {
    const text = readIfPresent(path, explicit);
    if (text !== undefined) files.push({ path, config: await parseKubeconfig(text, path) });
  }
  if (files.length === 0) {
    const inCluster = inClusterConfig();
    if (inCluster) return selectContext(inCluster, flags);
    const looked = paths.length ? paths.join(", ") : "~/.kube/config";
    throw new UsageError(`No kubeconfig found: ${looked} does not exist`, {
      hint: "Pass --kubeconfig FILE, set KUBECONFIG, or run inside a pod with a service account",
    });
  }
  return selectContext(
    { config: mergeKubeconfigs(files), sources: files.map((f) => f.path) },
    flags,
  );
}

function readIfPresent(path: string, mustExist: boolean): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound && !mustExist) return undefined;
    const why = error instanceof Deno.errors.NotFound
      ? "no such file"
      : error instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : error instanceof Deno.errors.IsADirectory
      ? "it is a directory"
      : (error as Error).message;
    throw new UsageError(`Cannot read kubeconfig ${path}: ${why}`, {
      hint: "Check the path given to --kubeconfig or in KUBECONFIG",
    });
  }
}

function inClusterConfig() {
  const host = Deno.env.get("KUBERNETES_SERVICE_HOST");
  const port = Deno.env.get("KUBERNETES_SERVICE_PORT");
  if (!host || !port) return undefined;
  let namespace = "default";
  try {
    Deno.statSync(`${SERVICE_ACCOUNT_DIR}/token`);
    namespace = Deno.readTextFileSync(`${SERVICE_ACCOUNT_DIR}/namespace`).trim() || namespace;
  } catch {
    return undefined;
  }
  return {
    config: inClusterKubeconfig({ host, port }, SERVICE_ACCOUNT_DIR, namespace),
    sources: ["in-cluster service account"],
  };
}
