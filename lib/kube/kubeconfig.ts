/**
 * Kubeconfig loading the way kubectl does it, as pure logic on plain data: which files,
 * how several files merge, which context is chosen and which namespace applies.
 * Nothing here talks to a cluster or imports client-node.
 */
import { UsageError } from "../errors.ts";
import { DEFAULT_NAMESPACE } from "../defaults.ts";

type Entry<K extends string, V> = { name: string } & { [key in K]: V };
export type Cluster = Entry<"cluster", Record<string, unknown>>;
export type User = Entry<"user", Record<string, unknown>>;
export type Context = Entry<"context", { cluster?: string; user?: string; namespace?: string }>;

/** A kubeconfig in its on-disk schema, after merging and path resolution. */
export interface Kubeconfig {
  clusters: Cluster[];
  users: User[];
  contexts: Context[];
  "current-context"?: string;
}

/** Where the configuration came from, for messages. */
export interface LoadedKubeconfig {
  config: Kubeconfig;
  sources: string[];
}

export interface KubeconfigSelection {
  config: Kubeconfig;
  sources: string[];
  contextName: string;
  context: Context["context"];
  cluster: Cluster;
  user: User;
  namespace: string;
}

/** Paths kubectl would read: --kubeconfig, else every KUBECONFIG entry, else ~/.kube/config. */
export function kubeconfigPaths(
  options: { flag?: string; env?: string; home?: string },
): { paths: string[]; explicit: boolean } {
  if (options.flag) return { paths: [options.flag], explicit: true };
  if (options.env) {
    const paths = options.env.split(":").filter((p) => p.length > 0);
    // kubectl deduplicates the list and keeps the first occurrence.
    return { paths: [...new Set(paths)], explicit: false };
  }
  return { paths: options.home ? [`${options.home}/.kube/config`] : [], explicit: false };
}

/**
 * Parses one kubeconfig file; a syntax or shape error names the file and line. The `yaml`
 * package is imported here, when a command first reads a kubeconfig, so that `--help` and
 * `version --client` never load it.
 */
export async function parseKubeconfig(text: string, path: string): Promise<Kubeconfig> {
  const { parseDocument } = await import("yaml");
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: false });
  const error = doc.errors[0];
  if (error) {
    const where = `${path}:${lineAt(text, error.pos[0])}`;
    throw new UsageError(
      `Cannot load kubeconfig ${where}: ${firstLine(error.message)}`,
      { hint: "Fix the YAML in that file, or point --kubeconfig or KUBECONFIG at another one" },
    );
  }
  return toKubeconfig(doc.toJS() ?? {}, (message, at) => {
    const node = at && doc.getIn(at, true) as { range?: [number, number, number] } | undefined;
    const line = node?.range ? `:${lineAt(text, node.range[0])}` : "";
    throw new UsageError(`Cannot load kubeconfig ${path}${line}: ${message}`);
  });
}

/** The kubeconfig in a parsed document; `fail` reports a wrong shape, and where it is. */
function toKubeconfig(
  raw: unknown,
  fail: (message: string, at?: (string | number)[]) => never,
): Kubeconfig {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    fail("expected a mapping at the top level");
  }
  const record = raw as Record<string, unknown>;
  const list = <T>(key: string, inner: string): T[] => {
    const value = record[key] ?? [];
    if (!Array.isArray(value)) fail(`"${key}" must be a list`);
    value.forEach((item, i) => {
      const entry = item as Record<string, unknown> | null;
      if (!entry || typeof entry.name !== "string" || typeof entry[inner] !== "object") {
        fail(`${key}[${i}] needs "name" and "${inner}"`, [key, i]);
      }
    });
    return value as T[];
  };
  const current = record["current-context"];
  return {
    clusters: list<Cluster>("clusters", "cluster"),
    users: list<User>("users", "user"),
    contexts: list<Context>("contexts", "context"),
    ...(typeof current === "string" && current ? { "current-context": current } : {}),
  };
}

/**
 * Merges files in kubectl's order: the first file to define a name wins, and the first
 * file that sets current-context decides it. Relative paths resolve against each file's dir.
 */
export function mergeKubeconfigs(files: { path: string; config: Kubeconfig }[]): Kubeconfig {
  const merged: Kubeconfig = { clusters: [], users: [], contexts: [] };
  const seen = {
    clusters: new Set<string>(),
    users: new Set<string>(),
    contexts: new Set<string>(),
  };
  for (const { path, config } of files) {
    const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) || "/" : ".";
    for (const kind of ["clusters", "users", "contexts"] as const) {
      for (const entry of config[kind]) {
        if (seen[kind].has(entry.name)) continue;
        seen[kind].add(entry.name);
        (merged[kind] as unknown[]).push(resolvePaths(entry, dir));
      }
    }
    if (!merged["current-context"] && config["current-context"]) {
      merged["current-context"] = config["current-context"];
    }
  }
  return merged;
}

/** Picks the context (--context, else current-context) and the namespace kubectl would use. */
export function selectContext(
  loaded: LoadedKubeconfig,
  options: { context?: string; namespace?: string },
): KubeconfigSelection {
  const { config, sources } = loaded;
  const from = sources.join(", ");
  const names = config.contexts.map((c) => c.name);
  const contextName = options.context ?? config["current-context"];
  if (!contextName) {
    throw new UsageError(`No current context is set in ${from}`, {
      hint: names.length
        ? `Pass --context with one of: ${names.join(", ")}`
        : "Add a context to the kubeconfig (kubectl config set-context)",
    });
  }
  const found = config.contexts.find((c) => c.name === contextName);
  if (!found) {
    throw new UsageError(`Context "${contextName}" does not exist in ${from}`, {
      hint: names.length
        ? `Contexts that exist: ${names.join(", ")}`
        : "The kubeconfig defines no contexts",
    });
  }
  const cluster = config.clusters.find((c) => c.name === found.context.cluster);
  if (!cluster) {
    throw new UsageError(
      `Context "${contextName}" refers to cluster "${
        found.context.cluster ?? ""
      }", which is not in ${from}`,
    );
  }
  if (typeof cluster.cluster.server !== "string" || !cluster.cluster.server) {
    throw new UsageError(`Cluster "${cluster.name}" in ${from} has no server URL`);
  }
  const user = config.users.find((u) => u.name === found.context.user) ??
    { name: found.context.user ?? "", user: {} };
  return {
    config,
    sources,
    contextName,
    context: found.context,
    cluster,
    user,
    namespace: resolveNamespace(options.namespace, found.context.namespace),
  };
}

/** kubectl's order: the flag, then the context's namespace, then "default". */
export function resolveNamespace(flag?: string, contextNamespace?: string): string {
  return flag || contextNamespace || DEFAULT_NAMESPACE;
}

/** A kubeconfig for a pod's own service account, as client-go's in-cluster config builds it. */
export function inClusterKubeconfig(
  env: { host: string; port: string },
  saDir: string,
  namespace: string,
): Kubeconfig {
  const host = env.host.includes(":") ? `[${env.host}]` : env.host;
  return {
    clusters: [{
      name: "in-cluster",
      cluster: {
        server: `https://${host}:${env.port}`,
        "certificate-authority": `${saDir}/ca.crt`,
      },
    }],
    users: [{
      name: "in-cluster",
      user: { tokenFile: `${saDir}/token` },
    }],
    contexts: [{
      name: "in-cluster",
      context: { cluster: "in-cluster", user: "in-cluster", namespace },
    }],
    "current-context": "in-cluster",
  };
}

const PATH_FIELDS = ["certificate-authority", "client-certificate", "client-key", "tokenFile"];

function resolvePaths<T extends { name: string }>(entry: T, dir: string): T {
  const copy = structuredClone(entry) as Record<string, unknown>;
  for (const section of ["cluster", "user"]) {
    const body = copy[section] as Record<string, unknown> | undefined;
    if (!body) continue;
    for (const field of PATH_FIELDS) {
      const value = body[field];
      if (typeof value === "string" && value && !value.startsWith("/")) {
        body[field] = `${dir}/${value}`;
      }
    }
    const exec = body.exec as Record<string, unknown> | undefined;
    // client-go resolves an exec command relative to the file only when it names a path.
    if (exec && typeof exec.command === "string" && exec.command.includes("/")) {
      if (!exec.command.startsWith("/")) exec.command = `${dir}/${exec.command}`;
    }
  }
  return copy as T;
}

function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split("\n").length;
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}
