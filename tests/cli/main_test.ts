/** main.ts as a subprocess: every bad input gets one clear line and the right exit code. */
import assert from "node:assert/strict";
import { openssl, runPlugin, tempDir, writeKubeconfig } from "../support/plugin.ts";

function assertOneError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split("\n");
  assert.match(lines[0]!, /^error: /, stderr);
  assert.match(lines[0]!, pattern, stderr);
  assert.ok(lines.length <= 2, `expected an error line and at most a hint:\n${stderr}`);
  assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace without -v");
}

Deno.test("--help and version --client work without a cluster", async () => {
  await using dir = await tempDir();
  const help = await runPlugin(["--help"], { env: { HOME: dir.path } });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: kubectl kserve/);
  const version = await runPlugin(["version", "--client", "-o", "json"], {
    env: { HOME: dir.path },
  });
  assert.equal(version.code, 0);
  assert.match(JSON.parse(version.stdout).clientVersion.version, /^v\d+\.\d+\.\d+/);
});

Deno.test("usage errors exit 2 with one line", async () => {
  for (
    const [args, pattern] of [
      [["bogus"], /unknown command 'bogus'/],
      [["version", "-o", "xml"], /Invalid output format "xml"/],
      [["version", "--request-timeout", "soon"], /not a duration/],
      // Field report: a timer cannot hold more than 2^31-1 ms; a longer one fired at once, and a
      // deploy --wait watched in a busy loop (~100 requests a second).
      [["list", "-n", "llm", "--request-timeout", "1000h"], /longer than 596h/],
      [[
        "deploy",
        "big",
        "--model-format",
        "sklearn",
        "--storage-uri",
        "gs://a/b",
        "--wait",
        "--timeout",
        "600h",
      ], /"600h" for --timeout: longer than 596h/],
      [["check", "--wait", "25d"], /not a duration/],
      // Field report: an invalid namespace got the hint `kubectl create namespace Bad_NS`,
      // which kubectl refuses. Sibling: one over 63 characters.
      [
        ["deploy", "ok", "-n", "Bad_NS", "--model-format", "sklearn", "--storage-uri", "gs://a/b"],
        /Invalid namespace "Bad_NS": not a DNS-1123 label/,
      ],
      [["list", "--namespace", "n".repeat(64)], /Invalid namespace "n{64}"/],
    ] as [string[], RegExp][]
  ) {
    const result = await runPlugin(args);
    assert.equal(result.code, 2, args.join(" "));
    assertOneError(result.stderr, pattern);
  }
});

Deno.test("a missing kubeconfig is named, exit 2", async () => {
  await using dir = await tempDir();
  const none = await runPlugin(["version"], { env: { HOME: dir.path } });
  assert.equal(none.code, 2);
  assertOneError(none.stderr, /No kubeconfig found: .*\.kube\/config does not exist/);
  const flag = await runPlugin(["version", "--kubeconfig", `${dir.path}/nope`]);
  assert.equal(flag.code, 2);
  assertOneError(flag.stderr, /Cannot read kubeconfig .*\/nope: no such file/);
});

Deno.test("an unreadable kubeconfig is named, exit 2", async () => {
  await using dir = await tempDir();
  const result = await runPlugin(["version"], { env: { KUBECONFIG: dir.path, HOME: dir.path } });
  assert.equal(result.code, 2);
  assertOneError(result.stderr, /Cannot read kubeconfig .*: it is a directory/);
});

Deno.test("a certificate file the kubeconfig names but that is missing is named, exit 2", async () => {
  await using dir = await tempDir();
  const path = await writeKubeconfig(dir.path, {
    server: "https://127.0.0.1:1",
    "certificate-authority": `${dir.path}/missing-ca.crt`,
  });
  const result = await runPlugin(["version"], { env: { KUBECONFIG: path } });
  assert.equal(result.code, 2);
  assertOneError(result.stderr, /Cannot read certificate-authority .*missing-ca\.crt/);
});

Deno.test("a CA file or CA data that is not PEM is named as not parsing, exit 2", async () => {
  await using dir = await tempDir();
  // Field report: a CA file that is not PEM was reported as "not signed by that CA".
  await Deno.writeTextFile(`${dir.path}/ca.crt`, "this is not a certificate\n");
  const ca = await writeKubeconfig(dir.path, {
    server: "https://127.0.0.1:1",
    "certificate-authority": `${dir.path}/ca.crt`,
  }, "ca.yaml");
  const bad = await runPlugin(["version"], { env: { KUBECONFIG: ca } });
  assert.equal(bad.code, 2);
  assertOneError(
    bad.stderr,
    /certificate-authority .*ca\.crt does not parse: it is not a PEM certificate/,
  );
  // Its sibling: certificate-authority-data that decodes to something else.
  const data = await writeKubeconfig(dir.path, {
    server: "https://127.0.0.1:1",
    "certificate-authority-data": btoa("-----BEGIN PRIVATE KEY-----\nAAAA\n"),
  }, "data.yaml");
  const wrong = await runPlugin(["version"], { env: { KUBECONFIG: data } });
  assert.equal(wrong.code, 2);
  assertOneError(wrong.stderr, /certificate-authority-data in the kubeconfig does not parse/);
});

Deno.test("an exec credential plugin that fails is named with its exit code and last stderr line", async () => {
  await using dir = await tempDir();
  // Field report: a plugin exiting 1 was reported as "Cannot reach the Kubernetes API server".
  const plugin = `${dir.path}/failing-plugin.sh`;
  await Deno.writeTextFile(
    plugin,
    "#!/bin/sh\necho 'starting' >&2\necho 'error: the SSO session has expired' >&2\nexit 3\n",
  );
  await Deno.chmod(plugin, 0o755);
  const path = `${dir.path}/exec.yaml`;
  const user = (command: string) => ({
    exec: { apiVersion: "client.authentication.k8s.io/v1", command, interactiveMode: "Never" },
  });
  const write = (command: string) =>
    Deno.writeTextFile(
      path,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        "current-context": "test",
        clusters: [{ name: "test", cluster: { server: "https://127.0.0.1:1" } }],
        users: [{ name: "sso", user: user(command) }],
        contexts: [{ name: "test", context: { cluster: "test", user: "sso" } }],
      }),
    );
  await write(plugin);
  const failed = await runPlugin(["version"], { env: { KUBECONFIG: path } });
  assert.equal(failed.code, 1);
  assertOneError(
    failed.stderr,
    /exec credential plugin ".*failing-plugin\.sh" of user "sso" failed \(exit 3\): error: the SSO session has expired/,
  );
  assert.doesNotMatch(failed.stderr, /Cannot reach/);
  // Its sibling: a plugin that is not installed.
  await write("no-such-credential-plugin");
  const missing = await runPlugin(["version"], { env: { KUBECONFIG: path } });
  assert.equal(missing.code, 1);
  assertOneError(
    missing.stderr,
    /"no-such-credential-plugin" of user "sso" could not be started: it is not on PATH/,
  );
});

Deno.test("malformed kubeconfig YAML names the file and line, exit 2", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/bad.yaml`;
  await Deno.writeTextFile(path, "apiVersion: v1\nclusters:\n- name: x\n  cluster: {server: [\n");
  const result = await runPlugin(["version", "--kubeconfig", path]);
  assert.equal(result.code, 2);
  assertOneError(result.stderr, new RegExp(`Cannot load kubeconfig ${path}:\\d+: `));
});

Deno.test("KUBECONFIG files merge and an unknown context lists those that exist", async () => {
  await using dir = await tempDir();
  const a = await writeKubeconfig(dir.path, { server: "https://127.0.0.1:9" }, "a.yaml");
  const b = `${dir.path}/b.yaml`;
  await Deno.writeTextFile(
    b,
    JSON.stringify({
      clusters: [{ name: "other", cluster: { server: "https://127.0.0.1:9" } }],
      users: [],
      contexts: [{ name: "second", context: { cluster: "other", user: "x" } }],
    }),
  );
  const result = await runPlugin(["version", "--context", "staging"], {
    env: { KUBECONFIG: `${a}:${b}:${dir.path}/missing.yaml`, HOME: dir.path },
  });
  assert.equal(result.code, 2);
  assertOneError(result.stderr, /Context "staging" does not exist/);
  assert.match(result.stderr, /Contexts that exist: test, second/);
});

Deno.test("connection refused names the server and the reason, exit 1", async () => {
  await using dir = await tempDir();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close(); // nothing listens there now
  const kubeconfig = await writeKubeconfig(dir.path, { server: `https://127.0.0.1:${port}` });
  const result = await runPlugin(["version", "--kubeconfig", kubeconfig]);
  assert.equal(result.code, 1);
  assertOneError(
    result.stderr,
    new RegExp(
      `Cannot reach the Kubernetes API server at https://127\\.0\\.0\\.1:${port} .*connection refused`,
    ),
  );
});

Deno.test("a server that never answers times out after --request-timeout, exit 1", async () => {
  await using dir = await tempDir();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted: Deno.Conn[] = [];
  (async () => {
    for await (const conn of listener) accepted.push(conn);
  })();
  const port = (listener.addr as Deno.NetAddr).port;
  const kubeconfig = await writeKubeconfig(dir.path, { server: `https://127.0.0.1:${port}` });
  const result = await runPlugin([
    "version",
    "--kubeconfig",
    kubeconfig,
    "--request-timeout",
    "1s",
  ]);
  listener.close();
  accepted.forEach((conn) => conn.close());
  assert.equal(result.code, 1);
  assertOneError(result.stderr, /the request timed out after 1s/);
});

Deno.test("a TLS failure says which CA was used, exit 1", async () => {
  await using dir = await tempDir();
  const subject = (
    cn: string,
  ) => ["-subj", `/CN=${cn}`, "-days", "1", "-nodes", "-newkey", "rsa:2048"];
  await openssl(
    [
      "req",
      "-x509",
      ...subject("server"),
      "-keyout",
      "server.key",
      "-out",
      "server.crt",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { cwd: dir.path },
  );
  await openssl(
    ["req", "-x509", ...subject("other-ca"), "-keyout", "ca.key", "-out", "ca.crt"],
    { cwd: dir.path },
  );
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: await Deno.readTextFile(`${dir.path}/server.crt`),
    key: await Deno.readTextFile(`${dir.path}/server.key`),
    onListen: () => {},
  }, () => Response.json({}));
  const kubeconfig = await writeKubeconfig(dir.path, {
    server: `https://127.0.0.1:${server.addr.port}`,
    "certificate-authority": `${dir.path}/ca.crt`,
  });
  const result = await runPlugin(["version", "--kubeconfig", kubeconfig]);
  await server.shutdown();
  assert.equal(result.code, 1);
  assertOneError(
    result.stderr,
    new RegExp(`TLS verification .* failed .*CA: file ${dir.path}/ca\\.crt`),
  );
});

Deno.test("-v adds the stack trace", async () => {
  await using dir = await tempDir();
  const result = await runPlugin(["version", "-v"], { env: { HOME: dir.path } });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /\n\s+at /);
});

Deno.test("__complete answers kubectl's plugin completion protocol", async () => {
  await using dir = await tempDir();
  const kubeconfig = await writeKubeconfig(dir.path, { server: "https://127.0.0.1:9" });
  const commands = await runPlugin(["__complete", "de"], { env: { HOME: dir.path } });
  assert.equal(commands.code, 0);
  assert.deepEqual(commands.stdout.trim().split("\n"), [
    "deploy\tserve a model as an InferenceService (kserve), Deployment + Service + HPA (deployment) or LLMInferenceService (--llm)",
    "delete\tdelete a model and wait until it is gone",
    ":4",
  ]);
  const contexts = await runPlugin(["__complete", "--kubeconfig", kubeconfig, "--context", ""], {
    env: { HOME: dir.path },
  });
  assert.deepEqual(contexts.stdout.trim().split("\n"), ["test", ":4"]);
  const flags = await runPlugin(["__complete", "install", "--ingr"], { env: { HOME: dir.path } });
  assert.deepEqual(flags.stdout.trim().split("\n"), ["--ingress", "--ingress-class", ":4"]);
  const bash = await runPlugin(["completion", "bash"]);
  assert.match(bash.stdout, /complete -F _kubectl_kserve kubectl-kserve/);
});

Deno.test("__complete offers the -o formats the command typed accepts, and none where it takes none", async () => {
  await using dir = await tempDir();
  const formats = async (...words: string[]) =>
    (await runPlugin(["__complete", ...words], { env: { HOME: dir.path } })).stdout.trim().split(
      "\n",
    );
  assert.deepEqual(await formats("deploy", "m", "-o", ""), ["yaml", "json", ":4"]);
  assert.deepEqual(await formats("list", "-o", ""), ["text", "json", ":4"]);
  assert.deepEqual(await formats("manifests", "pull", "-o", "j"), ["json", ":4"]);
  assert.deepEqual(await formats("delete", "m", "-o", ""), [":4"]);
  assert.deepEqual(await formats("-o", ""), ["text", "json", "yaml", ":4"]);
});

Deno.test("deploy -f: NAME may be left out; a NAME or -n the file contradicts is refused, exit 2", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/iris.yaml`;
  await Deno.writeTextFile(
    file,
    "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata:\n  name: sklearn-iris\n  namespace: a\nspec:\n  predictor:\n    sklearn:\n      storageUri: gs://kfserving-examples/models/sklearn/1.0/model\n",
  );
  for (
    const [args, pattern] of [
      [["deploy", "iris", "-f", file], /NAME "iris" differs from metadata\.name "sklearn-iris"/],
      [
        ["deploy", "-f", file, "-n", "b"],
        /the namespace from the provided object "a" does not match the namespace "b"\. You must pass '--namespace=a' to perform this operation\./,
      ],
      [["deploy", "--model-format", "sklearn"], /Missing NAME/],
    ] as [string[], RegExp][]
  ) {
    const result = await runPlugin(args, { env: { HOME: dir.path } });
    assert.equal(result.code, 2, result.stderr);
    assertOneError(result.stderr, pattern);
  }
  // Without NAME the file is read and the refusals pass: the next step needs a cluster.
  const named = await runPlugin(["deploy", "-f", file, "-n", "a"], { env: { HOME: dir.path } });
  assertOneError(named.stderr, /No kubeconfig found/);
});
