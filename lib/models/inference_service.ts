/**
 * The InferenceService kind (serving.kserve.io/v1beta1): KServe renders its predictor (a
 * Deployment in raw mode, a Knative Service otherwise) and names it predictorName(NAME).
 */
import { ISVC_LABEL, ISVC_PATH } from "../defaults.ts";
import { CliError, UsageError } from "../errors.ts";
import type { Kube, KubeObject } from "../kube/client.ts";
import { listPaged } from "../kube/list.ts";
import type { Deployment } from "../kube/objects.ts";
import { hostLabels } from "../kserve/config.ts";
import { lastingCause } from "../kserve/diagnose.ts";
import { modelProblems, modelWarnings } from "../kserve/model_rules.ts";
import { modelMode } from "../kserve/versions.ts";
import {
  type InferenceService,
  isvcReady,
  predictorModel,
  predictorName,
  rendersDeployments,
} from "../kserve/inference_service.ts";
import { kserveWebhookAnswers } from "../kserve/probes.ts";
import { revisionService, servingRevision } from "../kserve/traffic.ts";
import { revisionDeployment, revisionRoute } from "../kserve/activator.ts";
import { stopAnnotated } from "../kserve/stop.ts";
import { unrenderedSpec } from "../kserve/rendered.ts";
import { checkScaleToZero, requireKnativeForMode } from "../deploy/knative.ts";
import { findKnativeNamespace, knativeNamespace } from "../kserve/knative.ts";
import { readRuleContext } from "../kserve/model_context.ts";
import { STORAGE_SECRET_ANNOTATION, withHfTokenEnv } from "../kserve/hf.ts";
import { writeErr } from "../output.ts";
import { buildInferenceService } from "../deploy/spec.ts";
import { validateHostLabel, validateName } from "../deploy/validate.ts";
import type { ModelWait } from "../deploy/wait.ts";
import { explainInferenceService } from "./inference_service_status.ts";
import { INFERENCE_SERVICE_ROLLOUT } from "./inference_service_rollout.ts";
import {
  type ModelKind,
  type ModelObject,
  type ModelRow,
  type PlanContext,
  serviceAddress,
  waitTarget,
} from "./kind.ts";
import { replicasOf } from "./deployment.ts";
import { checkPredictorFlags } from "./predictor_flags.ts";

function isvcStopReported(object: ModelObject): boolean {
  return ((object as InferenceService).status?.conditions ?? []).some((c) =>
    c.type === "Stopped" && c.status === "True"
  );
}

function readyReason(isvc: InferenceService | undefined): string {
  if (!isvc) return "not created yet";
  const ready = (isvc.status?.conditions ?? []).find((c) => c.type === "Ready");
  return ready
    ? `Ready is ${ready.status}${ready.reason ? ` (${ready.reason})` : ""}`
    : "no status from the controller yet";
}

const collection = (namespace?: string) =>
  `${ISVC_PATH}${namespace ? `/namespaces/${namespace}` : ""}/inferenceservices`;

export const INFERENCE_SERVICE: ModelKind = {
  backend: "kserve",
  findsAnyOwner: true,
  kind: "InferenceService",
  owns: "inferenceservice",
  apiVersions: [ISVC_PATH.replace(/^\/apis\//, "")],
  formatHint:
    "Pass --model-format (such as sklearn), or -f FILE with a predictor: spec.predictor.model with modelFormat, a format key such as spec.predictor.sklearn, or spec.predictor.containers",
  checkFlags(request, base) {
    checkPredictorFlags(request, base, this.formatHint);
  },
  collection,
  // 404 (no such model, or KServe's API not served) is undefined; any other failure is an error.
  find: (kube, namespace, name) =>
    kube.getOptional<InferenceService>(`${collection(namespace)}/${name}`),
  list,
  ready: (object) => isvcReady(object as InferenceService),
  // The controller reports a stop it has carried out as condition Stopped (v1beta1
  // inference_service_status.go: "all related objects are deleted").
  stopReported: isvcStopReported,
  podSelector: (name) => `${ISVC_LABEL}=${name}`,
  wait(namespace, name): ModelWait<ModelObject> {
    const wait: ModelWait<InferenceService> = {
      ...waitTarget(this, namespace, name),
      ready: (isvc) => isvcReady(isvc) ? true : readyReason(isvc),
      // What waiting cannot fix fails at once (field report: an invalid node selector waited
      // out the whole --timeout on ReconcileFailed).
      failedObject: (isvc) => lastingCause(isvc, []),
      // Raw mode: the predictor Deployment KServe renders must run the change too. (Knative
      // reports a revision that is not ready yet in Ready itself.)
      rolloutSelector: (isvc) => rendersDeployments(isvc) ? `${ISVC_LABEL}=${name}` : undefined,
      // A re-deploy's old Deployment is rolled out until KServe renders the new spec into it.
      unrendered: (isvc, deployment) =>
        deployment.metadata?.name === predictorName(name)
          ? unrenderedSpec(isvc, deployment)
          : undefined,
    };
    return wait as ModelWait<ModelObject>;
  },
  service: predictorName,
  // Knative mode: the serving revision's pods (the Route's own Service is an ExternalName).
  proxyService(object) {
    const revision = servingRevision(object as InferenceService);
    return revision && revisionService(revision);
  },
  // A revision with no ready pod (at zero): through the activator (lib/kserve/activator.ts).
  async proxyRoute(kube, object, namespace) {
    const revision = servingRevision(object as InferenceService);
    if (!revision) return undefined;
    const deployment = await kube.getOptional<Deployment>(
      `/apis/apps/v1/namespaces/${namespace}/deployments/${revisionDeployment(revision)}`,
    ).catch((error) => {
      // Credentials that may not read Deployments: the private Service, as before.
      if ((error as { status?: number }).status === 403) return undefined;
      throw error;
    });
    const ready = deployment ? deployment.status?.readyReplicas ?? 0 : undefined;
    const knative = ready === 0 ? await knativeNamespace(kube) : "";
    return revisionRoute(revision, namespace, ready, knative);
  },
  address(object, namespace, name) {
    const isvc = object as InferenceService;
    return {
      url: isvc.status?.url,
      internal: isvc.status?.address?.url ?? serviceAddress(predictorName(name), namespace),
    };
  },
  explain(kube, object, namespace, name) {
    return explainInferenceService(this, kube, object as InferenceService, namespace, name);
  },
  deleted: (namespace, name) => [
    { path: `${collection(namespace)}/${name}`, kind: "InferenceService", name, namespace },
  ],
  async canDelete(kube, namespace, name) {
    // The controller removes the InferenceService's finalizer; if it is down the delete never
    // completes.
    if (await kserveWebhookAnswers(kube)) return;
    throw new CliError(
      `The KServe controller is not answering, so InferenceService ${namespace}/${name} would hang in Terminating (its finalizer is removed by the controller)`,
      { hint: "Find out why with: kubectl kserve check; fix the controller, then delete again" },
    );
  },
  rollout: INFERENCE_SERVICE_ROLLOUT,
  validateName(name, where) {
    validateName(name);
    if (where) {
      validateHostLabel(
        name,
        where.namespace,
        hostLabels(where.kserve?.configMap?.data, predictorName(name), where.namespace),
      );
    }
    if (!/^[a-z]/.test(name)) {
      throw new UsageError(
        `Invalid name "${name}": an InferenceService name must start with a letter`,
      );
    }
  },
  plan,
  useHfToken(object, secret) {
    // The storage initializer (which downloads hf:// URIs) by the annotation; the server, which
    // may fetch more (a tokenizer, a --model_id), by its own env.
    const isvc = object as InferenceService;
    isvc.metadata = {
      ...isvc.metadata,
      annotations: { ...isvc.metadata?.annotations, [STORAGE_SECRET_ANNOTATION]: secret },
    };
    const model = predictorModel(isvc);
    if (model) model.spec.env = withHfTokenEnv(model.spec.env, secret);
  },
};

/**
 * The InferenceService deploy applies, refused before anything is sent where KServe would
 * accept it and then fail: no KServe, a control-plane namespace, no runtime for its format, a
 * mode or scheduling that needs Knative.
 */
async function plan(context: PlanContext): Promise<KubeObject[]> {
  const { request, kserve } = context;
  if (!kserve) {
    throw new CliError("KServe is not installed, so the kserve backend cannot be used", {
      hint:
        "Install it (kubectl kserve install --mode raw), or deploy without it: --backend deployment",
    });
  }
  const isvc = buildInferenceService(request, kserve.version, context.base);
  // The rules check and status apply to every model, applied to what is about to be sent:
  // among them a runtime for its format and protocol (KServe would accept the object and then
  // report NoSupportingRuntime only in its status) and Knative's features for pod placement.
  const rules = await readRuleContext(isvc, {
    get: (path) => context.kube.getOptional(path),
    kserve: () => Promise.resolve(kserve),
    knativeNamespace: () => findKnativeNamespace(context.kube),
  }, { namespaceLabels: context.namespaceLabels, runtimes: await context.lookups.runtimes });
  const broken = modelProblems(isvc, rules)[0];
  if (broken) throw new UsageError(broken.message, { hint: broken.fix });
  await requireKnativeForMode(context.resources, isvc, kserve);
  checkScaleToZero(isvc, kserve);
  // What the cluster's settings keep from happening as asked: said, and the model applied.
  for (const warning of modelWarnings(isvc, rules)) {
    writeErr(`Warning: ${warning.message}. Fix: ${warning.fix}\n`);
  }
  return [isvc];
}

/**
 * InferenceServices as rows, with the replicas of their raw-mode predictor Deployments (read
 * by KServe's label, never a cluster's thousands of others). Lists come in pages of 500, and
 * each page becomes rows as it arrives: 10,000 InferenceServices are never held whole.
 */
async function list(kube: Kube, namespace: string | undefined): Promise<ModelRow[]> {
  const scope = namespace ? `/namespaces/${namespace}` : "";
  const [isvcs, predictors] = await Promise.all([
    listPaged<InferenceService, ModelRow>(kube, collection(namespace), {}, row),
    listPaged<Deployment, [string, string] | undefined>(
      kube,
      `/apis/apps/v1${scope}/deployments`,
      { labelSelector: ISVC_LABEL },
      (d) => {
        const model = d.metadata?.labels?.[ISVC_LABEL] ?? "";
        return d.metadata?.name === predictorName(model)
          ? [`${d.metadata?.namespace}/${model}`, replicasOf(d)]
          : undefined;
      },
    ),
  ]);
  const replicas = new Map((predictors ?? []).filter((p) => p !== undefined));
  return (isvcs ?? []).map((r) => ({
    ...r,
    replicas: replicas.get(`${r.namespace}/${r.name}`) ?? "-",
  }));
}

// A listed object always has a name, a namespace and a creation time (the API server sets them);
// the fallbacks only satisfy the types.
function row(i: InferenceService): ModelRow {
  return {
    name: i.metadata?.name ?? "",
    namespace: i.metadata?.namespace ?? "",
    backend: "kserve",
    mode: modelMode(i).value,
    ready: isvcReady(i),
    ...(stopAnnotated(i.metadata) && isvcStopReported(i) ? { stopped: true } : {}),
    url: i.status?.url ?? "",
    replicas: "-",
    created: i.metadata?.creationTimestamp ?? "",
  };
}
