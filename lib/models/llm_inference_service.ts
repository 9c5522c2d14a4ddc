/**
 * The LLMInferenceService kind (serving.kserve.io v1alpha1/v1alpha2), served by KServe's second
 * controller, llmisvc-controller-manager: it renders a workload Deployment NAME-kserve and its
 * Service NAME-kserve-workload-svc, and with spec.router an HTTPRoute, an InferencePool and a
 * scheduler (pkg/controller/{v1alpha1,v1alpha2}/llmisvc).
 */
import type { V1Service } from "@kubernetes/client-node";
import { UsageError } from "../errors.ts";
import type { Kube } from "../kube/client.ts";
import { listPaged } from "../kube/list.ts";
import type { Deployment } from "../kube/objects.ts";
import { kindPath, kserveKind } from "../kserve/api_kinds.ts";
import {
  failingLeaf,
  LLM_MAIN_CONTAINER,
  LLM_WORKLOAD_PORT,
  type LLMInferenceService,
  llmPodSelector,
  llmReady,
  llmServesTls,
  llmStopReported,
  llmVersion,
  llmVersionKnown,
  llmWorkloadService,
  STOPPED_REASON,
} from "../kserve/llm_inference_service.ts";
import { factsOf } from "../kserve/releases.ts";
import { STORAGE_SECRET_ANNOTATION, withHfTokenEnv } from "../kserve/hf.ts";
import { STOP_ANNOTATION, stopAnnotated } from "../kserve/stop.ts";
import { validateName } from "../deploy/validate.ts";
import type { ModelWait } from "../deploy/wait.ts";
import type { ModelKind, ModelObject, ModelRow } from "./kind.ts";
import { waitTarget } from "./kind.ts";
import { replicasOf } from "./deployment.ts";
import { explainLLM } from "./llm_status.ts";
import { checkLLMFlags, planLLM } from "./llm_plan.ts";

const LLM = kserveKind("LLMInferenceService");

/**
 * The collection at the version the cluster prefers (llmVersion: every command reads the model,
 * or plans it, before it builds a path from this).
 */
const collection = (namespace?: string) => kindPath(LLM, { namespace, version: llmVersionKnown() });

/**
 * The longest name whose workload Service name KServe does not shorten with a hash
 * (kmeta.ChildName: 63 characters with "-kserve-workload-svc").
 */
const LONGEST_NAME = 63 - "-kserve-workload-svc".length;

/** Reasons of a False leaf that waiting fixes: the workload or router is still coming up. */
const TRANSIENT =
  /^(MinimumReplicasUnavailable|ReplicaSetUpdated|NewReplicaSetAvailable|ProgressDeadlineExceeded|Deployment.*|.*NotReady|.*Progressing|Pending|Reconciling)$/;

/** Why the model is not Ready yet: the failing leaf, or what is missing. */
function readyReason(object: LLMInferenceService | undefined): string {
  if (!object) return "not created yet";
  const leaf = failingLeaf(object.status?.conditions ?? []);
  if (leaf) return `${leaf.type} is False${leaf.reason ? ` (${leaf.reason})` : ""}`;
  return object.status?.conditions?.length
    ? "Ready is not True yet"
    : "no status from the llmisvc controller yet";
}

/**
 * A False leaf waiting cannot fix: a missing preset, a merge or reconcile error, an unsupported
 * storage URI (the controller's reasons end in Error or NotFound; a stopped workload is final).
 */
function lastingFailure(object: LLMInferenceService): string | undefined {
  const leaf = failingLeaf(object.status?.conditions ?? []);
  if (!leaf?.reason || TRANSIENT.test(leaf.reason)) return undefined;
  if (leaf.reason === STOPPED_REASON) {
    return `it is stopped (${leaf.type} is False, Stopped); start it with: kubectl kserve start ${object.metadata?.name} -n ${object.metadata?.namespace}`;
  }
  if (!/(Error|NotFound|Failed|Invalid)/.test(leaf.reason)) return undefined;
  return `${leaf.type} is False (${leaf.reason})${leaf.message ? `: ${leaf.message}` : ""}`;
}

export const LLM_INFERENCE_SERVICE: ModelKind = {
  backend: "llm",
  findsAnyOwner: true,
  kind: "LLMInferenceService",
  owns: "llminferenceservice",
  apiVersions: LLM.versions.map((v) => `serving.kserve.io/${v}`),
  formatHint: "An LLMInferenceService takes no model format: pass --storage-uri hf://ORG/MODEL",
  deploySwitch: "--llm",
  deployFlags: ["--model-name", "--replicas", "--no-router", "--no-scheduler", "--gateway"],
  collection,
  find: (kube, namespace, name) =>
    unlessForbidden(
      llmVersion(kube).then((version) =>
        version
          ? kube.getOptional<LLMInferenceService>(`${collection(namespace)}/${name}`)
          : undefined
      ),
      undefined,
    ),
  list: (kube, namespace) =>
    unlessForbidden(
      llmVersion(kube).then((version) => version ? list(kube, namespace) : []),
      [],
    ),
  ready: (object) => llmReady(object as LLMInferenceService),
  stopReported: (object) => llmStopReported(object as LLMInferenceService),
  podSelector: llmPodSelector,
  wait(namespace, name): ModelWait<ModelObject> {
    const wait: ModelWait<LLMInferenceService> = {
      ...waitTarget(this, namespace, name),
      ready: (object) => llmReady(object) ? true : readyReason(object),
      failedObject: lastingFailure,
      // Ready follows the workload Deployment's availability: after a re-deploy the old pods
      // keep it Available while the new spec's start.
      rolloutSelector: () => llmPodSelector(name),
    };
    return wait as ModelWait<ModelObject>;
  },
  service: llmWorkloadService,
  address(object, namespace, name) {
    const status = (object as LLMInferenceService).status;
    return {
      url: status?.url,
      // The workload Service (vLLM's scheme, when the controller has not said: llmServesTls).
      internal: status?.address?.url ??
        `http://${llmWorkloadService(name)}.${namespace}.svc.cluster.local:${LLM_WORKLOAD_PORT}`,
    };
  },
  // vLLM's OpenAI server on the workload Service; "https:" makes the API server's proxy speak
  // TLS to it (it does not verify the self-signed certificate the controller makes).
  openaiPath: (namespace, name, tls) =>
    `/api/v1/namespaces/${namespace}/services/${tls ? "https:" : ""}${
      llmWorkloadService(name)
    }:${LLM_WORKLOAD_PORT}/proxy/v1/chat/completions`,
  openaiTls: (kube, object, namespace, name) =>
    llmServesTls(
      object as LLMInferenceService,
      () =>
        kube.getOptional<V1Service>(
          `/api/v1/namespaces/${namespace}/services/${llmWorkloadService(name)}`,
        ),
    ),
  // vLLM serves the model as spec.model.name, which the controller defaults to the object's name.
  servedModel: (object, name) => (object as LLMInferenceService).spec?.model?.name ?? name,
  explain(kube, object, namespace, name) {
    return explainLLM(this, kube, object as LLMInferenceService, namespace, name);
  },
  deleted: (namespace, name) => [
    { path: `${collection(namespace)}/${name}`, kind: "LLMInferenceService", name, namespace },
  ],
  stopRefusal(kserve, namespace, name) {
    if (factsOf(kserve?.version).llmisvcHonoursStop) return undefined;
    // What does free them there: the controller copies spec.replicas into the workload
    // Deployment (workload_single_node.go), so 0 takes its pods down and keeps the object.
    return {
      message:
        `KServe ${kserve?.version}'s llmisvc controller ignores ${STOP_ANNOTATION} on an LLMInferenceService (later releases honour it): its pods and GPUs would stay, and so would Ready`,
      hint:
        `Free its GPUs by scaling it to zero replicas: kubectl patch llminferenceservice ${name} -n ${namespace} --type merge -p '{"spec":{"replicas":0}}'`,
    };
  },
  validateName(name) {
    validateName(name);
    if (name.length > LONGEST_NAME) {
      throw new UsageError(
        `Invalid name "${name}": an LLMInferenceService name here takes at most ${LONGEST_NAME} characters (its workload Service is NAME-kserve-workload-svc, at most 63)`,
        { hint: "Use a shorter name" },
      );
    }
  },
  // The llmisvc controller renders Deployments, not Knative revisions: no split to roll out.
  rollout: {
    mode: () => ({ kind: undefined, value: "LLMInferenceService" }),
    refusal: (name, namespace) => ({
      message:
        `"${name}" is an LLMInferenceService: canary rollouts split traffic between the Knative revisions of an InferenceService in Knative mode, and KServe's llmisvc controller makes none`,
      hint: `Follow its Deployments' rollout with: kubectl kserve status ${name} -n ${namespace}`,
      info: `"${name}" is an LLMInferenceService: it has no revisions to split traffic between`,
    }),
  },
  plan: planLLM,
  checkFlags: checkLLMFlags,
  useHfToken(object, secret) {
    // The llmisvc controller gives the storage initializer (which downloads hf:// URIs) the
    // Secret the annotation names, as for an InferenceService (workload_storage.go,
    // attachHfModelArtifact -> CreateSecretVolumeAndEnvFromServiceAccount with the object's
    // annotations); vLLM, which may fetch more (a tokenizer), reads HF_TOKEN from its own env.
    const llm = object as LLMInferenceService;
    llm.metadata = {
      ...llm.metadata,
      annotations: { ...llm.metadata?.annotations, [STORAGE_SECRET_ANNOTATION]: secret },
    };
    const spec = llm.spec ??= {};
    const template = spec.template ??= {};
    const containers = template.containers ??= [];
    let main = containers.find((c) => c.name === LLM_MAIN_CONTAINER);
    if (!main) containers.push(main = { name: LLM_MAIN_CONTAINER });
    main.env = withHfTokenEnv(main.env, secret);
  },
};

/**
 * What a user who may not read LLMInferenceServices (403) sees of them: none. KServe's roles
 * grant them apart from InferenceServices (the "edit" role has neither), and such a user's
 * other models must still be found, listed and shown. Any other failure is an error.
 */
function unlessForbidden<T>(read: Promise<T>, none: T): Promise<T> {
  return read.catch((error) => {
    if ((error as { status?: number }).status === 403) return none;
    throw error;
  });
}

/** LLMInferenceServices as rows, with the replicas of their workload Deployments. */
async function list(kube: Kube, namespace: string | undefined): Promise<ModelRow[]> {
  const scope = namespace ? `/namespaces/${namespace}` : "";
  const [objects, workloads] = await Promise.all([
    listPaged<LLMInferenceService, ModelRow>(kube, collection(namespace), {}, row),
    listPaged<Deployment, [string, string] | undefined>(
      kube,
      `/apis/apps/v1${scope}/deployments`,
      { labelSelector: "app.kubernetes.io/part-of=llminferenceservice" },
      (d) => {
        const model = d.metadata?.labels?.["app.kubernetes.io/name"] ?? "";
        return d.metadata?.name === `${model}-kserve`
          ? [`${d.metadata?.namespace}/${model}`, replicasOf(d)]
          : undefined;
      },
    ),
  ]);
  const replicas = new Map((workloads ?? []).filter((w) => w !== undefined));
  return (objects ?? []).map((r) => ({
    ...r,
    replicas: replicas.get(`${r.namespace}/${r.name}`) ?? (r.stopped ? "0/0" : "-"),
  }));
}

// A listed object always has a name, a namespace and a creation time.
function row(object: LLMInferenceService): ModelRow {
  return {
    name: object.metadata?.name ?? "",
    namespace: object.metadata?.namespace ?? "",
    backend: "llm",
    mode: "LLMInferenceService",
    ready: llmReady(object),
    ...(stopAnnotated(object.metadata) && llmStopReported(object) ? { stopped: true } : {}),
    url: object.status?.url ?? "",
    replicas: "-",
    created: object.metadata?.creationTimestamp ?? "",
  };
}
