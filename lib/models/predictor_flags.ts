/**
 * The flags of the kinds whose model is an InferenceService predictor's (an InferenceService,
 * and the deployment backend, which serves the same flags and -f file with its own Deployment):
 * what each takes, refused before anything is sent (bad input is one UsageError, exit 2).
 */
import { UsageError } from "../errors.ts";
import { type PredictorModel, predictorModel } from "../kserve/inference_service.ts";
import type { InferenceServiceFile } from "../deploy/file.ts";
import type { ModelRequest } from "../deploy/spec.ts";
import { validateReplicas, validateStorageUri } from "../deploy/validate.ts";

/**
 * Refuses a storage URI, replica bounds or predictor that cannot be served, and a model with no
 * format (`formatHint`: the kind's way to pass one). The resource flags are checked before
 * (plan.ts checkFlags).
 */
export function checkPredictorFlags(
  r: ModelRequest,
  base: InferenceServiceFile | undefined,
  formatHint: string,
): void {
  if (r.storageUri) validateStorageUri(r.storageUri);
  validateReplicas(
    r.minReplicas ?? base?.spec?.predictor?.minReplicas,
    r.maxReplicas ?? base?.spec?.predictor?.maxReplicas,
  );
  const model = base ? predictorModel(base) : undefined;
  if (base && !base.spec?.predictor) {
    throw new UsageError("The file has no spec.predictor, which an InferenceService needs", {
      hint: "Add spec.predictor with the model (see kubectl explain inferenceservice.spec)",
    });
  }
  if (model) refuseFlagsWithoutField(r, model);
  const format = r.modelFormat ?? model?.format;
  if (!format && !r.image && model?.form !== "containers") {
    throw new UsageError("Missing --model-format", { hint: formatHint });
  }
}

/**
 * Refuses a flag the file's form of predictor has no field for (KServe's webhook would refuse a
 * second predictor): a shorthand's format is its key and it names no runtime; a custom
 * container has no format, runtime, protocol or storageUri field.
 */
function refuseFlagsWithoutField(r: ModelRequest, model: PredictorModel): void {
  if (model.form === "model") return;
  const flags = [
    ["--model-format", r.modelFormat && r.modelFormat.name !== model.format?.name],
    ["--runtime", r.runtime],
    ...(model.form === "containers"
      ? [["--protocol", r.protocol], ["--storage-uri", r.storageUri]] as const
      : []),
  ] as const;
  const flag = flags.find(([, value]) => value)?.[0];
  if (!flag) return;
  const what = model.form === "shorthand"
    ? `names the format ${model.format?.name} by its key and takes no runtime`
    : "is a custom container, which has no model format, runtime, protocol or storageUri field";
  throw new UsageError(`${flag} does not apply: the file's ${model.path} ${what}`, {
    hint: model.form === "shorthand"
      ? `Drop ${flag}, or write the file's predictor as spec.predictor.model with modelFormat`
      : `Drop ${flag}, and set it in the container (such as env STORAGE_URI)`,
  });
}
