/**
 * Category "llm", the Gateway and the presets: a GatewayClass accepted by an implementation, the
 * Gateway kserve/kserve-ingress-gateway Programmed, and the LLMInferenceServiceConfigs (presets)
 * the llmisvc controller looks up: the release's in KServe's namespace, and any an
 * LLMInferenceService's PresetsCombined condition names as not found.
 */
import { KSERVE, LLM } from "../defaults.ts";
import { llmVersion, llmVersionKnown } from "../kserve/llm_inference_service.ts";
import { REAPPLY } from "../kserve/hints.ts";
import { type OwnedMetadata, ownerOf } from "../kube/owner.ts";
import { conditionFinding, type StatusCondition } from "../kserve/failures.ts";
import { llmPresetsSource, missingPreset } from "../kserve/llm.ts";
import type { CheckContext } from "./context.ts";
import { type Check, CheckFailed } from "./check_types.ts";
import { factsOf, type KServeRelease } from "../kserve/releases.ts";

interface Named {
  metadata?: { name?: string; namespace?: string };
  spec?: { controllerName?: string; gatewayClassName?: string };
  status?: { conditions?: StatusCondition[]; addresses?: { value?: string }[] };
}

const GATEWAY_API = `/apis/${LLM.gatewayApiGroup}/v1`;
const GATEWAY = `Gateway ${LLM.gatewayNamespace}/${LLM.gatewayName}`;
const IMPLEMENTATIONS = "https://gateway-api.sigs.k8s.io/implementations/";

/** The release the installed controller runs (the default release's facts when unknown). */
export async function llmRelease(ctx: CheckContext): Promise<KServeRelease> {
  return factsOf((await ctx.kserve()).version);
}

function gateway(ctx: CheckContext): Promise<Named | undefined> {
  return ctx.get<Named>(
    `${GATEWAY_API}/namespaces/${LLM.gatewayNamespace}/gateways/${LLM.gatewayName}`,
  );
}

const gatewayClass: Check<CheckContext> = {
  id: "llm.gatewayclass",
  category: "llm",
  description: "a GatewayClass is accepted by its Gateway implementation",
  hint:
    `Install a Gateway implementation (${IMPLEMENTATIONS}) and check: kubectl get gatewayclasses`,
  dependsOn: ["llm.gateway-api-crds"],
  retryable: true,
  async run(ctx) {
    const [classes, gw] = await Promise.all([
      ctx.list<Named>(`${GATEWAY_API}/gatewayclasses`),
      gateway(ctx),
    ]);
    if (!classes.length) {
      throw new CheckFailed(
        "No GatewayClass exists: no Gateway implementation is installed, so no Gateway is programmed and no LLMInferenceService is routed",
        undefined,
        { transient: false },
      );
    }
    // The Gateway's class when it has one; else any class an implementation accepted.
    const wanted = gw?.spec?.gatewayClassName;
    const candidates = wanted ? classes.filter((c) => c.metadata?.name === wanted) : classes;
    if (wanted && !candidates.length) {
      throw new CheckFailed(
        `${GATEWAY} is of GatewayClass "${wanted}", which does not exist; the GatewayClasses are ${
          classes.map((c) => c.metadata?.name).join(", ")
        }`,
        `Name an existing one: ${REAPPLY} --llm --gateway-class ${classes[0]!.metadata?.name}`,
        { transient: false },
      );
    }
    const findings = candidates.map((c) =>
      conditionFinding(
        `GatewayClass ${c.metadata?.name} (controllerName ${c.spec?.controllerName})`,
        c.status?.conditions,
        "Accepted",
      )
    );
    const accepted = candidates.filter((_, i) => !findings[i]);
    if (accepted.length) return `${accepted.map((c) => c.metadata?.name).join(", ")} accepted`;
    const lasting = findings.filter((f) => f?.lasting);
    throw new CheckFailed(
      findings.map((f) => f!.cause).join("; ") +
        (lasting.length ? "" : ": its implementation is not running, or not yet"),
      undefined,
      // No implementation answered: transient only while one may still start (--wait).
      { transient: !lasting.length },
    );
  },
};

const gatewayProgrammed: Check<CheckContext> = {
  id: "llm.gateway",
  category: "llm",
  description: `the ${GATEWAY} is Programmed`,
  hint: "kubectl describe gateway kserve-ingress-gateway -n kserve",
  dependsOn: ["llm.gatewayclass"],
  retryable: true,
  async run(ctx) {
    const gw = await gateway(ctx);
    if (!gw) {
      const classes = await ctx.list<Named>(`${GATEWAY_API}/gatewayclasses`);
      throw new CheckFailed(
        `${GATEWAY} does not exist: LLMInferenceServices route through it by default (their HTTPRoutes reference it and are never Accepted)`,
        `Create it: ${REAPPLY} --llm --gateway-class ${classes[0]?.metadata?.name ?? "NAME"}`,
        { transient: false },
      );
    }
    const finding = conditionFinding(GATEWAY, gw.status?.conditions, "Programmed");
    if (!finding) {
      const address = gw.status?.addresses?.map((a) => a.value).join(", ");
      return address ? `address ${address}` : undefined;
    }
    throw new CheckFailed(finding.cause, undefined, { transient: !finding.lasting });
  },
};

interface LlmService extends Named {
  status?: { conditions?: StatusCondition[] };
}

const presets: Check<CheckContext> = {
  id: "llm.presets",
  category: "llm",
  description: "the presets (LLMInferenceServiceConfigs) the LLM controller looks up exist",
  hint: `They ship with KServe's llmisvc controller; re-apply it: ${REAPPLY}`,
  dependsOn: ["kserve.installed"],
  async run(ctx) {
    const release = await llmRelease(ctx);
    const { namespace } = await ctx.kserve();
    // Both kinds are served at the same versions; read at the one the cluster prefers.
    const api = `/apis/${KSERVE.apiGroup}/${await llmVersion(ctx.kube) ?? llmVersionKnown()}`;
    const [configs, models, controller] = await Promise.all([
      ctx.list<Named>(`${api}/namespaces/${namespace}/llminferenceserviceconfigs`),
      ctx.list<LlmService>(`${api}/llminferenceservices`),
      ctx.get<{ metadata?: OwnedMetadata }>(
        `/apis/apps/v1/namespaces/${namespace}/deployments/${LLM.controllerDeployment}`,
      ),
    ]);
    // The presets come with the llmisvc controller: its owner's tool puts them back.
    const source = llmPresetsSource(
      release.version,
      controller?.metadata ? ownerOf(controller.metadata) : undefined,
    );
    const have = new Set(configs.map((c) => c.metadata?.name));
    const problems: string[] = [];
    let shippedMissing = false;
    for (const model of models) {
      const combined = model.status?.conditions?.find((c) => c.type === "PresetsCombined");
      const missing = combined?.status === "False" ? missingPreset(combined.message) : undefined;
      if (!missing) continue;
      const shipped = release.llmPresets.includes(missing.name);
      shippedMissing ||= shipped;
      problems.push(
        `LLMInferenceService ${model.metadata?.namespace}/${model.metadata?.name}: preset LLMInferenceServiceConfig "${missing.name}" not found; looked for in namespace ${
          missing.namespaces.join(", then ")
        } (PresetsCombined False, ${combined!.reason}). ${
          shipped
            ? `It ships in ${source.where}`
            : `No KServe release ships it: create it in one of those namespaces, or remove it from the model's spec.baseRefs`
        }`,
      );
    }
    const absent = release.llmPresets.filter((name) => !have.has(name));
    if (absent.length) {
      shippedMissing = true;
      problems.push(
        `LLMInferenceServiceConfig ${
          absent.join(", ")
        } missing from namespace ${namespace}: ${source.where} ships them`,
      );
    }
    if (!problems.length) return;
    throw new CheckFailed(
      problems.join("; "),
      shippedMissing
        ? `Re-apply them: ${source.fix}`
        : `See the presets there are: kubectl get llminferenceserviceconfigs -A`,
      { transient: false },
    );
  },
};

export const gatewayChecks: Check<CheckContext>[] = [gatewayClass, gatewayProgrammed, presets];
