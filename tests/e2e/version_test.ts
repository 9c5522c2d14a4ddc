/** `version` against the real API server, with each kind of credential a kubeconfig can hold. */
import assert from "node:assert/strict";
import {
  adminKubeconfig,
  applyYaml,
  clusterDir,
  kubectlOk,
  resetCluster,
  tempDir,
  uniqueName,
  withNamespace,
} from "../support/cluster.ts";
import {
  clientCert,
  clientCertKubeconfig,
  serviceAccountKubeconfig,
  writeKubeconfig,
} from "../support/credentials.ts";
import { runPlugin } from "../support/plugin.ts";

/** Runs `fn` with ServiceAccount "reader" in a fresh namespace, bound to the "view" ClusterRole. */
async function withViewer(prefix: string, fn: (namespace: string) => Promise<void>): Promise<void> {
  await withNamespace(prefix, async (namespace) => {
    const binding = uniqueName(`${prefix}-view`);
    await kubectlOk(["create", "serviceaccount", "reader", "-n", namespace]);
    await kubectlOk([
      "create",
      "clusterrolebinding",
      binding,
      "--clusterrole=view",
      `--serviceaccount=${namespace}:reader`,
    ]);
    try {
      await fn(namespace);
    } finally {
      await kubectlOk(["delete", "clusterrolebinding", binding]);
    }
  });
}

/** Writes `text` as the kubeconfig at `path`, then runs `version` with it. */
async function versionWith(path: string, text: string) {
  await Deno.writeTextFile(path, text);
  return await runPlugin(["version"], { env: { KUBECONFIG: path } });
}

const SERVER_VERSION = /^Server Version: v1\.\d+\.\d+/m;

Deno.test("version reports the server and no KServe, with the admin client certificate", async () => {
  await resetCluster();
  const text = await runPlugin(["version"], { env: { KUBECONFIG: adminKubeconfig() } });
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, SERVER_VERSION);
  assert.match(text.stdout, /^KServe Version: not installed/m);
  const json = await runPlugin(["version", "-o", "json"], {
    env: { KUBECONFIG: adminKubeconfig() },
  });
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.match(report.serverVersion.gitVersion, /^v1\.\d+/);
  assert.deepEqual(report.kserveVersion, { installed: false, apiServed: false });
});

Deno.test("version reads the KServe version from the controller image tag", async () => {
  await withNamespace("kserve-version", async (namespace) => {
    await applyYaml(`
apiVersion: apps/v1
kind: Deployment
metadata:
  name: kserve-controller-manager
  namespace: ${namespace}
  labels: {control-plane: kserve-controller-manager}
spec:
  replicas: 0
  selector: {matchLabels: {control-plane: kserve-controller-manager}}
  template:
    metadata: {labels: {control-plane: kserve-controller-manager}}
    spec:
      containers:
      - {name: manager, image: "kserve/kserve-controller:v0.16.0"}
`);
    const result = await runPlugin(["version", "-o", "json"], {
      env: { KUBECONFIG: adminKubeconfig() },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout).kserveVersion, {
      installed: true,
      version: "v0.16.0",
      namespace,
      image: "kserve/kserve-controller:v0.16.0",
      owner: { by: "other", managers: ["kubectl-client-side-apply"] },
      apiServed: false,
    });
  });
});

Deno.test("version works with a bearer-token kubeconfig", async () => {
  await withViewer("token", async (namespace) => {
    await using kubeconfig = await serviceAccountKubeconfig(namespace, "reader");
    const result = await runPlugin(["version"], { env: { KUBECONFIG: kubeconfig.path } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, SERVER_VERSION);
  });
});

Deno.test("a wrong token gets the 401 message", async () => {
  await using kubeconfig = await writeKubeconfig("stale", { token: "expired-or-wrong" });
  const result = await runPlugin(["version"], { env: { KUBECONFIG: kubeconfig.path } });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: Unauthorized: .* rejected the credentials of user "stale"/);
  assert.match(result.stderr, /expired or wrong/);
});

Deno.test("a user whose RBAC forbids listing deployments gets the 403 message", async () => {
  const user = uniqueName("no-rbac");
  await using kubeconfig = await clientCertKubeconfig(user);
  // version answers from discovery: "not installed" without serving.kserve.io, "unknown" with
  // it (what earlier tests left), never an error; list must list, and is refused.
  const version = await runPlugin(["version"], { env: { KUBECONFIG: kubeconfig.path } });
  assert.equal(version.code, 0, version.stderr);
  assert.match(
    version.stdout,
    /KServe Version: (not installed|unknown \(serving\.kserve\.io is served)/,
  );
  const result = await runPlugin(["list", "-A"], { env: { KUBECONFIG: kubeconfig.path } });
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    new RegExp(
      `^error: Forbidden: User "${user}" cannot list resource "(deployments|inferenceservices)" in API group "(apps|serving\\.kserve\\.io)" at the cluster scope`,
    ),
  );
  assert.match(
    result.stderr,
    /kubectl auth can-i list (deployments\.apps|inferenceservices\.serving\.kserve\.io)/,
  );
});

Deno.test("an exec credential plugin is run for its token", async () => {
  await withViewer("exec", async (namespace) => {
    const token = (await kubectlOk(["create", "token", "reader", "-n", namespace])).trim();
    await using dir = await tempDir();
    const plugin = `${dir.path}/get-token`;
    await Deno.writeTextFile(
      plugin,
      `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${token}"}}'\n`,
      { mode: 0o755 },
    );
    await using kubeconfig = await writeKubeconfig("exec-user", {});
    const text = kubeconfig.text.replace(
      /^(- name: "exec-user"\n {2}user:)\n/m,
      `$1\n    exec: {apiVersion: client.authentication.k8s.io/v1, command: ${plugin}, interactiveMode: Never}\n`,
    );
    const result = await versionWith(kubeconfig.path, text);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, SERVER_VERSION);
  });
});

Deno.test("a token file is read for each connection (in-cluster style)", async () => {
  await withViewer("tokenfile", async (namespace) => {
    await using kubeconfig = await serviceAccountKubeconfig(namespace, "reader");
    const tokenPath = `${kubeconfig.path}.token`;
    await Deno.writeTextFile(tokenPath, `${kubeconfig.token}\n`);
    const result = await versionWith(
      kubeconfig.path,
      kubeconfig.text.replace(/^ {4}token: .*$/m, `    tokenFile: ${JSON.stringify(tokenPath)}`),
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, SERVER_VERSION);
  });
});

Deno.test("insecure-skip-tls-verify is honoured only because the kubeconfig says so", async () => {
  await withViewer("insecure", async (namespace) => {
    await using kubeconfig = await serviceAccountKubeconfig(namespace, "reader");
    const insecure = kubeconfig.text.replace(
      /^ {4}certificate-authority-data: .*$/m,
      "    insecure-skip-tls-verify: true",
    );
    const result = await versionWith(kubeconfig.path, insecure);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, SERVER_VERSION);
    // Without the CA and without the flag, verification fails: nothing is skipped by default.
    const refused = await versionWith(
      kubeconfig.path,
      insecure.replace("    insecure-skip-tls-verify: true\n", ""),
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /TLS verification of .* failed/);
  });
});

Deno.test("impersonation: as and one as-groups entry reach the API server on both transports; several groups are refused", async () => {
  const pki = `${clusterDir()}/pki`;
  const admin = { "client-certificate": `${pki}/admin.crt`, "client-key": `${pki}/admin.key` };
  const user = uniqueName("jane");
  await using alone = await writeKubeconfig("admin-as", { ...admin, as: user });
  const forbidden = await runPlugin(["list", "-A"], { env: { KUBECONFIG: alone.path } });
  assert.equal(forbidden.code, 1, forbidden.stderr);
  assert.match(forbidden.stderr, new RegExp(`User "${user}" cannot list`));

  const masters = { ...admin, as: user, "as-groups": ["system:masters"] };
  await using kubeconfig = await writeKubeconfig("admin-as", masters);
  const allowed = await runPlugin(["version"], { env: { KUBECONFIG: kubeconfig.path } });
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.match(allowed.stdout, SERVER_VERSION);
  // client-node carries what fetch cannot (here insecure-skip-tls-verify): the group still goes.
  const insecure = kubeconfig.text.replace(
    /^ {4}certificate-authority-data: .*$/m,
    "    insecure-skip-tls-verify: true",
  );
  const fallback = await versionWith(kubeconfig.path, insecure);
  assert.equal(fallback.code, 0, fallback.stderr);

  await using two = await writeKubeconfig("admin-as", {
    ...masters,
    "as-groups": ["system:masters", "ml"],
  });
  const refused = await runPlugin(["version"], { env: { KUBECONFIG: two.path } });
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /impersonates with as-groups with more than one group/);
});

Deno.test("impersonation is sent on both transports: a base credential that may only impersonate gets nothing without it", async () => {
  // The base user may do nothing but impersonate; every read it makes must come from the
  // impersonated identity, so dropping impersonation on either transport fails this test.
  const base = uniqueName("impersonator");
  const { certPem, keyPem } = await clientCert(base);
  await kubectlOk(["create", "clusterrole", base, "--verb=impersonate", "--resource=users,groups"]);
  await kubectlOk([
    "create",
    "clusterrolebinding",
    base,
    `--clusterrole=${base}`,
    `--user=${base}`,
  ]);
  try {
    const credential = {
      "client-certificate-data": btoa(certPem),
      "client-key-data": btoa(keyPem),
    };
    await using plain = await writeKubeconfig(base, credential);
    const denied = await runPlugin(["list", "-A"], { env: { KUBECONFIG: plain.path } });
    assert.equal(denied.code, 1, "without impersonation the base user may not read");
    assert.match(denied.stderr, new RegExp(`User "${base}" cannot`));

    const as = uniqueName("jane");
    await using impersonating = await writeKubeconfig(base, {
      ...credential,
      as,
      "as-groups": ["system:masters"],
    });
    const viaFetch = await runPlugin(["version"], { env: { KUBECONFIG: impersonating.path } });
    assert.equal(viaFetch.code, 0, viaFetch.stderr);
    assert.match(viaFetch.stdout, SERVER_VERSION);
    // insecure-skip-tls-verify sends through client-node: impersonation must go there too.
    const viaClientNode = await versionWith(
      impersonating.path,
      impersonating.text.replace(
        /^ {4}certificate-authority-data: .*$/m,
        "    insecure-skip-tls-verify: true",
      ),
    );
    assert.equal(viaClientNode.code, 0, viaClientNode.stderr);
    assert.match(viaClientNode.stdout, SERVER_VERSION);
  } finally {
    await kubectlOk(["delete", "clusterrolebinding,clusterrole", base, "--ignore-not-found"]);
  }
});
