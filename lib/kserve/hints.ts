/**
 * Fix commands that fit the install that is there: its owner (this plugin, a Helm release,
 * Kubeflow's manifests, another tool), its version and its default mode. A hint never sends a
 * user to `kubectl kserve install` for an install this plugin would refuse to touch, and never
 * switches their mode.
 */
import { CRD_PATH, KSERVE } from "../defaults.ts";
import { restartControllerCommand } from "./knative_seen.ts";
import { describeOwner, type OwnedMetadata, type Owner, ownerOf } from "../kube/owner.ts";
import type { KServeInstall } from "./detect.ts";
import { classifyMode, modeName } from "./versions.ts";
import {
  DEFAULT_KSERVE_VERSION,
  factsOf,
  helmChart,
  INSTALLABLE_KSERVE_VERSIONS,
  releaseAssetUrl,
  releaseOf,
} from "./releases.ts";
import type { KServeMode } from "../options.ts";

/** Check hints say "{reapply}" where the command that re-applies KServe belongs. */
export const REAPPLY = "{reapply}";

/** "{reapply:<version>}": the same, for another release (finishing an upgrade). */
export function reapplyAt(version: string): string {
  return `{reapply:${version}}`;
}

/** The release manifest a non-plugin install most likely came from. */
function manifestUrl(kserve: KServeInstall, version: string): string {
  const file = kserve.namespace === KSERVE.kubeflowNamespace
    ? "kserve_kubeflow.yaml"
    : "kserve.yaml";
  return releaseFileUrl(version, file);
}

function releaseFileUrl(version: string, file: string): string {
  return releaseAssetUrl("kserve", version, file);
}

/**
 * Who installed KServe's CRDs, asked only when KServe itself is a Helm release (its CRD chart is
 * another release): the owner of the InferenceService CRD, or undefined when it does not exist.
 */
export async function crdOwnerOf(
  kserve: KServeInstall,
  get: (path: string) => Promise<{ metadata?: OwnedMetadata } | undefined>,
): Promise<Owner | undefined> {
  if (kserve.owner?.by !== "helm") return undefined;
  const crd = await get(`${CRD_PATH}/${KSERVE.isvcCrd}`);
  return crd?.metadata ? ownerOf(crd.metadata) : undefined;
}

/** Whether this plugin may re-apply the install without --force. */
export function ownedByPlugin(kserve: KServeInstall): boolean {
  return !kserve.installed || kserve.owner === undefined || kserve.owner.by === "kubectl-kserve";
}

/**
 * The command that re-applies KServe as it is installed now: same version, same default mode
 * (`defaultMode` from inferenceservice-config), by its owner's own tool.
 */
export function reapplyCommand(
  kserve: KServeInstall,
  defaultMode?: string,
  targetVersion?: string,
): string {
  const version = targetVersion ??
    (kserve.version && kserve.version !== "unknown" ? kserve.version : undefined);
  const owner = kserve.owner;
  if (kserve.installed && owner?.by === "helm") {
    return `helm upgrade ${owner.release} ${helmChart(version, "resources")} --version ${
      version ?? "<installed version>"
    } -n ${owner.namespace} --reuse-values`;
  }
  if (kserve.installed && owner?.by === "other") {
    return `kubectl apply --server-side -f ${
      manifestUrl(kserve, version ?? "<installed version>")
    }`;
  }
  const kind = defaultMode ? classifyMode(defaultMode, kserve.version) : undefined;
  const mode = kind === "serverless" ? "serverless" : "raw";
  const pinned = version && INSTALLABLE_KSERVE_VERSIONS.includes(version)
    ? ` --version ${version}`
    : "";
  return `kubectl kserve install --mode ${mode}${pinned}`;
}

/**
 * Why install or uninstall will not touch this install, and what its owner's command is.
 * `crdOwner`: who owns KServe's CRDs (the inferenceservices CRD's metadata). KServe's Helm
 * install is two releases, the kserve-crd chart's and the kserve chart's: an upgrade moves the
 * CRDs first (a newer controller over older CRDs is a half-upgraded install), and an uninstall
 * removes them last. `models` (uninstall): the model objects that exist; the owner's command
 * deletes KServe's CRDs, and the API server every object of them with it, so they are named.
 */
export function foreignInstall(
  kserve: KServeInstall,
  action: "install" | "uninstall",
  targetVersion?: string,
  crdOwner?: Owner,
  models: { kind: string; name: string; namespace?: string }[] = [],
): { message: string; hint: string } | undefined {
  const owner = kserve.owner;
  if (!kserve.installed || !owner || owner.by === "kubectl-kserve") return undefined;
  const what = `KServe ${kserve.version ?? "(unknown version)"} in namespace ${kserve.namespace}`;
  const kubeflow = kserve.namespace === KSERVE.kubeflowNamespace
    ? " from Kubeflow's kserve_kubeflow.yaml"
    : "";
  const message = `${what} was installed by ${describeOwner(owner)}${kubeflow}; ${
    action === "install"
      ? "installing over it would take over its objects"
      : "this plugin did not install it"
  }`;
  let command: string;
  if (owner.by === "helm") {
    const version = targetVersion ?? kserve.version;
    const crds = crdOwner?.by === "helm" && crdOwner.release !== owner.release
      ? crdOwner
      : undefined;
    const resources = `${owner.release} ${
      helmChart(version, "resources")
    } --version ${version} -n ${owner.namespace} --reuse-values`;
    command = action === "install"
      ? crds
        ? `helm upgrade ${crds.release} ${
          helmChart(version, "crds")
        } --version ${version} -n ${crds.namespace}, then helm upgrade ${resources}`
        : `helm upgrade ${resources}`
      : `helm uninstall ${owner.release} -n ${owner.namespace}` +
        (crds
          ? `, then helm uninstall ${crds.release} -n ${crds.namespace}`
          : " (and the CRD chart's release, such as kserve-crd)");
  } else {
    const url = manifestUrl(
      kserve,
      action === "install" ? targetVersion ?? "<version>" : kserve.version ?? "<version>",
    );
    command = action === "install"
      ? `kubectl apply --server-side -f ${url}`
      : `kubectl delete -f ${url}`;
  }
  const verb = action === "install"
    ? "Upgrade it with its owner's tool"
    : "Remove it with its owner's tool";
  const force = kubeflow
    ? ""
    : `, or pass --force to ${
      action === "install" ? "apply over it anyway (it stays theirs)" : "delete it anyway"
    }`;
  const deleted = action === "uninstall" && models.length
    ? ` (deleting KServe's CRDs deletes every object of them: ${models.length} model object(s), ${
      models.slice(0, 10).map((m) => `${m.kind} ${m.namespace}/${m.name}`).join(", ")
    }${models.length > 10 ? ` and ${models.length - 10} more` : ""}; delete or back them up first)`
    : "";
  return { message, hint: `${verb}: ${command}${deleted}${force}` };
}

/** Check hints say "{kserve-ns}" where KServe's install namespace belongs. */
export const KSERVE_NAMESPACE = "{kserve-ns}";

/** Check hints say "{mode:raw}" or "{mode:serverless}" where a default-mode switch belongs. */
export const SWITCH_MODE = { raw: "{mode:raw}", serverless: "{mode:serverless}" } as const;

/** The command that makes `kind` the default deployment mode, by the install's owner's tool. */
export function switchModeCommand(kserve: KServeInstall, kind: KServeMode): string {
  const owner = kserve.owner;
  if (kserve.installed && owner?.by === "helm") {
    return `helm upgrade ${owner.release} ${helmChart(kserve.version, "resources")} --version ${
      kserve.version ?? "<installed version>"
    } -n ${owner.namespace} --reuse-values --set kserve.controller.deploymentMode=${
      modeName(kind, kserve.version)
    }`;
  }
  if (kserve.installed && owner?.by === "other") {
    return `kubectl edit configmap inferenceservice-config -n ${kserve.namespace} (set deploy.defaultDeploymentMode to ${
      modeName(kind, kserve.version)
    })`;
  }
  const version = kserve.version && INSTALLABLE_KSERVE_VERSIONS.includes(kserve.version)
    ? ` --version ${kserve.version}`
    : "";
  return `kubectl kserve install --mode ${kind}${version}`;
}

/** Check hints say "{install-cert-manager}" where the command that installs cert-manager belongs. */
export const INSTALL_CERT_MANAGER = "{install-cert-manager}";

/**
 * cert-manager's release manifest of `version` ("v1.18.0"), applied as `manager` applied it:
 * client-side for kubectl's client-side apply, else server-side under that field manager.
 */
export function installCertManagerManifest(version: string, manager?: string): string {
  const url = releaseAssetUrl("cert-manager", version, "cert-manager.yaml");
  if (manager === "kubectl-client-side-apply") return `kubectl apply -f ${url}`;
  const as = manager && manager !== "kubectl" ? ` --field-manager=${manager}` : "";
  return `kubectl apply --server-side -f ${url}${as}`;
}

/** cert-manager's own release manifest (the default release's pin), the install every owner can run. */
const CERT_MANAGER_MANIFEST = installCertManagerManifest(
  releaseOf(DEFAULT_KSERVE_VERSION)!.certManager,
);

/**
 * How to install a missing cert-manager: this plugin's install when KServe is its own (or
 * absent), else cert-manager's release manifest, which leaves the owner's KServe alone.
 */
export function installCertManagerCommand(kserve: KServeInstall): string {
  return ownedByPlugin(kserve)
    ? `${reapplyCommand(kserve)} (installs it first), or ${CERT_MANAGER_MANIFEST}`
    : CERT_MANAGER_MANIFEST;
}

/** Fills a check hint's placeholders with the commands that fit this install. */
export function resolveHint(hint: string, kserve: KServeInstall, defaultMode?: string): string {
  return hint
    .replace(
      /\{reapply:(v[\w.-]+)\}/g,
      (_all, version: string) => reapplyCommand(kserve, defaultMode, version),
    )
    .replaceAll(KSERVE_NAMESPACE, kserve.namespace)
    .replaceAll(INSTALL_CERT_MANAGER, installCertManagerCommand(kserve))
    .replaceAll(INSTALL_RUNTIMES, installRuntimesCommand(kserve))
    .replaceAll(INSTALL_STORAGE_CONTAINER, installStorageContainerCommand(kserve))
    .replaceAll(INSTALL_KNATIVE, installKnativeCommand(kserve, false))
    .replaceAll(USE_KNATIVE, installKnativeCommand(kserve, true))
    .replaceAll(REAPPLY, reapplyCommand(kserve, defaultMode))
    .replaceAll(SWITCH_MODE.raw, switchModeCommand(kserve, "raw"))
    .replaceAll(SWITCH_MODE.serverless, switchModeCommand(kserve, "serverless"));
}

/**
 * How to (re)install the release's ClusterServingRuntimes, by the install's owner: this plugin's
 * install, Helm's upgrade (the kserve chart holds them), else the release's
 * kserve-cluster-resources.yaml (kserve.yaml and kserve_kubeflow.yaml hold none).
 */
export function installRuntimesCommand(kserve: KServeInstall): string {
  if (ownedByPlugin(kserve) || kserve.owner?.by === "helm") return reapplyCommand(kserve);
  return `kubectl apply --server-side -f ${
    releaseFileUrl(kserve.version ?? "<version>", "kserve-cluster-resources.yaml")
  }`;
}

/**
 * How to re-create ClusterStorageContainer "default", by the install's owner. Outside this
 * plugin and Helm it comes from the release asset the release table names: kserve-cluster-resources.yaml
 * in older releases, kserve.yaml (or kserve_kubeflow.yaml) in newer ones.
 */
export function installStorageContainerCommand(kserve: KServeInstall): string {
  const inClusterResources = kserve.version !== undefined &&
    factsOf(kserve.version).storageContainerFile === "kserve-cluster-resources.yaml";
  if (ownedByPlugin(kserve) || kserve.owner?.by === "helm" || !inClusterResources) {
    return reapplyCommand(kserve);
  }
  return installRuntimesCommand(kserve);
}

/** Check hints say "{install-runtimes}" and "{install-storage-container}" where those belong. */
export const INSTALL_RUNTIMES = "{install-runtimes}";
export const INSTALL_STORAGE_CONTAINER = "{install-storage-container}";

/**
 * Check hints say "{install-knative}" where adding Knative Serving under a Knative default
 * belongs, and "{use-knative}" where Knative must be added and made the default.
 */
export const INSTALL_KNATIVE = "{install-knative}";
export const USE_KNATIVE = "{use-knative}";

/**
 * How to add Knative Serving for KServe: this plugin's install (it installs Knative and Kourier,
 * sets the default mode, and restarts the controller), else Knative's own install, the default
 * mode switched by the owner's tool when `switchMode`, then a restart of KServe's controller,
 * which looks Knative up only at start.
 */
export function installKnativeCommand(kserve: KServeInstall, switchMode: boolean): string {
  if (ownedByPlugin(kserve)) return switchModeCommand(kserve, "serverless");
  return `install Knative Serving and a networking layer (https://knative.dev/docs/install/yaml-install/serving/install-serving-with-yaml/), ${
    switchMode ? `then ${switchModeCommand(kserve, "serverless")}, ` : ""
  }then ${restartControllerCommand(kserve.namespace)}`;
}
