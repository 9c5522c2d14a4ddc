/**
 * Where a request to a model goes: its routes on the model server per protocol, and the path
 * through the API server's service proxy to the Service (or Knative's activator) that serves it
 * now. Used by predict and chat.
 */
import type { Kube } from "../kube/client.ts";
import type { RequestProtocol } from "../options.ts";
import type { ModelKind, ModelObject } from "./kind.ts";

/** KServe's OpenAI chat completions route on its own model servers (huggingface, vLLM runtimes). */
export const OPENAI_ROUTE = "openai/v1/chat/completions";

/** Each protocol's route on the model server (KServe's v1 and v2 data planes, its OpenAI one). */
const ROUTES: Record<RequestProtocol, (name: string) => string> = {
  v1: (name) => `v1/models/${name}:predict`,
  v2: (name) => `v2/models/${name}/infer`,
  openai: () => OPENAI_ROUTE,
};

/**
 * The proxy path of a model's predict endpoint through its Service; needs no ingress, no DNS.
 * OpenAI requests go where the kind says its OpenAI server is, when it says so.
 */
export function predictPathOf(
  kind: ModelKind,
  namespace: string,
  name: string,
  protocol: RequestProtocol,
  object?: ModelObject,
): string {
  if (protocol === "openai" && kind.openaiPath) return kind.openaiPath(namespace, name);
  return serviceProxyPath(proxyServiceOf(kind, name, object), namespace, ROUTES[protocol](name));
}

/** Where a predict request goes: its proxy path and headers, and the Service, for messages. */
export interface PredictRoute {
  path: string;
  headers?: Record<string, string>;
  /** NAMESPACE/NAME of the Service the API server proxies to. */
  service: string;
  /** The Knative revision the request wakes from zero, through the activator. */
  wakes?: string;
}

/**
 * The route of a predict request to the model as it is now (predictPathOf, unless the kind
 * reads the cluster for a better one: a Knative revision at zero, through the activator).
 */
export async function predictRoute(
  kube: Kube,
  kind: ModelKind,
  namespace: string,
  name: string,
  protocol: RequestProtocol,
  object: ModelObject,
): Promise<PredictRoute> {
  if (protocol === "openai" && kind.openaiPath) {
    const tls = await kind.openaiTls?.(kube, object, namespace, name) ?? false;
    return {
      path: kind.openaiPath(namespace, name, tls),
      service: `${namespace}/${proxyServiceOf(kind, name, object)}`,
    };
  }
  const route = await kind.proxyRoute?.(kube, object, namespace, name);
  if (!route) {
    return {
      path: predictPathOf(kind, namespace, name, protocol, object),
      service: `${namespace}/${proxyServiceOf(kind, name, object)}`,
    };
  }
  return {
    path: serviceProxyPath(route.service, route.namespace, ROUTES[protocol](name)),
    ...(route.headers ? { headers: route.headers } : {}),
    service: `${route.namespace}/${route.service}`,
    ...(route.wakes ? { wakes: route.wakes } : {}),
  };
}

/** The Service requests reach the model through: the kind's answer for its object, else its Service. */
export function proxyServiceOf(kind: ModelKind, name: string, object?: ModelObject): string {
  return (object && kind.proxyService?.(object, name)) ?? kind.service(name);
}

/** `route` on port 80 of a Service, through the API server's service proxy. */
export function serviceProxyPath(service: string, namespace: string, route: string): string {
  return `/api/v1/namespaces/${namespace}/services/${service}:80/proxy/${route}`;
}
