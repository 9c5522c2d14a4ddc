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

/** Runs the cluster's kubectl; does not throw on failure. */
export function kubectl(args: string[], opts: KubectlOptions = {}): Promise<RunResult> {
  const pre = ["--kubeconfig", opts.kubeconfig ?? adminKubeconfig()];
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

/** A kubeconfig written to a temp file; `cleanup()` (or `await using`) removes it. */
export interface TempKubeconfig extends AsyncDisposable {
  /** Path of the kubeconfig file (YAML). */
  path: string;
  /** The same kubeconfig as text. */
  text: string;
  cleanup(): Promise<void>;
}

/** The admin kubeconfig's server URL and CA (PEM). */
export async function clusterEndpoint(): Promise<{ server: string; caPem: string }> {
  const cfg = await kubectlJson<{
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
  }>(["config", "view", "--raw", "--minify"]);
  const c = cfg.clusters[0]?.cluster;
  if (!c) throw new Error("admin kubeconfig has no cluster");
  return { server: c.server, caPem: atob(c["certificate-authority-data"]) };
}

type UserEntry = Record<string, string | string[]>;

/** Writes a kubeconfig for the cluster with the given user credentials (kubeconfig `user:` keys). */
export async function writeKubeconfig(
  userName: string,
  user: UserEntry,
  opts: { namespace?: string } = {},
): Promise<TempKubeconfig> {
  const { server, caPem } = await clusterEndpoint();
  const q = JSON.stringify;
  const lines = [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: kubectl-kserve",
    "  cluster:",
    `    server: ${q(server)}`,
    `    certificate-authority-data: ${q(btoa(caPem))}`,
    "users:",
    `- name: ${q(userName)}`,
    "  user:",
    ...Object.entries(user).map(([k, v]) => `    ${k}: ${q(v)}`),
    "contexts:",
    "- name: kubectl-kserve",
    "  context:",
    "    cluster: kubectl-kserve",
    `    user: ${q(userName)}`,
    ...(opts.namespace ? [`    namespace: ${q(opts.namespace)}`] : []),
    "current-context: kubectl-kserve",
    "",
  ];
  const text = lines.join("\n");
  const dir = await tempDir("kubectl-kserve-kubeconfig-");
  const path = `${dir.path}/kubeconfig`;
  await Deno.writeTextFile(path, text, { mode: 0o600 });
  return { path, text, cleanup: dir.cleanup, [Symbol.asyncDispose]: dir.cleanup };
}

/** A bearer-token kubeconfig for a ServiceAccount, from `kubectl create token`. */
export async function serviceAccountKubeconfig(
  namespace: string,
  serviceAccount: string,
  opts: { duration?: string } = {},
): Promise<TempKubeconfig & { token: string }> {
  const token = (await kubectlOk([
    "create",
    "token",
    serviceAccount,
    "--namespace",
    namespace,
    `--duration=${opts.duration ?? "1h"}`,
  ])).trim();
  const kc = await writeKubeconfig(`system:serviceaccount:${namespace}:${serviceAccount}`, {
    token,
  }, { namespace });
  return { ...kc, token };
}

/** Runs openssl with an argument array; throws on failure. */
export async function openssl(args: string[], opts: RunOptions = {}): Promise<string> {
  return check(`openssl ${args[0]}`, await run("openssl", args, opts));
}

/** A client certificate signed by the cluster CA (`<cluster dir>/pki/ca.{crt,key}`). */
export async function clientCert(
  user: string,
  groups: string[] = [],
): Promise<{ certPem: string; keyPem: string }> {
  await using dir = await tempDir();
  const pki = `${clusterDir()}/pki`;
  const subj = [...groups.map((g) => `/O=${g}`), `/CN=${user}`].join("");
  await Deno.writeTextFile(
    `${dir.path}/ext`,
    "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n",
  );
  await openssl(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", `${dir.path}/key`]
    .concat(["-out", `${dir.path}/csr`, "-subj", subj]));
  await openssl([
    "x509",
    "-req",
    "-in",
    `${dir.path}/csr`,
    "-CA",
    `${pki}/ca.crt`,
    "-CAkey",
    `${pki}/ca.key`,
    "-set_serial",
    `0x${crypto.randomUUID().replaceAll("-", "")}`,
    "-days",
    "2",
    "-extfile",
    `${dir.path}/ext`,
    "-out",
    `${dir.path}/crt`,
  ]);
  return {
    certPem: await Deno.readTextFile(`${dir.path}/crt`),
    keyPem: await Deno.readTextFile(`${dir.path}/key`),
  };
}

/**
 * A kubeconfig for a user authenticated by a client cert from the cluster CA. The user has no
 * RBAC permissions unless the test grants some (useful for 403 tests).
 */
export async function clientCertKubeconfig(
  user: string,
  groups: string[] = [],
): Promise<TempKubeconfig & { certPem: string; keyPem: string }> {
  const { certPem, keyPem } = await clientCert(user, groups);
  const kc = await writeKubeconfig(user, {
    "client-certificate-data": btoa(certPem),
    "client-key-data": btoa(keyPem),
  });
  return { ...kc, certPem, keyPem };
}

/**
 * A client-cert kubeconfig for a fresh user bound to the "edit" ClusterRole: what a namespace
 * admin has, short of cluster-admin. Disposing it removes the binding.
 */
export async function editorKubeconfig(): Promise<TempKubeconfig> {
  const user = uniqueName("editor");
  const kubeconfig = await clientCertKubeconfig(user);
  await kubectlOk(["create", "clusterrolebinding", user, "--clusterrole=edit", `--user=${user}`]);
  const cleanup = async () => {
    await kubectl(["delete", "clusterrolebinding", user, "--ignore-not-found"]);
    await kubeconfig.cleanup();
  };
  return { ...kubeconfig, cleanup, [Symbol.asyncDispose]: cleanup };
}

/** A self-signed CA and a serving cert it signs, for local HTTPS servers (e.g. webhooks). */
export async function servingCert(
  opts: { ips?: string[]; dnsNames?: string[] } = {},
): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  await using dir = await tempDir();
  const d = dir.path;
  const sans = [
    ...(opts.ips ?? ["127.0.0.1"]).map((ip) => `IP:${ip}`),
    ...(opts.dnsNames ?? ["localhost"]).map((n) => `DNS:${n}`),
  ].join(",");
  await openssl(
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${d}/ca.key`]
      .concat(["-out", `${d}/ca.crt`, "-days", "2", "-subj", "/CN=kubectl-kserve-test-webhook-ca"])
      .concat(["-addext", "basicConstraints=critical,CA:TRUE"])
      .concat(["-addext", "keyUsage=critical,keyCertSign,digitalSignature"]),
  );
  await Deno.writeTextFile(
    `${d}/ext`,
    `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n` +
      `extendedKeyUsage=serverAuth\nsubjectAltName=${sans}\n`,
  );
  await openssl(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", `${d}/tls.key`]
    .concat(["-out", `${d}/tls.csr`, "-subj", "/CN=kubectl-kserve-test-server"]));
  await openssl(
    ["x509", "-req", "-in", `${d}/tls.csr`, "-CA", `${d}/ca.crt`, "-CAkey"]
      .concat([`${d}/ca.key`, "-set_serial", `0x${crypto.randomUUID().replaceAll("-", "")}`])
      .concat(["-days", "2", "-extfile", `${d}/ext`, "-out", `${d}/tls.crt`]),
  );
  return {
    caPem: await Deno.readTextFile(`${d}/ca.crt`),
    certPem: await Deno.readTextFile(`${d}/tls.crt`),
    keyPem: await Deno.readTextFile(`${d}/tls.key`),
  };
}

/** A running local HTTPS server; use `url` and `caBundle` in a webhook's clientConfig. */
export interface HttpsServer extends AsyncDisposable {
  port: number;
  /** https://127.0.0.1:<port> */
  url: string;
  /** The CA that signed the server cert, base64 PEM (a webhook's `caBundle`). */
  caBundle: string;
  close(): Promise<void>;
}

/** Serves `handler` over HTTPS on 127.0.0.1 (random port) with a fresh cert for 127.0.0.1. */
export async function serveHttps(
  handler: (req: Request) => Response | Promise<Response>,
): Promise<HttpsServer> {
  const { caPem, certPem, keyPem } = await servingCert();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: certPem,
    key: keyPem,
    onListen: () => {},
  }, handler);
  const port = server.addr.port;
  const close = () => server.shutdown();
  return {
    port,
    url: `https://127.0.0.1:${port}`,
    caBundle: btoa(caPem),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Minimal shape of an admission.k8s.io/v1 AdmissionReview request. */
export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  operation: string;
  namespace?: string;
  name?: string;
  object?: { metadata?: { name?: string; generateName?: string; labels?: Record<string, string> } };
}

/** Builds an AdmissionReview response. */
export function admissionResponse(
  uid: string,
  allowed: boolean,
  message?: string,
  code = 403,
): Response {
  return Response.json({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    response: { uid, allowed, ...(allowed ? {} : { status: { code, message } }) },
  });
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

/** Seconds since `start` (a Date.now() value), for timing output. */
export function secondsSince(start: number): string {
  return `${((Date.now() - start) / 1000).toFixed(1)}s`;
}
