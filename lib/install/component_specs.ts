/** Builds each component's install spec from its release manifests and the install options. */
import {
  CERT_MANAGER,
  FIELD_MANAGER,
  KNATIVE,
  KSERVE,
  KSERVE_OBJECTS,
  VERSION_LABEL,
} from "../defaults.ts";
import { compareVersions, parseVersion } from "../kserve/versions.ts";
import { INSTALLABLE_KSERVE_VERSIONS } from "../kserve/releases.ts";
import type { Kube, KubeObject } from "../kube/client.ts";
import {
  probeCertManagerWebhook,
  probeKnativeWebhook,
  probeKServeWebhook,
} from "../kserve/probes.ts";
import type { ComponentSpec } from "./install_component.ts";
import { knativeWebhookFinding } from "../checks/knative_webhook.ts";
import {
  configureKServeConfig,
  isKServeConfig,
  kserveNamespace,
  type KServeSettings,
  settingPaths,
  splitPhases,
  unparsableKeys,
  withConfigData,
} from "./plan.ts";
import { type ManifestFile, manifestPath } from "./releases.ts";
import { releaseOf } from "../kserve/releases.ts";
import { parseManifest } from "./manifest.ts";
import { baseVersions, keptNote, mergeConfig } from "./config_merge.ts";
import type { ConfigData } from "../kserve/config.ts";
import { restartControllerBlindToKnative } from "./restart.ts";

export interface Manifests {
  text(file: ManifestFile): string;
}

/** cert-manager: its webhook must admit an Issuer before KServe's Certificates are applied. */
export function certManagerSpec(
  kube: Kube,
  file: ManifestFile,
  manifests: Manifests,
): ComponentSpec {
  return {
    name: "cert-manager",
    version: file.version,
    phases: splitPhases(parseManifest(manifests.text(file), manifestPath(file))),
    webhookServices: [{ namespace: CERT_MANAGER.namespace, name: "cert-manager-webhook" }],
    probe: () => probeCertManagerWebhook(kube, CERT_MANAGER.namespace),
  };
}

const WEBHOOK_CONFIGURATIONS = new Set([
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
]);

/**
 * A webhook configuration without its webhooks' rules. Knative's webhook writes the rules of its
 * own configurations when it starts, from the resources it serves (knative.dev/pkg
 * webhook/resourcesemantics and webhook/configmaps, field manager "webhook"), and they differ
 * from the manifest's: applying the manifest's would take them back from it on every re-run.
 */
function withoutWebhookRules(object: KubeObject): KubeObject {
  const webhooks = (object.webhooks ?? []) as Record<string, unknown>[];
  return { ...object, webhooks: webhooks.map(({ rules: _rules, ...webhook }) => webhook) };
}

/**
 * Knative Serving: CRDs first (serving-crds.yaml), then core, with the ingress class and domain
 * set; done when its webhook admits a Knative Service (a server-side dry run), as it must when
 * KServe creates a model's.
 */
export function knativeSpec(
  kube: Kube,
  files: { crds: ManifestFile; core: ManifestFile },
  manifests: Manifests,
  ingressClass: string,
): ComponentSpec {
  const objects = [
    ...parseManifest(manifests.text(files.crds), manifestPath(files.crds)),
    ...parseManifest(manifests.text(files.core), manifestPath(files.core)).map((object) => {
      if (WEBHOOK_CONFIGURATIONS.has(String(object.kind))) return withoutWebhookRules(object);
      if (object.kind !== "ConfigMap" || object.metadata?.namespace !== KNATIVE.namespace) {
        return object;
      }
      if (object.metadata?.name === "config-network") {
        return withConfigData(object, { "ingress-class": ingressClass });
      }
      // Knative 1.8+ serves only svc.cluster.local without a domain, which the ingress does not expose.
      if (object.metadata?.name === "config-domain") {
        return withConfigData(object, { "example.com": "" });
      }
      return object;
    }),
  ];
  return {
    name: "knative-serving",
    version: files.core.version,
    phases: splitPhases(objects),
    webhookServices: [{ namespace: KNATIVE.namespace, name: "webhook" }],
    rulesFromWebhook: objects.filter((o) => WEBHOOK_CONFIGURATIONS.has(String(o.kind))).map((
      o,
    ) => ({
      kind: String(o.kind),
      name: String(o.metadata?.name),
    })),
    probe: () => probeKnativeWebhook(kube),
    diagnoseWebhook: () => knativeWebhookFinding(kube),
  };
}

/** The networking layer (Kourier or net-istio). */
export function networkingSpec(file: ManifestFile, manifests: Manifests): ComponentSpec {
  return {
    name: file.component,
    version: file.version,
    phases: splitPhases(parseManifest(manifests.text(file), manifestPath(file))),
  };
}

/**
 * KServe itself; the config map keeps the admin's edits (a three-way merge against `bases`,
 * the config data of the releases it may come from) and gets the chosen mode.
 */
export function kserveSpec(
  kube: Kube,
  file: ManifestFile,
  manifests: Manifests,
  settings: KServeSettings,
  liveConfig: Record<string, string> | undefined,
  bases: ConfigBases = { bases: [], unread: [] },
): ComponentSpec {
  const notes: string[] = bases.unread.map((u) =>
    `${KSERVE_OBJECTS.configMap}: every value the cluster has is kept, as KServe ${u.version}'s defaults could not be read to tell them from edits (${u.error})`
  );
  const repairs: string[] = [];
  const objects = parseManifest(manifests.text(file), manifestPath(file)).map((object) => {
    if (!isKServeConfig(object)) return object;
    const release = object.data as Record<string, string>;
    for (const { key, error } of unparsableKeys(release, liveConfig)) {
      notes.push(
        `${KSERVE_OBJECTS.configMap}: "${key}" was not valid JSON (${error}), which crashes the controller; it gets the release's value back`,
      );
    }
    const data = configureKServeConfig(release, liveConfig, settings, bases.bases);
    // The merge decided each key (an admin's value is kept in it): whoever set the key before.
    for (const key of Object.keys(data).filter((k) => liveConfig && data[k] !== liveConfig[k])) {
      repairs.push(
        `ConfigMap ${object.metadata?.namespace}/${KSERVE_OBJECTS.configMap} .data.${key}`,
      );
    }
    const settingFields = new Set(settingPaths(settings));
    const kept = mergeConfig(release, liveConfig, bases.bases).kept
      .filter((path) => !settingFields.has(path));
    const note = keptNote(KSERVE_OBJECTS.configMap, kept);
    if (note) notes.push(note);
    return { ...object, data };
  });
  if (
    !releaseOf(file.version)?.manifestHasNamespace && !objects.some((o) => o.kind === "Namespace")
  ) {
    objects.unshift(kserveNamespace());
  }
  const services = objects.filter((o) =>
    o.kind === "Service" && String(o.metadata?.name).endsWith("webhook-server-service")
  );
  const controller = objects.find((o) =>
    o.kind === "Deployment" && o.metadata?.name === KSERVE.controllerDeployment
  );
  return {
    name: "kserve",
    version: file.version,
    notes,
    repairs,
    phases: splitPhases(objects),
    webhookServices: services.map((s) => ({
      namespace: String(s.metadata?.namespace),
      name: String(s.metadata?.name),
    })),
    probe: () => probeKServeWebhook(kube),
    ...(controller
      ? {
        afterRollout: {
          plan:
            `restart ${KSERVE.controllerDeployment} if it started before Knative Serving's CRD existed (it would reject Knative InferenceServices)`,
          run: (deadline: number) =>
            restartControllerBlindToKnative(
              kube,
              String(controller.metadata?.namespace),
              deadline,
            ),
        },
      }
      : {}),
  };
}

/** ClusterServingRuntimes, the ClusterStorageContainer and LLM configs: all admitted by KServe's webhook. */
export function clusterResourcesSpec(file: ManifestFile, manifests: Manifests): ComponentSpec {
  return {
    name: "kserve-cluster-resources",
    version: file.version,
    phases: splitPhases(parseManifest(manifests.text(file), manifestPath(file))),
  };
}

/** Whether a CRD (or any object) was applied by this tool, from its managed fields. */
export function managedByUs(object: KubeObject | undefined): boolean {
  const fields = (object?.metadata?.managedFields ?? []) as { manager?: string }[];
  return fields.some((f) => f.manager === FIELD_MANAGER);
}

/** The release an object came from, as its manifest labels it. */
export function releaseVersion(object: KubeObject | undefined): string | undefined {
  return (object?.metadata?.labels as Record<string, string> | undefined)?.[VERSION_LABEL];
}

/**
 * The version of a cert-manager this tool installed earlier, when it is newer than the one about
 * to be applied: re-applying the release's pin would downgrade it (a newer KServe pins a newer
 * cert-manager). A version the user asks for is always applied.
 */
export function newerCertManager(
  crd: KubeObject | undefined,
  pinned: string,
  requested: string | undefined,
): string | undefined {
  if (requested || !managedByUs(crd)) return undefined;
  const installed = releaseVersion(crd);
  const [have, want] = [parseVersion(installed), parseVersion(pinned)];
  return have && want && compareVersions(have, want) > 0 ? installed : undefined;
}

/** The config data of the releases the live inferenceservice-config may come from. */
export interface ConfigBases {
  bases: ConfigData[];
  /** Releases whose manifest could not be read (an air-gapped directory without them). */
  unread: { version: string; error: string }[];
}

/**
 * Reads the inferenceservice-config of each release the live config may come from
 * (config_merge.ts baseVersions: the installed controller's, and those its images name).
 */
export async function configBases(
  live: ConfigData | undefined,
  installed: string | undefined,
  load: (file: ManifestFile) => Promise<string>,
): Promise<ConfigBases> {
  const result: ConfigBases = { bases: [], unread: [] };
  if (!live) return result;
  for (const version of baseVersions(live, installed, INSTALLABLE_KSERVE_VERSIONS)) {
    const file: ManifestFile = { component: "kserve", version, file: "kserve.yaml" };
    try {
      const config = parseManifest(await load(file), manifestPath(file)).find(isKServeConfig);
      if (config?.data) result.bases.push(config.data as ConfigData);
    } catch (error) {
      result.unread.push({ version, error: (error as Error).message });
    }
  }
  return result;
}

/** The current inferenceservice-config data, so a re-run keeps local changes. */
export async function liveKServeConfig(kube: Kube): Promise<Record<string, string> | undefined> {
  const configMap = await kube.getOptional<{ data?: Record<string, string> }>(
    `/api/v1/namespaces/${KSERVE.namespace}/configmaps/${KSERVE_OBJECTS.configMap}`,
  );
  return configMap?.data;
}
