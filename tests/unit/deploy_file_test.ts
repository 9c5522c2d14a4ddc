// deno-lint-ignore-file no-explicit-any
/**
 * deploy -f with InferenceServices as KServe's docs write them: the predictor shorthand
 * (predictor.sklearn: the format is the key), custom containers, a transformer in front of a
 * predictor. What deploy would send (checkFlags, then buildInferenceService) and what it refuses.
 */
import assert from "node:assert/strict";
import { buildInferenceService, type DeployRequest } from "../../lib/deploy/spec.ts";
import { fileIdentity, type InferenceServiceFile } from "../../lib/deploy/file.ts";
import { checkFlags } from "../../lib/models/plan.ts";
import { modelProblems } from "../../lib/kserve/model_rules.ts";
import { predictorModel } from "../../lib/kserve/inference_service.ts";
import { UsageError } from "../../lib/errors.ts";
import { kindOf } from "../../lib/models/kinds.ts";
import type { PlanContext } from "../../lib/models/kind.ts";

const global = { verbose: false, color: false };

/** The flags' request when none but the given are passed (NAME taken from the file). */
function flags(
  overrides: Partial<DeployRequest> = {},
): Omit<DeployRequest, "namespace" | "backend"> {
  return { name: "", args: [], env: {}, annotations: {}, labels: {}, ...overrides };
}

/** What deploy would send for FILE with these flags: NAME and namespace from the file. */
function sent(
  file: InferenceServiceFile,
  request = flags(),
  given: { name?: string; namespace?: string } = {},
): Record<string, any> {
  const { name, namespace } = fileIdentity("isvc.yaml", file, given);
  const ask = {
    global: { ...global, namespace },
    request: { ...request, name },
    backend: "kserve" as const,
  };
  checkFlags(ask, file);
  return buildInferenceService(
    { ...ask.request, namespace: namespace ?? "default", backend: "kserve" },
    "v0.16.0",
    file,
  ) as Record<string, any>;
}

/** An InferenceService file as a user writes it: these metadata and this spec. */
function example(metadata: InferenceServiceFile["metadata"], spec: InferenceServiceFile["spec"]) {
  return { apiVersion: "serving.kserve.io/v1beta1", kind: "InferenceService", metadata, spec };
}

/** KServe docs: "Deploy Scikit-learn models" (the v1beta1 shorthand). */
const SKLEARN_IRIS: InferenceServiceFile = example({ name: "sklearn-iris" }, {
  predictor: { sklearn: { storageUri: "gs://kfserving-examples/models/sklearn/1.0/model" } },
});

/** KServe docs: "Deploy a custom predictor" (a container of one's own, no model format). */
const CUSTOM_MODEL: InferenceServiceFile = example({ name: "custom-model", namespace: "ml" }, {
  predictor: {
    containers: [{
      name: "kserve-container",
      image: "kserve/custom-model-grpc:latest",
      ports: [{ name: "h2c", containerPort: 8081, protocol: "TCP" }],
    }],
  },
});

/** KServe docs: "Deploy a transformer with InferenceService" (torchserve behind a transformer). */
const TRANSFORMER: InferenceServiceFile = example({ name: "torch-transformer" }, {
  predictor: {
    model: {
      modelFormat: { name: "pytorch" },
      storageUri: "gs://kfserving-examples/models/torchserve/image_classifier/v1",
    },
  },
  transformer: {
    containers: [{
      image: "kserve/image-transformer:latest",
      name: "kserve-container",
      command: ["python", "-m", "model"],
      args: ["--model_name", "mnist"],
    }],
  },
});

/** Its sibling: the tensorflow shorthand with a protocol and resources of its own. */
const FLOWERS: InferenceServiceFile = example({ name: "flower-sample", namespace: "ml" }, {
  predictor: {
    minReplicas: 2,
    tensorflow: {
      storageUri: "gs://kfserving-examples/models/tensorflow/flowers",
      resources: { limits: { cpu: "1" } },
    },
  },
});

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof UsageError, String(error));
    assert.equal(error.exitCode, 2);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("deploy -f predictor.sklearn without NAME sends the shorthand as written, named by the file", () => {
  const isvc = sent(SKLEARN_IRIS);
  assert.equal(isvc.metadata.name, "sklearn-iris");
  assert.equal(isvc.metadata.namespace, "default");
  assert.deepEqual(isvc.spec.predictor, {
    sklearn: { storageUri: "gs://kfserving-examples/models/sklearn/1.0/model" },
  });
  assert.deepEqual(predictorModel(SKLEARN_IRIS)?.format, { name: "sklearn" });
  // Flags land in the shorthand: a second predictor (predictor.model) the webhook refuses.
  const moved = sent(SKLEARN_IRIS, flags({ storageUri: "s3://bucket/iris", cpu: "500m" }));
  assert.deepEqual(moved.spec.predictor, {
    sklearn: {
      storageUri: "s3://bucket/iris",
      resources: { requests: { cpu: "500m" }, limits: { cpu: "500m" } },
    },
  });
  assert.equal(
    SKLEARN_IRIS.spec?.predictor?.sklearn &&
      "resources" in (SKLEARN_IRIS.spec.predictor.sklearn as object),
    false,
    "input untouched",
  );
});

Deno.test("deploy -f a custom predictor container needs no --model-format and keeps the container", () => {
  const isvc = sent(CUSTOM_MODEL, flags({ env: { LOG_LEVEL: "debug" } }));
  assert.equal(isvc.metadata.namespace, "ml");
  assert.deepEqual(isvc.spec.predictor, {
    containers: [{
      name: "kserve-container",
      image: "kserve/custom-model-grpc:latest",
      ports: [{ name: "h2c", containerPort: 8081, protocol: "TCP" }],
      env: [{ name: "LOG_LEVEL", value: "debug" }],
    }],
  });
  // A custom container has no field for these: each refusal names the flag and the field.
  for (
    const request of [
      flags({ storageUri: "gs://a/b" }),
      flags({ modelFormat: { name: "sklearn" } }),
      flags({ runtime: "kserve-sklearnserver" }),
      flags({ protocol: "v2" }),
    ]
  ) {
    refused(
      () => sent(CUSTOM_MODEL, request),
      /does not apply: the file's spec\.predictor\.containers\[0\] is a custom container/,
    );
  }
});

Deno.test("deploy -f a transformer in front of a predictor keeps the transformer as written", () => {
  const isvc = sent(TRANSFORMER, flags({ minReplicas: 1 }));
  assert.deepEqual(isvc.spec.transformer, TRANSFORMER.spec?.transformer);
  assert.equal(isvc.spec.predictor.minReplicas, 1);
  assert.deepEqual(isvc.spec.predictor.model.modelFormat, { name: "pytorch" });
  assert.equal(isvc.spec.predictor.sklearn, undefined);
});

Deno.test("deploy -f predictor.tensorflow: the key is the format; a different --model-format or a --runtime is refused by field", () => {
  const isvc = sent(FLOWERS, flags({ modelFormat: { name: "tensorflow" }, protocol: "v2" }));
  assert.deepEqual(isvc.spec.predictor, {
    minReplicas: 2,
    tensorflow: {
      storageUri: "gs://kfserving-examples/models/tensorflow/flowers",
      resources: { limits: { cpu: "1" } },
      protocolVersion: "v2",
    },
  });
  refused(
    () => sent(FLOWERS, flags({ modelFormat: { name: "onnx" } })),
    /^--model-format does not apply: the file's spec\.predictor\.tensorflow names the format tensorflow/,
  );
  refused(
    () => sent(FLOWERS, flags({ runtime: "kserve-tensorflow-serving" })),
    /^--runtime does not apply: the file's spec\.predictor\.tensorflow/,
  );
  // Without a file, or with a predictor.model that names no format, the format is still needed.
  refused(
    () => sent({ ...FLOWERS, spec: { predictor: { model: {} } } }),
    /^Missing --model-format/,
  );
  refused(() => sent({ ...FLOWERS, spec: {} }), /no spec\.predictor/);
});

Deno.test("deploy -f refuses a NAME other than metadata.name, and a -n other than the file's namespace in kubectl's words", () => {
  refused(
    () => fileIdentity("isvc.yaml", SKLEARN_IRIS, { name: "iris" }),
    /^NAME "iris" differs from metadata\.name "sklearn-iris" in isvc\.yaml$/,
  );
  refused(
    () =>
      fileIdentity("isvc.yaml", { ...CUSTOM_MODEL, metadata: { name: "a", namespace: "a" } }, {
        namespace: "b",
      }),
    /^the namespace from the provided object "a" does not match the namespace "b"\. You must pass '--namespace=a' to perform this operation\.$/,
  );
  refused(
    () => fileIdentity("isvc.yaml", { ...SKLEARN_IRIS, metadata: {} }, {}),
    /^isvc\.yaml has no metadata\.name, and no NAME was given/,
  );
  // Siblings that agree: the same NAME, the same namespace, or a -n for a file that names none.
  assert.deepEqual(fileIdentity("f", CUSTOM_MODEL, { name: "custom-model", namespace: "ml" }), {
    name: "custom-model",
    namespace: "ml",
  });
  assert.deepEqual(fileIdentity("f", SKLEARN_IRIS, { namespace: "b" }), {
    name: "sklearn-iris",
    namespace: "b",
  });
});

Deno.test("model rules read the storage URI of a shorthand and of a custom container's STORAGE_URI", () => {
  const shorthand = structuredClone(SKLEARN_IRIS);
  (shorthand.spec!.predictor!.sklearn as any).storageUri = "bucket/iris";
  assert.match(
    modelProblems(shorthand)[0]?.message ?? "none",
    /^spec\.predictor\.sklearn\.storageUri "bucket\/iris" has no scheme/,
  );
  const custom = structuredClone(CUSTOM_MODEL);
  (custom.spec!.predictor!.containers as any)[0].env = [{
    name: "STORAGE_URI",
    value: "ftp://x/y",
  }];
  assert.match(
    modelProblems(custom)[0]?.message ?? "none",
    /^spec\.predictor\.containers\[0\]\.env STORAGE_URI "ftp:\/\/x\/y" has the scheme ftp:\/\//,
  );
  // The docs' examples as written break no rule.
  for (const file of [SKLEARN_IRIS, CUSTOM_MODEL, TRANSFORMER, FLOWERS]) {
    assert.deepEqual(
      modelProblems({ ...file, metadata: { ...file.metadata, namespace: "ml" } }),
      [],
    );
  }
});

Deno.test("deploy -f with the deployment backend is refused, since it would ignore the file", async () => {
  const plan = kindOf("deployment").plan;
  await assert.rejects(
    () => plan({ base: SKLEARN_IRIS } as PlanContext),
    (error: unknown) =>
      error instanceof UsageError && /only the kserve backend deploys/.test(error.message),
  );
});
