/**
 * The project's kubeconfig loader (lib/kube/load.ts, used so that commands need not import the
 * whole of @kubernetes/client-node, ~350 ms) against client-node's own KubeConfig, on a table of
 * kubeconfigs: where client-node follows kubectl, both must agree field by field. Where it does
 * not (the current-context of merged files, duplicate names), ours follows kubectl and the
 * difference is asserted, so a change on either side shows up here.
 */
import assert from "node:assert/strict";
import { KubeConfig } from "@kubernetes/client-node";
import { loadKubeconfig } from "../../lib/kube/load.ts";
import { tempDir } from "../support/cluster.ts";

interface Seen {
  context: string;
  server: string;
  caFile?: string;
  namespace: string;
  token?: string;
  certFile?: string;
  keyFile?: string;
  exec?: string;
  impersonate?: string;
  proxyUrl?: string;
  skipTLSVerify: boolean;
}

async function ours(kubeconfig: string, context?: string): Promise<Seen> {
  const previous = Deno.env.get("KUBECONFIG");
  Deno.env.set("KUBECONFIG", kubeconfig);
  try {
    const s = await loadKubeconfig({ context });
    const c = s.cluster.cluster as Record<string, unknown>;
    const u = s.user.user as Record<string, unknown>;
    return compact({
      context: s.contextName,
      server: String(c.server),
      caFile: c["certificate-authority"] as string | undefined,
      namespace: s.context.namespace ?? "default",
      token: u.token as string | undefined,
      certFile: u["client-certificate"] as string | undefined,
      keyFile: u["client-key"] as string | undefined,
      exec: (u.exec as { command?: string } | undefined)?.command,
      impersonate: u.as as string | undefined,
      proxyUrl: c["proxy-url"] as string | undefined,
      skipTLSVerify: c["insecure-skip-tls-verify"] === true,
    });
  } finally {
    if (previous === undefined) Deno.env.delete("KUBECONFIG");
    else Deno.env.set("KUBECONFIG", previous);
  }
}

function clientNode(kubeconfig: string, context?: string): Seen {
  const previous = Deno.env.get("KUBECONFIG");
  Deno.env.set("KUBECONFIG", kubeconfig);
  try {
    const kc = new KubeConfig();
    kc.loadFromDefault();
    if (context) kc.setCurrentContext(context);
    const cluster = kc.getCurrentCluster()!;
    const user = kc.getCurrentUser()!;
    return compact({
      context: kc.getCurrentContext(),
      server: cluster.server,
      caFile: cluster.caFile,
      namespace: kc.getContextObject(kc.getCurrentContext())?.namespace ?? "default",
      token: user.token,
      certFile: user.certFile,
      keyFile: user.keyFile,
      exec: user.exec?.command,
      impersonate: user.impersonateUser ?? undefined,
      proxyUrl: cluster.proxyUrl,
      skipTLSVerify: cluster.skipTLSVerify === true,
    });
  } finally {
    if (previous === undefined) Deno.env.delete("KUBECONFIG");
    else Deno.env.set("KUBECONFIG", previous);
  }
}

function compact(seen: Seen): Seen {
  return Object.fromEntries(
    Object.entries(seen).filter(([, v]) => v !== undefined && v !== null),
  ) as unknown as Seen;
}

const config = (
  context: string,
  cluster: Record<string, unknown>,
  user: Record<string, unknown>,
  namespace?: string,
) => ({
  apiVersion: "v1",
  kind: "Config",
  "current-context": context,
  clusters: [{ name: `${context}-cluster`, cluster }],
  users: [{ name: `${context}-user`, user }],
  contexts: [{
    name: context,
    context: {
      cluster: `${context}-cluster`,
      user: `${context}-user`,
      ...(namespace ? { namespace } : {}),
    },
  }],
});

Deno.test("our kubeconfig loader agrees with client-node's KubeConfig where client-node follows kubectl", async () => {
  await using dir = await tempDir();
  const write = async (name: string, value: unknown) => {
    const path = `${dir.path}/${name}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, JSON.stringify(value));
    return path;
  };
  const cases: [string, string][] = [
    [
      "bearer token, namespace",
      await write(
        "token.json",
        config("t", { server: "https://10.0.0.1:6443" }, { token: "abc" }, "models"),
      ),
    ],
    [
      "relative CA and client cert paths resolve against the file's folder",
      await write(
        "sub/certs.json",
        config("c", { server: "https://k:6443", "certificate-authority": "ca.crt" }, {
          "client-certificate": "pki/me.crt",
          "client-key": "pki/me.key",
        }),
      ),
    ],
    [
      "exec plugin",
      await write(
        "exec.json",
        config("e", { server: "https://eks:443" }, {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["eks", "get-token"],
          },
        }),
      ),
    ],
    [
      "impersonation",
      await write(
        "as.json",
        config("i", { server: "https://k:6443" }, { token: "t", as: "alice" }),
      ),
    ],
    [
      "proxy-url and insecure-skip-tls-verify",
      await write(
        "proxy.json",
        config("p", {
          server: "https://k:6443",
          "proxy-url": "socks5://127.0.0.1:1080",
          "insecure-skip-tls-verify": true,
        }, { token: "t" }),
      ),
    ],
  ];
  for (const [name, path] of cases) {
    assert.deepEqual(await ours(path), clientNode(path), name);
  }
  // Two files merged, the context chosen by flag: both agree on what it selects.
  const a = await write("a.json", config("a", { server: "https://a:6443" }, { token: "a" }));
  const b = await write(
    "b.json",
    config("b", { server: "https://b:6443" }, { token: "b" }, "team-b"),
  );
  assert.deepEqual(
    await ours(`${a}:${b}`, "b"),
    clientNode(`${a}:${b}`, "b"),
    "merge, --context b",
  );
});

Deno.test("where client-node differs from kubectl, our loader follows kubectl", async () => {
  await using dir = await tempDir();
  const write = async (name: string, value: unknown) => {
    const path = `${dir.path}/${name}`;
    await Deno.writeTextFile(path, JSON.stringify(value));
    return path;
  };
  const a = await write("a.json", config("a", { server: "https://a:6443" }, { token: "a" }));
  const b = await write("b.json", config("b", { server: "https://b:6443" }, { token: "b" }));
  // kubectl: the first file that sets current-context wins; client-node takes the last one.
  assert.equal((await ours(`${a}:${b}`)).context, "a");
  assert.equal(clientNode(`${a}:${b}`).context, "b");
  // kubectl: the first definition of a name wins; client-node refuses duplicates.
  const again = await write(
    "a2.json",
    config("a", { server: "https://elsewhere:6443" }, { token: "x" }),
  );
  assert.equal((await ours(`${a}:${again}`)).server, "https://a:6443");
  assert.throws(() => clientNode(`${a}:${again}`), /Duplicate (cluster|user|context)/);
});
