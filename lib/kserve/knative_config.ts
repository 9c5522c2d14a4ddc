/**
 * Knative Serving configuration that leaves Knative-mode models without a working address, on
 * plain data (check and status read the ConfigMaps). Field reports (issue 24):
 * - config-network `ingress-class` naming a networking layer that is not installed: no
 *   controller reconciles the KIngress, the Route stays IngressNotConfigured ("Ingress has not
 *   yet been reconciled.") and the model never gets a URL.
 * - config-domain with only `_example` (Knative's default since 1.8): Routes get
 *   `*.svc.cluster.local` URLs, and callers through the ingress get 404.
 * - a Kubernetes older than the Knative release needs: its controllers exit at start.
 */
import { KNATIVE_RELEASES } from "./releases.ts";
import { compareVersions, parseVersion } from "../semver.ts";

/** A finding: what is wrong, naming the object and value, and the command that fixes it. */
export interface ConfigFinding {
  message: string;
  fix: string;
}

/**
 * The label net-kourier's and net-istio's Deployments carry, valued with the layer's name
 * (kourier.yaml, net-istio.yaml: networking.knative.dev/ingress-provider: kourier | istio).
 */
export const INGRESS_PROVIDER_LABEL = "networking.knative.dev/ingress-provider";

/** The layer an ingress class names: "kourier" for kourier.ingress.networking.knative.dev. */
export function ingressProvider(ingressClass: string): string {
  return ingressClass.split(".")[0] ?? ingressClass;
}

/** The ingress class of a layer, as config-network names it. */
export function ingressClassOf(provider: string): string {
  return `${provider}.ingress.networking.knative.dev`;
}

/** config-network's class: `ingress-class`, else the older `ingress.class` Knative still reads. */
export function configuredIngressClass(data: Record<string, string> | undefined) {
  return data?.["ingress-class"] ?? data?.["ingress.class"];
}

/**
 * The class config-network names when no installed layer serves it. `providers`: the
 * INGRESS_PROVIDER_LABEL values of the cluster's Deployments; `namespace`: Knative's.
 */
export function ingressClassProblem(
  ingressClass: string | undefined,
  providers: readonly string[],
  namespace: string,
): ConfigFinding | undefined {
  const installed = [...new Set(providers)].sort();
  if (ingressClass && installed.includes(ingressProvider(ingressClass))) return undefined;
  const layers = installed.length
    ? `installed: ${installed.map((p) => `${p} (${ingressClassOf(p)})`).join(", ")}`
    : "no networking layer is installed";
  const message = ingressClass
    ? `config-network in ${namespace} sets ingress-class ${ingressClass}, but no controller for it is installed (no Deployment labelled ${INGRESS_PROVIDER_LABEL}=${
      ingressProvider(ingressClass)
    }; ${layers}): Knative's Routes stay IngressNotConfigured ("Ingress has not yet been reconciled.") and models never get a URL`
    : `config-network in ${namespace} sets no ingress-class (${layers}): Knative's Routes are never reconciled and models never get a URL`;
  const fix = installed[0]
    ? `kubectl patch configmap config-network -n ${namespace} --type merge -p '{"data":{"ingress-class":"${
      ingressClassOf(installed[0])
    }"}}'`
    : "install a networking layer: kubectl kserve install --mode serverless";
  return { message, fix };
}

/**
 * config-domain with no domain (only keys starting with "_", such as `_example`): every Route
 * is cluster-local. `ingressDomain`: KServe's (inferenceservice-config ingress.ingressDomain),
 * the domain its own URLs use, which the fix sets.
 */
export function domainProblem(
  data: Record<string, string> | undefined,
  ingressDomain: string | undefined,
  namespace: string,
): ConfigFinding | undefined {
  if (Object.keys(data ?? {}).some((key) => !key.startsWith("_"))) return undefined;
  const domain = ingressDomain || "example.com";
  return {
    message: `config-domain in ${namespace} sets no domain (${
      Object.keys(data ?? {}).join(", ") || "no keys"
    }): Knative gives every Route a *.svc.cluster.local URL, so callers through the ingress get 404 (predict still works, through the API server)`,
    fix:
      `kubectl patch configmap config-domain -n ${namespace} --type merge -p '{"data":{"${domain}":""}}'`,
  };
}

/**
 * A Kubernetes (its gitVersion, "v1.32.4") older than the Knative Serving release installed
 * (the CRD's version label, "1.21.1") needs (KNATIVE_RELEASES): every Knative controller exits
 * at start, so no Knative-mode model is ever Ready. Undefined when old enough, or when either
 * version or the release's minimum is unknown.
 */
export function knativeKubernetesProblem(
  gitVersion: string | undefined,
  knativeVersion: string | undefined,
): ConfigFinding | undefined {
  const release = knativeVersion && `v${knativeVersion.replace(/^v/, "")}`;
  const minimum = release ? KNATIVE_RELEASES[release]?.minimumKubernetes : undefined;
  const [actual, needed] = [parseVersion(gitVersion), parseVersion(minimum)];
  if (!actual || !needed || compareVersions(actual, needed) >= 0) return undefined;
  return {
    message:
      `Knative Serving ${release} needs Kubernetes ${minimum} or newer, and this cluster runs ${gitVersion}: its controllers exit at start ("kubernetes version ... is not compatible"), so no Knative-mode model becomes Ready`,
    fix:
      `Upgrade the cluster to Kubernetes ${minimum} or newer, or install a Knative Serving release that supports ${gitVersion}`,
  };
}
