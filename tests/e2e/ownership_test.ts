/**
 * KServe that this plugin did not install: by Helm (KServe's own v0.16.0 charts), by `kubectl
 * apply`, by Kubeflow's kserve_kubeflow.yaml. `version` and `check` name the owner; `install`
 * and `uninstall` refuse before changing anything, naming the owner's own command; --force
 * takes over knowingly (never Kubeflow's). Field report: install applied over a Helm release
 * and uninstall deleted the namespace holding Helm's release records.
 */
import assert from "node:assert/strict";
import {
  adminKubeconfig,
  applyYaml,
  kubectlJson,
  kubectlOk,
  resetCluster,
  tempDir,
  waitFor,
} from "../support/cluster.ts";
import { FIXTURES } from "../support/fixtures.ts";
import { assertHelmHintParses } from "../support/hints.ts";
import { runPlugin } from "../support/plugin.ts";
import { runCheck } from "../support/plugin_json.ts";
import { pluginEnv } from "../support/install.ts";
import {
  assertSameCluster,
  assertUnchangedBy,
  settledSnapshot,
  snapshot,
} from "../support/snapshot.ts";
import { inferenceServiceJson, SKLEARN } from "../support/kserve.ts";
import {
  applyUntilDone,
  certManagerWithKubectl,
  helm,
  kserveWithHelm,
  kserveWithKubectl,
  manifestPart,
} from "../support/owners.ts";

/** Runs the plugin and asserts it refused (exit 1) without changing a single object. */
async function assertRefusedUnchanged(
  env: Record<string, string>,
  args: string[],
  expected: RegExp[],
): Promise<string> {
  const result = await assertUnchangedBy(args.join(" "), () => runPlugin(args, { env }));
  assert.equal(result.code, 1, `${args.join(" ")}: ${result.stderr}`);
  for (const pattern of expected) assert.match(result.stderr, pattern);
  return result.stderr;
}

/** No hint of a failed check may send the user to an install this plugin refuses. */
function assertNoInstallHints(check: Awaited<ReturnType<typeof runCheck>>): void {
  for (const id of [...check.failed, ...check.warned]) {
    const hint = check.byId(id)?.hint ?? "";
    assert.doesNotMatch(hint, /kubectl kserve install/, `${id}: ${hint}`);
  }
}

Deno.test("KServe installed by Helm: named by version and check; install and uninstall refuse, Helm's releases survive", async () => {
  await resetCluster();
  await using cache = await tempDir();
  const env = pluginEnv(cache.path);
  await certManagerWithKubectl();
  await kserveWithHelm();

  const version = await runPlugin(["version"], { env });
  assert.equal(version.code, 0, version.stderr);
  assert.match(
    version.stdout,
    /KServe Version: v0\.16\.0 \(namespace kserve, installed by Helm, release kserve in namespace kserve\)/,
  );
  const check = await runCheck([], adminKubeconfig());
  assert.match(
    check.byId("kserve.installed")!.note ?? "",
    /installed by Helm, release kserve in namespace kserve/,
  );
  assertNoInstallHints(check);
  const pre = await runCheck(["--pre"], adminKubeconfig());
  assert.equal(pre.byId("pre.conflicts")?.result, "fail");
  assert.match(
    pre.byId("pre.conflicts")!.hint!,
    /helm upgrade kserve oci:\/\/ghcr\.io\/kserve\/charts\/kserve/,
  );

  await assertRefusedUnchanged(env, ["install", "--version", "v0.16.0", "--manifests", FIXTURES], [
    /KServe v0\.16\.0 in namespace kserve was installed by Helm, release kserve in namespace kserve/,
    /helm upgrade kserve oci:\/\/ghcr\.io\/kserve\/charts\/kserve --version v0\.16\.0 -n kserve/,
    // Field report: the CRD chart is a release of its own, upgraded first.
    /helm upgrade kserve-crd oci:\/\/ghcr\.io\/kserve\/charts\/kserve-crd --version v0\.16\.0 -n kserve, then helm upgrade kserve /,
  ]);
  // An upgrade's hint names the target release's charts: kserve became kserve-resources in v0.17.
  const upgrade = await assertRefusedUnchanged(
    env,
    ["install", "--version", "v0.20.0", "--manifests", FIXTURES],
    [
      /helm upgrade kserve-crd oci:\/\/ghcr\.io\/kserve\/charts\/kserve-crd --version v0\.20\.0 -n kserve, then helm upgrade kserve oci:\/\/ghcr\.io\/kserve\/charts\/kserve-resources --version v0\.20\.0 -n kserve --reuse-values/,
    ],
  );
  const charts = (await assertHelmHintParses(upgrade)).map((command) => command[3]);
  assert.ok(charts.includes("oci://ghcr.io/kserve/charts/kserve-resources"), upgrade);
  await assertRefusedUnchanged(env, ["uninstall", "--yes"], [
    /installed by Helm, release kserve in namespace kserve/,
    /helm uninstall kserve -n kserve, then helm uninstall kserve-crd -n kserve/,
  ]);
  const releases = await helm(["list", "-n", "kserve", "-q"]);
  assert.deepEqual(releases.trim().split("\n").sort(), ["kserve", "kserve-crd"]);

  // --force takes it over knowingly: the preflight lets it through (validated, not persisted).
  const before = await settledSnapshot();
  const forced = await runPlugin(
    ["install", "--version", "v0.16.0", "--manifests", FIXTURES, "--force", "--dry-run=server"],
    { env },
  );
  assert.equal(forced.code, 0, forced.stderr);
  assertSameCluster(before, await snapshot(), "install --force --dry-run=server");
  await helm(["uninstall", "kserve", "-n", "kserve"]);
  await helm(["uninstall", "kserve-crd", "-n", "kserve"]);
  await resetCluster();
});

Deno.test("KServe applied with kubectl: install and uninstall name the field manager and refuse without --force", async () => {
  await resetCluster();
  await using cache = await tempDir();
  const env = pluginEnv(cache.path);
  await certManagerWithKubectl();
  await kserveWithKubectl("kserve/v0.16.0/kserve.yaml", "kserve");
  await assertRefusedUnchanged(env, ["install", "--version", "v0.16.0", "--manifests", FIXTURES], [
    /was installed by another tool \(field manager kubectl\)/,
    /kubectl apply --server-side -f https:\/\/github\.com\/kserve\/kserve\/releases\/download\/v0\.16\.0\/kserve\.yaml/,
  ]);
  await assertRefusedUnchanged(env, ["uninstall", "--yes"], [
    /this plugin did not install it/,
    /kubectl delete -f https:\/\/github\.com\/kserve\/kserve\/releases\/download\/v0\.16\.0\/kserve\.yaml/,
  ]);
  await resetCluster();
});

Deno.test("A mixed install (Helm's labels on 2 objects, no release record Helm can load): no helm hint; install and uninstall name what works and the models it deletes", async () => {
  await resetCluster();
  await using cache = await tempDir();
  const env = pluginEnv(cache.path);
  await certManagerWithKubectl();
  await kserveWithKubectl("kserve/v0.16.0/kserve.yaml", "kserve");
  // Field report: 2 of 63 objects carried Helm's labels; every helm hint then failed with
  // "has no deployed releases".
  for (
    const [kind, name] of [
      ["deployment", "kserve-controller-manager"],
      ["configmap", "inferenceservice-config"],
    ] as const
  ) {
    await kubectlOk(["label", kind, name, "-n", "kserve", "app.kubernetes.io/managed-by=Helm"]);
    await kubectlOk([
      "annotate",
      kind,
      name,
      "-n",
      "kserve",
      "meta.helm.sh/release-name=kserve",
      "meta.helm.sh/release-namespace=kserve",
    ]);
  }
  assert.equal((await helm(["list", "-n", "kserve", "-q"])).trim(), "", "Helm knows no release");

  const version = await runPlugin(["version"], { env });
  assert.equal(version.code, 0, version.stderr);
  assert.match(
    version.stdout,
    /installed by a mix of tools: another tool \(field manager kubectl\), with Helm's labels naming release kserve in namespace kserve, which Helm cannot manage \(Helm has no deployed release kserve in namespace kserve/,
  );
  const check = await runCheck([], adminKubeconfig());
  assertNoInstallHints(check);
  for (const id of [...check.failed, ...check.warned]) {
    assert.doesNotMatch(check.byId(id)?.hint ?? "", /\bhelm /, id);
  }

  // A model: what `kubectl delete -f kserve.yaml` deletes with the CRDs, silently.
  await kubectlOk(["create", "namespace", "models"]);
  await waitFor(
    "the webhook to admit a model",
    () => applyYaml(inferenceServiceJson({ name: "iris", namespace: "models" })),
    { timeoutMs: 60_000, intervalMs: 2000 },
  );

  const install = await assertRefusedUnchanged(
    env,
    ["install", "--version", "v0.16.0", "--manifests", FIXTURES],
    [
      /KServe v0\.16\.0 in namespace kserve was installed by a mix of tools/,
      /kubectl apply --server-side -f https:\/\/github\.com\/kserve\/kserve\/releases\/download\/v0\.16\.0\/kserve\.yaml/,
    ],
  );
  // The message says why helm fails; the hint names no helm command.
  assert.doesNotMatch(install.split("hint:")[1] ?? "", /helm/);
  const uninstall = await assertRefusedUnchanged(env, ["uninstall", "--yes"], [
    /kubectl delete -f https:\/\/github\.com\/kserve\/kserve\/releases\/download\/v0\.16\.0\/kserve\.yaml \(deleting KServe's CRDs deletes every object of them: 1 model object\(s\), InferenceService models\/iris; delete or back them up first\)/,
  ]);
  assert.doesNotMatch(uninstall.split("hint:")[1] ?? "", /helm/);
  await resetCluster();
});

Deno.test("KServe from kserve_kubeflow.yaml in kubeflow: found and checked; install and uninstall refuse consistently, even with --force", async () => {
  await resetCluster();
  await using cache = await tempDir();
  const env = pluginEnv(cache.path);
  await certManagerWithKubectl();
  await kserveWithKubectl("kserve/v0.16.0/kserve_kubeflow.yaml", "kubeflow");

  const version = await runPlugin(["version"], { env });
  assert.match(
    version.stdout,
    /KServe Version: v0\.16\.0 \(namespace kubeflow, installed by another tool/,
  );
  const check = await runCheck([], adminKubeconfig());
  assert.match(check.byId("kserve.installed")!.note ?? "", /in namespace kubeflow/);
  assertNoInstallHints(check);
  // Shipped default Serverless without Knative: switch to raw by editing the config, in
  // kubeflow, or add Knative (field report: the hint "switched" to Knative, already the value).
  const modeHint = check.byId("mode.default")?.hint ?? "";
  assert.match(modeHint, /kubectl edit configmap inferenceservice-config -n kubeflow .*Standard/);
  assert.doesNotMatch(modeHint, /to Knative\)/);
  assert.match(
    modeHint,
    /add Knative Serving: install Knative Serving .* then kubectl rollout restart deployment\/kserve-controller-manager -n kubeflow$/,
  );

  for (const force of [[], ["--force"]]) {
    await assertRefusedUnchanged(
      env,
      ["install", "--version", "v0.16.0", "--manifests", FIXTURES, ...force],
      [/in namespace kubeflow was installed by .* from Kubeflow's kserve_kubeflow\.yaml/],
    );
    await assertRefusedUnchanged(env, ["uninstall", "--yes", ...force], [
      /in namespace kubeflow was installed by .* from Kubeflow's kserve_kubeflow\.yaml; this plugin did not install it/,
      /kubectl delete -f https:\/\/github\.com\/kserve\/kserve\/releases\/download\/v0\.16\.0\/kserve_kubeflow\.yaml/,
    ]);
  }
  await kubectlOk(["get", "crd", "inferenceservices.serving.kserve.io"]);

  // Models deploy against it. It ships no runtimes: the fix is its owner's, not our install.
  await kubectlOk(["create", "namespace", "models"]);
  const noRuntime = await assertUnchangedBy(
    "a deploy with no runtime",
    () => runPlugin(["deploy", "iris", "-n", "models", ...SKLEARN], { env }),
  );
  assert.equal(noRuntime.code, 2, noRuntime.stderr);
  assert.match(
    noRuntime.stderr,
    /install the runtimes \(kubectl apply --server-side -f https:\/\/github\.com\/kserve\/kserve\/releases\/download\/v0\.16\.0\/kserve-cluster-resources\.yaml\)/,
  );
  // check names the same file as deploy (field report: it named kserve_kubeflow.yaml, which
  // holds no runtime), once the webhook answers and the runtimes check runs.
  const runtimes = await waitFor("check to reach the runtimes", async () => {
    const c = await runCheck([], adminKubeconfig());
    const r = c.byId("runtimes.cluster-serving-runtimes");
    return r?.result === "fail" ? r : undefined;
  }, { timeoutMs: 60_000, intervalMs: 2000 });
  assert.match(
    runtimes.hint ?? "",
    /kubectl apply --server-side -f https:\/\/github\.com\/kserve\/kserve\/releases\/download\/v0\.16\.0\/kserve-cluster-resources\.yaml$/,
  );
  // Its runtimes, as its owner applies them (the file's LLM configs belong to namespace kserve).
  await applyUntilDone(
    await manifestPart("kserve/v0.16.0/kserve-cluster-resources.yaml", ["ClusterServingRuntime"]),
  );
  const deployed = await runPlugin(
    ["deploy", "iris", "-n", "models", ...SKLEARN, "--mode", "raw", "--wait", "--timeout", "2m"],
    { env },
  );
  assert.equal(deployed.code, 0, deployed.stderr);
  const isvc = await kubectlJson<{ status: { conditions: { type: string; status: string }[] } }>(
    ["get", "inferenceservice", "iris", "-n", "models"],
  );
  assert.equal(isvc.status.conditions.find((c) => c.type === "Ready")?.status, "True");
  await resetCluster();
});
