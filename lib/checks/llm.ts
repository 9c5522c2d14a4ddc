/**
 * Category "llm" (`check --llm`, and `check` when LLMInferenceServices exist): what KServe's
 * llmisvc controller needs to route an LLMInferenceService: itself Available, the Gateway API
 * CRDs and the InferencePool CRD of the group its release reconciles, a GatewayClass accepted by
 * an implementation, the Gateway Programmed, the presets it looks up, and a start after the CRDs
 * it watches (it registers watches only for CRDs present at start).
 * Sources: KServe's pkg/controller/.../llmisvc (SetupWithManager, config_merge.go getConfig).
 */
import { CRD_PATH, LLM } from "../defaults.ts";
import { REAPPLY } from "../kserve/hints.ts";
import { deploymentAvailable } from "../kserve/diagnose.ts";
import { inferencePoolCrd, llmWatchedCrds } from "../kserve/llm.ts";
import {
  latestCreation,
  restartControllerCommand,
  startedBefore,
  type StartedPod,
} from "../kserve/knative_seen.ts";
import type { DetectedObject } from "../kserve/detect.ts";
import type { CheckContext } from "./context.ts";
import { type Check, CheckFailed } from "./check_types.ts";
import { whyNotAvailable } from "./kserve_serving.ts";
import { gatewayChecks, llmRelease } from "./llm_gateway.ts";

/** A CRD as read here: its creation time and the versions it serves. */
export interface Crd {
  metadata?: { name?: string; creationTimestamp?: string };
  spec?: { group?: string; versions?: { name: string; served?: boolean }[] };
}

const FIX = { transient: false };

function served(crd: Crd | undefined): string[] {
  return (crd?.spec?.versions ?? []).filter((v) => v.served !== false).map((v) => v.name);
}

const controller: Check<CheckContext> = {
  id: "llm.controller",
  category: "llm",
  description: "the LLM controller Deployment (llmisvc-controller-manager) is Available",
  hint:
    `kubectl describe deployment ${LLM.controllerDeployment} -n {kserve-ns}; kubectl logs -n {kserve-ns} deploy/${LLM.controllerDeployment} -c manager`,
  dependsOn: ["kserve.installed"],
  retryable: true,
  async run(ctx) {
    const { namespace } = await ctx.kserve();
    const deployment = await ctx.get<DetectedObject>(
      `/apis/apps/v1/namespaces/${namespace}/deployments/${LLM.controllerDeployment}`,
    );
    const name = `Deployment ${namespace}/${LLM.controllerDeployment}`;
    if (!deployment) {
      throw new CheckFailed(
        `${name} does not exist, so nothing reconciles LLMInferenceServices`,
        `Re-apply KServe: ${REAPPLY}`,
        FIX,
      );
    }
    if (deploymentAvailable(deployment)) return;
    if ((deployment.spec?.replicas ?? 1) === 0) {
      throw new CheckFailed(
        `${name} is scaled to 0, so nothing reconciles LLMInferenceServices`,
        `kubectl scale deployment/${LLM.controllerDeployment} -n ${namespace} --replicas=1`,
        FIX,
      );
    }
    const why = await whyNotAvailable(ctx, deployment, LLM.controllerSelector);
    throw new CheckFailed(`${name} is not Available: ${why.cause}`, undefined, {
      transient: !why.lasting,
    });
  },
};

const gatewayApiCrds: Check<CheckContext> = {
  id: "llm.gateway-api-crds",
  category: "llm",
  description: "the Gateway API CRDs are installed and serve v1",
  hint:
    `Install them with the Gateway: ${REAPPLY} --llm --gateway-class NAME (NAME: your Gateway implementation's GatewayClass)`,
  dependsOn: ["kserve.installed"],
  async run(ctx) {
    const release = await llmRelease(ctx);
    const names = ["gatewayclasses", "gateways", "httproutes"].map((r) =>
      `${r}.${LLM.gatewayApiGroup}`
    );
    const crds = await Promise.all(names.map((n) => ctx.get<Crd>(`${CRD_PATH}/${n}`)));
    const wrong = names.flatMap((name, i) => {
      if (!crds[i]) return [`${name} does not exist`];
      const versions = served(crds[i]);
      return versions.includes("v1") ? [] : [`${name} serves ${versions.join(", ")}, not v1`];
    });
    if (wrong.length) {
      throw new CheckFailed(
        `Gateway API CRDs: ${
          wrong.join("; ")
        }. KServe ${release.version}'s llmisvc controller routes through Gateway API v1 (it pins ${release.gatewayApi})`,
        undefined,
        FIX,
      );
    }
  },
};

const inferencePoolCrdCheck: Check<CheckContext> = {
  id: "llm.inferencepool-crd",
  category: "llm",
  description: "the InferencePool CRD of the group this KServe reconciles is installed",
  hint: `It ships in KServe's kserve.yaml; re-apply it: ${REAPPLY}`,
  dependsOn: ["kserve.installed"],
  async run(ctx) {
    const release = await llmRelease(ctx);
    const { group, version } = release.inferencePool;
    const wanted = inferencePoolCrd(release);
    const crds = await ctx.list<Crd>(CRD_PATH);
    const pools = crds.filter((c) => c.metadata?.name?.startsWith("inferencepools."));
    const found = pools.find((c) => c.metadata?.name === wanted);
    if (found && served(found).includes(version)) return `${wanted} serves ${version}`;
    const others = pools.filter((c) => c !== found)
      .map((c) => `${c.metadata?.name} (${served(c).join(", ")})`);
    const what = found
      ? `CRD ${wanted} serves ${served(found).join(", ")}, not ${version}`
      : `CRD ${wanted} does not exist`;
    throw new CheckFailed(
      `${what}${
        others.length ? `; only ${others.join(", ")} exists, of another group` : ""
      }. KServe ${release.version}'s llmisvc controller reconciles InferencePools of ${group}/${version}: every LLMInferenceService with a scheduler fails with no matches for kind "InferencePool" and is never Ready. ${wanted} ships in KServe ${release.version}'s kserve.yaml`,
      undefined,
      FIX,
    );
  },
};

const sawCrds: Check<CheckContext> = {
  id: "llm.controller-saw-crds",
  category: "llm",
  description:
    "the LLM controller started after the Gateway API and InferencePool CRDs existed, so it watches them",
  hint: restartControllerCommand("{kserve-ns}", LLM.controllerDeployment),
  dependsOn: ["llm.controller", "llm.gateway-api-crds", "llm.inferencepool-crd"],
  async run(ctx) {
    const { namespace } = await ctx.kserve();
    const names = llmWatchedCrds(await llmRelease(ctx));
    const [pods, ...crds] = await Promise.all([
      ctx.list<StartedPod>(`/api/v1/namespaces/${namespace}/pods`, {
        labelSelector: LLM.controllerSelector,
      }),
      ...names.map((name) => ctx.get<Crd>(`${CRD_PATH}/${name}`)),
    ]);
    const created = latestCreation(crds);
    const blind = startedBefore(pods, created, "seeing");
    if (!blind.length) return;
    const latest = names[crds.findIndex((c) => c?.metadata?.creationTimestamp === created)];
    throw new CheckFailed(
      `LLM controller pod ${
        blind.join(", ")
      } started before CustomResourceDefinition ${latest} was created (${created}): it registers watches only for the CRDs present at its start, so it does not see its HTTPRoutes, Gateways or InferencePools change until it restarts`,
      restartControllerCommand(namespace, LLM.controllerDeployment),
      FIX,
    );
  },
};

export const llmChecks: Check<CheckContext>[] = [
  controller,
  gatewayApiCrds,
  inferencePoolCrdCheck,
  ...gatewayChecks,
  sawCrds,
];
