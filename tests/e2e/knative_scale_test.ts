/**
 * Scale to zero on Knative Serving's real controllers (autoscaler, activator, queue-proxy; the
 * pod runner plays them): `deploy --mode serverless --min-replicas 0` starts the revision at
 * zero, `predict` wakes it through the activator and answers, and Knative's autoscaler takes it
 * back to zero once idle; with config-autoscaler's allow-zero-initial-scale left at Knative's
 * default, deploy, check and status name the setting, and the revision starts with a pod. The
 * tests shorten config-autoscaler's stable-window and scale-to-zero-grace-period (60s and 30s by
 * default) to Knative's minimum, 6s.
 */
import assert from "node:assert/strict";
import {
  adminKubeconfig,
  kubectlJson,
  kubectlOk,
  type Obj,
  resetCluster,
  waitFor,
} from "../support/cluster.ts";
import { FIXTURES } from "../support/fixtures.ts";
import { installKServe, MODEL_SERVER_IMAGE, SKLEARN } from "../support/kserve.ts";
import { runPlugin } from "../support/plugin.ts";
import { runCheck } from "../support/plugin_json.ts";
import { runHint } from "../support/hints.ts";

const env = () => ({ KUBECONFIG: adminKubeconfig() });
const REQUEST = '{"instances": [[6.8, 2.8, 4.8, 1.4]]}';
const SHORT_WINDOWS = { "stable-window": "6s", "scale-to-zero-grace-period": "6s" };

function patchKnative(configMap: string, data: Record<string, string>): Promise<string> {
  return kubectlOk(["patch", "configmap", configMap, "-n", "knative-serving", "--type=merge"]
    .concat(["-p", JSON.stringify({ data })]));
}

/** KServe on real Knative, the test registry's tags left unresolved, and namespace models. */
async function setUp(version: string, autoscaler: Record<string, string>): Promise<void> {
  await resetCluster();
  await installKServe(["--version", version, "--mode", "serverless", "--manifests", FIXTURES]
    .concat(["--request-timeout", "2m"]));
  await patchKnative("config-deployment", {
    "registries-skipping-tag-resolving": "kind.local,ko.local,dev.local,kubectl-kserve.test",
  });
  await patchKnative("config-autoscaler", autoscaler);
  await kubectlOk(["create", "namespace", "models"]);
}

function deployIdle(): ReturnType<typeof runPlugin> {
  return runPlugin(
    ["deploy", "iris", "-n", "models", ...SKLEARN, "--image", MODEL_SERVER_IMAGE]
      .concat(["--mode", "serverless", "--min-replicas", "0", "--wait", "--timeout", "3m"]),
    { env: env() },
  );
}

/** The revision's Deployment replicas and its pods, as the cluster has them now. */
async function scale(revision: string): Promise<{ replicas: number; pods: string[] }> {
  const [deployment, pods] = await Promise.all([
    kubectlJson<Obj>(["get", "deployment", `${revision}-deployment`, "-n", "models"]),
    kubectlJson<{ items: Obj[] }>(["get", "pods", "-n", "models", "-l"]
      .concat([`serving.knative.dev/revision=${revision}`])),
  ]);
  return {
    replicas: deployment.spec.replicas,
    pods: pods.items.map((p) => p.metadata.name as string),
  };
}

/** The pods the revision's ReplicaSets created so far, from their SuccessfulCreate events. */
async function podsCreated(revision: string): Promise<number> {
  const events = await kubectlJson<{ items: Obj[] }>(["get", "events", "-n", "models"]
    .concat(["--field-selector", "reason=SuccessfulCreate,involvedObject.kind=ReplicaSet"]));
  return events.items.filter((e) =>
    (e.involvedObject.name as string).startsWith(`${revision}-deployment-`)
  ).reduce((n, e) => n + (e.count ?? 1), 0);
}

/** Waits until Knative's autoscaler has taken the revision to zero: 0 replicas, no pod. */
async function atZero(revision: string): Promise<void> {
  await waitFor(`revision ${revision} at zero`, async () => {
    const now = await scale(revision);
    return now.replicas === 0 && now.pods.length === 0 ? now : undefined;
  }, { timeoutMs: 150_000, intervalMs: 2_000 });
}

async function latestRevision(): Promise<Obj> {
  const ksvc = await kubectlJson<Obj>(["get", "ksvc", "iris-predictor", "-n", "models"]);
  const name = ksvc.status.latestReadyRevisionName as string;
  assert.ok(name, JSON.stringify(ksvc.status));
  return await kubectlJson<Obj>(["get", "revision", name, "-n", "models"]);
}

/**
 * predict (or chat, which takes the same route) answers through the activator, which woke the
 * revision, and says so.
 */
async function predictWakes(revision: string, via: "predict" | "chat" = "predict"): Promise<void> {
  const args = via === "predict"
    ? ["predict", "iris", "-n", "models", "-d", REQUEST]
    : ["chat", "iris", "-n", "models", "-m", "Hello", "--no-stream"];
  const predicted = await runPlugin(args, { env: env() });
  assert.equal(predicted.code, 0, predicted.stderr);
  if (via === "predict") {
    assert.equal(JSON.parse(predicted.stdout).predictions.length, 1, predicted.stdout);
  } else {
    assert.ok(predicted.stdout.trim().length > 0, predicted.stderr);
  }
  assert.match(
    predicted.stderr,
    new RegExp(
      `Revision ${revision} has no ready pod \\(scaled to zero\\): sending the request through Knative's activator \\(knative-serving/activator-service\\)`,
    ),
  );
  assert.match(
    predicted.stderr,
    new RegExp(`Revision ${revision} answered through the activator after`),
  );
  // The activator's request made Knative's autoscaler start a pod again.
  const woken = await scale(revision);
  assert.ok(woken.replicas >= 1 && woken.pods.length >= 1, JSON.stringify(woken));
}

for (const version of ["v0.20.0", "v0.16.0"]) {
  Deno.test(`KServe ${version} on real Knative: deploy --min-replicas 0 starts the revision at zero, predict wakes it through the activator and answers, the autoscaler takes it back to zero, and chat wakes it too`, async () => {
    await setUp(version, { ...SHORT_WINDOWS, "allow-zero-initial-scale": "true" });
    const deployed = await deployIdle();
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.doesNotMatch(deployed.stderr, /config-autoscaler/);
    // KServe copied what deploy wrote onto the revision: min-scale 0 and initial-scale 0.
    const revision = await latestRevision();
    const name = revision.metadata.name as string;
    assert.equal(revision.metadata.annotations["autoscaling.knative.dev/min-scale"], "0");
    assert.equal(revision.metadata.annotations["autoscaling.knative.dev/initial-scale"], "0");
    // Ready at zero: the revision's Deployment has no replica and no pod was ever created.
    assert.deepEqual(await scale(name), { replicas: 0, pods: [] });
    assert.equal(await podsCreated(name), 0);
    await predictWakes(name);
    // Knative's autoscaler, idle for the stable window and the grace period, scales to zero.
    await atZero(name);
    await predictWakes(name, "chat");
  });
}

Deno.test("KServe v0.20.0 on real Knative: allow-zero-initial-scale left at its default with --min-replicas 0 is named by deploy, check and status, and the revision starts with a pod that goes to zero once idle", async () => {
  await setUp("v0.20.0", SHORT_WINDOWS);
  const deployed = await deployIdle();
  assert.equal(deployed.code, 0, deployed.stderr);
  const finding =
    /config-autoscaler in knative-serving leaves allow-zero-initial-scale unset \(Knative's default "false"\): KServe drops the model's autoscaling\.knative\.dev\/initial-scale "0", so each new revision starts with 1 pod\(s\) \(initial-scale "1"\) and goes to zero only once idle \(stable-window 6s and scale-to-zero-grace-period 6s\)\. Fix: (kubectl patch configmap config-autoscaler -n knative-serving --type merge -p '\{"data":\{"allow-zero-initial-scale":"true"\}\}')/;
  assert.match(deployed.stderr, new RegExp(`^Warning: ${finding.source}$`, "m"));
  // What deploy said is what happened: KServe dropped the initial scale, so a pod started.
  const revision = await latestRevision();
  const name = revision.metadata.name as string;
  assert.equal(revision.metadata.annotations["autoscaling.knative.dev/initial-scale"], undefined);
  assert.equal(revision.metadata.annotations["autoscaling.knative.dev/min-scale"], "0");
  assert.ok(await podsCreated(name) >= 1, "the revision started with a pod");
  const check = await runCheck(["-n", "models"], adminKubeconfig());
  assert.ok(check.warned.includes("models.settings"), JSON.stringify(check.report));
  const warned = check.byId("models.settings") as { error?: string } | undefined;
  assert.match(warned?.error ?? "", new RegExp(`^models/iris: ${finding.source}$`));
  const status = await runPlugin(["status", "iris", "-n", "models"], { env: env() });
  assert.match(status.stdout, new RegExp(`^Warning: +${finding.source}$`, "m"));
  // It still goes to zero once idle (Knative's autoscaler), and predict wakes it.
  await atZero(name);
  await predictWakes(name);
  // The fix is the patch check named: check passes then.
  await runHint(finding.exec(deployed.stderr)![1]!);
  const fixed = await runCheck(["-n", "models"], adminKubeconfig());
  assert.ok(fixed.passed.includes("models.settings"), JSON.stringify(fixed.report));
});

Deno.test("the cluster is left empty for the other test files", async () => {
  await resetCluster();
});
