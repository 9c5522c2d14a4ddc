/** Which checks run for which flags. */
import type { CheckContext } from "./context.ts";
import type { Check } from "./check_types.ts";
import { clusterChecks } from "./cluster.ts";
import { certManagerChecks } from "./cert_manager.ts";
import { kserveChecks } from "./kserve.ts";
import { webhookChecks } from "./webhooks.ts";
import { modeChecks, runtimeChecks } from "./mode.ts";
import { modelChecks } from "./inference_services.ts";
import { deploymentModeChecks, preChecks } from "./pre.ts";
import type { CheckMode } from "../options.ts";
import { llmChecks } from "./llm.ts";

export interface Selection {
  pre: boolean;
  mode?: CheckMode;
  withModels: boolean;
  /** --llm, or LLMInferenceServices exist: the LLM controller's checks. */
  withLlm?: boolean;
}

/** The checks for a run, in category order. */
export function selectChecks(selection: Selection): Check<CheckContext>[] {
  const [api, version] = clusterChecks;
  if (selection.pre) return [api!, version!, ...preChecks];
  if (selection.mode === "deployment") return [api!, ...deploymentModeChecks];
  return [
    ...clusterChecks,
    ...certManagerChecks,
    ...kserveChecks,
    ...webhookChecks,
    ...modeChecks,
    ...runtimeChecks,
    ...(selection.withLlm ? llmChecks : []),
    ...(selection.withModels ? modelChecks : []),
  ];
}
