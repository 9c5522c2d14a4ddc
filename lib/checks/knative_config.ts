/**
 * Category "mode", Knative's configuration: the networking layer config-network names is
 * installed and serving, and config-domain gives Routes a domain the ingress serves (the rules:
 * lib/kserve/knative_config.ts). Both depend on mode.knative (Knative Serving is ready).
 */
import type { V1ConfigMap } from "@kubernetes/client-node";
import { KNATIVE } from "../defaults.ts";
import { deploymentAvailable } from "../kserve/diagnose.ts";
import {
  configuredIngressClass,
  domainProblem,
  INGRESS_PROVIDER_LABEL,
  ingressClassProblem,
} from "../kserve/knative_config.ts";
import { type Check, CheckFailed } from "./check_types.ts";
import type { CheckContext } from "./context.ts";
import { configJson } from "./config_json.ts";

/** A configuration that does not settle on its own. */
const FIX = { transient: false };

/**
 * Where Knative Serving runs: its controller's namespace (knative-serving by default, but an
 * operator or a platform may install it elsewhere).
 */
export async function knativeNamespaceIn(ctx: CheckContext): Promise<string> {
  const labels = KNATIVE.controllerLabels.split(",").map((pair) => pair.split("="));
  const [controller] = await ctx.deployments({ labels: Object.fromEntries(labels) });
  return controller?.metadata?.namespace ?? KNATIVE.namespace;
}

function configMap(ctx: CheckContext, namespace: string, name: string) {
  return ctx.get<V1ConfigMap>(`/api/v1/namespaces/${namespace}/configmaps/${name}`);
}

export const knativeConfigChecks: Check<CheckContext>[] = [
  {
    id: "mode.knative-ingress",
    category: "mode",
    description:
      "config-network's ingress-class names a networking layer that is installed and ready",
    hint: "kubectl kserve install --mode serverless",
    dependsOn: ["mode.knative"],
    retryable: true,
    async run(ctx) {
      const namespace = await knativeNamespaceIn(ctx);
      const [network, layers] = await Promise.all([
        configMap(ctx, namespace, "config-network"),
        ctx.list<{ metadata?: { labels?: Record<string, string> } }>(
          "/apis/apps/v1/deployments",
          { labelSelector: INGRESS_PROVIDER_LABEL },
        ),
      ]);
      const ingressClass = configuredIngressClass(network?.data);
      const providers = layers.map((d) => d.metadata?.labels?.[INGRESS_PROVIDER_LABEL] ?? "");
      const problem = ingressClassProblem(ingressClass, providers.filter(Boolean), namespace);
      if (problem) throw new CheckFailed(problem.message, problem.fix, FIX);
      if (ingressClass === KNATIVE.kourierClass) {
        const kourier = await ctx.deployments({ namespace: KNATIVE.kourierNamespace });
        if (!kourier.some(deploymentAvailable)) {
          throw new CheckFailed(
            `ingress-class is Kourier but no Kourier gateway in ${KNATIVE.kourierNamespace} is Available`,
          );
        }
      } else if (
        ingressClass === KNATIVE.istioClass &&
        !await ctx.serves("networking.istio.io/v1", "gateways")
      ) {
        throw new CheckFailed(
          "ingress-class is Istio and net-istio is installed, but Istio itself is not (no networking.istio.io/v1 Gateway API)",
          undefined,
          FIX,
        );
      }
      return ingressClass;
    },
  },
  {
    id: "mode.knative-domain",
    category: "mode",
    description:
      "config-domain gives Knative's Routes a domain that callers through the ingress reach",
    hint:
      'kubectl patch configmap config-domain -n knative-serving --type merge -p \'{"data":{"example.com":""}}\'',
    dependsOn: ["mode.knative"],
    // Models serve in the cluster and through predict; only callers through the ingress fail.
    warning: true,
    async run(ctx) {
      const namespace = await knativeNamespaceIn(ctx);
      const [domain, ingress] = await Promise.all([
        configMap(ctx, namespace, "config-domain"),
        configJson(ctx, "ingress").catch(() => ({} as Record<string, unknown>)),
      ]);
      const ingressDomain = typeof ingress.ingressDomain === "string"
        ? ingress.ingressDomain
        : undefined;
      const problem = domainProblem(domain?.data, ingressDomain, namespace);
      if (problem) throw new CheckFailed(problem.message, problem.fix, FIX);
      return Object.keys(domain?.data ?? {}).filter((k) => !k.startsWith("_")).join(", ");
    },
  },
];
