import assert from "node:assert/strict";
import { impersonationHeaders, planTransport, proxyFor } from "../../lib/kube/transport.ts";
import { contactsServer } from "../../lib/kube/warmup.ts";
import type { KubeconfigSelection } from "../../lib/kube/kubeconfig.ts";

function selection(
  cluster: Record<string, unknown>,
  user: Record<string, unknown>,
): KubeconfigSelection {
  return {
    config: { clusters: [], users: [], contexts: [] },
    sources: ["test"],
    contextName: "ctx",
    context: { cluster: "c", user: "u" },
    cluster: { name: "c", cluster: { server: "https://127.0.0.1:6443", ...cluster } },
    user: { name: "u", user },
    namespace: "default",
  };
}

Deno.test("certificates, tokens, token files and exec plugins use native fetch", () => {
  for (
    const user of [
      { "client-certificate-data": "x", "client-key-data": "y" },
      { token: "t" },
      { tokenFile: "/var/run/secrets/token" },
      { exec: { command: "aws", apiVersion: "client.authentication.k8s.io/v1" } },
      { username: "u", password: "p" },
    ]
  ) {
    assert.deepEqual(planTransport(selection({ "certificate-authority-data": "ca" }, user)), {
      kind: "native",
    });
  }
});

Deno.test("what fetch cannot express falls back to client-node, with the reason", () => {
  assert.deepEqual(planTransport(selection({ "insecure-skip-tls-verify": true }, {})), {
    kind: "client-node",
    reason: "insecure-skip-tls-verify",
  });
  assert.deepEqual(planTransport(selection({ "tls-server-name": "api.internal" }, {})), {
    kind: "client-node",
    reason: "tls-server-name",
  });
  assert.deepEqual(
    planTransport(selection({}, { "auth-provider": { name: "oidc", config: {} } })),
    { kind: "client-node", reason: "auth-provider" },
  );
});

Deno.test("proxy-url becomes a fetch proxy: HTTP CONNECT, HTTPS or SOCKS5", () => {
  assert.deepEqual(proxyFor("http://proxy:3128"), { transport: "http", url: "http://proxy:3128" });
  assert.deepEqual(proxyFor("https://proxy:443"), { transport: "https", url: "https://proxy:443" });
  assert.deepEqual(proxyFor("socks5://127.0.0.1:1080"), {
    transport: "socks5",
    url: "socks5://127.0.0.1:1080",
  });
  assert.equal(proxyFor(undefined), undefined);
});

Deno.test("the TLS warm-up runs only for commands that talk to a server", () => {
  for (const argv of [["deploy", "m"], ["check"], ["version"], ["--context", "c", "list"], []]) {
    assert.equal(contactsServer(argv), argv.length > 0, argv.join(" "));
  }
  for (
    const argv of [
      ["--help"],
      ["deploy", "--help"],
      ["install", "-h"],
      ["version", "--client"],
      ["completion", "bash"],
      ["__complete", "deploy", ""],
      ["help", "deploy"],
    ]
  ) {
    assert.equal(contactsServer(argv), false, argv.join(" "));
  }
});

Deno.test("impersonation: a user, one group and a uid become headers; what fetch would fold is refused", () => {
  assert.deepEqual(impersonationHeaders({ as: "jane", "as-groups": ["ml"], "as-uid": "42" }), {
    "Impersonate-User": "jane",
    "Impersonate-Group": "ml",
    "Impersonate-Uid": "42",
  });
  assert.deepEqual(impersonationHeaders({ token: "t" }), {});
  assert.throws(
    () => impersonationHeaders({ as: "jane", "as-groups": ["ml", "ops"] }),
    /impersonates with as-groups with more than one group, which is not supported/,
  );
  assert.throws(
    () => impersonationHeaders({ as: "jane", "as-user-extra": { team: ["ml"] } }),
    /as-user-extra/,
  );
});
