/** The install spec of the LLM component (lib/install/llm_plan.ts decides what it holds). */
import { KSERVE, LLM } from "../defaults.ts";
import type { Kube } from "../kube/client.ts";
import { factsOf } from "../kserve/releases.ts";
import { llmWatchedCrds } from "../kserve/llm.ts";
import type { ComponentSpec } from "./install_component.ts";
import { type LlmComponent, llmGateway } from "./llm_plan.ts";
import { parseManifest } from "./manifest.ts";
import { splitPhases } from "./plan.ts";
import { manifestPath } from "./releases.ts";
import type { Manifests } from "./component_specs.ts";
import { restartLlmControllerBlindToCrds } from "./restart.ts";

/**
 * The Gateway API CRDs, the Gateway, then a restart of llmisvc when it started before the CRDs
 * it watches existed. `kserve` is the KServe version installed (which InferencePool group).
 */
export function llmSpec(
  kube: Kube,
  planned: LlmComponent,
  manifests: Manifests,
  kserve: string,
): ComponentSpec {
  const objects = [
    ...planned.files.flatMap((file) => parseManifest(manifests.text(file), manifestPath(file))),
    llmGateway(planned.gatewayClass),
  ];
  const crds = llmWatchedCrds(factsOf(kserve));
  return {
    name: "gateway-api",
    version: planned.version,
    notes: planned.kept.map((crd) => `Gateway API CRD ${crd}; kept as it is`),
    phases: splitPhases(objects),
    afterRollout: {
      plan: `restart ${LLM.controllerDeployment} if it started before ${
        crds.join(", ")
      } existed (it watches only the CRDs present at its start)`,
      run: (deadline: number) =>
        restartLlmControllerBlindToCrds(kube, KSERVE.namespace, crds, deadline),
    },
  };
}
