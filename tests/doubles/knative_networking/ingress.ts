// The networking double's view of Knative's KIngress (networking.internal.knative.dev/v1alpha1
// Ingress) and what each networking layer writes into its status. Sources: knative.dev/networking
// pkg/apis/networking (register.go, v1alpha1/ingress_types.go, ingress_lifecycle.go), net-kourier
// pkg/reconciler/ingress and pkg/config, net-istio pkg/reconciler/ingress.
import type { Condition, KObject } from "../cert_manager/kube.ts";

export const INGRESSES = "/apis/networking.internal.knative.dev/v1alpha1/ingresses";

/** The annotation naming the layer that serves a KIngress (Knative's route sets it). */
export const INGRESS_CLASS_ANNOTATION = "networking.knative.dev/ingress.class";

export interface IngressSplit {
  serviceName: string;
  serviceNamespace: string;
  servicePort: number | string;
  percent?: number;
  appendHeaders?: Record<string, string>;
}

export interface IngressPath {
  path?: string;
  headers?: Record<string, { exact?: string }>;
  appendHeaders?: Record<string, string>;
  splits: IngressSplit[];
}

export interface IngressRule {
  hosts: string[];
  visibility?: "ExternalIP" | "ClusterLocal";
  http?: { paths: IngressPath[] };
}

export interface KIngress extends KObject {
  spec: { rules?: IngressRule[] };
  status?: {
    observedGeneration?: number;
    conditions?: Condition[];
    publicLoadBalancer?: unknown;
    privateLoadBalancer?: unknown;
  };
}

/** A networking layer: its class and the load balancers it reports once it serves an Ingress. */
export interface Layer {
  name: string;
  ingressClass: string;
  /** Where the layer's gateways are: the status's public and private load balancers. */
  publicService: string;
  privateService: string;
}

/** net-kourier: config.ExternalServiceName and InternalServiceName in KOURIER_GATEWAY_NAMESPACE. */
export function kourier(gatewayNamespace: string): Layer {
  return {
    name: "Kourier",
    ingressClass: "kourier.ingress.networking.knative.dev",
    publicService: `kourier.${gatewayNamespace}.svc.cluster.local`,
    privateService: `kourier-internal.${gatewayNamespace}.svc.cluster.local`,
  };
}

/** net-istio: config-istio's default gateways (istio-ingressgateway, knative-local-gateway). */
export const ISTIO: Layer = {
  name: "net-istio",
  ingressClass: "istio.ingress.networking.knative.dev",
  publicService: "istio-ingressgateway.istio-system.svc.cluster.local",
  privateService: "knative-local-gateway.istio-system.svc.cluster.local",
};

export function ingressClass(ing: KIngress): string | undefined {
  return ing.metadata.annotations?.[INGRESS_CLASS_ANNOTATION];
}

function condition(type: string, ready: boolean, now: string, message: string): Condition {
  return ready ? { type, status: "True", reason: "", message: "", lastTransitionTime: now } : {
    type,
    status: "Unknown",
    reason: "Uninitialized",
    message,
    lastTransitionTime: now,
  };
}

/**
 * The status a layer writes: Ready with its load balancers once its gateway serves the Ingress
 * (IngressStatus.MarkLoadBalancerReady and MarkNetworkConfigured), else LoadBalancerReady
 * Unknown, as the real layers' MarkLoadBalancerNotReady leaves it while their probe fails.
 */
export function ingressStatus(
  layer: Layer,
  ing: KIngress,
  gatewayReady: boolean,
  now: string,
): NonNullable<KIngress["status"]> {
  const waiting = "Waiting for load balancer to be ready";
  const old = new Map((ing.status?.conditions ?? []).map((c) => [c.type, c]));
  const keep = (c: Condition) => {
    const before = old.get(c.type);
    return before?.status === c.status && before.reason === c.reason ? before : c;
  };
  const status: NonNullable<KIngress["status"]> = {
    observedGeneration: ing.metadata.generation,
    conditions: [
      condition("LoadBalancerReady", gatewayReady, now, waiting),
      condition("NetworkConfigured", true, now, ""),
      condition("Ready", gatewayReady, now, waiting),
    ].map(keep),
  };
  if (gatewayReady) {
    status.publicLoadBalancer = { ingress: [{ domainInternal: layer.publicService }] };
    status.privateLoadBalancer = { ingress: [{ domainInternal: layer.privateService }] };
  }
  return status;
}

/** Which split of which path of which rule serves a request, or undefined (404). */
export function route(
  ingresses: Iterable<KIngress>,
  ingressClassName: string,
  req: { host: string; path: string; headers: Headers; external: boolean },
  random: number,
): { split: IngressSplit; headers: Record<string, string> } | undefined {
  const host = req.host.replace(/:\d+$/, "");
  for (const ing of ingresses) {
    if (ingressClass(ing) !== ingressClassName) continue;
    for (const rule of ing.spec.rules ?? []) {
      if (req.external && rule.visibility === "ClusterLocal") continue;
      if (!rule.hosts.includes(host)) continue;
      for (const path of rule.http?.paths ?? []) {
        if (!req.path.startsWith(path.path ?? "/")) continue;
        const headersMatch = Object.entries(path.headers ?? {})
          .every(([name, m]) => m.exact === undefined || req.headers.get(name) === m.exact);
        if (!headersMatch) continue;
        const split = pickSplit(path.splits, random);
        if (!split) continue;
        return { split, headers: { ...path.appendHeaders, ...split.appendHeaders } };
      }
    }
  }
  return undefined;
}

/** The split a uniform `random` in [0, 1) lands in, by percent (one split: 100). */
export function pickSplit(splits: IngressSplit[], random: number): IngressSplit | undefined {
  if (splits.length === 1) return splits[0];
  let acc = 0;
  const total = splits.reduce((sum, s) => sum + (s.percent ?? 0), 0);
  for (const split of splits) {
    acc += split.percent ?? 0;
    if (random * total < acc) return split;
  }
  return undefined;
}
