/**
 * The deployment backend's kind: a model served without KServe, as a Deployment, a Service
 * and an HPA of the model's name, written by this tool (BACKEND_LABEL marks them).
 */
import { MANAGED_BY_LABEL, PLUGIN_NAME } from "../defaults.ts";
import { UsageError } from "../errors.ts";
import type { KubeObject } from "../kube/client.ts";
import { listPaged } from "../kube/list.ts";
import type { Deployment } from "../kube/objects.ts";
import { deploymentAvailable, deploymentRolledOut, explainPods } from "../kserve/diagnose.ts";
import { deploymentRuntime, storageInitializerImage } from "../deploy/runtimes.ts";
import { BACKEND_LABEL, buildDeploymentBackend } from "../deploy/spec.ts";
import { validateName } from "../deploy/validate.ts";
import type { ModelWait } from "../deploy/wait.ts";
import type { ModelKind, ModelObject, ModelRow, PlanContext } from "./kind.ts";
import { serviceAddress, waitTarget } from "./kind.ts";
import { checkPredictorFlags } from "./predictor_flags.ts";
import { baseReport, finishReport, observe } from "./status.ts";

/** "ready/desired" replicas of a Deployment, as `list` shows them. */
export function replicasOf(deployment: Deployment): string {
  return `${deployment.status?.readyReplicas ?? 0}/${deployment.spec?.replicas ?? 1}`;
}

const collection = (namespace?: string) =>
  `/apis/apps/v1${namespace ? `/namespaces/${namespace}` : ""}/deployments`;

export const DEPLOYMENT: ModelKind = {
  backend: "deployment",
  findsAnyOwner: false,
  kind: "Deployment",
  owns: "deployment, service and hpa",
  apiVersions: ["apps/v1", "v1", "autoscaling/v2"],
  formatHint: "Pass --model-format, or --image for your own server",
  checkFlags(request, base) {
    checkPredictorFlags(request, base, this.formatHint);
  },
  collection,
  async find(kube, namespace, name) {
    const deployment = await kube.getOptional<Deployment>(`${collection(namespace)}/${name}`);
    // Another app's Deployment of the same name is not a model.
    return deployment?.metadata?.labels?.[BACKEND_LABEL] === "deployment" ? deployment : undefined;
  },
  list: (kube, namespace) =>
    listPaged<Deployment, ModelRow>(
      kube,
      collection(namespace),
      { labelSelector: `${BACKEND_LABEL}=deployment` },
      row,
    ).then((rows) => rows ?? []),
  ready: (object) => deploymentAvailable(object as Deployment),
  // The plugin's own pair: a name label alone also matches another app's pods.
  podSelector: (name) => `app.kubernetes.io/name=${name},${MANAGED_BY_LABEL}=${PLUGIN_NAME}`,
  wait(namespace, name): ModelWait<ModelObject> {
    const wait: ModelWait<Deployment> = {
      ...waitTarget(this, namespace, name),
      // Rolled out, not only Available: after a re-deploy the old pod keeps it Available.
      ready: (d) => d ? deploymentRolledOut(d) : "not created yet",
    };
    return wait as ModelWait<ModelObject>;
  },
  service: (name) => name,
  address: (_object, namespace, name) => ({ internal: serviceAddress(name, namespace) }),
  async explain(kube, object, namespace, name) {
    const deployment = object as Deployment;
    const observed = await observe(kube, deployment, {
      namespace,
      podSelector: this.podSelector(name),
      hpaName: name,
      listDeployments: false,
      hpaIsRoot: true,
    });
    const report = baseReport(
      { backend: this.backend, object, name, namespace },
      observed,
      this.ready(object),
      this.address(object, namespace, name),
    );
    return finishReport(
      report,
      object,
      observed,
      [deployment],
      [],
      () =>
        explainPods(observed.pods, observed.events, observed.logs) ??
          "the Deployment has no available replicas yet",
    );
  },
  deleted: (namespace, name) =>
    [
      ["Deployment", collection(namespace)],
      ["Service", `/api/v1/namespaces/${namespace}/services`],
      [
        "HorizontalPodAutoscaler",
        `/apis/autoscaling/v2/namespaces/${namespace}/horizontalpodautoscalers`,
      ],
    ].map(([kind, objects]) => ({ path: `${objects}/${name}`, kind: kind!, name, namespace })),
  // A Deployment rolls out one template at a time: no revisions to split traffic between.
  rollout: {
    mode: () => ({ kind: undefined, value: "Deployment" }),
    refusal: (name, namespace) => ({
      message:
        `"${name}" is a Deployment (the deployment backend): canary rollouts split traffic between the Knative revisions of an InferenceService in Knative mode`,
      hint:
        `Follow a Deployment's rollout with: kubectl rollout status deployment/${name} -n ${namespace}`,
      info:
        `"${name}" is a Deployment (the deployment backend): it has no revisions to split traffic between`,
    }),
  },
  validateName: (name) => validateName(name),
  plan,
};

/** The Deployment, Service and HPA, with the runtime KServe would run for the format. */
async function plan(context: PlanContext): Promise<KubeObject[]> {
  const { request, kserve } = context;
  if (context.base) {
    // The file is an InferenceService, which only KServe serves: dropping it would deploy
    // something other than what it says.
    throw new UsageError(
      "-f takes an InferenceService, which only the kserve backend deploys; the deployment backend would ignore the file",
      {
        hint:
          "Install KServe (kubectl kserve install) and deploy the file with --backend kserve, or deploy with flags (--model-format, --storage-uri) and no -f",
      },
    );
  }
  if (request.minReplicas === 0) {
    // An HPA's minReplicas is at least 1 (autoscaling/v2 refuses 0 unless the HPAScaleToZero
    // feature gate is on), so a Deployment never scales to or from zero: raising it silently
    // would report a scale-to-zero that is not happening.
    throw new UsageError(
      "--min-replicas 0 needs KServe in Knative mode: the deployment backend serves a model from a Deployment and an HPA, which never scale to or from zero",
      {
        hint:
          "Keep at least one replica (--min-replicas 1), or deploy with KServe in Knative mode (--backend kserve --mode serverless), where Knative's activator wakes a model at zero",
      },
    );
  }
  const runtimes = kserve ? await context.lookups.runtimes ?? [] : [];
  const runtime = deploymentRuntime(request, runtimes, kserve?.version);
  if (!runtime) {
    throw new UsageError(`No runtime is known for model format "${request.modelFormat?.name}"`, {
      hint: "Pass --image with a serving image for it",
    });
  }
  return buildDeploymentBackend(request, runtime, storageInitializerImage(kserve?.version), {
    // The Deployment already there: its replica count (the HPA's choice) is kept.
    liveReplicas: (context.existing.deployment as Deployment | undefined)?.spec?.replicas,
  });
}

// A listed object always has a name, a namespace and a creation time (the API server sets them);
// the fallbacks only satisfy the types.
function row(d: Deployment): ModelRow {
  const name = d.metadata?.name ?? "";
  const namespace = d.metadata?.namespace ?? "";
  return {
    name,
    namespace,
    backend: "deployment",
    mode: "Deployment",
    ready: deploymentAvailable(d),
    url: serviceAddress(name, namespace),
    replicas: replicasOf(d),
    created: d.metadata?.creationTimestamp ?? "",
  };
}
