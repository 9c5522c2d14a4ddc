/** What `install --llm` reads before planning (lib/install/llm_plan.ts decides on it). */
import { CRD_PATH, LLM } from "../defaults.ts";
import type { Kube, KubeObject } from "../kube/client.ts";
import type { LlmFacts } from "./llm_plan.ts";
import { gatewayApiCrd } from "./llm_plan.ts";
import type { ManifestFile } from "./releases.ts";

/**
 * The GatewayClasses (none when their CRD does not exist: a 404) and the Gateway API CRDs of
 * `files` that exist. Any other API error is thrown.
 */
export async function readLlmFacts(kube: Kube, files: ManifestFile[]): Promise<LlmFacts> {
  const names = files.filter((f) => f.component === "gateway-api").map(gatewayApiCrd)
    .filter((name): name is string => name !== undefined);
  const [classes, ...crds] = await Promise.all([
    kube.getOptional<{ items: KubeObject[] }>(`/apis/${LLM.gatewayApiGroup}/v1/gatewayclasses`),
    ...names.map((name) => kube.getOptional<KubeObject>(`${CRD_PATH}/${name}`)),
  ]);
  return {
    gatewayClasses: (classes?.items ?? []).map((c) => String(c.metadata?.name)),
    crds: Object.fromEntries(
      names.flatMap((name, i) => crds[i] ? [[name, crds[i]!] as const] : []),
    ),
  };
}
