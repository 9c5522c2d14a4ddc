/**
 * What deploy checks against the cluster before it applies, beyond the model rules: Knative
 * Serving for a model in Knative mode. (Knative's features for pod placement are a model rule:
 * lib/kserve/model_context.ts.)
 */
import { UsageError } from "../errors.ts";
import type { KubeObject } from "../kube/client.ts";
import type { ResourceMap } from "../kube/resources.ts";
import type { KServeInstall } from "../kserve/detect.ts";
import { knativeServed } from "../kserve/knative.ts";
import { classifyMode, MODE_ANNOTATION, modelMode } from "../kserve/versions.ts";
import { defaultDeploymentMode } from "../kserve/config.ts";
import { installKnativeCommand } from "../kserve/hints.ts";

/**
 * The mode an InferenceService will run in: its mode annotation (set by --mode, or in an -f
 * file), else the install's default. `source` says which, for messages.
 */
function modeOf(
  isvc: KubeObject,
  kserve: KServeInstall,
): { kind?: string; value?: string; source: "annotation" | "default" } {
  const mode = modelMode(
    isvc as { metadata?: { annotations?: Record<string, string> } },
    defaultDeploymentMode(kserve.configMap?.data),
  );
  // A to-be-sent object has no status: its annotation, else the install's default.
  return {
    kind: classifyMode(mode.value, kserve.version),
    value: mode.value,
    source: mode.source === "default" ? "default" : "annotation",
  };
}

/**
 * An InferenceService in Knative mode (its annotation, from --mode or -f, or the install's
 * default) where Knative Serving is not served: KServe accepts it and then rejects it
 * (ServerlessModeRejected). Refused before the apply, with --mode raw as the fix. Knative that
 * is installed but unseen by KServe's controller is left to deploy --wait (it names the event).
 */
export async function requireKnativeForMode(
  resources: ResourceMap,
  isvc: KubeObject,
  kserve: KServeInstall,
): Promise<void> {
  const mode = modeOf(isvc, kserve);
  if (mode.kind !== "serverless") return;
  if (await knativeServed((gv, resource) => resources.servesResource(gv, resource))) return;
  const why = mode.source === "annotation"
    ? `Its annotation ${MODE_ANNOTATION}=${mode.value} asks for Knative mode, which needs Knative Serving`
    : `KServe's default deployment mode here is ${mode.value}, which needs Knative Serving`;
  throw new UsageError(
    `${why}, and Knative Serving is not installed: KServe would reject this InferenceService (ServerlessModeRejected)`,
    {
      hint: mode.source === "annotation"
        ? "Deploy in raw mode: --mode raw"
        : `Deploy in raw mode: add --mode raw; or add Knative Serving: ${
          installKnativeCommand(kserve, false)
        }`,
    },
  );
}

/**
 * minReplicas 0 (--min-replicas 0, or an -f file's spec.predictor.minReplicas): only Knative
 * scales a model to and from zero. In Standard mode KServe serves it from a Deployment and an
 * HPA, which never go below one replica (KServe docs, raw deployment autoscaling: "Scale down
 * and from Zero is not supported"): refused before the apply. In Knative mode it passes; what
 * config-autoscaler keeps it from doing is a model warning (lib/kserve/scale_to_zero.ts).
 */
export function checkScaleToZero(isvc: KubeObject, kserve: KServeInstall): void {
  const predictor = (isvc as { spec?: { predictor?: { minReplicas?: number } } }).spec?.predictor;
  if (predictor?.minReplicas !== 0) return;
  const mode = modeOf(isvc, kserve);
  if (mode.kind === "serverless") return;
  throw new UsageError(
    `--min-replicas 0 needs Knative mode: this model runs in ${mode.value} mode, where KServe serves it from a Deployment and an HPA, which never scale to or from zero`,
    {
      hint:
        "Keep at least one replica (--min-replicas 1), or deploy in Knative mode (--mode serverless), where Knative's activator wakes a model at zero",
    },
  );
}
