/**
 * `deno task demo` (scripts/demo.sh) on the test cluster: it runs here inside the cluster's
 * network namespace with the cluster up, as the tests do. It must install KServe, deploy iris and
 * print its prediction; a second run must change nothing (a cluster snapshot) and say so; and
 * neither run may contact any cluster but the built-in one, whatever KUBECONFIG and
 * ~/.kube/config name: both point at a decoy that counts every connection made to it. The
 * release downloads cannot be reached from the namespace, so the first run uses the local copies.
 */
import assert from "node:assert/strict";
import { REPO_ROOT, resetCluster, run, say, tempDir } from "../support/cluster.ts";
import { runPlugin, writeKubeconfig } from "../support/plugin.ts";
import { assertSameCluster, settledSnapshot } from "../support/snapshot.ts";

/** A TCP server on 127.0.0.1 that counts the connections made to it and closes each at once. */
function decoyServer(): { url: string; connections: () => number; close: () => void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let count = 0;
  (async () => {
    for await (const conn of listener) {
      count++;
      conn.close();
    }
  })().catch(() => {});
  return {
    url: `https://127.0.0.1:${listener.addr.port}`,
    connections: () => count,
    close: () => listener.close(),
  };
}

/** One run of the demo as `deno task demo` runs it; stdout and stderr together, in order. */
async function demo(env: Record<string, string>): Promise<{ code: number; output: string }> {
  const result = await run("bash", ["-c", "exec bash scripts/demo.sh 2>&1"], {
    cwd: REPO_ROOT,
    env,
  });
  return { code: result.code, output: result.stdout };
}

/** The lines a command printed in the demo's transcript, from its `$ ` line to the next blank. */
function outputOf(transcript: string, command: string): string {
  const start = transcript.indexOf(`$ ${command}`);
  assert.notEqual(start, -1, `the demo ran: ${command}\n${transcript}`);
  const end = transcript.indexOf("\n\n", start);
  return transcript.slice(start, end === -1 ? undefined : end);
}

const PREDICT = "kubectl kserve predict iris -n models";
const PREDICTION = /\{\n {2}"predictions": \[\n {4}1\n {2}\]\n\}/;

Deno.test("deno task demo: installs, deploys and predicts on the built-in cluster; a second run changes nothing; no other cluster is contacted", async () => {
  await resetCluster();
  await using dir = await tempDir();
  const decoy = decoyServer();
  try {
    // KUBECONFIG and ~/.kube/config both name the decoy, which is reachable from here.
    const kubeconfig = await writeKubeconfig(dir.path, { server: decoy.url });
    await Deno.mkdir(`${dir.path}/home/.kube`, { recursive: true });
    await Deno.copyFile(kubeconfig, `${dir.path}/home/.kube/config`);
    // The decoy catches a plugin that reads either: proof that a zero below means something.
    const byKubeconfig = await runPlugin(["version"], { env: { KUBECONFIG: kubeconfig } });
    assert.notEqual(byKubeconfig.code, 0);
    const afterFirst = decoy.connections();
    assert.ok(afterFirst > 0, "the plugin reached the decoy through KUBECONFIG");
    await runPlugin(["version"], { env: { HOME: `${dir.path}/home` } });
    assert.ok(decoy.connections() > afterFirst, "the plugin reached it through ~/.kube/config");
    const seen = decoy.connections();

    // A fresh manifest cache, so the first run has to find the release files itself. HOME and
    // XDG_CACHE_HOME move, so Deno's cache and the cluster's binaries are named as they were.
    const cache = Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`;
    const env = {
      KUBECONFIG: kubeconfig,
      HOME: `${dir.path}/home`,
      XDG_CACHE_HOME: `${dir.path}/cache`,
      DENO_DIR: Deno.env.get("DENO_DIR") ?? `${cache}/deno`,
      // scripts/cluster/versions.sh
      KSERVE_CLUSTER_CACHE: Deno.env.get("KSERVE_CLUSTER_CACHE") ??
        `${cache}/kubectl-kserve/cluster`,
      NO_COLOR: "1",
    };

    const first = await demo(env);
    say(`first run:\n${first.output.replace(/^/gm, "      ")}`);
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, /the built-in cluster is already up/);
    assert.match(
      first.output,
      /The release downloads cannot be reached: using the local copies in \S+\/shared\/fixtures\/manifests/,
    );
    assert.match(first.output, /kserve v0\.20\.0: \d+ created/);
    assert.match(first.output, /inferenceservice\/iris applied\niris is ready/);
    assert.match(outputOf(first.output, PREDICT), PREDICTION);
    assert.match(first.output, /Ready: +True/);
    assert.match(first.output, /deno task cluster exec -- kubectl kserve list -n models\n/);
    assert.match(first.output, /deno task cluster down\n$/);

    const before = await settledSnapshot();
    const second = await demo(env);
    say(`second run:\n${second.output.replace(/^/gm, "      ")}`);
    assert.equal(second.code, 0, second.output);
    assertSameCluster(before, await settledSnapshot(), "the second run of the demo");
    // It says so: every step that writes reports that it left things as they were.
    const install = outputOf(second.output, "kubectl kserve install");
    for (
      const component of [
        "cert-manager v1.18.0",
        "kserve v0.20.0",
        "kserve-cluster-resources v0.20.0",
      ]
    ) {
      assert.match(install, new RegExp(`${component}: unchanged \\(\\d+ objects\\)`));
    }
    assert.doesNotMatch(install, /created|changed,/);
    assert.match(second.output, /namespace\/models unchanged/);
    assert.match(second.output, /inferenceservice\/iris unchanged\niris is ready/);
    // The first run's install kept verified copies in the plugin's cache: no fallback now.
    assert.match(second.output, /Using the pinned release files \(sha256 verified\)/);
    assert.match(outputOf(second.output, PREDICT), PREDICTION);

    assert.equal(decoy.connections(), seen, "the demo contacted the cluster KUBECONFIG names");
  } finally {
    decoy.close();
    await resetCluster();
  }
});
