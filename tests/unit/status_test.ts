import assert from "node:assert/strict";
import { hpaSummary } from "../../lib/models/hpa.ts";
import { renderStatus } from "../../lib/commands/status_view.ts";
import { legacyModeFix } from "../../lib/kserve/versions.ts";
import { explainNotReady } from "../../lib/kserve/diagnose.ts";

Deno.test("hpaSummary(): an HPA with no metrics yet says so instead of printing undefined", () => {
  // What autoscaling/v2 reports before metrics-server has answered once.
  const fresh = hpaSummary({
    spec: {
      minReplicas: 1,
      maxReplicas: 3,
      metrics: [{
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
      }],
    },
    status: { currentReplicas: 1, currentMetrics: [{ type: "" }] },
  })!;
  assert.equal(fresh.metrics, "no metrics yet, cpu target 80%");
  assert.doesNotMatch(JSON.stringify(fresh), /undefined|\?%/);
});

Deno.test("hpaSummary(): an HPA that cannot get metrics says why, from its ScalingActive condition", () => {
  // What kube-controller-manager writes when metrics.k8s.io is not served (no metrics-server).
  const message =
    "the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)";
  const blind = hpaSummary({
    spec: {
      maxReplicas: 3,
      metrics: [{
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
      }],
    },
    status: {
      currentReplicas: 1,
      currentMetrics: [{ type: "" }],
      conditions: [
        { type: "AbleToScale", status: "True", reason: "SucceededGetScale" },
        { type: "ScalingActive", status: "False", reason: "FailedGetResourceMetric", message },
      ],
    },
  })!;
  assert.match(blind.metrics, /^no metrics: FailedGetResourceMetric: the HPA was unable/);
  assert.match(blind.metrics, /is metrics-server installed\? it never scales without it/);
  assert.match(blind.metrics, /, cpu target 80%$/);
});

Deno.test("hpaSummary(): utilization, average values and pod metrics are each shown with their unit", () => {
  const busy = hpaSummary({
    spec: {
      maxReplicas: 4,
      metrics: [
        {
          type: "Resource",
          resource: { name: "memory", target: { type: "AverageValue", averageValue: "1Gi" } },
        },
        {
          type: "Pods",
          pods: {
            metric: { name: "requests_per_second" },
            target: { type: "AverageValue", averageValue: "10" },
          },
        },
      ],
    },
    status: {
      currentReplicas: 2,
      currentMetrics: [
        { type: "Resource", resource: { name: "memory", current: { averageValue: "700Mi" } } },
        {
          type: "Pods",
          pods: { metric: { name: "requests_per_second" }, current: { averageValue: "12" } },
        },
      ],
    },
  })!;
  assert.equal(
    busy.metrics,
    "memory 700Mi, requests_per_second 12, memory target 1Gi, requests_per_second target 10",
  );
  assert.deepEqual([busy.min, busy.max, busy.current], [1, 4, 2]);
});

Deno.test("renderStatus() names the finalizer a delete waits for and the legacy mode value with its fix", () => {
  const text = renderStatus({
    name: "iris",
    namespace: "models",
    backend: "kserve",
    mode: "Standard",
    ready: false,
    address: "http://iris-predictor.models.svc.cluster.local",
    conditions: [],
    pods: [],
    events: [],
    deleting: { since: "2026-11-30T10:00:00Z", finalizers: ["inferenceservice.finalizers"] },
    warnings: ["serving.kserve.io/deploymentMode=RawDeployment is a legacy value"],
  });
  assert.match(
    text,
    /Deleting: +since 2026-11-30T10:00:00Z, blocked by finalizer inferenceservice\.finalizers/,
  );
  assert.match(text, /Warning: +serving\.kserve\.io\/deploymentMode=RawDeployment/);
});

Deno.test("legacyModeFix(): only v0.16.0's legacy values, fixed to what status.deploymentMode says", () => {
  assert.equal(legacyModeFix("RawDeployment", "Standard", "v0.16.0"), "Standard");
  assert.equal(legacyModeFix("Serverless", undefined, "v0.16.0"), "Knative");
  assert.equal(legacyModeFix("Standard", "Standard", "v0.16.0"), undefined);
  assert.equal(
    legacyModeFix("RawDeployment", "Standard", "v0.20.0"),
    undefined,
    "fixed in v0.17.0",
  );
});

Deno.test("explainNotReady(): a failed Knative revision is the cause, not IngressReady; Stopped=False is healthy", () => {
  const isvc = (
    conditions: { type: string; status: string; reason?: string; message?: string }[],
  ) => ({
    metadata: { name: "iris", namespace: "models", uid: "u1" },
    status: { conditions },
  });
  // Field report: reported as "IngressReady is False (Predictor ingress not created)".
  const revision = explainNotReady(
    isvc([
      {
        type: "IngressReady",
        status: "False",
        reason: "PredictorIngressNotCreated",
        message: "Predictor ingress not created",
      },
      {
        type: "PredictorConfigurationReady",
        status: "False",
        reason: "RevisionFailed",
        message:
          'Revision "iris-predictor-00001" failed with message: Container failed with: OOMKilled.',
      },
      { type: "Ready", status: "False" },
    ]),
    [],
  );
  assert.match(
    revision,
    /PredictorConfigurationReady is False \(RevisionFailed: Revision "iris-predictor-00001" failed/,
  );
  // Sibling: Stopped=False with another failure names the failure, never "Stopped".
  const stoppedFalse = explainNotReady(
    isvc([
      { type: "Stopped", status: "False" },
      { type: "PredictorReady", status: "False", reason: "ProgressDeadlineExceeded" },
      { type: "Ready", status: "False" },
    ]),
    [],
  );
  assert.match(stoppedFalse, /PredictorReady is False \(ProgressDeadlineExceeded\)/);
  assert.doesNotMatch(stoppedFalse, /Stopped/);
});

Deno.test("podStatus() prints a pod's STATUS as kubectl does, not its phase", async () => {
  const { podStatus } = await import("../../lib/kserve/diagnose.ts");
  /** A container status (core/v1) in `state`, the fields podStatus does not read filled in. */
  const container = (name: string, state: Record<string, unknown>) => ({
    name,
    image: "x",
    imageID: "",
    ready: false,
    restartCount: 0,
    state,
  });
  const running = { status: { phase: "Running", containerStatuses: [] } };
  assert.equal(podStatus(running), "Running");
  const crashing = {
    status: {
      phase: "Running",
      containerStatuses: [
        container("kserve-container", { waiting: { reason: "CrashLoopBackOff" } }),
      ],
    },
  };
  assert.equal(podStatus(crashing), "CrashLoopBackOff");
  const exited = {
    status: {
      phase: "Running",
      containerStatuses: [container("c", { terminated: { exitCode: 1, reason: "Error" } })],
    },
  };
  assert.equal(podStatus(exited), "Error");
  const initPull = {
    status: {
      phase: "Pending",
      initContainerStatuses: [
        container("storage-initializer", { waiting: { reason: "ImagePullBackOff" } }),
      ],
    },
  };
  assert.equal(podStatus(initPull), "Init:ImagePullBackOff");
  const deleted = {
    metadata: { deletionTimestamp: new Date() },
    status: { phase: "Running" },
  };
  assert.equal(podStatus(deleted), "Terminating");
});

Deno.test("renderStatus() shows an incomplete rollout and the pods' STATUS", () => {
  const text = renderStatus({
    name: "toy",
    namespace: "team",
    backend: "deployment",
    ready: true,
    address: "http://toy.team.svc.cluster.local",
    conditions: [],
    pods: [
      { name: "toy-old", phase: "Running", status: "Running", ready: "1/1", restarts: 0 },
      { name: "toy-new", phase: "Running", status: "CrashLoopBackOff", ready: "0/1", restarts: 4 },
    ],
    rollout: { complete: false, detail: "Deployment toy: 1 old replica(s) pending termination" },
    events: [],
  });
  assert.match(
    text,
    /Rollout: {4}in progress \(Deployment toy: 1 old replica\(s\) pending termination\)/,
  );
  assert.match(text, /toy-new {2}CrashLoopBackOff {2}ready 0\/1/);
  assert.doesNotMatch(text, /toy-new {2}Running/);
});

Deno.test("lastingFailure(): a spec the API server refused lasts (v0.20's condition, v0.16's event); a conflict or a stale status does not", async () => {
  const { lastingFailure } = await import("../../lib/kserve/diagnose.ts");
  const invalid =
    'fails to reconcile predictor: Deployment.apps "badsel-predictor" is invalid: spec.template.spec.nodeSelector: Invalid value: "Bad Key"';
  const isvc = (status: object, generation = 1) => ({
    metadata: { name: "badsel", namespace: "models", uid: "u1", generation },
    status,
  });
  const event = (message: string, at: string) => ({
    type: "Warning",
    reason: "InternalError",
    message,
    lastTimestamp: at,
    involvedObject: { uid: "u1", kind: "InferenceService", name: "badsel" },
  });
  // v0.20: a False condition, reason ReconcileFailed.
  const v20 = isvc({
    observedGeneration: 1,
    conditions: [{ type: "Ready", status: "False", reason: "ReconcileFailed", message: invalid }],
  });
  assert.match(
    lastingFailure(v20, [])!,
    /^models\/badsel: Ready is False \(ReconcileFailed: .*Invalid value/,
  );
  // v0.16: no condition at all, a Warning event InternalError (the field report's input).
  const v16 = isvc({ deploymentMode: "Standard" });
  assert.match(
    lastingFailure(v16, [event(invalid, "2026-12-04T10:00:00Z")])!,
    /InternalError: fails to reconcile/,
  );
  // Siblings that may still settle: an update conflict, a status of an earlier generation, an
  // event older than the latest condition (the spec was fixed since).
  assert.equal(
    lastingFailure(v16, [
      event("Operation cannot be fulfilled: the object has been modified", "2026-12-04T10:00:00Z"),
    ]),
    undefined,
  );
  assert.equal(
    lastingFailure({ ...v20, metadata: { ...v20.metadata, generation: 2 } }, []),
    undefined,
  );
  const fixed = isvc({
    conditions: [{
      type: "Ready",
      status: "False",
      reason: "MinimumReplicasUnavailable",
      lastTransitionTime: "2026-12-04T10:05:00Z",
    }],
  });
  assert.equal(lastingFailure(fixed, [event(invalid, "2026-12-04T10:00:00Z")]), undefined);
});

Deno.test("renderStatus() shows a Knative model's traffic by revision, a failed canary at 0% with its reason", () => {
  const text = renderStatus({
    name: "iris",
    namespace: "models",
    backend: "kserve",
    mode: "Knative",
    ready: true,
    address: "http://iris.models.svc.cluster.local",
    conditions: [],
    pods: [],
    events: [],
    traffic: [
      {
        revision: "iris-predictor-00002",
        percent: 0,
        tags: ["latest"],
        urls: [],
        latest: true,
        ready: "False",
        reason: "ContainerMissing",
      },
      {
        revision: "iris-predictor-00001",
        percent: 100,
        tags: ["prev"],
        urls: ["http://prev-iris-predictor.models.example.com"],
        latest: false,
        ready: "True",
      },
    ],
  });
  assert.match(
    text,
    /^Traffic \(as the Route sends it\):\n {4}0% {2}iris-predictor-00002 \[latest\] {2}Failed \(ContainerMissing\)\n {2}100% {2}iris-predictor-00001 \[prev\] {2}Ready\n {8}http:\/\/prev-iris/m,
  );
});

Deno.test("renderStatus() widens the condition and event columns to their longest name", () => {
  const text = renderStatus({
    name: "iris",
    namespace: "models",
    backend: "kserve",
    mode: "Knative",
    ready: false,
    address: "http://iris.models.svc.cluster.local",
    conditions: [
      { type: "Ready", status: "False", reason: "RevisionMissing" },
      { type: "LatestDeploymentReady", status: "False", reason: "RevisionMissing", depth: 1 },
    ],
    pods: [],
    events: [{
      type: "Warning",
      reason: "InternalErrorOnRevisionCreate",
      object: "Configuration iris-predictor",
      message: "failed",
    }],
  });
  assert.match(text, /^ {2}Ready {19}False {2}RevisionMissing$/m);
  assert.match(text, /^ {4}LatestDeploymentReady False {2}RevisionMissing$/m);
  assert.match(
    text,
    /^ {2}Warning {2}InternalErrorOnRevisionCreate Configuration iris-predictor: failed$/m,
  );
});
