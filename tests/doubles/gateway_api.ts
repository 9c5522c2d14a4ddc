// A test double for a Gateway API implementation (Envoy Gateway, Istio, kgateway...), run by the
// test cluster's pod runner for the test-only image kubectl-kserve.test/gateway-api (deployed by
// scripts/cluster/gateway-api-double.yaml). It routes no traffic: it only writes the status a
// real implementation writes, so that KServe's llmisvc controller and the plugin see a working
// Gateway. While its Deployment is absent nothing writes that status, as without an
// implementation.
//
//   deno run -A tests/doubles/gateway_api.ts
//
// What it does, for objects of the GatewayClasses whose spec.controllerName is CONTROLLER_NAME:
// - GatewayClass: Accepted;
// - Gateway: Accepted and Programmed, status.addresses one address, each listener Programmed
//   with its attached HTTPRoutes counted;
// - HTTPRoute: for each parentRef to such a Gateway, Accepted, and ResolvedRefs when every
//   backendRef (a Service or an InferencePool) exists;
// - InferencePool (inference.networking.k8s.io/v1 and x-k8s.io/v1alpha2): Accepted and
//   ResolvedRefs for each such Gateway whose HTTPRoute routes to it.
// Environment: KUBECONFIG (embedded CA and client cert/key, as the runner writes it).
// Runs until SIGTERM or SIGINT; logs one line per status it writes to stderr.
import {
  type Condition,
  Informer,
  key,
  type KObject,
  type Kube,
  kubeFromKubeconfig,
  log,
  reconcileLoop,
} from "./cert_manager/kube.ts";
import { setLogPrefix, sleep } from "../../scripts/cluster/runner/kube.ts";
import {
  type Gateway,
  gatewayClassStatus,
  gatewayStatus,
  type HttpRoute,
  poolParents,
  routeParents,
  sameStatus,
} from "./gateway_api/status.ts";

/** The controller name of this double's GatewayClass (scripts/cluster/gateway-api-double.yaml). */
export const CONTROLLER_NAME = "kubectl-kserve.test/gateway-api-double";

const GW = "/apis/gateway.networking.k8s.io/v1";
/** Both InferencePool APIs: KServe v0.16.0 routes through the first, v0.20.0 the second. */
const POOL_APIS = [
  { path: "/apis/inference.networking.x-k8s.io/v1alpha2", parentsField: "parent" },
  { path: "/apis/inference.networking.k8s.io/v1", parentsField: "parents" },
] as const;

async function main(): Promise<number> {
  setLogPrefix("gateway-api-double: ");
  const kubeconfig = Deno.env.get("KUBECONFIG");
  if (!kubeconfig) {
    log("KUBECONFIG is not set");
    return 2;
  }
  const kube = kubeFromKubeconfig(kubeconfig);
  const stop = new AbortController();
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(sig, () => stop.abort());
  }
  const trigger = reconcileLoop(() => reconcile(kube, informers), stop.signal, 5_000);
  const informers: Informers = {
    classes: new Informer(kube, `${GW}/gatewayclasses`, trigger),
    gateways: new Informer(kube, `${GW}/gateways`, trigger),
    routes: new Informer(kube, `${GW}/httproutes`, trigger),
    services: new Informer(kube, "/api/v1/services", trigger),
    pools: new Map(),
  };
  // The Gateway API and InferencePool CRDs may arrive after the double: an informer starts
  // once its API is served (a real implementation waits for its CRDs the same way).
  const started = new Set<string>();
  while (!stop.signal.aborted) {
    for (const [name, informer] of Object.entries(informers)) {
      if (name === "pools" || started.has(name)) continue;
      const inf = informer as Informer<KObject>;
      if (name === "services" || await served(kube, GW, inf.path.split("/").at(-1)!)) {
        started.add(name);
        void inf.run(stop.signal);
      }
    }
    for (const api of POOL_APIS) {
      if (informers.pools.has(api.path) || !await served(kube, api.path, "inferencepools")) {
        continue;
      }
      const informer = new Informer<KObject>(kube, `${api.path}/inferencepools`, trigger);
      informers.pools.set(api.path, informer);
      void informer.run(stop.signal);
    }
    await sleep(3_000, stop.signal);
  }
  log("stopped");
  return 0;
}

interface Informers {
  classes: Informer<KObject>;
  gateways: Informer<Gateway>;
  routes: Informer<HttpRoute>;
  services: Informer<KObject>;
  pools: Map<string, Informer<KObject>>;
}

async function served(kube: Kube, groupVersion: string, resource: string): Promise<boolean> {
  try {
    const list = await kube.request<{ resources: { name: string }[] } | null>(
      "GET",
      groupVersion,
      { allow404: true },
    );
    return list?.resources.some((r) => r.name === resource) ?? false;
  } catch {
    return false;
  }
}

/** Writes the status of every object of this double's GatewayClasses that differs from it. */
async function reconcile(kube: Kube, informers: Informers): Promise<void> {
  const ours = new Set<string>();
  for (const gc of informers.classes.items.values()) {
    if ((gc as { spec?: { controllerName?: string } }).spec?.controllerName !== CONTROLLER_NAME) {
      continue;
    }
    ours.add(gc.metadata.name);
    await writeStatus(kube, `${GW}/gatewayclasses/${gc.metadata.name}`, gc, {
      conditions: gatewayClassStatus(gc, now()),
    });
  }
  const gateways = [...informers.gateways.items.values()]
    .filter((g) => ours.has(g.spec?.gatewayClassName ?? ""));
  const routes = [...informers.routes.items.values()];
  const exists = (group: string, kind: string, namespace: string, name: string) => {
    if ((group === "" || group === "core") && kind === "Service") {
      return informers.services.items.has(`${namespace}/${name}`);
    }
    return kind === "InferencePool" &&
      [...informers.pools.entries()].some(([path, inf]) =>
        path.includes(`/${group}/`) && inf.items.has(`${namespace}/${name}`)
      );
  };
  for (const gateway of gateways) {
    await writeStatus(
      kube,
      `${GW}/namespaces/${gateway.metadata.namespace}/gateways/${gateway.metadata.name}`,
      gateway,
      gatewayStatus(gateway, routes, now()),
    );
  }
  for (const route of routes) {
    const parents = routeParents(route, gateways, CONTROLLER_NAME, exists, now());
    if (!parents.length) continue;
    // Parents written by other implementations stay as they are.
    const others = (route.status?.parents ?? []).filter((p) =>
      p.controllerName !== CONTROLLER_NAME
    );
    await writeStatus(
      kube,
      `${GW}/namespaces/${route.metadata.namespace}/httproutes/${route.metadata.name}`,
      route,
      { parents: [...others, ...parents] },
    );
  }
  for (const api of POOL_APIS) {
    for (const pool of informers.pools.get(api.path)?.items.values() ?? []) {
      const parents = poolParents(pool, api.path, routes, gateways, CONTROLLER_NAME, now());
      if (!parents.length) continue;
      await writeStatus(
        kube,
        `${api.path}/namespaces/${pool.metadata.namespace}/inferencepools/${pool.metadata.name}`,
        pool,
        { [api.parentsField]: parents },
      );
    }
  }
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, "Z");
}

/** Merge-patches `status` when it differs from the object's (transition times aside). */
async function writeStatus(
  kube: Kube,
  path: string,
  object: KObject,
  status: Record<string, unknown>,
): Promise<void> {
  const current = (object as { status?: Record<string, unknown> }).status ?? {};
  if (sameStatus(current, status)) return;
  await kube.mergePatch(`${path}/status`, { status });
  log(`status of ${path.split("/").at(-2)} ${key(object)} written`);
}

export type { Condition };

if (import.meta.main) Deno.exit(await main());
