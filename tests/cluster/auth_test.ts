// Authentication and authorization on the test cluster: ServiceAccount bearer tokens work, and a
// user with no RBAC bindings gets 403.
// Run inside the cluster's netns: deno task cluster exec -- deno test -A tests/cluster/
import assert from "node:assert/strict";
import {
  applyYaml,
  kubectl,
  kubectlOk,
  uniqueName,
  waitFor,
  withNamespace,
} from "../support/cluster.ts";
import {
  clientCertKubeconfig,
  clusterEndpoint,
  serviceAccountKubeconfig,
} from "../support/credentials.ts";

Deno.test("cluster: a ServiceAccount token kubeconfig works, limited by its RBAC", async () => {
  await withNamespace("sa-token", async (ns) => {
    await applyYaml(
      `
apiVersion: v1
kind: ServiceAccount
metadata: {name: reader}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader-view}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: reader, namespace: ${ns}}]
`,
      { namespace: ns },
    );
    await using kc = await serviceAccountKubeconfig(ns, "reader");
    assert.match(kc.text, /token: /);

    const who = await kubectlOk(
      ["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"],
      { kubeconfig: kc.path },
    );
    assert.equal(who, `system:serviceaccount:${ns}:reader`);
    const version = JSON.parse(
      await kubectlOk(["get", "--raw", "/version"], { kubeconfig: kc.path }),
    );
    assert.match(version.gitVersion, /^v1\.\d+\.\d+/);
    // Its RoleBinding lets it read its namespace (the kubeconfig's default namespace)...
    await waitFor("the RoleBinding to apply", async () => {
      const r = await kubectl(["get", "configmaps"], { kubeconfig: kc.path });
      return r.success || undefined;
    }, { timeoutMs: 15_000 });
    // ...and nothing cluster-wide.
    const nodes = await kubectl(["get", "nodes"], { kubeconfig: kc.path });
    assert.equal(nodes.success, false);
    assert.match(nodes.stderr, /Forbidden/);

    // The token also works for a plain HTTPS client.
    const { server, caPem } = await clusterEndpoint();
    using client = Deno.createHttpClient({ caCerts: [caPem] });
    const res = await fetch(`${server}/api/v1/namespaces/${ns}/configmaps`, {
      client,
      headers: { authorization: `Bearer ${kc.token}` },
    });
    assert.equal(res.status, 200);
    await res.body?.cancel();
  });
});

Deno.test("cluster: a user without RBAC permissions gets 403", async () => {
  const user = uniqueName("kubectl-kserve-nobody");
  await using kc = await clientCertKubeconfig(user);

  // Authenticated (whoami is allowed for everyone)...
  const who = await kubectlOk(
    ["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"],
    { kubeconfig: kc.path },
  );
  assert.equal(who, user);
  // ...but not authorized.
  const r = await kubectl(["get", "pods", "--namespace", "default"], { kubeconfig: kc.path });
  assert.equal(r.success, false);
  assert.match(r.stderr, /\(Forbidden\).*User "kubectl-kserve-nobody-[a-z0-9]+" cannot list/);

  const { server, caPem } = await clusterEndpoint();
  using client = Deno.createHttpClient({ caCerts: [caPem], cert: kc.certPem, key: kc.keyPem });
  const res = await fetch(`${server}/api/v1/namespaces/default/pods`, { client });
  assert.equal(res.status, 403);
  const status = await res.json();
  assert.equal(status.kind, "Status");
  assert.equal(status.reason, "Forbidden");
  assert.equal(status.code, 403);
});
