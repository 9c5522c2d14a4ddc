/**
 * Hugging Face access end to end: `creds hf` writes the Secret KServe reads (its HF_TOKEN key)
 * and never prints the token; `deploy --hf-token-secret` wires it so that the pods KServe
 * creates for an InferenceService carry it: the storage initializer (which downloads hf://
 * models) and the server. The second test installs KServe on a reset cluster and resets it at
 * its end.
 */
import assert from "node:assert/strict";
import {
  adminKubeconfig,
  kubectl,
  kubectlJson,
  kubectlOk,
  say,
  withNamespace,
} from "../support/cluster.ts";
import { MODEL_SERVER_IMAGE, withKServe } from "../support/kserve.ts";
import { type PluginResult, runPlugin } from "../support/plugin.ts";
import { assertUnchangedBy } from "../support/snapshot.ts";

const env = () => ({ KUBECONFIG: adminKubeconfig() });

/** A token no output may show, in clear or base64 (as the Secret stores it). */
const TOKEN = `hf_${crypto.randomUUID().replaceAll("-", "")}`;

function assertNoToken(result: PluginResult, what: string): void {
  for (const secret of [TOKEN, btoa(TOKEN)]) {
    assert.ok(!result.stdout.includes(secret), `${what}: the token is in stdout`);
    assert.ok(!result.stderr.includes(secret), `${what}: the token is in stderr`);
  }
}

/** `creds hf --token-from-env HF_TEST_TOKEN -n NS ARGS`, the token (or `token`) in that variable. */
async function credsHf(ns: string, args: string[], token: string = TOKEN) {
  const result = await runPlugin(
    ["creds", "hf", "--token-from-env", "HF_TEST_TOKEN", "-n", ns, ...args],
    { env: { ...env(), HF_TEST_TOKEN: token } },
  );
  assertNoToken(result, `creds hf ${args.join(" ")}`);
  return result;
}

interface Secret {
  type: string;
  data: Record<string, string>;
  metadata: {
    labels?: Record<string, string>;
    managedFields: { manager: string; operation: string }[];
  };
}

Deno.test("creds hf writes the HF_TOKEN Secret KServe reads as kubectl-kserve; dry runs change nothing, a re-run writes nothing, the token is never printed", async () => {
  await withNamespace("creds-hf", async (ns) => {
    // A namespace another test left being deleted is emptied meanwhile: not this command's.
    await assertUnchangedBy("creds hf --dry-run", async () => {
      const client = await credsHf(ns, ["--dry-run=client"]);
      assert.equal(client.code, 0, client.stderr);
      assert.match(
        client.stdout,
        new RegExp(
          `^secret/hf-token \\(HF_TOKEN from \\$HF_TEST_TOKEN, 35 characters\\) would be applied in ${ns} \\(dry run\\)\\n$`,
        ),
      );
      const server = await credsHf(ns, ["--dry-run=server", "-v"]);
      assert.equal(server.code, 0, server.stderr);
      assert.match(
        server.stdout,
        new RegExp(`^secret/hf-token created in ${ns} .*\\(server dry run\\)`),
      );
    });

    const created = await credsHf(ns, ["-v"]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`^secret/hf-token created in ${ns} `));
    const secret = await kubectlJson<Secret>(
      ["get", "secret", "hf-token", "-n", ns, "--show-managed-fields"],
    );
    assert.equal(secret.type, "Opaque");
    assert.deepEqual(secret.data, { HF_TOKEN: btoa(TOKEN) });
    assert.equal(secret.metadata.labels?.["app.kubernetes.io/managed-by"], "kubectl-kserve");
    assert.deepEqual(
      secret.metadata.managedFields.map((f) => `${f.manager}/${f.operation}`),
      ["kubectl-kserve/Apply"],
    );

    const again = await credsHf(ns, []);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^secret\/hf-token unchanged /);
    const unchanged = await kubectlJson<{ metadata: { resourceVersion: string } }>(
      ["get", "secret", "hf-token", "-n", ns],
    );
    // A new token replaces the old one under another name.
    const other = `${TOKEN}x`;
    const renamed = await credsHf(ns, ["--name", "hf-other"], other);
    assert.equal(renamed.code, 0, renamed.stderr);
    const replaced = await credsHf(ns, [], other);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(replaced.stdout, /^secret\/hf-token configured /);
    const after = await kubectlJson<Secret & { metadata: { resourceVersion: string } }>(
      ["get", "secret", "hf-token", "-n", ns],
    );
    assert.notEqual(after.metadata.resourceVersion, unchanged.metadata.resourceVersion);
    assert.deepEqual(after.data, { HF_TOKEN: btoa(other) });

    // A Secret another tool wrote is not taken over without --force-conflicts.
    await kubectlOk([
      "create",
      "secret",
      "generic",
      "theirs",
      "-n",
      ns,
      "--from-literal=HF_TOKEN=their-token",
    ]);
    const conflict = await credsHf(ns, ["--name", "theirs", "-v"]);
    assert.equal(conflict.code, 1, conflict.stderr);
    assert.match(
      conflict.stderr,
      /creds hf would overwrite 1 field\(s\).*\n.*Secret .*\/theirs: \.data\.HF_TOKEN \(set by kubectl-create\)/,
    );
    assert.doesNotMatch(conflict.stderr, /their-token|dGhlaXItdG9rZW4/);
    const kept = await kubectlJson<Secret>(["get", "secret", "theirs", "-n", ns]);
    assert.equal(kept.data.HF_TOKEN, btoa("their-token"));
    const taken = await credsHf(ns, ["--name", "theirs", "--force-conflicts"]);
    assert.equal(taken.code, 0, taken.stderr);
    assert.match(taken.stdout, /^secret\/theirs configured /);

    // Refused before anything is sent (exit 2), the token never named.
    for (
      const [args, token, message] of [
        [[], "", /\$HF_TEST_TOKEN is empty/],
        [[], `${TOKEN}\n`, /\$HF_TEST_TOKEN has blanks or line breaks/],
        [["--name", "Not_A_Name"], TOKEN, /Invalid --name "Not_A_Name"/],
      ] as const
    ) {
      const refused = await credsHf(ns, [...args], token);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, message);
    }
    const unset = await runPlugin(["creds", "hf", "--token-from-env", "HF_UNSET_X", "-n", ns], {
      env: env(),
    });
    assert.equal(unset.code, 2, unset.stderr);
    assert.match(unset.stderr, /\$HF_UNSET_X is not set/);
    // The API server's refusal (no such namespace), with -v's request log and stack trace.
    const missing = await credsHf("no-such-namespace", ["-v"]);
    assert.equal(missing.code, 1, missing.stderr);
    assert.match(missing.stderr, /no-such-namespace/);
  });
});

Deno.test("deploy --hf-token-secret: the pods KServe creates for an InferenceService on the Hugging Face runtime read HF_TOKEN from the Secret, in the storage initializer and the server", async () => {
  await withKServe("hf-gated", async (ns) => {
    const deploy = (name: string, extra: string[]) =>
      runPlugin([
        "deploy",
        name,
        "-n",
        ns,
        "--model-format",
        "huggingface",
        "--storage-uri",
        "hf://meta-llama/Llama-3.2-1B-Instruct",
        "--image",
        MODEL_SERVER_IMAGE,
        ...extra,
      ], { env: env() });
    // No such Secret yet: refused before anything is sent, with the command that makes it.
    const early = await deploy("gated", ["--hf-token-secret", "hf-token"]);
    assert.equal(early.code, 2, early.stderr);
    assert.match(
      early.stderr,
      new RegExp(`Secret ${ns}/hf-token \\(--hf-token-secret\\) does not exist`),
    );
    assert.match(
      early.stderr,
      new RegExp(`kubectl kserve creds hf --token-from-env HF_TOKEN --name hf-token -n ${ns}`),
    );
    await kubectlOk([
      "create",
      "secret",
      "generic",
      "no-key",
      "-n",
      ns,
      "--from-literal=TOKEN=x",
    ]);
    const noKey = await deploy("gated", ["--hf-token-secret", "no-key"]);
    assert.equal(noKey.code, 2, noKey.stderr);
    assert.match(noKey.stderr, /has no HF_TOKEN key \(its keys: TOKEN\)/);
    const noModel = await kubectl(["get", "inferenceservice", "gated", "-n", ns]);
    assert.match(noModel.stderr, /NotFound/, "nothing was sent");

    assert.equal((await credsHf(ns, [])).code, 0);
    const start = Date.now();
    const deployed = await deploy("gated", [
      "--hf-token-secret",
      "hf-token",
      "--wait",
      "--timeout",
      "90s",
    ]);
    assert.equal(deployed.code, 0, deployed.stderr);
    assertNoToken(deployed, "deploy");
    say(`deploy --wait took ${((Date.now() - start) / 1000).toFixed(1)}s`);

    // What KServe made of it, on the pod itself.
    const pods = await kubectlJson<{
      items: {
        spec: {
          initContainers?: { name: string; env?: unknown[] }[];
          containers: { name: string; env?: unknown[] }[];
        };
      }[];
    }>(["get", "pods", "-n", ns, "-l", "serving.kserve.io/inferenceservice=gated"]);
    assert.equal(pods.items.length, 1);
    const pod = pods.items[0]!.spec;
    const fromSecret = {
      name: "HF_TOKEN",
      valueFrom: { secretKeyRef: { name: "hf-token", key: "HF_TOKEN" } },
    };
    const init = pod.initContainers?.find((c) => c.name === "storage-initializer");
    assert.ok(init, `no storage-initializer: ${JSON.stringify(pod.initContainers)}`);
    assert.deepEqual(
      init.env?.filter((e) => (e as { name: string }).name === "HF_TOKEN"),
      [fromSecret],
      JSON.stringify(init.env),
    );
    const server = pod.containers.find((c) => c.name === "kserve-container");
    assert.deepEqual(
      server?.env?.filter((e) => (e as { name: string }).name === "HF_TOKEN"),
      [fromSecret],
      JSON.stringify(server?.env),
    );

    // A re-run writes nothing; the deployment backend has no storage initializer to give it to.
    const rerun = await deploy("gated", ["--hf-token-secret", "hf-token"]);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stderr, /inferenceservice\/gated unchanged/);
    const plain = await deploy("plain", [
      "--backend",
      "deployment",
      "--hf-token-secret",
      "hf-token",
    ]);
    assert.equal(plain.code, 2, plain.stderr);
    assert.match(plain.stderr, /--hf-token-secret is for KServe's storage initializer/);
  });
});
