/**
 * Builds the LLMInferenceService `deploy --llm` sends: pure functions on plain data. The fields
 * are KServe's (pkg/apis/serving/v1alpha2/llm_inference_service_types.go; v1alpha1 has the same
 * ones): spec.model.{uri,name}, spec.replicas, spec.template's "main" container (args, env,
 * resources: the controller merges it over the preset kserve-config-llm-template), spec.router.
 */
import { KSERVE } from "../defaults.ts";
import type { KubeObject } from "../kube/client.ts";
import {
  LLM_MAIN_CONTAINER,
  type LLMContainer,
  type LLMInferenceService,
  type LLMRouter,
} from "../kserve/llm_inference_service.ts";
import { type DeployRequest, type LLMRequest, resourcesOf } from "./spec.ts";

/** spec.router from the flags: route and gateway always, the scheduler unless dropped. */
export function routerOf(llm: LLMRequest): LLMRouter | undefined {
  if (!llm.router) return undefined;
  return {
    route: {},
    gateway: llm.gateway
      ? { refs: [{ name: llm.gateway.name, namespace: llm.gateway.namespace }] }
      : {},
    ...(llm.scheduler ? { scheduler: {} } : {}),
  };
}

/**
 * The LLMInferenceService at `version` ("v1alpha1" or "v1alpha2": what the cluster prefers).
 * Only what the flags say is written; the rest comes from the controller's presets.
 */
export function buildLLMInferenceService(
  request: DeployRequest,
  llm: LLMRequest,
  version: string,
): KubeObject {
  const main: LLMContainer = { name: LLM_MAIN_CONTAINER };
  if (request.args.length) main.args = request.args;
  const env = Object.entries(request.env).map(([name, value]) => ({ name, value }));
  if (env.length) main.env = env;
  const resources = resourcesOf(request);
  if (resources) main.resources = resources;
  const hasContainer = Object.keys(main).length > 1;
  const router = routerOf(llm);
  const object: LLMInferenceService = {
    apiVersion: `${KSERVE.apiGroup}/${version}`,
    kind: "LLMInferenceService",
    metadata: {
      name: request.name,
      namespace: request.namespace,
      ...(Object.keys(request.labels).length ? { labels: request.labels } : {}),
      ...(Object.keys(request.annotations).length ? { annotations: request.annotations } : {}),
    },
    spec: {
      model: { uri: request.storageUri, ...(llm.modelName ? { name: llm.modelName } : {}) },
      ...(llm.replicas !== undefined ? { replicas: llm.replicas } : {}),
      ...(hasContainer ? { template: { containers: [main] } } : {}),
      ...(router ? { router } : {}),
    },
  };
  return object as KubeObject;
}
