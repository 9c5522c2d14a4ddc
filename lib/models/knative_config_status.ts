/**
 * `status` of a Knative-mode InferenceService that Knative's configuration leaves without a
 * working address: not Ready while config-network names a networking layer that is not
 * installed or the cluster is older than Knative needs, or Ready with a cluster-local URL while
 * config-domain sets no domain (the rules: lib/kserve/knative_config.ts). Read only for such a
 * model.
 */
import type { Kube } from "../kube/client.ts";
import { configValue } from "../kserve/config.ts";
import { findKServe } from "../kserve/detect.ts";
import { type InferenceService, isvcReady } from "../kserve/inference_service.ts";
import { knativeNamespace } from "../kserve/knative.ts";
import {
  type ConfigFinding,
  configuredIngressClass,
  domainProblem,
  INGRESS_PROVIDER_LABEL,
  ingressClassProblem,
  knativeKubernetesProblem,
} from "../kserve/knative_config.ts";
import { CRD_PATH, KNATIVE, VERSION_LABEL } from "../defaults.ts";
import { MODE_NAMES } from "../kserve/versions.ts";

type ConfigMapData = { data?: Record<string, string> };
type Labelled = { metadata?: { labels?: Record<string, string> } };

/** Whether a URL's host is cluster-local (Knative's URL without a domain). */
function clusterLocal(url: string): boolean {
  try {
    return new URL(url).hostname.endsWith(".svc.cluster.local");
  } catch {
    return false;
  }
}

/**
 * The configuration findings that explain this model's address; empty for a model outside
 * Knative mode or one that is fine. Credentials that may not read Knative's namespace (403)
 * get none: check, run by an administrator, reports them.
 */
export async function knativeConfigFindings(
  kube: Kube,
  isvc: InferenceService,
): Promise<ConfigFinding[]> {
  if (MODE_NAMES[isvc.status?.deploymentMode ?? ""] !== "serverless") return [];
  const ready = isvcReady(isvc);
  const local = clusterLocal(isvc.status?.url ?? "");
  if (ready && !local) return [];
  try {
    const namespace = await knativeNamespace(kube);
    const configMap = (name: string) =>
      kube.getOptional<ConfigMapData>(`/api/v1/namespaces/${namespace}/configmaps/${name}`);
    if (!ready) {
      const [network, layers, server, crd] = await Promise.all([
        configMap("config-network"),
        kube.request<{ items: { metadata?: { labels?: Record<string, string> } }[] }>(
          "GET",
          "/apis/apps/v1/deployments",
          { query: { labelSelector: INGRESS_PROVIDER_LABEL } },
        ),
        kube.request<{ gitVersion?: string }>("GET", "/version"),
        kube.getOptional<Labelled>(`${CRD_PATH}/${KNATIVE.serviceCrd}`),
      ]);
      const tooOld = knativeKubernetesProblem(
        server.gitVersion,
        crd?.metadata?.labels?.[VERSION_LABEL],
      );
      if (tooOld) return [tooOld];
      // No config-network: Knative Serving is not installed, which the model's events say.
      if (!network) return [];
      const providers = layers.items.map((d) => d.metadata?.labels?.[INGRESS_PROVIDER_LABEL] ?? "");
      const problem = ingressClassProblem(
        configuredIngressClass(network?.data),
        providers.filter(Boolean),
        namespace,
      );
      return problem ? [problem] : [];
    }
    const [domain, kserve] = await Promise.all([configMap("config-domain"), findKServe(kube)]);
    const ingress = configValue(kserve.configMap?.data, "ingress");
    const ingressDomain = ingress?.ok ? ingress.value.ingressDomain : undefined;
    const problem = domainProblem(
      domain?.data,
      typeof ingressDomain === "string" ? ingressDomain : undefined,
      namespace,
    );
    return problem ? [problem] : [];
  } catch (error) {
    if ((error as { status?: number }).status === 403) return [];
    throw error;
  }
}
