// Helpers for tests that run against the test cluster (scripts/cluster/cluster.sh).
// Run such tests inside the cluster's network namespace:
//   deno task cluster exec -- deno test -A tests/cluster/
// which sets KUBECONFIG (admin), KSERVE_CLUSTER_DIR, and puts the cluster's kubectl first on PATH.
// Everything here talks to 127.0.0.1 inside that namespace only.

/** The cluster's state dir (PKI, admin kubeconfig, logs). */
export function clusterDir(): string {
  return Deno.env.get("KSERVE_CLUSTER_DIR") ?? "/tmp/kubectl-kserve-cluster";
}

/** The admin kubeconfig (client cert in system:masters). */
export function adminKubeconfig(): string {
  return `${clusterDir()}/admin.kubeconfig`;
}

export interface RunResult {
  code: number;
  success: boolean;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Text fed to the command's stdin. */
  stdin?: string;
  /** Extra environment variables (the caller's environment is kept). */
  env?: Record<string, string>;
  cwd?: string;
}

/** Runs a program with an argument array (never through a shell) and collects its output. */
export async function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const child = new Deno.Command(cmd, {
    args,
    env: opts.env,
    cwd: opts.cwd,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (opts.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(opts.stdin));
    await writer.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    success: out.success,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  };
}

/** Throws with the command's output unless it succeeded; returns stdout. */
export function check(what: string, r: RunResult): string {
  if (!r.success) {
    throw new Error(`${what} failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
  }
  return r.stdout;
}

export interface KubectlOptions extends RunOptions {
  /** Defaults to the admin kubeconfig. */
  kubeconfig?: string;
  namespace?: string;
}

/**
 * kubectl's discovery cache for this cluster, emptied by resetCluster(): the default one
 * (~/.kube/cache/discovery/127.0.0.1_6443) is shared by every test cluster on the machine, and
 * one with KServe v0.20.0 leaves LLMInferenceServices mapped to v1alpha2 for a v0.16.0 one.
 */
const kubectlCache = () => `${clusterDir()}/kubectl-cache`;

/** Runs the cluster's kubectl; does not throw on failure. */
export function kubectl(args: string[], opts: KubectlOptions = {}): Promise<RunResult> {
  const pre = ["--kubeconfig", opts.kubeconfig ?? adminKubeconfig(), "--cache-dir", kubectlCache()];
  if (opts.namespace) pre.push("--namespace", opts.namespace);
  return run("kubectl", [...pre, ...args], opts);
}

/** Runs kubectl and returns stdout; throws if it fails. */
export async function kubectlOk(args: string[], opts: KubectlOptions = {}): Promise<string> {
  return check(`kubectl ${args.join(" ")}`, await kubectl(args, opts));
}

/** Runs kubectl with `-o json` appended and parses the output. */
export async function kubectlJson<T = unknown>(
  args: string[],
  opts: KubectlOptions = {},
): Promise<T> {
  return JSON.parse(await kubectlOk([...args, "-o", "json"], opts)) as T;
}

/** `kubectl apply -f -` with the YAML (or JSON) given as a string. */
export function applyYaml(yaml: string, opts: KubectlOptions = {}): Promise<string> {
  return kubectlOk(["apply", "-f", "-"], { ...opts, stdin: yaml });
}

/** `kubectl delete --ignore-not-found -f -` with the YAML given as a string. */
export function deleteYaml(yaml: string, opts: KubectlOptions = {}): Promise<string> {
  return kubectlOk(["delete", "--ignore-not-found", "--wait=false", "-f", "-"], {
    ...opts,
    stdin: yaml,
  });
}

/** A DNS-1123 name that is unique per call: `<prefix>-<random>`. */
export function uniqueName(prefix: string): string {
  const rand = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
  return `${prefix.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 50)}-${rand}`;
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns something other than undefined/null/false, and returns that.
 * Errors thrown by the probe count as "not yet"; the last one is reported at the deadline.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let last = "";
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `; last error: ${last}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}

/** Creates a namespace named `<prefix>-<random>` and returns its name. */
export async function createNamespace(prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await kubectlOk(["create", "namespace", name]);
  return name;
}

/** Deletes a namespace; with `wait`, until it is gone (namespace controller finished). */
export async function deleteNamespace(
  name: string,
  opts: { wait?: boolean; timeoutMs?: number } = {},
): Promise<void> {
  await kubectlOk(["delete", "namespace", name, "--ignore-not-found", "--wait=false"]);
  if (opts.wait) await waitGone(["namespace", name], opts.timeoutMs);
}

/** Waits until `kubectl get <args>` says NotFound. */
export async function waitGone(args: string[], timeoutMs = 60_000): Promise<void> {
  await waitFor(`${args.join("/")} to be deleted`, async () => {
    const r = await kubectl(["get", ...args, "-o", "name"]);
    if (r.success) return false;
    if (/NotFound|not found/.test(r.stderr)) return true;
    throw new Error(r.stderr);
  }, { timeoutMs });
}

/** Runs `fn` with a fresh temporary namespace that is deleted afterwards (without waiting). */
export async function withNamespace<T>(prefix: string, fn: (ns: string) => Promise<T>): Promise<T> {
  const ns = await createNamespace(prefix);
  try {
    return await fn(ns);
  } finally {
    await deleteNamespace(ns);
  }
}

/** A temporary directory, removed by `cleanup()` or `await using`. */
export interface TempDir extends AsyncDisposable {
  path: string;
  cleanup(): Promise<void>;
}

export async function tempDir(prefix = "kubectl-kserve-test-"): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix });
  const cleanup = () => Deno.remove(path, { recursive: true }).catch(() => {});
  return { path, cleanup, [Symbol.asyncDispose]: cleanup };
}

/** The repository root (where deno.json and scripts/ are). */
export const REPO_ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/**
 * `deno task cluster reset`: an empty cluster (etcd wiped, control plane, kwok and the pod runner
 * restarted). Works from inside the cluster's netns (as the tests run); needs root. Returns the
 * seconds it took. Use it before installing cluster-scoped things, and after, to leave the
 * cluster clean for other test files.
 */
export async function resetCluster(): Promise<number> {
  const start = Date.now();
  check("cluster reset", await run("bash", [`${REPO_ROOT}/scripts/cluster/cluster.sh`, "reset"]));
  await Deno.remove(kubectlCache(), { recursive: true }).catch(() => {});
  return (Date.now() - start) / 1000;
}

/** One process the pod runner plays (its $STATE/runner/processes.json). */
export interface RunnerProcess {
  namespace: string;
  pod: string;
  uid: string;
  container: string;
  image: string;
  /** null while the container is waiting (mount, back-off). */
  pid: number | null;
  ready: boolean;
  restartCount: number;
  /** pod port -> local port */
  ports: Record<string, number>;
}

/** The processes the pod runner currently plays (empty if it has written none yet). */
export async function runnerProcesses(): Promise<RunnerProcess[]> {
  try {
    return JSON.parse(await Deno.readTextFile(`${clusterDir()}/runner/processes.json`));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

/** True if a process with this pid exists (and is not a zombie). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** `kubectl apply --server-side --force-conflicts -f FILE`; does not throw on failure. */
export function applyServerSide(file: string, opts: KubectlOptions = {}): Promise<RunResult> {
  return kubectl(["apply", "--server-side", "--force-conflicts", "-f", file], opts);
}

/**
 * Applies a manifest server-side until it goes through (objects behind webhooks that start
 * later), and says how many tries it took when more than one.
 */
export async function applyUntilDone(file: string, timeoutMs = 90_000): Promise<void> {
  let tries = 0, last = "";
  await waitFor(`kubectl apply --server-side -f ${file}`, async () => {
    tries++;
    const r = await applyServerSide(file);
    if (r.success) return true;
    last = r.stderr.split("\n").filter(Boolean).at(-1) ?? "";
    throw new Error(last);
  }, { timeoutMs, intervalMs: 1000 });
  if (tries > 1) console.log(`    (${file} needed ${tries} applies; last error: ${last})`);
}

/** Seconds since `start` (a Date.now() value), for timing output. */
export function secondsSince(start: number): string {
  return `${((Date.now() - start) / 1000).toFixed(1)}s`;
}

/** An object as kubectl prints it, read loosely by a test. */
// deno-lint-ignore no-explicit-any
export type Obj = Record<string, any>;

/** A progress line under the running test (indented like deno test's steps). */
export const say = (msg: string): void => console.log(`    ${msg}`);
