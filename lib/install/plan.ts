/**
 * Turns release manifests into an ordered install plan, as pure logic on plain objects:
 * namespaces and CRDs first, then the rest, webhook configurations last, and objects that
 * must pass a webhook only once that webhook answers.
 */
import { CliError } from "../errors.ts";
import { FIELD_MANAGER, KSERVE, KSERVE_OBJECTS, MANAGED_BY_LABEL } from "../defaults.ts";
import type { KubeObject } from "../kube/client.ts";
import { configValue } from "../kserve/config.ts";
import { mergeConfig } from "./config_merge.ts";

export interface Phases {
  /** Namespaces and CRDs; CRDs must be Established before anything else. */
  foundation: KubeObject[];
  main: KubeObject[];
  /** Registered after the objects they guard, so a half-started component blocks nothing. */
  webhookConfigs: KubeObject[];
  /** Admitted by this component's own webhook: applied after it answers. */
  afterWebhook: KubeObject[];
}

/** Kinds that go through a KServe webhook, and so wait for the controller to serve it. */
const KSERVE_ADMITTED = new Set([
  "ClusterServingRuntime",
  "ServingRuntime",
  "ClusterStorageContainer",
  "LLMInferenceServiceConfig",
  "InferenceGraph",
  "TrainedModel",
]);

/** Sorts a component's objects into the phases they are applied in. */
export function splitPhases(objects: KubeObject[]): Phases {
  const phases: Phases = { foundation: [], main: [], webhookConfigs: [], afterWebhook: [] };
  // Knative's serving-core.yaml repeats serving-crds.yaml's CRDs: each object is applied once.
  const unique = new Map<string, KubeObject>();
  for (const object of objects) {
    const { namespace, name } = object.metadata ?? {};
    unique.set(`${object.apiVersion}|${object.kind}|${namespace ?? ""}|${name}`, object);
  }
  for (const object of unique.values()) {
    const kind = String(object.kind);
    if (kind === "Namespace" || kind === "CustomResourceDefinition") {
      phases.foundation.push(object);
    } else if (kind.endsWith("WebhookConfiguration")) phases.webhookConfigs.push(object);
    else if (
      String(object.apiVersion).startsWith(`${KSERVE.apiGroup}/`) && KSERVE_ADMITTED.has(kind)
    ) {
      phases.afterWebhook.push(object);
    } else phases.main.push(object);
  }
  return phases;
}

/**
 * The Namespace install applies, given its live state (undefined: it does not exist). One that
 * install creates carries app.kubernetes.io/managed-by: kubectl-kserve, the mark uninstall
 * deletes a namespace by (kube/owner.ts namespaceOwner); one that existed before is applied as
 * the manifest has it, so a namespace the user made is never taken for ours. Field managers
 * cannot tell the two apart: applying KServe's labels to the user's namespace records ours, and
 * applying a name-only Namespace (cert-manager's) records none at all.
 */
export function namespaceToApply(namespace: KubeObject, live?: KubeObject): KubeObject {
  const liveLabels = (live?.metadata?.labels ?? {}) as Record<string, string>;
  if (live && liveLabels[MANAGED_BY_LABEL] !== FIELD_MANAGER) return namespace;
  const labels = (namespace.metadata?.labels ?? {}) as Record<string, string>;
  return {
    ...namespace,
    metadata: { ...namespace.metadata, labels: { ...labels, [MANAGED_BY_LABEL]: FIELD_MANAGER } },
  };
}

/** The "kserve" namespace with the labels v0.16's manifest gives it; v0.17+ manifests lack it. */
export function kserveNamespace(): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: KSERVE.namespace,
      // control-plane keeps KServe's pod mutator away from KServe's own pods.
      labels: {
        "control-plane": "kserve-controller-manager",
        "controller-tools.k8s.io": "1.0",
        "istio-injection": "disabled",
      },
    },
  };
}

export interface KServeSettings {
  /** Value for deploy.defaultDeploymentMode, in the installed version's vocabulary. */
  defaultDeploymentMode: string;
  /** ingress.ingressClassName; "none" sets disableIngressCreation instead. */
  ingressClass?: string;
  /** Kourier cannot serve Istio VirtualServices. */
  disableIstioVirtualHost?: boolean;
}

/**
 * The keys of the live inferenceservice-config whose value is not valid JSON while the
 * release's is: the controller crashes on them at start (check's kserve.config-* findings),
 * so install puts the release's value back, and says so, instead of keeping them.
 */
export function unparsableKeys(
  releaseData: Record<string, string>,
  liveData: Record<string, string> | undefined,
): { key: string; error: string }[] {
  return Object.keys(liveData ?? {}).flatMap((key) => {
    // Only keys the release holds as JSON objects: other keys are not ours to judge.
    if (!configValue(releaseData, key)?.ok) return [];
    const live = configValue(liveData, key)!;
    return live.ok ? [] : [{ key, error: live.error }];
  });
}

/**
 * The data of inferenceservice-config to apply: the release's, three-way merged with what the
 * cluster has against `bases` (config_merge.ts: the admin's edits survive, the old release's
 * defaults do not), then the settings written into the deploy and ingress JSON.
 */
export function configureKServeConfig(
  releaseData: Record<string, string>,
  liveData: Record<string, string> | undefined,
  settings: KServeSettings,
  bases: Record<string, string>[] = [],
): Record<string, string> {
  const data = mergeConfig(releaseData, liveData, bases).data;
  const deploy = parseJson(data, "deploy");
  deploy.defaultDeploymentMode = settings.defaultDeploymentMode;
  data.deploy = JSON.stringify(deploy);
  const ingress = parseJson(data, "ingress");
  if (settings.ingressClass === "none") ingress.disableIngressCreation = true;
  else if (settings.ingressClass) {
    ingress.ingressClassName = settings.ingressClass;
    ingress.disableIngressCreation = false;
  }
  if (settings.disableIstioVirtualHost !== undefined) {
    ingress.disableIstioVirtualHost = settings.disableIstioVirtualHost;
  }
  data.ingress = JSON.stringify(ingress);
  return data;
}

/** The fields of inferenceservice-config that `settings` write, as "deploy.defaultDeploymentMode". */
export function settingPaths(settings: KServeSettings): string[] {
  return [
    "deploy.defaultDeploymentMode",
    ...(settings.ingressClass === "none"
      ? ["ingress.disableIngressCreation"]
      : settings.ingressClass
      ? ["ingress.ingressClassName", "ingress.disableIngressCreation"]
      : []),
    ...(settings.disableIstioVirtualHost !== undefined ? ["ingress.disableIstioVirtualHost"] : []),
  ];
}

/** Whether an object is KServe's inferenceservice-config. */
export function isKServeConfig(object: KubeObject): boolean {
  return object.kind === "ConfigMap" && object.metadata?.name === KSERVE_OBJECTS.configMap;
}

/** Sets keys of a ConfigMap in a manifest (Knative's config-network, config-domain). */
export function withConfigData(object: KubeObject, data: Record<string, string>): KubeObject {
  return { ...object, data: { ...(object.data as Record<string, string> | undefined), ...data } };
}

function parseJson(data: Record<string, string>, key: string): Record<string, unknown> {
  const parsed = configValue(data, key) ?? { ok: true, value: {} };
  if (parsed.ok) return parsed.value;
  throw new CliError(`The "${key}" key of ${KSERVE_OBJECTS.configMap} is not valid JSON`, {
    hint:
      `Fix it by hand first: kubectl edit configmap ${KSERVE_OBJECTS.configMap} -n ${KSERVE.namespace}`,
  });
}
