/** Kubeconfigs and client certificates for the test cluster's users, made with openssl. */
import {
  check,
  clusterDir,
  kubectl,
  kubectlJson,
  kubectlOk,
  run,
  type RunOptions,
  tempDir,
  uniqueName,
} from "./cluster.ts";

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

/**
 * A client-cert kubeconfig for a fresh user who may "edit" one namespace only (a RoleBinding),
 * and, as platform teams grant, manage InferenceServices there: no cluster-wide list of
 * Deployments, no read of the kserve namespace or of ClusterServingRuntimes. Disposing it
 * removes the bindings.
 */
export async function namespaceEditorKubeconfig(namespace: string): Promise<TempKubeconfig> {
  const user = uniqueName("ns-editor");
  const kubeconfig = await clientCertKubeconfig(user);
  await kubectlOk([
    "create",
    "rolebinding",
    user,
    "-n",
    namespace,
    "--clusterrole=edit",
    `--user=${user}`,
  ]);
  await kubectlOk([
    "create",
    "role",
    `${user}-models`,
    "-n",
    namespace,
    "--verb=*",
    "--resource=inferenceservices.serving.kserve.io,servingruntimes.serving.kserve.io",
  ]);
  await kubectlOk([
    "create",
    "rolebinding",
    `${user}-models`,
    "-n",
    namespace,
    `--role=${user}-models`,
    `--user=${user}`,
  ]);
  const cleanup = async () => {
    await kubectl([
      "delete",
      "rolebinding",
      user,
      `${user}-models`,
      "-n",
      namespace,
      "--ignore-not-found",
    ]);
    await kubectl(["delete", "role", `${user}-models`, "-n", namespace, "--ignore-not-found"]);
    await kubeconfig.cleanup();
  };
  return { ...kubeconfig, cleanup, [Symbol.asyncDispose]: cleanup };
}
