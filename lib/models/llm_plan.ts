/**
 * What `deploy --llm` applies, and every refusal made before it is sent: the flags an
 * LLMInferenceService has no field for, no KServe or no llmisvc controller, a storage URI the
 * controller cannot fetch, a --gpu no node can hold.
 */
import { CliError, UsageError } from "../errors.ts";
import type { KubeObject } from "../kube/client.ts";
import { llmVersion } from "../kserve/llm_inference_service.ts";
import { factsOf } from "../kserve/releases.ts";
import { buildLLMInferenceService } from "../deploy/llm_spec.ts";
import { gpuProblem, readGpuNodes } from "../deploy/gpus.ts";
import type { InferenceServiceFile } from "../deploy/file.ts";
import type { ModelRequest } from "../deploy/spec.ts";
import type { PlanContext } from "./kind.ts";

/** The llmisvc controller's Deployment in KServe's namespace (config/llmisvc in the release). */
export const LLMISVC_CONTROLLER = "llmisvc-controller-manager";

/** Refuses the model flags an LLMInferenceService has no field for, and a missing URI. */
export function checkLLMFlags(r: ModelRequest, base: InferenceServiceFile | undefined): void {
  if (base) {
    throw new UsageError("-f takes an InferenceService; --llm deploys an LLMInferenceService", {
      hint: "Drop -f and give the model with --storage-uri hf://ORG/MODEL",
    });
  }
  const unused = [
    ["--model-format", r.modelFormat],
    ["--runtime", r.runtime],
    ["--protocol", r.protocol],
    ["--image", r.image],
    ["--port", r.port],
    ["--mode", r.mode],
    ["--min-replicas", r.minReplicas],
    ["--max-replicas", r.maxReplicas],
    ["--scale-metric", r.scaleMetric],
    ["--scale-target", r.scaleTarget],
  ] as const;
  const flag = unused.find(([, value]) => value !== undefined)?.[0];
  if (flag) {
    throw new UsageError(
      `${flag} does not apply to --llm: an LLMInferenceService has no such field`,
      {
        hint: flag.endsWith("replicas")
          ? "Use --replicas N for a fixed number of model server pods"
          : `Drop ${flag}; the llmisvc controller runs vLLM from its preset`,
      },
    );
  }
  if (!r.storageUri) {
    throw new UsageError("Missing --storage-uri: an LLMInferenceService needs its model's URI", {
      hint: "Pass --storage-uri hf://ORG/MODEL (such as hf://facebook/opt-125m)",
    });
  }
}

/** The LLMInferenceService at the version the cluster prefers, after every refusal. */
export async function planLLM(context: PlanContext): Promise<KubeObject[]> {
  const { kube, request, kserve } = context;
  if (!kserve) {
    throw new UsageError("KServe is not installed, so --llm cannot be used", {
      hint: "Install it with: kubectl kserve install",
    });
  }
  const [version, controller, nodes] = await Promise.all([
    llmVersion(kube),
    kube.getOptional(
      `/apis/apps/v1/namespaces/${kserve.namespace}/deployments/${LLMISVC_CONTROLLER}`,
    ).catch((error) => {
      // A user who may not read KServe's namespace: the API server's answer decides.
      if ((error as { status?: number }).status === 403) return "unreadable";
      throw error;
    }),
    request.gpu ? readGpuNodes(kube) : Promise.resolve(undefined),
  ]);
  if (!version || !controller) {
    const release = kserve.version ? `KServe ${kserve.version}` : "KServe";
    const missing = version
      ? `no Deployment ${LLMISVC_CONTROLLER}`
      : "the LLMInferenceService CRD is not served";
    throw new UsageError(
      `${release} in ${kserve.namespace} has no LLMInferenceService controller (${missing})`,
      {
        hint:
          "Install KServe with its llmisvc controller (kubectl kserve install), or deploy without --llm",
      },
    );
  }
  const facts = factsOf(kserve.version);
  const uri = request.storageUri ?? "";
  if (!facts.llmStorageSchemes.some((scheme) => uri.startsWith(scheme))) {
    throw new UsageError(
      `--storage-uri ${uri}: KServe ${kserve.version}'s llmisvc controller cannot fetch this scheme`,
      { hint: `Use one of: ${facts.llmStorageSchemes.join(", ")} (such as hf://ORG/MODEL)` },
    );
  }
  const gpus = request.gpu && nodes ? gpuProblem(nodes, request.gpu) : undefined;
  if (gpus) {
    throw new UsageError(gpus, {
      hint: "Ask for at most as many GPUs as one node has (--gpu N), or add a node with more",
    });
  }
  if (!request.llm) throw new CliError("deploy --llm was planned without its flags");
  return [buildLLMInferenceService(request, request.llm, version)];
}
