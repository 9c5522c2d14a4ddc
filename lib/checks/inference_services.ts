/** Category "models": InferenceServices that are not Ready, and why; known version bugs. */
import { KSERVE } from "../defaults.ts";
import { explainInferenceService, lastingFailure } from "../kserve/diagnose.ts";
import { legacyModeFix, MODE_ANNOTATION } from "../kserve/versions.ts";
import type { Event } from "../kserve/diagnose.ts";
import type { InferenceService } from "../kserve/inference_service.ts";
import type { CheckContext } from "./context.ts";
import { listPaged } from "../kube/list.ts";
import { type Check, CheckFailed, SkipCheck } from "./check_types.ts";

function modelsPath(ctx: CheckContext): string {
  const base = `/apis/${KSERVE.apiGroup}/v1beta1`;
  return ctx.options.allNamespaces
    ? `${base}/inferenceservices`
    : `${base}/namespaces/${ctx.options.modelNamespace}/inferenceservices`;
}

function eventsPath(ctx: CheckContext): string {
  return ctx.options.allNamespaces
    ? "/api/v1/events"
    : `/api/v1/namespaces/${ctx.options.modelNamespace}/events`;
}

/**
 * The models in scope, read once per run in pages of 500, each kept only in the parts the model
 * checks read: 10,000 InferenceServices are never held as whole objects.
 */
function models(ctx: CheckContext): Promise<InferenceService[]> {
  return ctx.once(
    `models:${modelsPath(ctx)}`,
    async () =>
      await listPaged<InferenceService, InferenceService>(
        ctx.kube,
        modelsPath(ctx),
        {},
        (isvc) => ({
          metadata: {
            name: isvc.metadata?.name,
            namespace: isvc.metadata?.namespace,
            uid: isvc.metadata?.uid,
            generation: isvc.metadata?.generation,
            annotations: isvc.metadata?.annotations,
          },
          status: {
            observedGeneration: isvc.status?.observedGeneration,
            conditions: isvc.status?.conditions,
            modelStatus: isvc.status?.modelStatus,
            deploymentMode: isvc.status?.deploymentMode,
          },
        }),
      ) ?? [],
  );
}

function requireScope(ctx: CheckContext): void {
  if (!ctx.options.allNamespaces && !ctx.options.modelNamespace) {
    throw new SkipCheck("pass -n NAMESPACE or --all-namespaces to check models");
  }
}

export const modelChecks: Check<CheckContext>[] = [
  {
    id: "models.ready",
    category: "models",
    description: "every InferenceService is Ready",
    hint: "See the conditions, pods and events of each model named above with the status command",
    dependsOn: ["kserve.crds"],
    retryable: true,
    async run(ctx) {
      requireScope(ctx);
      const isvcs = await models(ctx);
      const notReady = isvcs.filter((i) =>
        !(i.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")
      );
      if (notReady.length === 0) return `${isvcs.length} ready`;
      const events = await ctx.list<Event>(eventsPath(ctx), {
        fieldSelector: "involvedObject.kind=InferenceService",
      });
      // Each model in the words of what holds it; the run settles on its own only if every one
      // may still become Ready (field report: an invalid spec was called "still settling").
      const lasting = notReady.map((i) => lastingFailure(i, events));
      const first = notReady[0]!.metadata;
      const status = `kubectl kserve status ${first?.name} -n ${first?.namespace}`;
      throw new CheckFailed(
        notReady.map((i, n) => lasting[n] ?? explainInferenceService(i, events)).join("\n"),
        `See its conditions, pods and events with: ${status}${
          notReady.length > 1 ? " (and the same for each model above)" : ""
        }`,
        { transient: lasting.every((l) => l === undefined) },
      );
    },
  },
  {
    id: "models.legacy-mode-annotation",
    category: "models",
    description: "no InferenceService uses a legacy mode annotation on KServe v0.16.0",
    hint:
      "On v0.16.0 annotate with Standard or Knative instead (fixed in v0.17.0 by kserve#5025); a stuck object needs its finalizer removed",
    dependsOn: ["kserve.crds"],
    warning: true,
    async run(ctx) {
      requireScope(ctx);
      const { version } = await ctx.kserve();
      if (version !== "v0.16.0") {
        throw new SkipCheck(
          `only KServe v0.16.0 has this bug (installed: ${version ?? "unknown"})`,
        );
      }
      const affected = (await models(ctx)).flatMap((i) => {
        const value = i.metadata?.annotations?.[MODE_ANNOTATION];
        const fix = legacyModeFix(value, i.status?.deploymentMode, version);
        return fix ? [{ isvc: i, value, fix }] : [];
      });
      if (affected.length) {
        throw new CheckFailed(
          affected.map(({ isvc, value, fix }) =>
            `${isvc.metadata?.namespace}/${isvc.metadata?.name}: ${MODE_ANNOTATION}=${value} is a legacy value; v0.16.0 rejects every update of it (and its deletion hangs) until it reads ${fix}`
          ).join("\n"),
          affected.map(({ isvc, fix }) =>
            `kubectl annotate inferenceservice ${isvc.metadata?.name} -n ${isvc.metadata?.namespace} ${MODE_ANNOTATION}=${fix} --overwrite`
          ).join("; "),
        );
      }
    },
  },
];
