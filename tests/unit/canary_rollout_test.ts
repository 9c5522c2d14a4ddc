/**
 * rollout's planner and traffic view on plain data shaped as KServe writes it: the predictor's
 * status.components.predictor (pkg/apis/serving/v1beta1/inference_service_status.go), whose
 * traffic is the Knative Route's status.traffic with `latestRevision` resolved to the latest
 * READY revision, and the split ksvc_reconciler.go asks for (latest N%, "prev" the rest).
 */
import assert from "node:assert/strict";
import { CliError, UsageError } from "../../lib/errors.ts";
import type { InferenceService } from "../../lib/kserve/inference_service.ts";
import {
  readinessOf,
  splitReached,
  standardCanaryWarning,
  trafficView,
  withPodFailures,
} from "../../lib/kserve/traffic.ts";
import {
  planRollout,
  rolledOutRevision,
  type RolloutFacts,
} from "../../lib/models/rollout_plan.ts";
import { changesPredictor, rolloutBase, withCanary } from "../../lib/deploy/rollout_spec.ts";
import { renderRollout, rolloutReport } from "../../lib/commands/rollout_view.ts";
import { INFERENCE_SERVICE_ROLLOUT } from "../../lib/models/inference_service_rollout.ts";
import { DEPLOYMENT } from "../../lib/models/deployment.ts";
import { LLM_INFERENCE_SERVICE } from "../../lib/models/llm_inference_service.ts";

const MODE = { kind: undefined, value: "" };
const KSERVE = { installed: true, namespace: "kserve", apiServed: true, version: "v0.20.0" };

const OLD = "iris-predictor-00001";
const NEW = "iris-predictor-00002";

/** A Knative-mode model reconciled at generation 2, with a predictor status and traffic. */
function model(
  predictor: Record<string, unknown>,
  spec: Record<string, unknown> = { canaryTrafficPercent: 10 },
): InferenceService {
  return {
    metadata: { name: "iris", namespace: "models", generation: 2 },
    spec: { predictor: { model: { modelFormat: { name: "sklearn" } }, ...spec } },
    status: { observedGeneration: 2, deploymentMode: "Knative", components: { predictor } },
  };
}

/**
 * A canary of NEW over OLD as the Route resolved it: `ready` the latest ready revision, and the
 * revision and percent of the `latestRevision` target and of the "prev" one.
 */
function routed(
  ready: string,
  latest: [string, number],
  prev: [string, number],
  spec?: Record<string, unknown>,
): InferenceService {
  return model({
    latestCreatedRevision: NEW,
    latestReadyRevision: ready,
    latestRolledoutRevision: OLD,
    traffic: [
      { latestRevision: true, revisionName: latest[0], percent: latest[1] },
      { tag: "prev", latestRevision: false, revisionName: prev[0], percent: prev[1] },
    ],
  }, spec);
}

/** A 90/10 split KServe asked for, resolved by the Route. */
const SPLIT = [
  { latestRevision: true, revisionName: NEW, percent: 10 },
  { tag: "prev", latestRevision: false, revisionName: OLD, percent: 90 },
];

function facts(live: InferenceService, extra: Partial<RolloutFacts> = {}): RolloutFacts {
  return {
    verb: "start",
    name: "iris",
    namespace: "models",
    live,
    refusal: undefined,
    traffic: 10,
    changesModel: true,
    view: trafficView(live),
    ...extra,
  };
}

const STABLE = model({
  latestCreatedRevision: OLD,
  latestReadyRevision: OLD,
  latestRolledoutRevision: OLD,
  traffic: [{ latestRevision: true, revisionName: OLD, percent: 100 }],
}, {});

Deno.test("a 90/10 split shows both revisions, their shares and readiness, and no note", () => {
  const view = trafficView(
    model({
      latestCreatedRevision: NEW,
      latestReadyRevision: NEW,
      latestRolledoutRevision: OLD,
      traffic: SPLIT,
    }),
    { [NEW]: { status: "True" }, [OLD]: { status: "True" } },
  );
  assert.deepEqual(
    view.revisions.map((r) => [r.revision, r.percent, r.latest, r.ready, r.tags]),
    [[NEW, 10, true, "True", []], [OLD, 90, false, "True", ["prev"]]],
  );
  assert.equal(view.canaryTrafficPercent, 10);
  assert.deepEqual(view.notes, []);
});

Deno.test("a failed canary's share is shown where the Route really sends it, with the revision's reason", () => {
  // Field report: `kubectl get isvc` shows 90/10 while the canary's image cannot be fetched;
  // the Route resolves latestRevision to the latest ready revision, the old one.
  const live = routed(OLD, [OLD, 10], [OLD, 90]);
  const view = trafficView(live, {
    [NEW]: { status: "False", reason: "ContainerMissing", message: "Unable to fetch image" },
  });
  assert.deepEqual(
    view.revisions.map((r) => [r.revision, r.percent, r.ready]),
    [[NEW, 0, "False"], [OLD, 100, "True"]],
  );
  assert.match(
    view.notes[0]!,
    /iris-predictor-00002 failed: ContainerMissing \(Unable to fetch image\)/,
  );
  assert.match(view.notes[0]!, /all traffic goes to iris-predictor-00001 \(100%\)/);
  // promote refuses to send 100% to a revision that cannot take it.
  assert.throws(
    () => planRollout(facts(live, { verb: "promote", view })),
    (e: unknown) => e instanceof CliError && /rollout undo iris -n models/.test(e.hint ?? ""),
  );
});

Deno.test("a crashing canary Knative has not judged yet is shown with its pod's cause; a starting one is only not ready", () => {
  const pod = (revision: string, waiting: Record<string, unknown>, restarts: number) => ({
    metadata: {
      name: `${revision}-deployment-abc`,
      labels: { "serving.knative.dev/revision": revision },
    },
    status: {
      phase: "Running",
      conditions: [{ type: "PodScheduled", status: "True" }],
      containerStatuses: [{
        name: "kserve-container",
        ready: false,
        restartCount: restarts,
        image: "model:v2",
        imageID: "",
        state: { waiting },
        lastState: restarts ? { terminated: { exitCode: 1, reason: "Error" } } : {},
      }],
    },
  });
  const live = routed(OLD, [OLD, 10], [OLD, 90]);
  const crashing = withPodFailures(
    { [NEW]: { status: "Unknown" }, [OLD]: { status: "True" } },
    [
      pod(NEW, { reason: "CrashLoopBackOff", message: "back-off 10s restarting" }, 3),
      pod(OLD, {}, 0),
    ],
  );
  assert.match(crashing[NEW]!.pods!, /CrashLoopBackOff/);
  assert.equal(crashing[OLD]!.pods, undefined);
  const view = trafficView(live, crashing);
  assert.match(
    view.notes[0]!,
    /iris-predictor-00002 is failing, though Knative has not judged it yet: .*CrashLoopBackOff/,
  );
  const text = renderRollout(
    rolloutReport("iris", "models", {
      live,
      kserve: KSERVE,
      mode: MODE,
      refusal: undefined,
      view,
    }),
  );
  assert.match(
    text,
    /^ {4}0% {2}iris-predictor-00002 \[latest\] {2}Not ready \(.*CrashLoopBackOff.*\)$/m,
  );

  const starting = withPodFailures({ [NEW]: { status: "Unknown" } }, [
    pod(NEW, { reason: "ContainerCreating" }, 0),
  ]);
  assert.equal(starting[NEW]!.pods, undefined);
});

Deno.test("a canary on the model's first rollout is refused; its view says the split is ignored", () => {
  const first = model({
    latestCreatedRevision: OLD,
    latestReadyRevision: OLD,
    traffic: [{ latestRevision: true, revisionName: OLD, percent: 100 }],
  });
  assert.throws(
    () => planRollout(facts(first)),
    (e: unknown) => e instanceof UsageError && /first rollout/.test(e.message),
  );
  assert.match(trafficView(first).notes[0]!, /canaryTrafficPercent 10 is ignored/);
});

for (const [version, canarySpec] of [["v0.16.0", false], ["v0.20.0", true]] as const) {
  Deno.test(`Standard mode on KServe ${version} is refused with why, and what works`, () => {
    const live = { ...STABLE, status: { deploymentMode: "Standard" } };
    const mode = INFERENCE_SERVICE_ROLLOUT.mode(live, { ...KSERVE, version });
    assert.deepEqual(mode, { kind: "raw", value: "Standard" });
    const refusal = INFERENCE_SERVICE_ROLLOUT.refusal("iris", "models", mode, version);
    const standard = facts(live, { refusal });
    for (const verb of ["start", "promote", "undo"] as const) {
      assert.throws(() => planRollout({ ...standard, verb }), (e: unknown) => {
        assert.ok(e instanceof UsageError);
        assert.match(e.message, new RegExp(`KServe ${version} ignores canaryTrafficPercent`));
        assert.equal(/spec\.canary\[\].*v0\.21\.0/.test(e.message), canarySpec);
        assert.match(e.hint ?? "", /Knative mode.*--mode serverless/);
        return true;
      });
    }
  });
}

Deno.test("each kind says whether it splits: a Deployment is refused with kubectl's own rollout command, an LLMInferenceService as itself, Knative mode not at all", () => {
  const deployment = DEPLOYMENT.rollout.refusal("iris", "models", MODE, "v0.20.0");
  assert.throws(
    () => planRollout(facts(STABLE, { refusal: deployment })),
    (e: unknown) =>
      e instanceof UsageError && /kubectl rollout status deployment\/iris/.test(e.hint ?? ""),
  );
  const llm = LLM_INFERENCE_SERVICE.rollout.refusal("chat", "models", MODE, "v0.20.0");
  assert.match(llm?.message ?? "", /^"chat" is an LLMInferenceService: /);
  assert.match(llm?.info ?? "", /no revisions to split traffic between/);
  // A model that names no mode runs in the install's default (inferenceservice-config).
  const unnamed = { metadata: { name: "iris", namespace: "models" } };
  const install = {
    ...KSERVE,
    configMap: {
      metadata: { name: "inferenceservice-config" },
      data: { deploy: JSON.stringify({ defaultDeploymentMode: "Knative" }) },
    },
  };
  const knative = INFERENCE_SERVICE_ROLLOUT.mode(unnamed, install);
  assert.deepEqual(knative, { kind: "serverless", value: "Knative" });
  assert.equal(INFERENCE_SERVICE_ROLLOUT.refusal("iris", "models", knative, "v0.20.0"), undefined);
});

Deno.test("start sets the share; a re-run with the same traffic is unchanged; no model change is refused", () => {
  const start = planRollout(facts(STABLE));
  assert.deepEqual(start, {
    canaryTrafficPercent: 10,
    unchanged: false,
    summary: `10% to the new revision, 90% to ${OLD}`,
  });
  const running = model({
    latestCreatedRevision: NEW,
    latestReadyRevision: NEW,
    latestRolledoutRevision: OLD,
    traffic: SPLIT,
  });
  assert.equal(planRollout(facts(running, { changesModel: false })).unchanged, true);
  assert.equal(planRollout(facts(running, { changesModel: false, traffic: 50 })).unchanged, false);
  assert.throws(
    () => planRollout(facts(STABLE, { changesModel: false })),
    (e: unknown) => e instanceof UsageError && /Nothing to roll out/.test(e.message),
  );
});

Deno.test("promote removes the share; undo sets 0 and names the revision it returns to", () => {
  const running = model({
    latestCreatedRevision: NEW,
    latestReadyRevision: NEW,
    latestRolledoutRevision: OLD,
    traffic: SPLIT,
  });
  assert.deepEqual(planRollout(facts(running, { verb: "promote" })), {
    canaryTrafficPercent: undefined,
    unchanged: false,
    summary: `100% to ${NEW}`,
  });
  assert.equal(planRollout(facts(STABLE, { verb: "promote" })).unchanged, true);
  const undo = planRollout(facts(running, { verb: "undo" }));
  assert.equal(undo.canaryTrafficPercent, 0);
  assert.match(undo.summary, new RegExp(`^100% to ${OLD}`));
  // After a promote KServe returns to the revision before: ksvc_reconciler.go.
  assert.equal(
    rolledOutRevision({
      latestRolledoutRevision: NEW,
      latestReadyRevision: NEW,
      previousRolledoutRevision: OLD,
    }),
    OLD,
  );
  assert.throws(
    () => planRollout(facts(STABLE, { verb: "undo" })),
    (e: unknown) => e instanceof UsageError && /no previous rolled-out revision/.test(e.message),
  );
});

Deno.test("tag routing's URLs are shown per revision; a split the Route does not send yet says so, whatever observedGeneration says", () => {
  const view = trafficView(model({
    latestCreatedRevision: NEW,
    latestReadyRevision: NEW,
    latestRolledoutRevision: OLD,
    traffic: [
      {
        tag: "latest",
        latestRevision: true,
        revisionName: NEW,
        percent: 10,
        url: "http://latest-iris",
      },
      {
        tag: "prev",
        latestRevision: false,
        revisionName: OLD,
        percent: 90,
        url: "http://prev-iris",
      },
    ],
  }));
  assert.deepEqual(view.revisions.map((r) => r.urls), [["http://latest-iris"], [
    "http://prev-iris",
  ]]);
  // The spec asks for 50% while the Route still sends the latest revision 100%.
  const stale = { ...STABLE, spec: { predictor: { canaryTrafficPercent: 50 } } };
  assert.match(trafficView(stale).notes[0]!, /does not send the split the spec asks for yet/);
  // KServe copies the Knative Service's observedGeneration, which differs from the model's own
  // generation (an undo after a promote updates the Knative Service twice): no note.
  const undone = routed(NEW, [NEW, 0], [OLD, 100], { canaryTrafficPercent: 0 });
  undone.status!.observedGeneration = 7;
  assert.deepEqual(trafficView(undone, { [NEW]: { status: "True" } }).notes, []);
});

Deno.test("a Standard model whose spec carries canaryTrafficPercent is warned: 100% goes to the new model", () => {
  const live = model({}, { canaryTrafficPercent: 10 });
  const warning = standardCanaryWarning(live, { kind: "raw", value: "Standard" }, "v0.16.0");
  assert.match(
    warning?.message ?? "",
    /ignores it in Standard mode.*100% of the traffic goes to the new model/,
  );
  assert.match(warning?.fix ?? "", /kubectl patch inferenceservice iris -n models --type json/);
  assert.equal(
    standardCanaryWarning(live, { kind: "serverless", value: "Knative" }, "v0.16.0"),
    undefined,
  );
});

Deno.test("the applied object is the live one without status, with the share set or removed", () => {
  const live = model({ latestCreatedRevision: OLD });
  live.metadata!.annotations = { "kubectl.kubernetes.io/last-applied-configuration": "{}" };
  live.metadata!.resourceVersion = "7";
  const base = rolloutBase(live);
  assert.deepEqual(base.metadata, { name: "iris", namespace: "models" });
  assert.equal(base.status, undefined);
  assert.equal(withCanary(base, undefined).spec?.predictor?.canaryTrafficPercent, undefined);
  assert.equal(withCanary(base, 0).spec?.predictor?.canaryTrafficPercent, 0);
  assert.equal(changesPredictor(live, withCanary(base, 50)), false);
  const changed = structuredClone(base);
  changed.spec!.predictor!.model!.storageUri = "gs://new";
  assert.equal(changesPredictor(live, changed), true);
});

Deno.test("rollout status lays the traffic out by revision, exits 1 only where the split is not happening", () => {
  const live = model({
    latestCreatedRevision: NEW,
    latestReadyRevision: OLD,
    latestRolledoutRevision: OLD,
    traffic: [
      { latestRevision: true, revisionName: OLD, percent: 10 },
      {
        tag: "prev",
        latestRevision: false,
        revisionName: OLD,
        percent: 90,
        url: "http://prev-iris",
      },
    ],
  });
  const kserve = { installed: true, namespace: "kserve", apiServed: true, version: "v0.20.0" };
  const knative = { kind: "serverless" as const, value: "Knative" };
  const view = trafficView(live, { [NEW]: { status: "False", reason: "ContainerMissing" } });
  const report = rolloutReport("iris", "models", {
    refusal: undefined,
    live,
    mode: knative,
    kserve,
    view,
  });
  const text = renderRollout(report);
  assert.match(text, /Canary: {5}10% asked for the latest revision/);
  assert.match(text, / {3}0% {2}iris-predictor-00002 \[latest\] {2}Failed \(ContainerMissing\)/);
  assert.match(text, /100% {2}iris-predictor-00001 \[prev\] {2}Ready\n {8}http:\/\/prev-iris/);
  assert.match(text, /! The latest revision iris-predictor-00002 failed/);
  assert.equal(report.notes.length, 1);
  // A Standard model that asks for no canary: said, and nothing to fix.
  const raw = { kind: "raw" as const, value: "Standard" };
  const standard = rolloutReport("iris", "models", {
    refusal: INFERENCE_SERVICE_ROLLOUT.refusal("iris", "models", raw, "v0.20.0"),
    live: model({}, {}),
    mode: raw,
    kserve,
    view: { revisions: [], notes: [] },
  });
  assert.deepEqual(standard.notes, []);
  assert.match(standard.info ?? "", /Standard mode: one predictor serves all the traffic/);
});

Deno.test("the split is reached once the Route sends the share to the new revision, KServe's latest ready one", () => {
  // The canary's share still resolved to the old revision: the new one is not ready.
  assert.equal(
    splitReached(routed(OLD, [OLD, 10], [OLD, 90]), NEW, 10),
    `revision ${NEW} is not ready yet`,
  );
  // Ready, and the Route not yet moved: no split reported.
  assert.equal(
    splitReached(routed(NEW, [OLD, 10], [OLD, 90]), NEW, 10),
    `the Route sends 0% to ${NEW}, not 10% yet`,
  );
  assert.equal(splitReached(routed(NEW, [NEW, 10], [OLD, 90]), NEW, 10), true);
  // Another share than the one asked for is not the split either.
  assert.equal(
    splitReached(routed(NEW, [NEW, 20], [OLD, 80]), NEW, 10),
    `the Route sends 20% to ${NEW}, not 10% yet`,
  );
});

Deno.test("revisions' readiness is their Ready condition, Unknown before they have one", () => {
  assert.deepEqual(
    readinessOf([
      { metadata: { name: OLD }, status: { conditions: [{ type: "Ready", status: "True" }] } },
      {
        metadata: { name: NEW },
        status: {
          conditions: [
            { type: "Active", status: "True" },
            {
              type: "Ready",
              status: "False",
              reason: "ImagePullBackOff",
              message: "no such image",
            },
          ],
        },
      },
      { metadata: { name: "iris-predictor-00003" } },
    ]),
    {
      [OLD]: { status: "True" },
      [NEW]: { status: "False", reason: "ImagePullBackOff", message: "no such image" },
      "iris-predictor-00003": { status: "Unknown" },
    },
  );
});
