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

Deno.test("impersonation on both transports: a base credential that may only impersonate lists a namespace with the impersonated user's or group's rights, and only with them", async () => {
  // The base user may do nothing but impersonate; the namespace is readable only by user `as`
  // (a RoleBinding) and by group `group`. Dropping the impersonation headers on either transport
  // (or the group header alone) leaves the base user's rights, which read nothing.
  const base = uniqueName("impersonator");
  const as = uniqueName("jane");
  const group = uniqueName("ml");
  const { certPem, keyPem } = await clientCert(base);
  await kubectlOk(["create", "clusterrole", base, "--verb=impersonate", "--resource=users,groups"]);
  await kubectlOk(
    ["create", "clusterrolebinding", base, `--clusterrole=${base}`, `--user=${base}`],
  );
  try {
    await withNamespace("impersonated", async (namespace) => {
      // A deployment-backend model: `list` reads it with a namespaced list of Deployments.
      await applyYaml(
        `
apiVersion: apps/v1
kind: Deployment
metadata: {name: toy, labels: {kubectl-kserve/backend: deployment}}
spec:
  replicas: 0
  selector: {matchLabels: {app: toy}}
  template:
    metadata: {labels: {app: toy}}
    spec: {containers: [{name: server, image: kubectl-kserve.test/model-server:v1}]}
`,
        { namespace },
      );
      // What `list` reads: Deployments, and InferenceServices (not served here: a 404 once allowed).
      await applyYaml(
        `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: model-reader}
rules:
- {apiGroups: [apps], resources: [deployments], verbs: [get, list]}
- {apiGroups: [serving.kserve.io], resources: [inferenceservices], verbs: [get, list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: model-reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: model-reader}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: ${as}}
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: ${group}}
`,
        { namespace },
      );
      const credential = {
        "client-certificate-data": btoa(certPem),
        "client-key-data": btoa(keyPem),
      };
      /** `list -n NAMESPACE` with the base credential and `user`'s impersonation, on a transport. */
      const list = async (user: Record<string, string | string[]>, clientNode: boolean) => {
        await using kubeconfig = await writeKubeconfig(base, { ...credential, ...user });
        const text = clientNode
          // insecure-skip-tls-verify sends through client-node (transport.ts).
          ? kubeconfig.text.replace(
            /^ {4}certificate-authority-data: .*$/m,
            "    insecure-skip-tls-verify: true",
          )
          : kubeconfig.text;
        await Deno.writeTextFile(kubeconfig.path, text);
        return await runPlugin(["list", "-n", namespace], {
          env: { KUBECONFIG: kubeconfig.path },
        });
      };
      for (const clientNode of [false, true]) {
        const transport = clientNode ? "client-node" : "fetch";
        const denied = await list({}, clientNode);
        assert.equal(denied.code, 1, `${transport}: the base user alone may not read`);
        assert.match(denied.stderr, new RegExp(`User "${base}" cannot list`));

        const asUser = await list({ as }, clientNode);
        assert.equal(asUser.code, 0, `${transport}: ${asUser.stderr}`);
        assert.match(asUser.stdout, /^toy +deployment /m, transport);

        // A user without a binding of their own reads only through the impersonated group.
        const stranger = uniqueName("stranger");
        const alone = await list({ as: stranger }, clientNode);
        assert.equal(alone.code, 1, `${transport}: ${alone.stdout}`);
        assert.match(alone.stderr, new RegExp(`User "${stranger}" cannot list`), transport);
        const inGroup = await list({ as: stranger, "as-groups": [group] }, clientNode);
        assert.equal(inGroup.code, 0, `${transport}: ${inGroup.stderr}`);
        assert.match(inGroup.stdout, /^toy +deployment /m, transport);
      }
    });
  } finally {
    await kubectlOk(["delete", "clusterrolebinding,clusterrole", base, "--ignore-not-found"]);
  }
});

Deno.test("impersonation with several groups is refused: fetch would fold them into one", async () => {
  await using two = await writeKubeconfig("admin-as", {
    "client-certificate": `${clusterDir()}/pki/admin.crt`,
    "client-key": `${clusterDir()}/pki/admin.key`,
    as: uniqueName("jane"),
    "as-groups": ["system:masters", "ml"],
  });
  const refused = await runPlugin(["version"], { env: { KUBECONFIG: two.path } });
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /impersonates with as-groups with more than one group/);
});
