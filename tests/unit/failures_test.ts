/**
 * One classifier: the same pod, event and condition states fed to it give the same words and the
 * same verdict (lasting or transient) that deploy --wait, status and check print.
 */
import assert from "node:assert/strict";
import type { V1Pod } from "@kubernetes/client-node";
import { classifyPod, crashLine, lastingEvent } from "../../lib/kserve/failures.ts";
import { diagnoseInferenceService, refusedGeneration } from "../../lib/kserve/model_diagnosis.ts";
import { unrenderedSpec } from "../../lib/kserve/rendered.ts";
import type { Deployment } from "../../lib/kube/objects.ts";
import { explainPods } from "../../lib/kserve/diagnose.ts";
import type { Event } from "../../lib/kserve/events.ts";
import type { KnativeCondition } from "../../lib/kserve/inference_service.ts";

/** A pod of model iris with one container in `state` (and `extra` status fields). */
function pod(state: Record<string, unknown>, extra: Record<string, unknown> = {}): V1Pod {
  return {
    metadata: { name: "iris-predictor-1", uid: "p1", namespace: "models" },
    spec: { nodeName: "node-1", containers: [{ name: "kserve-container" }] },
    status: {
      phase: "Pending",
      conditions: [{ type: "PodScheduled", status: "True" }],
      containerStatuses: [{
        name: "kserve-container",
        image: "kserve/sklearnserver:v0.20.0",
        imageID: "",
        ready: false,
        restartCount: 3,
        ...state,
      }],
      ...extra,
    },
  } as V1Pod;
}

const CASES: [name: string, input: V1Pod, cause: RegExp, lasting: boolean][] = [
  [
    "an image that cannot be pulled",
    pod({ state: { waiting: { reason: "ImagePullBackOff", message: "Back-off pulling" } } }),
    /^pod iris-predictor-1: image kserve\/sklearnserver:v0\.20\.0 cannot be pulled \(ImagePullBackOff: Back-off pulling\)$/,
    true,
  ],
  [
    "a crash loop",
    pod({ state: { waiting: { reason: "CrashLoopBackOff" } } }),
    /^pod iris-predictor-1: container kserve-container is in CrashLoopBackOff \(restarted 3 times\)$/,
    true,
  ],
  [
    "a crash loop between two back-offs (running for a moment, its last run failed)",
    pod({ state: { running: {} }, lastState: { terminated: { reason: "Error", exitCode: 1 } } }, {
      phase: "Running",
    }),
    /^pod iris-predictor-1: container kserve-container is in CrashLoopBackOff \(restarted 3 times\)$/,
    true,
  ],
  [
    "an OOM kill is named before the crash loop it causes",
    pod({
      state: { waiting: { reason: "CrashLoopBackOff" } },
      lastState: { terminated: { reason: "OOMKilled", exitCode: 137 } },
    }),
    /^pod iris-predictor-1: container kserve-container was OOMKilled \(memory limit too low\)$/,
    true,
  ],
  [
    "a container that cannot be created (a reason no rule names is lasting)",
    pod({ state: { waiting: { reason: "CreateContainerConfigError", message: "secret x" } } }),
    /^pod iris-predictor-1: container kserve-container is waiting \(CreateContainerConfigError: secret x\)$/,
    true,
  ],
  [
    "an unschedulable pod",
    pod({}, {
      conditions: [{
        type: "PodScheduled",
        status: "False",
        reason: "Unschedulable",
        message: "0/1 nodes: Insufficient nvidia.com/gpu",
      }],
      containerStatuses: [],
    }),
    /^pod iris-predictor-1 cannot be scheduled \(FailedScheduling\): 0\/1 nodes: Insufficient/,
    true,
  ],
  [
    "a container being created (transient: says what it waits for)",
    pod({ state: { waiting: { reason: "ContainerCreating" } } }),
    /^pod iris-predictor-1 is starting \(container kserve-container: ContainerCreating\)$/,
    false,
  ],
  [
    "a container that runs and is not ready yet (transient)",
    pod({ state: { running: {} } }, { phase: "Running" }),
    /^pod iris-predictor-1 is starting \(container kserve-container runs and is not ready yet\)$/,
    false,
  ],
];

for (const [name, input, cause, lasting] of CASES) {
  Deno.test(`classifyPod(): ${name}`, () => {
    const finding = classifyPod(input);
    assert.ok(finding);
    assert.match(finding.cause, cause);
    assert.equal(finding.lasting, lasting);
    // status and check say it through explainPods (lasting only) and the model diagnosis.
    assert.equal(explainPods([input], []), lasting ? finding.cause : undefined);
    assert.deepEqual(diagnoseInferenceService(MODEL(), [], [input]), finding);
  });
}

Deno.test("classifyPod(): a ready pod and a pod being deleted have nothing to say", () => {
  const ready = pod({ state: { running: {} }, ready: true }, { phase: "Running" });
  assert.equal(classifyPod(ready), undefined);
  const leaving = pod({ state: { waiting: { reason: "CrashLoopBackOff" } } });
  leaving.metadata!.deletionTimestamp = new Date();
  assert.equal(classifyPod(leaving), undefined);
});

Deno.test("crashLine(): a known cause, else the last error line, else the last line", () => {
  assert.equal(crashLine("a\nfailed to create manager: x\n"), "failed to create manager: x");
  assert.equal(crashLine("start\nERROR bad model\nexit\n"), "ERROR bad model");
  assert.equal(crashLine("start\nno model name given\n"), "no model name given");
  assert.equal(crashLine(""), undefined);
});

/** Model iris at generation 2 with these conditions (observed 2 unless given). */
function MODEL(
  conditions: KnativeCondition[] = [{ type: "PredictorReady", status: "Unknown" }],
  observedGeneration = 2,
) {
  return {
    metadata: {
      name: "iris",
      namespace: "models",
      uid: "m1",
      generation: 2,
      managedFields: [{ manager: "kubectl", operation: "Apply", time: "2026-12-07T10:00:00Z" }],
    },
    spec: { predictor: { model: { storageUri: "gs://b/m", modelFormat: { name: "sklearn" } } } },
    status: { observedGeneration, conditions: [...conditions, { type: "Ready", status: "False" }] },
  };
}

/** A Warning event about `uid` of `kind`. */
function warning(kind: string, uid: string, reason: string, message: string): Event {
  return {
    type: "Warning",
    reason,
    message,
    involvedObject: { kind, uid },
    lastTimestamp: "2026-12-07T10:00:05Z",
  };
}

Deno.test("diagnoseInferenceService(): the field inputs that were 'still settling' are lasting", () => {
  // A quota refusal: the ReplicaSet's FailedCreate, found through the model's owner chain.
  const replicaSet = { metadata: { uid: "rs1", ownerReferences: [{ uid: "d1" }] } };
  const deployment = { metadata: { uid: "d1", ownerReferences: [{ uid: "m1" }] } };
  const quota = diagnoseInferenceService(
    MODEL([{ type: "PredictorReady", status: "False", reason: "MinimumReplicasUnavailable" }]),
    [warning("ReplicaSet", "rs1", "FailedCreate", 'pods "x" is forbidden: exceeded quota: q')],
    [],
    {},
    [deployment, replicaSet],
  );
  assert.deepEqual(quota, {
    cause: 'FailedCreate: pods "x" is forbidden: exceeded quota: q',
    lasting: true,
  });
  // A Knative revision that failed.
  const revision = diagnoseInferenceService(
    MODEL([{
      type: "PredictorConfigurationReady",
      status: "False",
      reason: "RevisionFailed",
      message: 'Revision "iris-predictor-00001" failed',
    }]),
    [],
  );
  assert.equal(revision.lasting, true);
  assert.match(revision.cause, /^PredictorConfigurationReady is False \(RevisionFailed: /);
  // A Knative feature flag that is off: Knative's webhook refuses the revision's nodeSelector.
  const feature = diagnoseInferenceService(
    MODEL([{
      type: "PredictorReady",
      status: "False",
      reason: "ReconcileFailed",
      message: "admission webhook denied the request: must not set the field(s): nodeSelector",
    }]),
    [],
  );
  assert.equal(feature.lasting, true);
  assert.match(feature.cause, /must not set the field\(s\): nodeSelector/);
  // Sibling: a model KServe has not reconciled yet, and one whose pods are being created,
  // are on their way and say what they wait for.
  assert.deepEqual(diagnoseInferenceService(MODEL([], 1), []), {
    cause: "waiting for the KServe controller to reconcile generation 2 (it has observed 1)",
    lasting: false,
  });
  assert.deepEqual(
    diagnoseInferenceService(
      MODEL([{ type: "PredictorReady", status: "False", reason: "MinimumReplicasUnavailable" }]),
      [],
    ),
    {
      cause:
        "waiting for its pods to be created (PredictorReady is False (MinimumReplicasUnavailable))",
      lasting: false,
    },
  );
});

Deno.test("refusedGeneration(): a refused latest generation is named with the spec its pods serve", () => {
  const refusal = warning(
    "InferenceService",
    "m1",
    "InternalError",
    'fails to reconcile predictor: Deployment.apps "iris-predictor" is invalid: x',
  );
  const model = MODEL([], 1);
  assert.equal(
    refusedGeneration(model, [refusal]),
    'the controller refuses generation 2 (InternalError: fails to reconcile predictor: Deployment.apps "iris-predictor" is invalid: x): its pods serve an earlier spec',
  );
  assert.equal(diagnoseInferenceService(model, [refusal]).lasting, true);
  // Sibling: a refusal from before the spec was last written was about an earlier spec.
  const old = { ...refusal, lastTimestamp: "2026-12-07T09:59:00Z" };
  assert.equal(refusedGeneration(model, [old]), undefined);
  assert.equal(diagnoseInferenceService(model, [old]).lasting, false);
  // Sibling: an update conflict is no refusal.
  const conflict = { ...refusal, message: "the object has been modified; please apply again" };
  assert.equal(refusedGeneration(model, [conflict]), undefined);
});

Deno.test("refusedGeneration(): a healthy re-deployed model is never refused, whatever observedGeneration says; a refused one is, whatever it says", () => {
  // KServe copies observedGeneration from the predictor Deployment (inference_service_status.go
  // PropagateRawStatus): it may be lower than the model's own generation on a healthy model.
  const model = { ...MODEL([{ type: "PredictorReady", status: "True" }], 1) };
  // A refusal event from the previous spec's last failing reconcile, in the same second.
  const straggler = {
    ...warning("InferenceService", "m1", "InternalError", 'Deployment.apps "x" is invalid: y'),
    lastTimestamp: "2026-12-07T10:00:00Z",
  };
  const deployment = (storageUri: string, time: string) =>
    ({
      metadata: {
        name: "iris-predictor",
        ownerReferences: [{ uid: "m1" }],
        managedFields: [{ manager: "manager", operation: "Update", time }],
      },
      spec: {
        template: {
          metadata: {
            annotations: { "internal.serving.kserve.io/storage-initializer-sourceuri": storageUri },
          },
          spec: { containers: [{ name: "kserve-container", image: "kserve/sklearnserver" }] },
        },
      },
    }) as unknown as Deployment;
  const rendered = deployment("gs://b/m", "2026-12-07T10:00:01Z");
  assert.equal(refusedGeneration(model, [straggler], [rendered]), undefined);
  assert.notEqual(
    diagnoseInferenceService(model, [straggler], [], {}, [rendered]).cause,
    undefined,
  );
  assert.doesNotMatch(
    diagnoseInferenceService(model, [], [], {}, [rendered]).cause,
    /waiting for the KServe controller to reconcile/,
  );
  // Siblings: a Deployment that still shows the old spec, or was written before the spec: refused.
  assert.match(
    refusedGeneration(model, [straggler], [deployment("gs://b/old", "2026-12-07T10:00:01Z")])!,
    /^the controller refuses generation 2 \(InternalError: /,
  );
  assert.match(
    refusedGeneration(model, [straggler], [deployment("gs://b/m", "2026-12-07T09:59:00Z")])!,
    /refuses generation 2/,
  );
  // An observedGeneration equal to the generation (the Deployment's changed as often) hides
  // no refusal of the current spec.
  const even = MODEL([{ type: "PredictorReady", status: "True" }], 2);
  assert.match(
    refusedGeneration(even, [warning("InferenceService", "m1", "InternalError", "x is invalid")])!,
    /refuses generation 2/,
  );
});

Deno.test("unrenderedSpec(): names the first field of the spec the Deployment does not show; a rendering one passes", () => {
  const isvc = {
    metadata: { name: "iris", uid: "m1" },
    spec: {
      predictor: {
        nodeSelector: { pool: "gpu" },
        model: {
          modelFormat: { name: "sklearn" },
          storageUri: "gs://b/m",
          env: [{ name: "A", value: "1" }],
          resources: { requests: { cpu: "500m" }, limits: { memory: "1Gi" } },
        },
      },
    },
  };
  const template = (
    env: string,
    cpu: string,
    pool = "gpu",
  ) =>
    ({
      metadata: { name: "iris-predictor" },
      spec: {
        template: {
          metadata: {
            annotations: { "internal.serving.kserve.io/storage-initializer-sourceuri": "gs://b/m" },
          },
          spec: {
            nodeSelector: { pool },
            containers: [{
              name: "kserve-container",
              env: [{ name: "A", value: env }],
              resources: { requests: { cpu }, limits: { memory: "1073741824" } },
            }],
          },
        },
      },
    }) as unknown as Deployment;
  assert.equal(unrenderedSpec(isvc, template("1", "0.5")), undefined);
  const withArgs = {
    ...isvc,
    spec: {
      predictor: {
        ...isvc.spec.predictor,
        model: { ...isvc.spec.predictor.model, args: ["--x=1"] },
      },
    },
  };
  const rendered = template("1", "500m");
  assert.equal(
    unrenderedSpec(withArgs, rendered),
    "args --x=1 (the Deployment has none)",
  );
  rendered.spec!.template.spec!.containers[0]!.args = ["--model_name=iris", "--x=1"];
  assert.equal(unrenderedSpec(withArgs, rendered), undefined);
  assert.equal(unrenderedSpec(isvc, template("2", "500m")), "env A=1 (the Deployment has 2)");
  assert.equal(unrenderedSpec(isvc, template("1", "1")), "cpu request 500m (the Deployment has 1)");
  assert.equal(
    unrenderedSpec(isvc, template("1", "500m", "cpu")),
    "nodeSelector pool=gpu (the Deployment has cpu)",
  );
  const moved = {
    ...isvc,
    spec: {
      predictor: {
        ...isvc.spec.predictor,
        model: { ...isvc.spec.predictor.model, storageUri: "gs://b/new" },
      },
    },
  };
  assert.equal(
    unrenderedSpec(moved, template("1", "500m")),
    "storage URI gs://b/new (the Deployment has gs://b/m)",
  );
});

Deno.test("lastingEvent(): one rule for the events deploy --wait fails on and check calls lasting", () => {
  const at = (reason: string, message: string) =>
    warning("InferenceService", "m1", reason, message);
  assert.equal(
    lastingEvent(at("ServerlessModeRejected", "no Knative")),
    "ServerlessModeRejected: no Knative",
  );
  assert.equal(
    lastingEvent(at("FailedCreate", "exceeded quota: q")),
    "FailedCreate: exceeded quota: q",
  );
  assert.equal(lastingEvent(at("FailedCreate", "some transient error")), undefined);
  assert.equal(
    lastingEvent(at("InternalError", "x is invalid"), "2026-12-07T10:00:00Z") !== undefined,
    true,
  );
  assert.equal(
    lastingEvent(at("InternalError", "x is invalid"), "2026-12-07T11:00:00Z"),
    undefined,
  );
  assert.equal(lastingEvent({ ...at("ServerlessModeRejected", "x"), type: "Normal" }), undefined);
});

/** A pod whose storage initializer crash-loops, as KServe's pod mutator names it. */
function downloadFailing(): V1Pod {
  return {
    metadata: { name: "llama-predictor-1", uid: "p9", namespace: "models" },
    spec: { nodeName: "node-1", containers: [{ name: "kserve-container" }] },
    status: {
      phase: "Pending",
      conditions: [{ type: "PodScheduled", status: "True" }],
      initContainerStatuses: [{
        name: "storage-initializer",
        image: "kserve/storage-initializer:v0.20.0",
        imageID: "",
        ready: false,
        restartCount: 3,
        state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s" } },
        lastState: { terminated: { exitCode: 1, reason: "Error" } },
      }],
      containerStatuses: [{
        name: "kserve-container",
        image: "kserve/huggingfaceserver:v0.20.0",
        imageID: "",
        ready: false,
        restartCount: 0,
        state: { waiting: { reason: "PodInitializing" } },
      }],
    },
  };
}

/** huggingface_hub's own words (its HfHubHTTPError subclasses), as the storage initializer logs them. */
const HF_LOGS = {
  noToken: [
    "INFO:kserve.storage:Copying contents of hf://meta-llama/Llama-3.2-1B-Instruct to local",
    "huggingface_hub.errors.GatedRepoError: 401 Client Error. (Request ID: Root=1-abc)",
    "",
    "Cannot access gated repo for url https://huggingface.co/meta-llama/Llama-3.2-1B-Instruct/resolve/main/config.json.",
    "Access to model meta-llama/Llama-3.2-1B-Instruct is restricted. You must have access to it and be authenticated to access it. Please log in.",
  ].join("\n"),
  noAccess: [
    "huggingface_hub.errors.GatedRepoError: 403 Client Error. (Request ID: Root=1-def)",
    "",
    "Cannot access gated repo for url https://huggingface.co/api/models/meta-llama/Llama-3.2-1B-Instruct/revision/main.",
    "Access to model meta-llama/Llama-3.2-1B-Instruct is restricted and you are not in the authorized list.",
  ].join("\n"),
};

Deno.test("classifyPod(): a storage initializer whose Hugging Face download gets 401 says the token is missing, and how to pass one", () => {
  const finding = classifyPod(downloadFailing(), [], HF_LOGS.noToken);
  assert.equal(finding?.lasting, true);
  assert.match(
    finding!.cause,
    /^pod llama-predictor-1: container storage-initializer is in CrashLoopBackOff: the download of meta-llama\/Llama-3\.2-1B-Instruct from Hugging Face was refused \(HTTP 401\): the token is missing or invalid\. Fix: kubectl kserve creds hf --token-from-env HF_TOKEN -n models, then deploy again with --hf-token-secret hf-token$/,
  );
});

Deno.test("classifyPod(): a 403 from Hugging Face says the token lacks access to that repository", () => {
  const finding = classifyPod(downloadFailing(), [], HF_LOGS.noAccess);
  assert.equal(finding?.lasting, true);
  assert.match(
    finding!.cause,
    /refused \(HTTP 403\): the token lacks access to that repository \(a gated model: request access on https:\/\/huggingface\.co\/meta-llama\/Llama-3\.2-1B-Instruct with the token's account\)/,
  );
  // Without the log, the crash loop is reported as one, not guessed to be a token problem.
  assert.doesNotMatch(classifyPod(downloadFailing())!.cause, /Hugging Face|token/);
  // Another crash's log is not a token problem.
  assert.doesNotMatch(
    classifyPod(downloadFailing(), [], "OSError: [Errno 28] No space left on device")!.cause,
    /Hugging Face|token/,
  );
});

Deno.test("status and check word a refused Hugging Face download the same: the logs reach the model's diagnosis", () => {
  const isvc = {
    metadata: { name: "llama", namespace: "models", uid: "i1", generation: 1 },
    status: {
      observedGeneration: 1,
      conditions: [{ type: "Ready", status: "False" as const, reason: "PredictorNotReady" }],
    },
  };
  const logs = { "llama-predictor-1": HF_LOGS.noToken };
  const diagnosis = diagnoseInferenceService(isvc, [], [downloadFailing()], {}, [], logs);
  assert.equal(diagnosis.lasting, true);
  assert.match(diagnosis.cause, /refused \(HTTP 401\): the token is missing or invalid/);
  assert.match(explainPods([downloadFailing()], [], logs) ?? "", /HTTP 401/);
});
