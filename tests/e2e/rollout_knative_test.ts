/**
 * Canary rollouts on Knative Serving's real controllers, for KServe v0.16.0 and v0.20.0, read
 * from the cluster (status.components.predictor.traffic and the Knative Route's status.traffic):
 * `rollout start --traffic 10 --wait` returns once the new revision is Ready and the Route
 * really sends it 10%; `status` shows both revisions, their shares, readiness and tagged URLs;
 * `promote` sends 100% to the latest, `undo` all of it back; a re-run writes nothing, a dry run
 * changes nothing, another manager's canaryTrafficPercent is taken only with --force-conflicts,
 * a first rollout is refused. Field inputs: a canary whose image cannot be fetched (Knative sends
 * its share to the latest READY revision) and one whose container crashes fail `--wait` fast
 * with the revision's reason, and `status` says where their share really goes. `delete` returns
 * once the revisions are gone.
 */
import assert from "node:assert/strict";
import {
  adminKubeconfig,
  kubectlOk,
  type Obj,
  resetCluster,
  say,
  secondsSince,
  waitFor,
} from "../support/cluster.ts";
import { MODEL_SERVER_IMAGE, SKLEARN } from "../support/kserve.ts";
import { installServerless, trafficOf } from "../support/knative.ts";
import { runPlugin } from "../support/plugin.ts";
import { assertUnchangedBy } from "../support/snapshot.ts";
import { assertHintParses } from "../support/hints.ts";

const plugin = (args: string[]) => runPlugin(args, { env: { KUBECONFIG: adminKubeconfig() } });

const NS = ["-n", "models"];
const MODEL = [...SKLEARN, "--image", MODEL_SERVER_IMAGE];
const NEW_MODEL = ["--storage-uri", "gs://kfserving-examples/models/sklearn/1.0/model-2"];
/** A registry that does not resolve: Knative cannot fetch the image's digest. */
const UNFETCHABLE = "registry.invalid/kserve/sklearnserver:v2";
const START = ["rollout", "start", "iris", ...NS];
const TAG_ROUTING = "serving.kserve.io/enable-tag-routing=true";

/** `rollout start iris --traffic 10 FLAGS --wait`, which must fail (exit 1) within two minutes. */
async function startFailing(flags: string[], what: string) {
  const start = Date.now();
  const result = await plugin([...START, "--traffic", "10", ...flags, "--wait", "--timeout", "2m"]);
  assert.equal(result.code, 1, result.stderr);
  say(`rollout start --wait of ${what} failed in ${secondsSince(start)}`);
  return result;
}

/** `rollout status iris -o json`, parsed, with its exit code. */
async function rolloutStatus(): Promise<{ code: number; report: Obj; text: string }> {
  const [json, text] = await Promise.all([
    plugin(["rollout", "status", "iris", ...NS, "-o", "json"]),
    plugin(["rollout", "status", "iris", ...NS]),
  ]);
  assert.equal(json.code, text.code, text.stderr);
  return { code: json.code, report: JSON.parse(json.stdout), text: text.stdout };
}

/** Polls until the Route, and KServe's copy of its status, send `shares` (by revision). */
async function untilRouted(shares: Record<string, number>, what: string) {
  return await waitFor(what, async () => {
    const now = await trafficOf("iris", "models");
    const positive = (s: Record<string, number>) =>
      JSON.stringify(Object.entries(s).filter(([, p]) => p > 0).sort());
    return positive(now.route) === positive(shares) &&
      positive(now.shares) === positive(shares) && now;
  }, { timeoutMs: 180_000, intervalMs: 1000 });
}

async function resourceVersion(): Promise<string> {
  return await kubectlOk([
    "get",
    "isvc",
    "iris",
    ...NS,
    "-o",
    "jsonpath={.metadata.resourceVersion}",
  ]);
}

/**
 * Runs a verb that must write nothing: says `unchanged`, and the resourceVersion stays. KServe
 * keeps writing the status for a while after the Route has changed: first the resourceVersion
 * must hold for three seconds.
 */
async function assertRerunWritesNothing(args: string[]) {
  let seen = "";
  const before = await waitFor("the InferenceService's status to settle", async () => {
    const now = await resourceVersion();
    if (now === seen) return now;
    seen = now;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    return seen === await resourceVersion() && seen;
  }, { timeoutMs: 60_000 });
  const rerun = await plugin(args);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stderr, /inferenceservice\/iris unchanged/, args.join(" "));
  assert.equal(await resourceVersion(), before, `${args.join(" ")} wrote the InferenceService`);
}

for (const version of ["v0.20.0", "v0.16.0"]) {
  Deno.test(`rollout on real Knative, KServe ${version}: start --wait splits 90/10, status, promote, undo, re-runs, dry runs, conflicts; failed canaries fail fast and status says where traffic goes; delete waits for the revisions`, async () => {
    await resetCluster();
    let start = Date.now();
    await installServerless(version);
    say(`install --mode serverless took ${secondsSince(start)}`);
    await kubectlOk(["create", "namespace", "models"]);
    start = Date.now();
    const serverless = ["--mode", "serverless", "--annotation", TAG_ROUTING];
    const deployed = await plugin(
      ["deploy", "iris", ...NS, ...MODEL, ...serverless, "--wait", "--timeout", "3m"],
    );
    assert.equal(deployed.code, 0, deployed.stderr);
    say(`deploy --wait took ${secondsSince(start)}`);
    const first = (await trafficOf("iris", "models")).predictor.latestReadyRevision as string;
    assert.ok(first, "no ready revision after deploy --wait");

    // A canary on a model's first rollout: KServe would ignore it (no rolled-out revision).
    const fresh = await plugin(["deploy", "fresh", ...NS, ...SKLEARN, "--image", UNFETCHABLE]
      .concat(serverless));
    assert.equal(fresh.code, 0, fresh.stderr);
    const firstRollout = await assertUnchangedBy(
      "a canary on a model's first rollout",
      () => plugin(["rollout", "start", "fresh", ...NS, "--traffic", "10", ...NEW_MODEL]),
    );
    assert.equal(firstRollout.code, 2, firstRollout.stderr);
    assert.match(
      firstRollout.stderr,
      /"fresh" has no rolled-out revision yet: KServe ignores canaryTrafficPercent on a model's first rollout/,
    );

    // start --wait returns once the new revision is Ready and the Route sends it 10%.
    start = Date.now();
    const started = await plugin([...START, "--traffic", "10", ...NEW_MODEL, "--wait"]);
    assert.equal(started.code, 0, started.stderr);
    say(`rollout start --wait took ${secondsSince(start)}`);
    let now = await trafficOf("iris", "models");
    const second = now.predictor.latestCreatedRevision as string;
    assert.notEqual(second, first);
    assert.equal(now.predictor.latestReadyRevision, second);
    assert.deepEqual(now.route, { [second]: 10, [first]: 90 });
    assert.deepEqual(now.shares, now.route);
    const revision = await kubectlOk(["get", "revisions.serving.knative.dev", second, ...NS, "-o"]
      .concat(["jsonpath={.status.conditions[?(@.type=='Ready')].status}"]));
    assert.equal(revision, "True");

    // status: both revisions, their shares as the Route sends them, readiness, tagged URLs.
    const split = await rolloutStatus();
    assert.equal(split.code, 0, split.text);
    assert.equal(split.report.canaryTrafficPercent, 10);
    assert.deepEqual(
      split.report.revisions.map((r: Obj) => [r.revision, r.percent, r.latest, r.ready]),
      [[second, 10, true, "True"], [first, 90, false, "True"]],
    );
    assert.deepEqual(split.report.notes, []);
    const urls = split.report.revisions.map((r: Obj) => r.urls.join(" "));
    assert.match(urls[0], /^http:\/\/latest-iris-predictor[.-]/, JSON.stringify(urls));
    assert.match(urls[1], /^http:\/\/prev-iris-predictor[.-]/, JSON.stringify(urls));
    assert.match(
      split.text,
      new RegExp(` 10% {2}${second} \\[latest\\] {2}Ready\n {8}http://latest-`),
    );
    assert.match(split.text, new RegExp(` 90% {2}${first} \\[prev\\] {2}Ready\n {8}http://prev-`));

    // A re-run writes nothing; dry runs change nothing.
    await assertRerunWritesNothing([...START, "--traffic", "10", ...NEW_MODEL, "--wait"]);
    const dryRuns = await assertUnchangedBy("rollout --dry-run", () =>
      Promise.all([
        plugin([...START, "--traffic", "50", "--dry-run=server"]),
        plugin([...START, "--traffic", "50", "--dry-run=client"]),
        plugin(["rollout", "promote", "iris", ...NS, "--dry-run=server"]),
        plugin(["rollout", "undo", "iris", ...NS, "--dry-run=client"]),
      ]));
    for (const dry of dryRuns) assert.equal(dry.code, 0, dry.stderr);
    assert.match(dryRuns[1]!.stdout, /canaryTrafficPercent: 50/);

    // canaryTrafficPercent set by another manager: refused without --force-conflicts.
    await kubectlOk(["patch", "isvc", "iris", ...NS, "--type=merge", "-p"]
      .concat(['{"spec":{"predictor":{"canaryTrafficPercent":20}}}']));
    const conflicts = await assertUnchangedBy(
      "rollout over another manager's field",
      () =>
        Promise.all([
          plugin([...START, "--traffic", "10"]),
          plugin(["rollout", "undo", "iris", ...NS]),
          plugin(["rollout", "promote", "iris", ...NS]),
        ]),
    );
    for (const conflict of conflicts) {
      assert.equal(conflict.code, 1, conflict.stderr);
      assert.match(conflict.stderr, /kubectl-patch/);
      assert.match(conflict.stderr, /canaryTrafficPercent/);
      assert.match(conflict.stderr, /--force-conflicts/);
    }
    const forced = await plugin([...START, "--traffic", "10", "--force-conflicts", "--wait"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual((await trafficOf("iris", "models")).route, { [second]: 10, [first]: 90 });

    // promote: 100% to the latest revision; a re-run writes nothing.
    const promoted = await plugin(["rollout", "promote", "iris", ...NS]);
    assert.equal(promoted.code, 0, promoted.stderr);
    now = await untilRouted({ [second]: 100 }, "100% on the promoted revision");
    assert.equal(now.isvc.spec.predictor.canaryTrafficPercent, undefined);
    await assertRerunWritesNothing(["rollout", "promote", "iris", ...NS]);

    // undo: all traffic back on the previous revision; a re-run writes nothing.
    const undone = await plugin(["rollout", "undo", "iris", ...NS]);
    assert.equal(undone.code, 0, undone.stderr);
    assert.match(undone.stderr, new RegExp(`100% to ${first}`));
    await untilRouted({ [first]: 100 }, "all traffic back on the previous revision");
    await assertRerunWritesNothing(["rollout", "undo", "iris", ...NS]);
    const back = await rolloutStatus();
    assert.equal(back.code, 0, back.text);
    assert.deepEqual(
      back.report.revisions.map((r: Obj) => [r.revision, r.percent, r.latest]),
      [[second, 0, true], [first, 100, false]],
    );

    // Field report: a canary whose image cannot be fetched. --wait fails fast with the
    // revision's reason; status says its share goes to the latest ready revision.
    const unfetchable = await startFailing(["--image", UNFETCHABLE], "an unfetchable image");
    const failed = (await trafficOf("iris", "models")).predictor.latestCreatedRevision as string;
    assert.match(
      unfetchable.stderr,
      new RegExp(
        `Revision ${failed} failed: ContainerMissing .*${UNFETCHABLE.replaceAll(".", "\\.")}`,
      ),
    );
    for (const hint of unfetchable.stderr.match(/Return all traffic with: .*/g) ?? []) {
      await assertHintParses(hint);
    }
    await assertSaysWhereTrafficGoes(failed, "ContainerMissing");

    // Sibling: a canary whose container crashes (the model server exits at once).
    const crashing = await startFailing(
      ["--image", MODEL_SERVER_IMAGE, "--arg=--model_name="],
      "a crashing model",
    );
    const crashed = (await trafficOf("iris", "models")).predictor.latestCreatedRevision as string;
    assert.notEqual(crashed, failed);
    // Knative marks it failed (ExitCode2) only once its Deployment changes; its pod says it first.
    assert.match(
      crashing.stderr,
      new RegExp(
        `Revision ${crashed} failed: (ExitCode2|pod ${crashed}-deployment-\\S+: container kserve-container is in CrashLoopBackOff)`,
      ),
    );
    await assertSaysWhereTrafficGoes(crashed, /ExitCode2|Unknown/);

    // delete returns once the model's revisions, and their pods, are gone.
    const deleted = await plugin(["delete", "iris", ...NS]);
    assert.equal(deleted.code, 0, deleted.stderr);
    const left = await kubectlOk(["get", "revisions.serving.knative.dev,deployments,pods", ...NS]
      .concat(["-l", "serving.kserve.io/inferenceservice=iris", "-o", "name"]));
    assert.equal(left, "", "left after delete");
  });
}

/**
 * `rollout status` of a failed canary: the revision listed not Ready (`reason`: Failed with
 * Knative's reason, or Unknown) at 0%, each share where the Route really sends it, a note
 * saying where it all goes, exit 1.
 */
async function assertSaysWhereTrafficGoes(failed: string, reason: RegExp | string) {
  const now = await trafficOf("iris", "models");
  const { code, report, text } = await rolloutStatus();
  assert.equal(code, 1, text);
  const shown = Object.fromEntries(
    report.revisions.filter((r: Obj) => r.percent > 0).map((r: Obj) => [r.revision, r.percent]),
  );
  assert.deepEqual(shown, Object.fromEntries(Object.entries(now.route).filter(([, p]) => p > 0)));
  assert.equal(now.route[failed] ?? 0, 0);
  const row = report.revisions.find((r: Obj) => r.revision === failed);
  assert.equal(row?.percent, 0);
  assert.match(row?.ready === "False" ? row.reason : row?.ready, new RegExp(reason));
  if (row?.ready === "Unknown") {
    // Not judged by Knative yet: its pod's crash loop is shown instead of a bare "Not ready".
    assert.match(row.pods ?? "", new RegExp(`^pod ${failed}-deployment-\\S+: .*CrashLoopBackOff`));
    assert.match(text, new RegExp(`Not ready \\(pod ${failed}-deployment-`));
  }
  assert.match(
    report.notes[0] ?? "",
    new RegExp(`The latest revision ${failed} (failed|is failing).* all traffic goes to `),
  );
  assert.match(text, new RegExp(` {3}0% {2}${failed} \\[latest\\] {2}(Failed|Not ready)`));
}

Deno.test("the cluster is left empty for the other test files", async () => {
  await resetCluster();
});
