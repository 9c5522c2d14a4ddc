/** Category "models": InferenceServices that are not Ready, and why; known version bugs. */
import { ISVC_LABEL } from "../defaults.ts";
import type { V1Pod, V1ReplicaSet } from "@kubernetes/client-node";
import type { Deployment } from "../kube/objects.ts";
import { diagnoseInferenceService, refusedGeneration } from "../kserve/model_diagnosis.ts";
import { modelProblems, modelWarnings, type RuleContext } from "../kserve/model_rules.ts";
import { readRuleContext } from "../kserve/model_context.ts";
import { findKnativeNamespace } from "../kserve/knative.ts";
import { legacyModeFix, MODE_ANNOTATION } from "../kserve/versions.ts";
import type { Event } from "../kserve/events.ts";
import { KSERVE_RELEASES, releaseOf } from "../kserve/releases.ts";
import { kindPath, kserveKind } from "../kserve/api_kinds.ts";
import type { InferenceService } from "../kserve/inference_service.ts";
import type { CheckContext } from "./context.ts";
import { listPaged } from "../kube/list.ts";
import { type Check, CheckFailed, SkipCheck } from "./check_types.ts";

/** The releases whose validator rejects a legacy mode annotation (kserve#5025), and their fixes. */
const LEGACY_MODE_BUG = KSERVE_RELEASES.filter((r) => r.legacyModeAnnotationBug);
const BUGGY = LEGACY_MODE_BUG.map((r) => r.version).join(", ");
const FIXES = LEGACY_MODE_BUG.map(({ legacyModeAnnotationBug: bug }) =>
  `fixed in ${bug!.fixedIn} by ${bug!.issue}`
).join("; ");

function modelsPath(ctx: CheckContext): string {
  return kindPath(kserveKind("InferenceService"), {
    namespace: ctx.options.allNamespaces ? undefined : ctx.options.modelNamespace,
  });
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
            labels: isvc.metadata?.labels,
            annotations: isvc.metadata?.annotations,
            // When the spec was last written: a refusal older than it was about an earlier spec.
            managedFields: isvc.metadata?.managedFields?.map((f) => ({
              time: f.time,
              ...(f.subresource ? { subresource: f.subresource } : {}),
            })),
          },
          // What the model rules read (lib/kserve/model_rules.ts).
          spec: {
            predictor: isvc.spec?.predictor,
            transformer: isvc.spec?.transformer,
            explainer: isvc.spec?.explainer,
          },
          status: {
            observedGeneration: isvc.status?.observedGeneration,
            conditions: isvc.status?.conditions,
            modelStatus: isvc.status?.modelStatus,
            deploymentMode: isvc.status?.deploymentMode,
            // KServe's choice: the runtimes are read only for a model without one.
            servingRuntimeName: isvc.status?.servingRuntimeName,
            clusterServingRuntimeName: isvc.status?.clusterServingRuntimeName,
          },
        }),
      ) ?? [],
  );
}

/**
 * What the model rules read for `isvc` (lib/kserve/model_context.ts), once per run and model;
 * each GET once per run (a namespace's labels and runtimes are shared by its models).
 */
function ruleContext(ctx: CheckContext, isvc: InferenceService): Promise<RuleContext> {
  const { namespace, name } = isvc.metadata ?? {};
  return ctx.once(`rules:${namespace}/${name}`, () =>
    readRuleContext(isvc, {
      get: (path) => ctx.get(path),
      kserve: () => ctx.kserve(),
      knativeNamespace: () => ctx.once("knative:namespace", () => findKnativeNamespace(ctx.kube)),
    }));
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
      const ready = (i: InferenceService) =>
        (i.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
      // Ready with a generation the controller has not observed: its refusal is read below.
      const unsettled = isvcs.filter((i) =>
        !ready(i) || (i.status?.observedGeneration ?? 0) < (i.metadata?.generation ?? 0)
      );
      if (unsettled.length === 0) return `${isvcs.length} ready`;
      const events = await ctx.list<Event>(eventsPath(ctx), { fieldSelector: "type=Warning" });
      const ownDeployments = (i: InferenceService) =>
        ctx.list<Deployment>(
          `/apis/apps/v1/namespaces/${i.metadata?.namespace}/deployments`,
          { labelSelector: `${ISVC_LABEL}=${i.metadata?.name}` },
        );
      // A refusal is judged with the model's Deployments (a rendered spec was accepted), read
      // only for a model whose events name one.
      const refused = await Promise.all(unsettled.map(async (i) =>
        !ready(i) ||
        (refusedGeneration(i, events) !== undefined &&
          refusedGeneration(i, events, await ownDeployments(i)) !== undefined)
      ));
      const notReady = unsettled.filter((_, n) => refused[n]);
      if (notReady.length === 0) return `${isvcs.length} ready`;
      // Each model in the words status and deploy --wait use (lib/kserve/model_diagnosis.ts);
      // the run settles on its own only if every one is on its way (field report: a quota
      // refusal, a failed revision and an invalid spec were called "still settling").
      const findings = await Promise.all(notReady.map(async (i) => {
        const { name, namespace } = i.metadata ?? {};
        const selector = { labelSelector: `${ISVC_LABEL}=${name}` };
        const [pods, replicaSets, deployments, rules] = await Promise.all([
          ctx.list<V1Pod>(`/api/v1/namespaces/${namespace}/pods`, selector),
          ctx.list<V1ReplicaSet>(`/apis/apps/v1/namespaces/${namespace}/replicasets`, selector),
          ownDeployments(i),
          ruleContext(ctx, i),
        ]);
        return diagnoseInferenceService(i, events, pods, rules, [
          ...deployments,
          ...replicaSets,
        ]);
      }));
      const first = notReady[0]!.metadata;
      const status = `kubectl kserve status ${first?.name} -n ${first?.namespace}`;
      throw new CheckFailed(
        notReady.map((i, n) =>
          `${i.metadata?.namespace}/${i.metadata?.name}: ${findings[n]!.cause}`
        )
          .join("\n"),
        `See its conditions, pods and events with: ${status}${
          notReady.length > 1 ? " (and the same for each model above)" : ""
        }`,
        { transient: findings.every((f) => !f.lasting) },
      );
    },
  },
  {
    id: "models.spec",
    category: "models",
    description: "every InferenceService keeps the rules deploy applies before it sends",
    hint: "Fix each model's spec as its line says, then apply it again",
    dependsOn: ["kserve.crds"],
    async run(ctx) {
      requireScope(ctx);
      const isvcs = await models(ctx);
      const broken = (await Promise.all(isvcs.map(async (i) => {
        return modelProblems(i, await ruleContext(ctx, i)).map((p) =>
          `${i.metadata?.namespace}/${i.metadata?.name}: ${p.message}. Fix: ${p.fix}`
        );
      }))).flat();
      if (broken.length) throw new CheckFailed(broken.join("\n"), undefined, { transient: false });
      return `${isvcs.length} checked`;
    },
  },
  {
    id: "models.settings",
    category: "models",
    description: "the cluster's settings let every InferenceService do what its spec asks",
    hint: "Patch the setting each line names, or change the model's spec",
    dependsOn: ["kserve.crds"],
    warning: true,
    async run(ctx) {
      requireScope(ctx);
      const isvcs = await models(ctx);
      const kept = (await Promise.all(
        isvcs.map(async (i) =>
          modelWarnings(i, await ruleContext(ctx, i)).map((p) =>
            `${i.metadata?.namespace}/${i.metadata?.name}: ${p.message}. Fix: ${p.fix}`
          )
        ),
      )).flat();
      if (kept.length) throw new CheckFailed(kept.join("\n"), undefined, { transient: false });
      return `${isvcs.length} checked`;
    },
  },
  {
    id: "models.legacy-mode-annotation",
    category: "models",
    description: `no InferenceService uses a legacy mode annotation on KServe ${BUGGY}`,
    hint:
      `On ${BUGGY} annotate with Standard or Knative instead (${FIXES}); a stuck object needs its finalizer removed`,
    dependsOn: ["kserve.crds"],
    warning: true,
    async run(ctx) {
      requireScope(ctx);
      const { version } = await ctx.kserve();
      if (!releaseOf(version)?.legacyModeAnnotationBug) {
        throw new SkipCheck(
          `only KServe ${BUGGY} has this bug (installed: ${version ?? "unknown"})`,
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
            `${isvc.metadata?.namespace}/${isvc.metadata?.name}: ${MODE_ANNOTATION}=${value} is a legacy value; ${version} rejects every update of it (and its deletion hangs) until it reads ${fix}`
          ).join("\n"),
          affected.map(({ isvc, fix }) =>
            `kubectl annotate inferenceservice ${isvc.metadata?.name} -n ${isvc.metadata?.namespace} ${MODE_ANNOTATION}=${fix} --overwrite`
          ).join("; "),
        );
      }
    },
  },
];
