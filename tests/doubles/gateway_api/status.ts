// The statuses the Gateway API double writes, as pure functions of the objects it sees: what a
// Gateway API implementation reports (gateway-api's GatewayClass, Gateway and HTTPRoute status
// types; the Gateway API Inference Extension's InferencePool status).
import type { Condition, KObject } from "../cert_manager/kube.ts";

export interface ParentRef {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
  sectionName?: string;
}

export interface Gateway extends KObject {
  spec?: { gatewayClassName?: string; listeners?: { name: string; protocol?: string }[] };
}

export interface RouteParentStatus {
  parentRef: ParentRef;
  controllerName: string;
  conditions: Condition[];
}

export interface HttpRoute extends KObject {
  spec?: {
    parentRefs?: ParentRef[];
    rules?: {
      backendRefs?: { group?: string; kind?: string; name: string; namespace?: string }[];
    }[];
  };
  status?: { parents?: RouteParentStatus[] };
}

/** The address a Programmed Gateway reports (TEST-NET-1: routes nowhere, as nothing is served). */
export const GATEWAY_ADDRESS = "192.0.2.80";

const GATEWAY_GROUP = "gateway.networking.k8s.io";

function condition(
  type: string,
  status: Condition["status"],
  reason: string,
  message: string,
  object: KObject,
  at: string,
): Condition {
  return {
    type,
    status,
    reason,
    message,
    lastTransitionTime: at,
    observedGeneration: (object.metadata as { generation?: number }).generation,
  };
}

export function gatewayClassStatus(gc: KObject, at: string): Condition[] {
  return [condition("Accepted", "True", "Accepted", "Accepted by the test double", gc, at)];
}

/** Whether a parentRef of `namespace`'s route names this Gateway. */
function namesGateway(ref: ParentRef, routeNamespace: string, gateway: Gateway): boolean {
  return (ref.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && (ref.kind ?? "Gateway") === "Gateway" &&
    ref.name === gateway.metadata.name &&
    (ref.namespace ?? routeNamespace) === gateway.metadata.namespace;
}

export function gatewayStatus(
  gateway: Gateway,
  routes: HttpRoute[],
  at: string,
): Record<string, unknown> {
  const attached =
    routes.filter((r) =>
      (r.spec?.parentRefs ?? []).some((p) => namesGateway(p, r.metadata.namespace!, gateway))
    ).length;
  return {
    addresses: [{ type: "IPAddress", value: GATEWAY_ADDRESS }],
    conditions: [
      condition("Accepted", "True", "Accepted", "Accepted by the test double", gateway, at),
      condition("Programmed", "True", "Programmed", "Programmed by the test double", gateway, at),
    ],
    listeners: (gateway.spec?.listeners ?? []).map((l) => ({
      name: l.name,
      attachedRoutes: attached,
      supportedKinds: [{ group: GATEWAY_GROUP, kind: "HTTPRoute" }],
      conditions: ["Accepted", "Programmed", "ResolvedRefs"].map((type) =>
        condition(type, "True", type, `${type} by the test double`, gateway, at)
      ),
    })),
  };
}

/**
 * The route's parents that are this double's Gateways: Accepted, and ResolvedRefs when every
 * backendRef exists (`exists(group, kind, namespace, name)`), else BackendNotFound.
 */
export function routeParents(
  route: HttpRoute,
  gateways: Gateway[],
  controllerName: string,
  exists: (group: string, kind: string, namespace: string, name: string) => boolean,
  at: string,
): RouteParentStatus[] {
  const namespace = route.metadata.namespace!;
  const missing = (route.spec?.rules ?? []).flatMap((rule) => rule.backendRefs ?? [])
    .filter((b) => !exists(b.group ?? "", b.kind ?? "Service", b.namespace ?? namespace, b.name))
    .map((b) => `${b.kind ?? "Service"} ${b.namespace ?? namespace}/${b.name}`);
  return (route.spec?.parentRefs ?? [])
    .filter((ref) => gateways.some((g) => namesGateway(ref, namespace, g)))
    .map((parentRef) => ({
      parentRef,
      controllerName,
      conditions: [
        condition("Accepted", "True", "Accepted", "Accepted by the test double", route, at),
        missing.length
          ? condition(
            "ResolvedRefs",
            "False",
            "BackendNotFound",
            `not found: ${missing.join(", ")}`,
            route,
            at,
          )
          : condition("ResolvedRefs", "True", "ResolvedRefs", "Resolved", route, at),
      ],
    }));
}

/**
 * An InferencePool's parents: each of this double's Gateways that an HTTPRoute attached to it
 * routes to the pool through (`apiPath` is the pool's /apis/GROUP/VERSION).
 */
export function poolParents(
  pool: KObject,
  apiPath: string,
  routes: HttpRoute[],
  gateways: Gateway[],
  controllerName: string,
  at: string,
): Record<string, unknown>[] {
  const group = apiPath.split("/")[2];
  const namespace = pool.metadata.namespace!;
  const parents = new Map<string, Gateway>();
  for (const route of routes.filter((r) => r.metadata.namespace === namespace)) {
    const routesHere = (route.spec?.rules ?? []).flatMap((rule) => rule.backendRefs ?? [])
      .some((b) =>
        b.kind === "InferencePool" && b.group === group && b.name === pool.metadata.name
      );
    if (!routesHere) continue;
    for (const ref of route.spec?.parentRefs ?? []) {
      const gateway = gateways.find((g) => namesGateway(ref, namespace, g));
      if (gateway) parents.set(`${gateway.metadata.namespace}/${gateway.metadata.name}`, gateway);
    }
  }
  return [...parents.values()].map((gateway) => ({
    parentRef: {
      group: GATEWAY_GROUP,
      kind: "Gateway",
      namespace: gateway.metadata.namespace,
      name: gateway.metadata.name,
    },
    ...(group === "inference.networking.k8s.io" ? { controllerName } : {}),
    conditions: [
      condition("Accepted", "True", "Accepted", "Accepted by the test double", pool, at),
      condition("ResolvedRefs", "True", "ResolvedRefs", "Resolved", pool, at),
    ],
  }));
}

/** Whether two statuses agree on every field the double writes, transition times aside. */
export function sameStatus(
  current: Record<string, unknown>,
  wanted: Record<string, unknown>,
): boolean {
  const strip = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(strip)
      : value && typeof value === "object"
      ? Object.fromEntries(
        Object.entries(value).filter(([k, v]) => k !== "lastTransitionTime" && v !== undefined)
          .sort(([a], [b]) => a < b ? -1 : 1).map(([k, v]) => [k, strip(v)]),
      )
      : value;
  return Object.keys(wanted).every((k) =>
    JSON.stringify(strip(current[k])) === JSON.stringify(strip(wanted[k]))
  );
}
