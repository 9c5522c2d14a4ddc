/** Category "models": InferenceServices that are not Ready, and why; known version bugs. */
import { eventsOf } from "../kserve/events.ts";
import { KSERVE } from "../defaults.ts";
import { legacyModeFix, MODE_ANNOTATION } from "../kserve/versions.ts";
import type { CheckContext, Obj } from "./context.ts";
import { type Check, CheckFailed, SkipCheck } from "./check_types.ts";

/** Why one InferenceService is not Ready, from its conditions, model status and events. */
export function explainInferenceService(isvc: Obj, events: Obj[]): string {
  const name = `${isvc.metadata.namespace}/${isvc.metadata.name}`;
  // Its own events only: by UID (lib/kserve/events.ts), so an earlier model of the same name
  // does not speak for this one.
  const mine = eventsOf(isvc, [], events).filter((e) => e.type === "Warning");
  const rejected = mine.find((e) => e.reason === "ServerlessModeRejected");
  if (rejected) return `${name}: ${rejected.reason}: ${rejected.message}`;
  const conditions: Obj[] = isvc.status?.conditions ?? [];
  if (conditions.length === 0) {
    const last = mine.at(-1);
    return `${name}: the controller has not reported status${
      last ? ` (${last.reason}: ${last.message})` : ""
    }`;
  }
  const failure = isvc.status?.modelStatus?.lastFailureInfo;
  if (failure?.reason) return `${name}: ${failure.reason}: ${failure.message ?? ""}`.trim();
  const stopped = conditions.find((c) => c.type === "Stopped" && c.status === "True");
  if (stopped) {
    return `${name}: it is stopped (the serving.kserve.io/stop annotation is "true"${
      stopped.message ? `: ${stopped.message}` : ""
    })`;
  }
  // The cause before its consequences: a failed Knative revision shows in the configuration
  // and predictor conditions; IngressReady is False only because of it. Stopped=False is
  // healthy (the model is not stopped) and is never a cause.
  const failing = conditions.filter((c) =>
    c.type !== "Ready" && c.type !== "Stopped" && c.status === "False"
  ).sort((a, b) => causeRank(a.type) - causeRank(b.type));
  const bad = failing[0] ?? conditions.find((c) => c.type === "Ready");
  return `${name}: ${bad?.type} is ${bad?.status}${
    bad?.reason ? ` (${bad.reason}${bad.message ? `: ${bad.message}` : ""})` : ""
  }`;
}

/** Conditions in the order their failure explains the others (KServe's isvc status types). */
const CAUSE_ORDER = [
  "PredictorConfigurationReady",
  "LatestDeploymentReady",
  "PredictorReady",
  "PredictorRouteReady",
  "TransformerReady",
  "ExplainerReady",
  "IngressReady",
];

function causeRank(type: string): number {
  const rank = CAUSE_ORDER.indexOf(type);
  return rank === -1 ? CAUSE_ORDER.length - 1 : rank;
}

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
    hint:
      "See the conditions, pods and events of one model with: kubectl kserve status NAME -n NAMESPACE",
    dependsOn: ["kserve.crds"],
    retryable: true,
    async run(ctx) {
      requireScope(ctx);
      const isvcs = await ctx.list(modelsPath(ctx));
      const notReady = isvcs.filter((i) =>
        !(i.status?.conditions ?? []).some((c: Obj) => c.type === "Ready" && c.status === "True")
      );
      if (notReady.length === 0) return `${isvcs.length} ready`;
      const events = await ctx.list(eventsPath(ctx), {
        fieldSelector: "involvedObject.kind=InferenceService",
      });
      throw new CheckFailed(notReady.map((i) => explainInferenceService(i, events)).join("\n"));
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
      const affected = (await ctx.list(modelsPath(ctx))).flatMap((i) => {
        const value = i.metadata.annotations?.[MODE_ANNOTATION];
        const fix = legacyModeFix(value, i.status?.deploymentMode, version);
        return fix ? [{ isvc: i, value, fix }] : [];
      });
      if (affected.length) {
        throw new CheckFailed(
          affected.map(({ isvc, value, fix }) =>
            `${isvc.metadata.namespace}/${isvc.metadata.name}: ${MODE_ANNOTATION}=${value} is a legacy value; v0.16.0 rejects every update of it (and its deletion hangs) until it reads ${fix}`
          ).join("\n"),
          affected.map(({ isvc, fix }) =>
            `kubectl annotate inferenceservice ${isvc.metadata.name} -n ${isvc.metadata.namespace} ${MODE_ANNOTATION}=${fix} --overwrite`
          ).join("; "),
        );
      }
    },
  },
];
