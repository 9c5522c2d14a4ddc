/**
 * One kind of model, and everything a command asks of it: where its API is, how to find, list,
 * explain, wait for, address, delete and plan it. Each kind is one file beside this one
 * (inference_service.ts, deployment.ts); commands reach them only through kindOf()
 * (kinds.ts). Modelled on kubectl's per-kind helpers (pkg/polymorphichelpers).
 */
import type { Kube, KubeObject } from "../kube/client.ts";
import type { Ref } from "../kube/delete.ts";
import type { Deployment } from "../kube/objects.ts";
import type { ResourceMap } from "../kube/resources.ts";
import type { KServeInstall } from "../kserve/detect.ts";
import type { InferenceService } from "../kserve/inference_service.ts";
import type { LLMInferenceService } from "../kserve/llm_inference_service.ts";
import type { DeployLookups } from "../deploy/lookups.ts";
import type { InferenceServiceFile } from "../deploy/file.ts";
import type { DeployRequest, ModelRequest } from "../deploy/spec.ts";
import type { ModelWait } from "../deploy/wait.ts";
import type { Backend } from "../options.ts";
import type { HpaLine } from "./hpa.ts";
import type { RevisionTraffic } from "../kserve/traffic.ts";
import type { RevisionRoute } from "../kserve/activator.ts";
import type { RolloutTraits } from "./rollout_traits.ts";
import { stopAnnotated } from "../kserve/stop.ts";

/**
 * The main object of a model: an InferenceService, an LLMInferenceService, or the deployment
 * backend's Deployment.
 */
export type ModelObject = InferenceService | LLMInferenceService | Deployment;

/** A deployed model: the backend (which names its kind) and its main object as read. */
export interface Model {
  backend: Backend;
  object: ModelObject;
}

/** The main objects that already hold a name, by backend. */
export type Existing = Partial<Record<Backend, ModelObject>>;

/** One row of `list`. */
export interface ModelRow {
  name: string;
  namespace: string;
  backend: Backend;
  mode: string;
  ready: boolean;
  /** Stopped on purpose (serving.kserve.io/stop, and the controller acted on it): not a failure. */
  stopped?: boolean;
  url: string;
  replicas: string;
  created: string;
}

/** External URL (when there is one) and in-cluster address of a model. */
export interface ModelAddress {
  url?: string;
  internal: string;
}

/** What `status` reports of a model (JSON is this object itself). */
export interface ModelStatus {
  name: string;
  namespace: string;
  backend: Backend;
  mode?: string;
  ready: boolean;
  /** Stopped on purpose (serving.kserve.io/stop): not Ready, and not a failure. */
  stopped?: boolean;
  url?: string;
  address: string;
  /** The OpenAI chat completions URL through the API server's service proxy, when it has one. */
  openai?: string;
  /**
   * The controller's conditions; a kind with a condition tree (an LLMInferenceService) gives
   * each its depth (0: Ready) and lists the failing leaf first.
   */
  conditions: {
    type: string;
    status: string;
    reason?: string;
    message?: string;
    depth?: number;
  }[];
  /** Knative mode: where the Route sends requests now, by revision (as `rollout status` shows). */
  traffic?: RevisionTraffic[];
  /** The routing objects a controller made for the model (HTTPRoute, InferencePool), as KIND/NAME with their state. */
  routing?: string[];
  /** `status`: the pod's STATUS as kubectl prints it (CrashLoopBackOff, not the phase Running). */
  pods: { name: string; phase: string; status: string; ready: string; restarts: number }[];
  /** Whether the Deployments that serve the model run its latest spec (kubectl rollout status);
   * absent for Knative, whose revisions Ready already judges. */
  rollout?: { complete: boolean; detail?: string };
  hpa?: HpaLine;
  /**
   * `uid`: the involved object's, which tells a deleted earlier model's objects from this one's.
   * An event may lack a type, reason or message (core/v1 Event omits empty fields).
   */
  events: { type?: string; reason?: string; message?: string; object: string; uid?: string }[];
  /** The runtime that serves an InferenceService, and how it was chosen. */
  runtime?: string;
  /** Set while a delete is pending: what holds it. */
  deleting?: { since: string; finalizers: string[] };
  /** Findings about the object itself, each naming the offending value and the fix. */
  warnings?: string[];
  diagnosis?: string;
}

/** What planning a deploy knows: the request, the reads started for it, the install found. */
export interface PlanContext {
  kube: Kube;
  resources: ResourceMap;
  lookups: DeployLookups;
  request: DeployRequest;
  /** The KServe install, when it is there (or its controller cannot be read). */
  kserve: KServeInstall | undefined;
  namespaceLabels: Record<string, string>;
  existing: Existing;
  /** The -f file, for the kinds that take one. */
  base: InferenceServiceFile | undefined;
}

export interface ModelKind {
  /**
   * Whether `find` reads the object deploy writes whoever wrote it, so deploy need not read it
   * again; false where find leaves out another app's object of the same name (a Deployment).
   */
  findsAnyOwner: boolean;
  readonly backend: Backend;
  /** The main object's kind, as the API names it. */
  readonly kind: string;
  /** What `delete` says it removed. */
  readonly owns: string;
  /** The API versions of the objects deploy applies (their discovery is started early). */
  readonly apiVersions: string[];
  /** How to pass a model format (the hint when none is given). */
  readonly formatHint: string;
  /** The deploy flag that picks this kind as `--backend BACKEND` does (`--llm`), if it has one. */
  readonly deploySwitch?: string;
  /** The deploy flags only this kind takes: refused when another kind is deployed. */
  readonly deployFlags?: readonly string[];
  /** The collection of main objects in a namespace, or in all of them. */
  collection(namespace?: string): string;
  /** The main object of NAME, or undefined when this kind holds no model of that name. */
  find(kube: Kube, namespace: string, name: string): Promise<ModelObject | undefined>;
  /** The rows of every model of this kind in a namespace (or all of them). */
  list(kube: Kube, namespace: string | undefined): Promise<ModelRow[]>;
  ready(object: ModelObject): boolean;
  /**
   * Whether its controller's status says the workload is stopped (it acted on
   * serving.kserve.io/stop, and has not yet seen it cleared); absent for a kind that cannot be
   * stopped.
   */
  stopReported?(object: ModelObject): boolean;
  /**
   * Why `stop` must not set the annotation on this install (its controller would ignore it),
   * and what does free the workload there; undefined when it may.
   */
  stopRefusal?(
    kserve: KServeInstall | undefined,
    namespace: string,
    name: string,
  ): { message: string; hint: string } | undefined;
  /**
   * The path of its OpenAI chat completions through the API server's service proxy; `tls`: its
   * server speaks HTTPS (openaiTls).
   */
  openaiPath?(namespace: string, name: string, tls?: boolean): string;
  /** Whether its OpenAI server speaks HTTPS now, read from the cluster; throws when that fails. */
  openaiTls?(kube: Kube, object: ModelObject, namespace: string, name: string): Promise<boolean>;
  /** The model name its OpenAI server answers to, when not the object's name. */
  servedModel?(object: ModelObject, name: string): string;
  /** The label selector of the model's pods, ReplicaSets and Deployments. */
  podSelector(name: string): string;
  /** What deploy --wait watches. */
  wait(namespace: string, name: string): ModelWait<ModelObject>;
  /** The Service in front of the model's pods. */
  service(name: string): string;
  /**
   * The Service the API server's service proxy reaches the model's server through, from what
   * its object reports, when that is not service(name) (a Knative revision's Service).
   */
  proxyService?(object: ModelObject, name: string): string | undefined;
  /**
   * Where predict's requests reach the model now, when that depends on more than its object: a
   * Knative revision with no ready pod is reached through Knative's activator, which wakes it.
   * Undefined: proxyService's Service, in the model's namespace.
   */
  proxyRoute?(
    kube: Kube,
    object: ModelObject,
    namespace: string,
    name: string,
  ): Promise<RevisionRoute | undefined>;
  address(object: ModelObject, namespace: string, name: string): ModelAddress;
  /** Everything `status` reports, gathered by name, label and UID. */
  explain(kube: Kube, object: ModelObject, namespace: string, name: string): Promise<ModelStatus>;
  /** The objects `delete` removes (their dependents go with them). */
  deleted(namespace: string, name: string): Ref[];
  /** What `rollout` makes of a model of this kind. */
  readonly rollout: RolloutTraits;
  /** Throws when a delete could not finish (a controller that must remove a finalizer is down). */
  canDelete?(kube: Kube, namespace: string, name: string): Promise<void>;
  /**
   * Refuses a name this kind cannot take (UsageError); with `where`, also a name that the
   * install would render into an invalid host there.
   */
  validateName(
    name: string,
    where?: { namespace: string; kserve: KServeInstall | undefined },
  ): void;
  /** The objects deploy applies, after every refusal this kind makes before sending. */
  plan(context: PlanContext): Promise<KubeObject[]>;
  /**
   * Refuses, before anything is sent, the flags (and -f file) this kind cannot serve, or has no
   * field for (UsageError); the resource flags every kind takes are checked before (plan.ts).
   */
  checkFlags(request: ModelRequest, base: InferenceServiceFile | undefined): void;
  /**
   * Wires a Secret holding HF_TOKEN (the shape `creds hf` writes) into the main object so the
   * model download and the server use it (deploy --hf-token-secret). Kinds without it refuse
   * the flag.
   */
  useHfToken?(object: KubeObject, secret: string): void;
}

/**
 * The parts of deploy --wait's watch that every kind has: where its main object is, what it is
 * called in messages, and its pods. The kind adds its own readiness and failures.
 */
export function waitTarget(kind: ModelKind, namespace: string, name: string) {
  return {
    namespace,
    name,
    path: kind.collection(namespace),
    description: `${kind.kind} ${namespace}/${name}`,
    podSelector: kind.podSelector(name),
  };
}

/**
 * Stopped on purpose: the annotation asks for it and the controller reports it done (a
 * controller that ignores the annotation never does: v0.16.0's llmisvc).
 */
export function stoppedOnPurpose(kind: ModelKind, object: ModelObject): boolean {
  return stopAnnotated(object.metadata) && (kind.stopReported?.(object) ?? false);
}

/** The in-cluster address of a Service. */
export function serviceAddress(service: string, namespace: string): string {
  return `http://${service}.${namespace}.svc.cluster.local`;
}
