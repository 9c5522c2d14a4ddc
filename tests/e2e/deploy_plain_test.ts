/** deploy, list, status and delete with the deployment backend: no KServe in the cluster. */
import assert from "node:assert/strict";
import {
  adminKubeconfig,
  applyYaml,
  kubectl,
  kubectlJson,
  kubectlOk,
  run,
  tempDir,
  waitFor,
  withNamespace,
} from "../support/cluster.ts";
import { runPlugin } from "../support/plugin.ts";
import { SKLEARN } from "../support/kserve.ts";
import {
  assertSameCluster,
  assertUnchangedBy,
  settledSnapshot,
  snapshot,
} from "../support/snapshot.ts";

const env = () => ({ KUBECONFIG: adminKubeconfig() });

async function nothingCreated(namespace: string): Promise<void> {
  const list = await kubectlJson<{ items: unknown[] }>([
    "get",
    "deployments,services,hpa",
    "-n",
    namespace,
    "-o",
    "json",
  ]);
  assert.deepEqual(list.items, [], "nothing may be created after a refused deploy");
}

Deno.test("deploy refuses bad input with exit 2 and creates nothing", async () => {
  await using dir = await tempDir();
  const twoDocs = `${dir.path}/two.yaml`;
  const isvc =
    "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata: {name: a}\n";
  await Deno.writeTextFile(twoDocs, `${isvc}---\n${isvc.replace("name: a", "name: b")}`);
  const empty = `${dir.path}/empty.yaml`;
  await Deno.writeTextFile(empty, "# nothing here\n");
  await withNamespace("deploy-bad", async (ns) => {
    const cases: [string[], RegExp, Record<string, string>?][] = [
      // Field reports: an out-of-range port was accepted; a multi-document -f file got the YAML
      // library's wording. Siblings: a percentage over 100, an empty file.
      [
        ["deploy", "m", ...SKLEARN, "--port", "99999"],
        /Invalid --port "99999": expected a whole number from 1 to 65535/,
      ],
      [
        ["deploy", "m", ...SKLEARN, "--scale-target", "150"],
        /Invalid --scale-target "150": expected a whole number from 1 to 100/,
      ],
      [
        ["deploy", "m", "-f", twoDocs],
        /two\.yaml holds 2 YAML documents; -f takes exactly one InferenceService/,
      ],
      [["deploy", "m", "-f", empty], /empty\.yaml holds 0 YAML documents/],
      [["deploy", "Bad_Name", ...SKLEARN], /Invalid name "Bad_Name": not a DNS-1123 label/],
      [
        ["deploy", "m", "--model-format", "sklearn", "--storage-uri", "ftp://x/y"],
        /Unsupported storage URI "ftp:\/\/x\/y"/,
      ],
      [["deploy", "m", ...SKLEARN, "--memory", "lots"], /Invalid quantity "lots" for --memory/],
      [
        ["deploy", "m", ...SKLEARN, "--min-replicas", "3", "--max-replicas", "1"],
        /--min-replicas 3 is greater than --max-replicas 1/,
      ],
      [
        ["deploy", "m", "--model-format", "caffe", "--backend", "deployment"],
        /No runtime is known for model format "caffe"/,
      ],
      [["deploy", "m", ...SKLEARN], /Invalid USE_KSERVE="maybe"/, { USE_KSERVE: "maybe" }],
      [["deploy", "m", ...SKLEARN, "--backend", "serverless"], /Unknown backend "serverless"/],
      // An HPA never goes below one replica: the deployment backend used to raise 0 to 1
      // silently. Sibling: the same through USE_KSERVE=false.
      [
        ["deploy", "m", ...SKLEARN, "--min-replicas", "0"],
        /--min-replicas 0 needs KServe in Knative mode: the deployment backend/,
      ],
      [
        ["deploy", "m", ...SKLEARN, "--min-replicas", "0", "--max-replicas", "2"],
        /--min-replicas 0 needs KServe in Knative mode/,
        { USE_KSERVE: "false" },
      ],
      // Field report: values the API server refuses only once KServe copies them into its
      // Deployment (ReconcileFailed, then a wait to the timeout). Siblings: a label value, an
      // env name, memory over its limit.
      [
        ["deploy", "m", ...SKLEARN, "--node-selector", "Bad Key=x"],
        /Invalid --node-selector "Bad Key=x": the key "Bad Key" is not a qualified name/,
      ],
      [
        ["deploy", "m", ...SKLEARN, "--label", "team=a b"],
        /Invalid --label "team=a b": the value "a b" is not a label value/,
      ],
      [["deploy", "m", ...SKLEARN, "--env", "1X=y"], /the key "1X" is not an environment/],
      [
        ["deploy", "m", ...SKLEARN, "--cpu", "2", "--cpu-limit", "1"],
        /--cpu 2 is more than --cpu-limit 1: a request may not exceed its limit/,
      ],
      [
        ["deploy", "m", ...SKLEARN, "--memory", "2Gi", "--memory-limit", "1000Mi"],
        /--memory 2Gi is more than --memory-limit 1000Mi/,
      ],
    ];
    // Every refusal, before changing anything, anywhere (not only in this namespace).
    await assertUnchangedBy("a refused deploy", async () => {
      for (const [args, pattern, extra] of cases) {
        const result = await runPlugin([...args, "-n", ns], { env: { ...env(), ...extra } });
        assert.equal(result.code, 2, `${args.join(" ")}\n${result.stderr}`);
        assert.match(result.stderr, pattern);
      }
      const missing = await runPlugin(["deploy", "m", ...SKLEARN, "-n", `${ns}-missing`], {
        env: env(),
      });
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, new RegExp(`Namespace "${ns}-missing" does not exist`));
      const kserve = ["deploy", "m", ...SKLEARN, "--backend", "kserve", "-n", ns];
      const noKServe = await runPlugin(kserve, { env: env() });
      assert.equal(noKServe.code, 1, noKServe.stderr);
      assert.match(noKServe.stderr, /KServe is not installed/);
      // USE_KSERVE=true where KServe is not installed: refused the same way, not a Deployment.
      const useKServe = await runPlugin(["deploy", "m", ...SKLEARN, "-n", ns], {
        env: { ...env(), USE_KSERVE: "true" },
      });
      assert.equal(useKServe.code, 1, useKServe.stderr);
      assert.match(
        useKServe.stderr,
        /KServe is not installed, so the kserve backend cannot be used/,
      );
    });
  });
});

Deno.test("USE_KSERVE=false picks the deployment backend, and its dry-run YAML passes a server-side dry run", async () => {
  await withNamespace("deploy-dry", async (ns) => {
    const result = await runPlugin([
      "deploy",
      "iris",
      ...SKLEARN,
      "-n",
      ns,
      "--dry-run=client",
      "-o",
      "yaml",
    ], {
      env: { ...env(), USE_KSERVE: "false" },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /kind: Deployment/);
    assert.match(result.stdout, /kind: HorizontalPodAutoscaler/);
    const server = await run("kubectl", ["apply", "--dry-run=server", "-f", "-"], {
      stdin: result.stdout,
    });
    assert.equal(server.code, 0, server.stderr);

    // --image with a model format replaces the runtime's image, not its arguments (as KServe's
    // merge of a predictor into its runtime does).
    const patched = await runPlugin([
      "deploy",
      "iris",
      ...SKLEARN,
      "--image",
      "registry.local/sklearnserver:patched",
      "-n",
      ns,
      "--dry-run=client",
      "-o",
      "json",
    ], { env: { ...env(), USE_KSERVE: "false" } });
    assert.equal(patched.code, 0, patched.stderr);
    const objects = JSON.parse(patched.stdout);
    const deployment = (objects.items ?? objects).find((o: { kind: string }) =>
      o.kind === "Deployment"
    );
    const container = deployment.spec.template.spec.containers[0];
    assert.equal(container.image, "registry.local/sklearnserver:patched");
    assert.ok(container.args.includes("--model_name=iris"), JSON.stringify(container.args));
    await nothingCreated(ns);
  });
});

Deno.test("deploy --wait makes the deployment backend's Deployment Available; list, status, redeploy (a fix over a crash-looping pod) and delete work", async () => {
  await withNamespace("deploy-plain", async (ns) => {
    const deployed = await runPlugin(
      [
        "deploy",
        "iris",
        ...SKLEARN,
        "--backend",
        "deployment",
        "-n",
        ns,
        "--cpu",
        "100m",
        "--max-replicas",
        "2",
        "--wait",
        "--timeout",
        "60s",
      ],
      { env: env() },
    );
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.match(
      deployed.stderr,
      new RegExp(`in-cluster address: +http://iris\\.${ns}\\.svc\\.cluster\\.local`),
    );
    const pod = await kubectlJson<{ items: { spec: { initContainers: { name: string }[] } }[] }>(
      ["get", "pods", "-n", ns, "-l", "app.kubernetes.io/name=iris", "-o", "json"],
    );
    assert.equal(pod.items[0]?.spec.initContainers[0]?.name, "storage-initializer");
    // Available, as the Deployment itself says (predict_test.ts sends requests to a model).
    const deployment = await kubectlJson<{ status: { availableReplicas?: number } }>(
      ["get", "deployment", "iris", "-n", ns, "-o", "json"],
    );
    assert.equal(deployment.status.availableReplicas, 1);

    const listed = await runPlugin(["list", "-n", ns, "-o", "json"], { env: env() });
    assert.equal(listed.code, 0, listed.stderr);
    const [row] = JSON.parse(listed.stdout).items;
    assert.deepEqual([row.name, row.backend, row.ready, row.replicas], [
      "iris",
      "deployment",
      true,
      "1/1",
    ]);

    // Another app's Deployment and a bare pod in the namespace carry the same name label
    // (app.kubernetes.io/name is a common label, not ours): status shows only the model's pods.
    await applyYaml(JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: [
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "iris-docs", namespace: ns },
          spec: {
            selector: { matchLabels: { "app.kubernetes.io/name": "iris", tier: "docs" } },
            template: {
              metadata: { labels: { "app.kubernetes.io/name": "iris", tier: "docs" } },
              spec: { containers: [{ name: "docs", image: "registry.invalid/iris-docs:1" }] },
            },
          },
        },
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: {
            name: "iris-debug",
            namespace: ns,
            labels: { "app.kubernetes.io/name": "iris" },
          },
          spec: { containers: [{ name: "debug", image: "registry.invalid/debug:1" }] },
        },
      ],
    }));
    await waitFor("the other app's pod", async () => {
      const pods = await kubectlJson<{ items: unknown[] }>(
        ["get", "pods", "-n", ns, "-l", "tier=docs", "-o", "json"],
      );
      return pods.items.length > 0;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    const status = await runPlugin(["status", "iris", "-n", ns], { env: env() });
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /Ready: +True/);
    assert.match(status.stdout, /Autoscaler: .*max 2/);
    const shownPods = JSON.parse(
      (await runPlugin(["status", "iris", "-n", ns, "-o", "json"], { env: env() })).stdout,
    ).pods.map((p: { name: string }) => p.name);
    assert.equal(shownPods.length, 1, shownPods.join(", "));
    assert.match(shownPods[0], /^iris-[a-z0-9]+-[a-z0-9]+$/);
    assert.doesNotMatch(shownPods[0], /^iris-(docs|debug)/);
    await kubectlOk(["delete", "deployment/iris-docs", "pod/iris-debug", "-n", ns, "--wait=false"]);

    const again = await runPlugin([
      "deploy",
      "iris",
      ...SKLEARN,
      "--backend",
      "deployment",
      "-n",
      ns,
      "--cpu",
      "100m",
      "--max-replicas",
      "4",
    ], { env: env() });
    assert.equal(again.code, 0, again.stderr);
    const hpa = await kubectlJson<{ spec: { maxReplicas: number } }>([
      "get",
      "hpa",
      "iris",
      "-n",
      ns,
      "-o",
      "json",
    ]);
    assert.equal(hpa.spec.maxReplicas, 4, "re-deploying updates in place");

    // Field report: a fixed re-deploy of a crash-looping model failed on the old ReplicaSet's
    // crashing pod. Only the pods of the current template are this change's.
    const toy = [
      "deploy",
      "toy",
      ...SKLEARN,
      "--backend",
      "deployment",
      "-n",
      ns,
      "--image",
      "kubectl-kserve.test/model-server:v1",
      "--wait",
      "--timeout",
      "60s",
    ];
    const crashing = await runPlugin([...toy, "--arg=--model_name="], { env: env() });
    assert.equal(crashing.code, 1, crashing.stderr);
    assert.match(crashing.stderr, /pod toy-.*CrashLoopBackOff/);
    const serving = ["--arg=--model_name=toy", "--arg=--model_dir=/mnt/models"];
    const fixed = await runPlugin([...toy, ...serving, "--arg=--http_port=8080"], { env: env() });
    assert.equal(fixed.code, 0, fixed.stderr);
    const rolled = await kubectlJson<{
      spec: { replicas: number };
      status: { replicas?: number; updatedReplicas?: number; availableReplicas?: number };
    }>(["get", "deployment", "toy", "-n", ns, "-o", "json"]);
    assert.deepEqual(
      [rolled.status.replicas, rolled.status.updatedReplicas, rolled.status.availableReplicas],
      [rolled.spec.replicas, rolled.spec.replicas, rolled.spec.replicas],
      "ready only once the fixed pod runs and the crashing one is gone",
    );

    // A crashing change over the serving model: the old pod keeps it Available, so status says
    // Ready but shows the rollout that is not complete, the new pod's CrashLoopBackOff (not its
    // phase Running) and what to do.
    const broken = await runPlugin([...toy, "--arg=--model_name="], { env: env() });
    assert.equal(broken.code, 1, broken.stderr);
    const shown = await runPlugin(["status", "toy", "-n", ns], { env: env() });
    assert.equal(shown.code, 0, shown.stdout + shown.stderr);
    assert.match(shown.stdout, /Ready: {6}True/);
    assert.match(shown.stdout, /Rollout: {4}in progress \(Deployment toy: /);
    assert.match(shown.stdout, /toy-\S+ {2}CrashLoopBackOff {2}ready 0\/1/);
    assert.match(
      shown.stdout,
      /Warning: {4}the old pods serve while the rollout .*CrashLoopBackOff.*Fix the spec/,
    );
    const json = await runPlugin(["status", "toy", "-n", ns, "-o", "json"], { env: env() });
    const report = JSON.parse(json.stdout);
    assert.equal(report.ready, true);
    assert.equal(report.rollout.complete, false);
    assert.ok(
      report.pods.some((p: { status: string }) => p.status === "CrashLoopBackOff"),
      json.stdout,
    );

    // The test cluster has no metrics-server: once the HPA controller says so (read from the
    // HPA), status says why there are no metrics instead of "no metrics yet".
    await waitFor("the HPA controller to report it cannot get metrics", async () => {
      const hpa = await kubectlJson<{
        status?: { conditions?: { type: string; status: string; reason?: string }[] };
      }>(["get", "hpa", "iris", "-n", ns, "-o", "json"]);
      return hpa.status?.conditions?.some((c) =>
        c.type === "ScalingActive" && c.status === "False" && c.reason === "FailedGetResourceMetric"
      );
    }, { timeoutMs: 60_000, intervalMs: 1000 });
    const blind = await runPlugin(["status", "iris", "-n", ns], { env: env() });
    assert.match(
      blind.stdout,
      /Autoscaler: .*no metrics: FailedGetResourceMetric: .*\(is metrics-server installed\? it never scales without it\)/,
    );

    const deleted = await runPlugin(["delete", "iris", "-n", ns], { env: env() });
    assert.equal(deleted.code, 0, deleted.stderr);
    const gone = await kubectl(["get", "deployment", "iris", "-n", ns]);
    assert.notEqual(gone.code, 0);
  });
});

Deno.test("deploy --wait fails fast when no node has the GPUs asked for", async () => {
  await withNamespace("deploy-gpu", async (ns) => {
    const gpus = (name: string, timeout: string) =>
      runPlugin(
        [
          "deploy",
          name,
          ...SKLEARN,
          "--backend",
          "deployment",
          "-n",
          ns,
          "--gpu",
          "4",
          "--wait",
          "--timeout",
          timeout,
        ],
        { env: env() },
      );
    const unschedulable =
      /cannot be scheduled \(FailedScheduling\): .*Insufficient nvidia\.com\/gpu/;
    const started = Date.now();
    const result = await gpus("big", "2m");
    assert.equal(result.code, 1);
    assert.match(result.stderr, unschedulable);
    assert.ok(Date.now() - started < 60_000, "fails fast, long before the timeout");
    // Field report: the same command run again (no spec change) waited out --timeout, "waiting
    // for pods: watching": the pending pod was taken for an older spec's.
    const again = await gpus("big", "2m");
    assert.equal(again.code, 1, again.stderr);
    assert.match(again.stderr, unschedulable);
    // Sibling: a wait that does time out says what the model lacks, not which watch ended.
    const short = await gpus("slow", "1ms");
    assert.equal(short.code, 124, short.stderr);
    assert.match(short.stderr, new RegExp(`Timed out after .* waiting for Deployment ${ns}/slow`));
    assert.doesNotMatch(short.stderr, /waiting for (pods|events)/);
  });
});

Deno.test("re-deploy over a kubectl edit is refused naming the field and its manager, changes nothing, and takes it with --force-conflicts; the HPA's replica count stays", async () => {
  await withNamespace("deploy-edited", async (ns) => {
    const args = ["deploy", "iris", ...SKLEARN, "--backend", "deployment", "-n", ns];
    const first = await runPlugin([...args, "--max-replicas", "3"], { env: env() });
    assert.equal(first.code, 0, first.stderr);
    // An admin moves the image to a registry mirror by hand.
    await kubectlOk([
      "set",
      "image",
      "deployment/iris",
      "-n",
      ns,
      "kserve-container=mirror.example/sklearnserver:v1",
    ]);
    // The HPA's job, done by hand: the count is no longer the Deployment's own field.
    await kubectlOk(["scale", "deployment/iris", "-n", ns, "--replicas", "2"]);

    const before = await settledSnapshot();
    const refused = await runPlugin([...args, "--max-replicas", "3"], { env: env() });
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(
      refused.stderr,
      new RegExp(
        `Deployment ${ns}/iris: \\.spec\\.template\\.spec\\.containers\\[name="kserve-container"\\]\\.image \\(set by kubectl-set\\)`,
      ),
    );
    assert.match(refused.stderr, /--force-conflicts/);
    // Earlier tests' namespaces may still be going away meanwhile.
    assertSameCluster(before, await snapshot(), "a refused re-deploy", (k) => !k.includes(ns));

    const forced = await runPlugin([...args, "--max-replicas", "3", "--force-conflicts"], {
      env: env(),
    });
    assert.equal(forced.code, 0, forced.stderr);
    const deployment = await kubectlJson<{
      spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
    }>(["get", "deployment", "iris", "-n", ns, "-o", "json"]);
    assert.doesNotMatch(deployment.spec.template.spec.containers[0]!.image, /mirror\.example/);
    assert.equal(deployment.spec.replicas, 2, "a re-deploy leaves the scaled replica count be");
  });
});
