/**
 * What an install does, decided as pure logic from the flags, the release's files and what the
 * cluster holds: which components are applied (and from which files), which are kept and why,
 * and the settings KServe's config gets. The command reads the cluster, plans, then renders the
 * plan (dry run) or applies it (componentSpecs turns it into the specs install_component runs).
 */
import { KNATIVE } from "../defaults.ts";
import type { Kube, KubeObject } from "../kube/client.ts";
import type { KnativeServing } from "../kserve/knative.ts";
import { modeName } from "../kserve/versions.ts";
import type { IngressLayer, KServeMode } from "../options.ts";
import { type CertManagerFacts, decideCertManager } from "./cert_manager_plan.ts";
import {
  certManagerSpec,
  clusterResourcesSpec,
  type ConfigBases,
  knativeSpec,
  kserveSpec,
  type Manifests,
  networkingSpec,
} from "./component_specs.ts";
import type { ComponentResult, ComponentSpec } from "./install_component.ts";
import type { CertManagerFaults } from "../checks/cert_manager.ts";
import { decideKnative } from "./knative_plan.ts";
import type { KServeSettings } from "./plan.ts";
import { switchingNote } from "./preflight.ts";
import type { ManifestFile } from "./releases.ts";
import { type LlmComponent, type LlmFacts, planLlm } from "./llm_plan.ts";
import { llmSpec } from "./llm_spec.ts";
import { factsOf } from "../kserve/releases.ts";

/** The install flags the plan depends on. */
export interface InstallRequest {
  mode: KServeMode;
  ingress: IngressLayer;
  /** --ingress-class: raw mode's IngressClass, or "none". */
  ingressClass?: string;
  /** --force: apply over another owner's cert-manager or Knative Serving. */
  force: boolean;
  certManagerVersion?: string;
  /** --llm: what the llmisvc controller needs beside KServe, with the Gateway's class. */
  llm?: { gatewayClass: string };
}

/** What install read from the cluster before planning. */
export interface InstallFacts {
  /** The data of the live inferenceservice-config, when it exists. */
  liveConfig?: Record<string, string>;
  /** Whether Istio's VirtualService CRD exists. */
  istio: boolean;
  /** The certificates.cert-manager.io CRD, when it exists. */
  certManagerCrd?: KubeObject;
  /**
   * Why cert-manager does not work (checks/cert_manager.ts: its Deployments Available, its
   * webhook answering); asked only when needsProbe(certManagerFacts()).
   */
  certManagerFaults?: CertManagerFaults;
  /** Knative Serving as found (serverless only). */
  knative?: KnativeServing;
  /** The GatewayClasses and Gateway API CRDs found (with --llm). */
  llm?: LlmFacts;
}

/** One component to apply, with the release files it is built from. */
export type PlannedComponent =
  | { component: "cert-manager"; file: ManifestFile }
  | { component: "knative-serving"; crds: ManifestFile; core: ManifestFile; ingressClass: string }
  | { component: "networking"; file: ManifestFile }
  | { component: "kserve"; file: ManifestFile }
  | { component: "kserve-cluster-resources"; file: ManifestFile }
  | LlmComponent;

export interface InstallPlan {
  /** The KServe version installed. */
  kserve: string;
  /** The default deployment mode, in that version's vocabulary (Standard, RawDeployment...). */
  mode: string;
  /** Said before anything changes: a switch of the default mode. */
  note?: string;
  /** What inferenceservice-config gets. */
  settings: KServeSettings;
  /** Components kept as found, in order, with the reason. */
  skipped: ComponentResult[];
  /** Components applied, in order. */
  components: PlannedComponent[];
}

/** cert-manager's facts without the probe: whether to probe is decided from these. */
export function certManagerFacts(
  request: InstallRequest,
  files: ManifestFile[],
  crd: KubeObject | undefined,
): Omit<CertManagerFacts, "faults"> {
  return {
    existing: crd,
    pinned: fileOf(files, (f) => f.component === "cert-manager").version,
    requested: request.certManagerVersion,
    force: request.force,
  };
}

/**
 * The plan. Throws CliError, before anything changed, where install must stop (a cert-manager
 * or Knative Serving of another owner that is not working, a downgrade of ours).
 */
export function planInstall(
  request: InstallRequest,
  files: ManifestFile[],
  kserve: string,
  facts: InstallFacts,
): InstallPlan {
  const mode = modeName(request.mode, kserve);
  const knativeFiles = request.mode === "serverless"
    ? {
      crds: fileOf(files, (f) => f.file === "serving-crds.yaml"),
      core: fileOf(files, (f) => f.file === "serving-core.yaml"),
      networking: fileOf(files, (f) => f.component === `net-${request.ingress}`),
    }
    : undefined;
  const knative = knativeFiles &&
    decideKnative(facts.knative, { force: request.force, pinned: knativeFiles.core.version });
  const settings: KServeSettings = {
    defaultDeploymentMode: mode,
    ingressClass: request.ingressClass,
    // Kourier cannot serve VirtualServices. Without Istio, raw mode turns them off as KServe's
    // warning asks; with Istio, whatever the config says stays.
    ...(knative?.action === "keep"
      ? { disableIstioVirtualHost: !knative.istio }
      : knativeFiles
      ? { disableIstioVirtualHost: request.ingress === "kourier" }
      : facts.istio
      ? {}
      : { disableIstioVirtualHost: true }),
  };
  const skipped: ComponentResult[] = [];
  const components: PlannedComponent[] = [];
  const certManager = decideCertManager({
    ...certManagerFacts(request, files, facts.certManagerCrd),
    faults: facts.certManagerFaults,
  });
  if (certManager.action === "keep") {
    skipped.push(kept("cert-manager", certManager.version, certManager.reason));
  } else {
    components.push({
      component: "cert-manager",
      file: fileOf(files, (f) => f.component === "cert-manager"),
    });
  }
  if (knative?.action === "keep") {
    skipped.push(kept("knative-serving", knative.version, knative.reason));
  } else if (knativeFiles) {
    const { crds, core, networking } = knativeFiles;
    const ingressClass = request.ingress === "kourier" ? KNATIVE.kourierClass : KNATIVE.istioClass;
    components.push({ component: "knative-serving", crds, core, ingressClass });
    components.push({ component: "networking", file: networking });
  }
  components.push({ component: "kserve", file: fileOf(files, (f) => f.file === "kserve.yaml") });
  components.push({
    component: "kserve-cluster-resources",
    file: fileOf(files, (f) => f.file === "kserve-cluster-resources.yaml"),
  });
  if (request.llm) {
    const llm = { ...request.llm, force: request.force, gatewayApi: factsOf(kserve).gatewayApi };
    const gatewayApi = files.filter((f) => f.component === "gateway-api");
    components.push(planLlm(llm, gatewayApi, facts.llm ?? { gatewayClasses: [], crds: {} }));
  }
  return {
    kserve,
    mode,
    note: switchingNote(facts.liveConfig, mode),
    settings,
    skipped,
    components,
  };
}

/** The specs install_component applies, built from the plan's files (no request is sent). */
export function componentSpecs(
  plan: InstallPlan,
  kube: Kube,
  manifests: Manifests,
  liveConfig: Record<string, string> | undefined,
  bases?: ConfigBases,
): ComponentSpec[] {
  return plan.components.map((planned) => {
    switch (planned.component) {
      case "cert-manager":
        return certManagerSpec(kube, planned.file, manifests);
      case "knative-serving":
        return knativeSpec(kube, planned, manifests, planned.ingressClass);
      case "networking":
        return networkingSpec(planned.file, manifests);
      case "kserve":
        return kserveSpec(kube, planned.file, manifests, plan.settings, liveConfig, bases);
      case "kserve-cluster-resources":
        return clusterResourcesSpec(planned.file, manifests);
      case "llm":
        return llmSpec(kube, planned, manifests, plan.kserve);
    }
  });
}

/** Every object of a component, in the order of its phases. */
export function specObjects(spec: ComponentSpec): KubeObject[] {
  const { foundation, main, webhookConfigs, afterWebhook } = spec.phases;
  return [...foundation, ...main, ...webhookConfigs, ...afterWebhook];
}

function kept(name: string, version: string, reason: string): ComponentResult {
  return { name, version, skipped: reason, created: 0, changed: 0, unchanged: 0 };
}

/** The release file that matches; manifestsFor() lists every file a plan asks for. */
function fileOf(files: ManifestFile[], match: (file: ManifestFile) => boolean): ManifestFile {
  const file = files.find(match);
  if (!file) throw new Error("the release's file list lacks a file the install needs");
  return file;
}
