/**
 * What `rollout` makes of an InferenceService: its mode (the model's, else the install's
 * default), and in any mode but Knative the refusal with why KServe would not split the traffic
 * (release table: standardCanary) and what works.
 */
import { defaultDeploymentMode } from "../kserve/config.ts";
import type { InferenceService } from "../kserve/inference_service.ts";
import { factsOf, RAW_CANARY_ROUTING_SINCE } from "../kserve/releases.ts";
import { classifyMode, modelMode } from "../kserve/versions.ts";
import type { RolloutTraits } from "./rollout_traits.ts";

export const INFERENCE_SERVICE_ROLLOUT: RolloutTraits = {
  mode(object, kserve) {
    const isvc = object as InferenceService;
    const value = modelMode(isvc, defaultDeploymentMode(kserve.configMap?.data)).value;
    return { kind: classifyMode(value, kserve.version), value };
  },
  refusal(name, _namespace, mode, kserveVersion) {
    if (mode.kind === "serverless") return undefined;
    return {
      message: standardModeRefusal(name, mode.value, kserveVersion),
      hint:
        "What works: Knative mode, where each change is a revision and KServe splits traffic between them: add Knative (kubectl kserve install --mode serverless) and deploy the model with --mode serverless (a model's mode is fixed when it is created: a new name, or delete it first)",
      info:
        `${mode.value} mode: one predictor serves all the traffic; canary rollouts need Knative mode`,
    };
  },
};

/**
 * Why a canary does nothing in `mode` on `kserveVersion` (release table: standardCanary):
 * canaryTrafficPercent is ignored outside Knative mode, and spec.canary[] is not weighted.
 */
export function standardModeRefusal(
  name: string,
  mode: string,
  kserveVersion: string | undefined,
): string {
  const facts = factsOf(kserveVersion);
  const canarySpec = facts.standardCanary.specCanary && !facts.standardCanary.weighted
    ? `; its spec.canary[] deploys a second predictor that the main route does not weight (weighted routing came in KServe ${RAW_CANARY_ROUTING_SINCE}, through the Gateway API)`
    : "";
  return `Refusing a canary rollout of "${name}": it runs in ${mode} mode, where KServe ${
    kserveVersion ?? facts.version
  } ignores canaryTrafficPercent (only its Knative reconciler reads it) and sends 100% to the new model${canarySpec}`;
}
