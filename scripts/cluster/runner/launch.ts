// What the pod runner needs to start a container as a local process (the image table's types),
// and the command-line helpers its launchers share.
import type { Container } from "./types.ts";

/** What the runner needs to start one container. */
export interface LaunchContext {
  /** The container, with `$(VAR)` already expanded in command and args. */
  container: Container;
  /** Groups of `pattern`, e.g. the tag. */
  match: RegExpExecArray;
  /**
   * The local port that stands in for a port in the pod's network namespace (the port itself
   * when the pod has a network namespace of its own: see ImageEntry.ownNetwork).
   */
  port(podPort: number): number;
  /** $CLUSTER_CACHE_ROOT (see versions.sh): KServe binaries are in kserve-<tag>/bin. */
  cacheRoot: string;
  /** The repository root (test doubles live in its tests/ tree). */
  repoRoot: string;
  /** The deno executable that runs the runner. */
  deno: string;
  /** The pod's namespace (what a pod's ServiceAccount namespace file holds). */
  namespace: string;
  /** The pod has a network namespace of its own (ImageEntry.ownNetwork): listen on its IP too. */
  ownNetwork: boolean;
}

export interface Launch {
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  /** Why the process cannot be started (shown as the container's waiting reason/message). */
  missing?: { reason: string; message: string };
  /** Replaces the container's readiness probe (the port is a pod port). */
  readiness?: { tcpPort: number };
}

export interface ImageEntry {
  /** Anchored at the start; written so that it means the same in JS and Go (kwok's gojq). */
  pattern: string;
  /** Ports the process listens on without being told (mapped even if not declared). */
  defaultPorts: number[];
  /**
   * The process binds fixed ports that no flag or variable moves (Knative's metrics, profiling,
   * queue-proxy's admin port): its pod gets a network namespace of its own with its pod IP, as on
   * a real node, and every container of the pod runs in it (see podnet.ts).
   */
  ownNetwork?: boolean;
  launch(ctx: LaunchContext): Launch;
}

/** `--flag=value`, `-flag=value`, `--flag value` or `-flag value`: index and value, or undefined. */
export function findFlag(
  args: string[],
  name: string,
): { at: number; len: number; value: string } | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    for (const dash of ["--", "-"]) {
      if (a.startsWith(`${dash}${name}=`)) {
        return { at: i, len: 1, value: a.slice(dash.length + name.length + 1) };
      }
      if (a === `${dash}${name}` && args[i + 1] !== undefined && !args[i + 1]!.startsWith("-")) {
        return { at: i, len: 2, value: args[i + 1]! };
      }
    }
  }
  return undefined;
}

/** Sets `--name=value`, replacing any existing form of the flag. */
export function setFlag(args: string[], name: string, value: string): string[] {
  const out = [...args];
  const f = findFlag(out, name);
  if (f) out.splice(f.at, f.len, `--${name}=${value}`);
  else out.push(`--${name}=${value}`);
  return out;
}

/** Rewrites a `host:port` flag so the process binds the local port backing the pod port. */
export function mapAddrFlag(
  args: string[],
  name: string,
  defaultPort: number,
  ctx: LaunchContext,
): string[] {
  const value = findFlag(args, name)?.value ?? `:${defaultPort}`;
  if (value === "0") return args; // disabled
  const podPort = Number(value.slice(value.lastIndexOf(":") + 1)) || defaultPort;
  return setFlag(args, name, `127.0.0.1:${ctx.port(podPort)}`);
}

/** Why a test double's image cannot start: its script is not in this checkout. */
export function missingDouble(script: string, name: string): Launch["missing"] {
  try {
    Deno.statSync(script);
    return undefined;
  } catch {
    return {
      reason: "ErrImageNeverPull",
      message: `the ${name} test double ${script} does not exist`,
    };
  }
}

/**
 * The local ports behind the container's HTTP health probes, "a,b": the real binaries answer
 * them (/livez, /healthz, /readiness on named ports); a double serves "ok" there, so that
 * liveness probes do not kill it.
 */
export function healthPorts(ctx: LaunchContext): string {
  const ports = [ctx.container.livenessProbe, ctx.container.readinessProbe]
    .map((probe) => probe?.httpGet?.port)
    .map((port) =>
      typeof port === "number"
        ? port
        : ctx.container.ports?.find((p) => p.name === port)?.containerPort
    )
    .filter((port): port is number => port !== undefined)
    .map((port) => ctx.port(port));
  return [...new Set(ports)].join(",");
}
