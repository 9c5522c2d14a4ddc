import assert from "node:assert/strict";
import {
  inClusterKubeconfig,
  type Kubeconfig,
  kubeconfigPaths,
  mergeKubeconfigs,
  parseKubeconfig,
  resolveNamespace,
  selectContext,
} from "../../lib/kube/kubeconfig.ts";
import type { UsageError } from "../../lib/errors.ts";

const FIRST = `
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev
  cluster: {server: "https://dev:6443", certificate-authority: ca.crt}
- name: shared
  cluster: {server: "https://first:6443"}
users:
- name: alice
  user: {client-certificate: certs/alice.crt, client-key: /abs/alice.key}
contexts:
- name: dev
  context: {cluster: dev, user: alice, namespace: team-a}
`;

const SECOND = `
current-context: prod
clusters:
- name: shared
  cluster: {server: "https://second:6443"}
- name: prod
  cluster: {server: "https://prod:6443"}
users:
- name: bob
  user: {exec: {command: ./bin/get-token, apiVersion: client.authentication.k8s.io/v1}}
contexts:
- name: prod
  context: {cluster: prod, user: bob}
`;

async function merged(): Promise<Kubeconfig> {
  return mergeKubeconfigs([
    { path: "/home/me/.kube/first", config: await parseKubeconfig(FIRST, "/home/me/.kube/first") },
    { path: "/etc/kube/second", config: await parseKubeconfig(SECOND, "/etc/kube/second") },
  ]);
}

Deno.test("kubeconfigPaths() prefers the flag, then every KUBECONFIG entry, then ~/.kube/config", () => {
  assert.deepEqual(kubeconfigPaths({ flag: "/a", env: "/b:/c", home: "/h" }), {
    paths: ["/a"],
    explicit: true,
  });
  assert.deepEqual(kubeconfigPaths({ env: "/b::/c:/b", home: "/h" }), {
    paths: ["/b", "/c"],
    explicit: false,
  });
  assert.deepEqual(kubeconfigPaths({ home: "/h" }), {
    paths: ["/h/.kube/config"],
    explicit: false,
  });
});

Deno.test("mergeKubeconfigs() keeps the first definition of each name, as kubectl does", async () => {
  const config = await merged();
  assert.equal(config["current-context"], "dev");
  assert.deepEqual(config.clusters.map((c) => c.name), ["dev", "shared", "prod"]);
  assert.equal(
    config.clusters.find((c) => c.name === "shared")?.cluster.server,
    "https://first:6443",
  );
  assert.deepEqual(config.contexts.map((c) => c.name), ["dev", "prod"]);
});

Deno.test("mergeKubeconfigs() resolves relative paths against each file's directory", async () => {
  const config = await merged();
  assert.equal(config.clusters[0]?.cluster["certificate-authority"], "/home/me/.kube/ca.crt");
  const alice = config.users.find((u) => u.name === "alice")!.user;
  assert.equal(alice["client-certificate"], "/home/me/.kube/certs/alice.crt");
  assert.equal(alice["client-key"], "/abs/alice.key");
  const bob = config.users.find((u) => u.name === "bob")!.user;
  assert.equal((bob.exec as { command: string }).command, "/etc/kube/./bin/get-token");
});

Deno.test("selectContext() uses --context over current-context", async () => {
  const loaded = { config: await merged(), sources: ["a", "b"] };
  const current = selectContext(loaded, {});
  assert.equal(current.contextName, "dev");
  assert.equal(current.namespace, "team-a");
  assert.equal(current.user.name, "alice");
  const prod = selectContext(loaded, { context: "prod" });
  assert.equal(prod.cluster.cluster.server, "https://prod:6443");
  assert.equal(prod.namespace, "default");
  assert.equal(selectContext(loaded, { context: "prod", namespace: "ns1" }).namespace, "ns1");
});

Deno.test("selectContext() names the contexts that exist when one is unknown", async () => {
  const loaded = { config: await merged(), sources: ["/k1", "/k2"] };
  assert.throws(() => selectContext(loaded, { context: "staging" }), (error: UsageError) => {
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /Context "staging" does not exist in \/k1, \/k2/);
    assert.equal(error.hint, "Contexts that exist: dev, prod");
    return true;
  });
});

Deno.test("resolveNamespace() follows flag, then context, then default", () => {
  assert.equal(resolveNamespace("a", "b"), "a");
  assert.equal(resolveNamespace(undefined, "b"), "b");
  assert.equal(resolveNamespace(undefined, undefined), "default");
  assert.equal(resolveNamespace("", ""), "default");
});

Deno.test("parseKubeconfig() names the file and line of a YAML error", async () => {
  const text = "apiVersion: v1\nclusters:\n- name: x\n  cluster: {server: [\n";
  await assert.rejects(parseKubeconfig(text, "/tmp/bad.yaml"), (error: UsageError) => {
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /^Cannot load kubeconfig \/tmp\/bad\.yaml:\d+: /);
    return true;
  });
});

Deno.test("parseKubeconfig() names the line of an entry with the wrong shape", async () => {
  const text = "clusters:\n- name: ok\n  cluster: {server: https://x}\n- cluster: {}\n";
  await assert.rejects(
    parseKubeconfig(text, "/k"),
    /Cannot load kubeconfig \/k:4: clusters\[1\] needs "name" and "cluster"/,
  );
  await assert.rejects(parseKubeconfig("- a\n- b\n", "/k"), /expected a mapping/);
  await assert.rejects(parseKubeconfig("users: {}\n", "/k"), /"users" must be a list/);
});

Deno.test("inClusterKubeconfig() builds the service account's config", () => {
  const config = inClusterKubeconfig({ host: "fd00::1", port: "443" }, "/sa", "ml");
  assert.equal(config.clusters[0]?.cluster.server, "https://[fd00::1]:443");
  assert.equal(config.clusters[0]?.cluster["certificate-authority"], "/sa/ca.crt");
  assert.equal(config.contexts[0]?.context.namespace, "ml");
});
