/** `status` of an InferenceService: its objects and events, its runtime, its mode's warnings. */
import type { Kube } from "../kube/client.ts";
import { explainNotReady, refusedGeneration } from "../kserve/diagnose.ts";
import { modelProblems, modelWarnings } from "../kserve/model_rules.ts";
import { findKServe, type KServeInstall } from "../kserve/detect.ts";
import { defaultDeploymentMode } from "../kserve/config.ts";
import {
  canaryPercent,
  predictorStatus,
  type RevisionTraffic,
  standardCanaryWarning,
  trafficView,
} from "../kserve/traffic.ts";
import {
  type InferenceService,
  predictorModel,
  rendersDeployments,
} from "../kserve/inference_service.ts";
import {
  classifyMode,
  LEGACY_MODE_NAMES,
  legacyModeFix,
  MODE_ANNOTATION,
  modelMode,
} from "../kserve/versions.ts";
import { readRuleContext } from "../kserve/model_context.ts";
import { findKnativeNamespace } from "../kserve/knative.ts";
import { selectRuntime, type ServingRuntime } from "../deploy/runtimes.ts";
import type { ModelKind, ModelStatus } from "./kind.ts";
import { baseReport, finishReport, observe } from "./status.ts";
import { knativeConfigFindings } from "./knative_config_status.ts";
import { judgedReadiness } from "./revisions.ts";

/** Everything `status` reports of an InferenceService of `kind`. */
export async function explainInferenceService(
  kind: ModelKind,
  kube: Kube,
  isvc: InferenceService,
  namespace: string,
  name: string,
): Promise<ModelStatus> {
  const [observed, rules] = await Promise.all([
    observe(kube, isvc, {
      namespace,
      podSelector: kind.podSelector(name),
      hpaName: kind.service(name),
      listDeployments: true,
      hpaIsRoot: false,
    }),
    // What the model rules read: among them the runtimes, read only before KServe has reported
    // its choice (which servingRuntime() predicts from them).
    readRuleContext(isvc, {
      get: (path) => kube.getOptional(path),
      kserve: () => findKServe(kube),
      knativeNamespace: () => findKnativeNamespace(kube),
    }),
  ]);
  const report = baseReport(
    { backend: kind.backend, object: isvc, name, namespace, mode: modelMode(isvc).value },
    observed,
    // A refused latest generation is not Ready: its pods serve the previous spec.
    kind.ready(isvc) && !refusedGeneration(isvc, observed.events, observed.deployments),
    kind.address(isvc, namespace, name),
  );
  const traffic = await revisionTraffic(kube, isvc, namespace, name);
  if (traffic) report.traffic = traffic;
  report.runtime = servingRuntime(isvc, knownRuntime(isvc) ? [] : rules.runtimes);
  if (report.runtime === undefined) delete report.runtime;
  // The rules deploy applies before it sends, applied to the model whoever wrote it.
  const problems = [
    ...modelProblems(isvc, rules),
    ...modelWarnings(isvc, rules),
    ...canaryWarnings(isvc, await installFor(kube, isvc)),
    ...await knativeConfigFindings(kube, isvc),
  ].map((problem) => `${problem.message}. Fix: ${problem.fix}`);
  return finishReport(
    report,
    isvc,
    observed,
    rendersDeployments(isvc) ? observed.deployments : [],
    [...await legacyWarnings(kube, isvc, namespace, name), ...problems],
    () =>
      explainNotReady(
        isvc,
        observed.events,
        observed.pods,
        rules,
        observed.deployments,
        observed.logs,
      ),
  );
}

/**
 * A Knative-mode model's traffic by revision (KServe reports revisions only in that mode), with
 * each Revision's readiness (one list request); a user who may not list Revisions (403) still
 * sees the shares, their readiness unknown.
 */
async function revisionTraffic(
  kube: Kube,
  isvc: InferenceService,
  namespace: string,
  name: string,
): Promise<RevisionTraffic[] | undefined> {
  const predictor = predictorStatus(isvc);
  if (!predictor.latestCreatedRevision && !predictor.traffic?.length) return undefined;
  const readiness = await judgedReadiness(kube, namespace, name).catch((error) => {
    if ((error as { status?: number }).status === 403) return {};
    throw error;
  });
  return trafficView(isvc, readiness).revisions;
}

/** The install, read only when a finding needs its version or default mode (4 requests). */
function installFor(kube: Kube, isvc: InferenceService): Promise<KServeInstall | undefined> {
  return canaryPercent(isvc) === undefined
    ? Promise.resolve(undefined)
    : findKServe(kube).catch(() => undefined);
}

/** A canary outside Knative mode: KServe ignores it and sends 100% to the new model. */
function canaryWarnings(
  isvc: InferenceService,
  install: KServeInstall | undefined,
): { message: string; fix: string }[] {
  if (!install) return [];
  const value = modelMode(isvc, defaultDeploymentMode(install.configMap?.data)).value;
  const warning = standardCanaryWarning(
    isvc,
    { kind: classifyMode(value, install.version), value },
    install.version,
  );
  return warning ? [warning] : [];
}

/** A legacy mode annotation, which v0.16.0 holds against every update: how to fix it. */
async function legacyWarnings(
  kube: Kube,
  isvc: InferenceService,
  namespace: string,
  name: string,
): Promise<string[]> {
  const annotation = isvc.metadata?.annotations?.[MODE_ANNOTATION];
  if (annotation === undefined || !LEGACY_MODE_NAMES.includes(annotation)) return [];
  // The KServe version matters only for a legacy mode value: found only then (4 requests).
  const installed = await findKServe(kube).catch(() => undefined);
  const fix = legacyModeFix(annotation, isvc.status?.deploymentMode, installed?.version);
  return fix
    ? [
      `${MODE_ANNOTATION}=${annotation} is a legacy value: KServe ${installed?.version} rejects every update of this InferenceService (and its deletion hangs) until it reads ${fix}. Fix: kubectl annotate inferenceservice ${name} -n ${namespace} ${MODE_ANNOTATION}=${fix} --overwrite`,
    ]
    : [];
}

/** The runtime named in the spec, or the one the controller reports it chose (its status). */
function knownRuntime(isvc: InferenceService): string | undefined {
  const named = predictorModel(isvc)?.spec.runtime;
  if (named) return `${named} (named in the spec)`;
  const reported = isvc.status?.servingRuntimeName ?? isvc.status?.clusterServingRuntimeName;
  return reported ? `${reported} (chosen by KServe)` : undefined;
}

/**
 * The runtime named in the spec; else the one the controller reports it chose (status); else,
 * before it has reconciled, the one KServe's selection would pick (lib/deploy/runtimes.ts).
 * `runtimes` undefined: these credentials may not list them (a namespace-scoped user).
 */
function servingRuntime(
  isvc: InferenceService,
  runtimes: ServingRuntime[] | undefined,
): string | undefined {
  const found = predictorModel(isvc);
  if (!found) return undefined;
  if (found.form === "containers") return `none: a custom container (${found.path})`;
  const known = knownRuntime(isvc);
  if (known) return known;
  const format = found.format;
  if (!format?.name) return undefined;
  const protocol = found.spec.protocolVersion ?? "v1";
  if (!runtimes) {
    return `not known yet (KServe chooses one for ${format.name}, protocol ${protocol}; these credentials may not list the runtimes)`;
  }
  const chosen = selectRuntime(runtimes, format, { protocol });
  return chosen && runtimes.length
    ? `${chosen.name} (selected for ${format.name}, protocol ${protocol})`
    : `none serves ${format.name} over protocol ${protocol}`;
}
