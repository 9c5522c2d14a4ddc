// A test double for Knative's networking layers, run by the test cluster's pod runner in place
// of net-kourier's controller, Kourier's Envoy gateway and net-istio's controller (Envoy cannot
// run here, and net-istio is not on the Go module proxy). Knative Serving itself is real; this
// does only the layers' observable job:
//   kourier          KIngresses of class kourier.ingress.networking.knative.dev become Ready with
//                    Kourier's load balancers once the gateway Deployment is available; other
//                    classes are left alone (as real layers do).
//   kourier-gateway  Serves HTTP on the gateway's ports: a request for a KIngress host goes to the
//                    split its traffic percentages pick (the revision's Service, through its
//                    endpoints: the activator or the revision's pods), with the split's headers.
//   istio            KIngresses of class istio.ingress.networking.knative.dev become Ready with
//                    net-istio's load balancers (Istio's gateways are not part of the test cluster).
// Each runs only while the pod it plays exists, so a missing layer stays missing.
//
//   deno run -A tests/doubles/knative_networking.ts <kourier|kourier-gateway|istio>
//
// Environment: KUBECONFIG (embedded CA and client cert/key), KOURIER_GATEWAY_NAMESPACE (kourier;
// default kourier-system), GATEWAY_PORTS (kourier-gateway: "<external>,<internal>" 127.0.0.1
// ports), HEALTH_PORTS (127.0.0.1 ports answering health probes with "ok").
// Runs until SIGTERM or SIGINT; logs one line per action to stderr.
import {
  Informer,
  key,
  type KObject,
  type Kube,
  log,
  reconcileLoop,
  waitSynced,
} from "./cert_manager/kube.ts";
import { setLogPrefix } from "../../scripts/cluster/runner/kube.ts";
import { podKube, serveHealth, stopOnSignals } from "./double_process.ts";
import {
  ingressClass,
  INGRESSES,
  ingressStatus,
  ISTIO,
  type KIngress,
  kourier,
  type Layer,
  route,
} from "./knative_networking/ingress.ts";

const ROLES = ["kourier", "kourier-gateway", "istio"];
const GATEWAY_DEPLOYMENT = "3scale-kourier-gateway";

interface Deployment extends KObject {
  status?: { availableReplicas?: number };
}

/** Marks the layer's KIngresses, while `gatewayReady()` says whether its gateway serves. */
async function runLayer(
  kube: Kube,
  layer: Layer,
  gatewayReady: () => boolean,
  extra: Informer<KObject>[],
  signal: AbortSignal,
): Promise<void> {
  const ingresses = new Informer<KIngress>(kube, INGRESSES, () => trigger());
  const trigger = reconcileLoop(async () => {
    const ready = gatewayReady();
    for (const ing of ingresses.items.values()) {
      if (ingressClass(ing) !== layer.ingressClass || ing.metadata.deletionTimestamp) continue;
      const status = ingressStatus(layer, ing, ready, new Date().toISOString());
      if (JSON.stringify(status) === JSON.stringify(ing.status ?? {})) continue;
      const { namespace, name } = ing.metadata;
      const path = `/apis/networking.internal.knative.dev/v1alpha1/namespaces/${namespace}` +
        `/ingresses/${name}/status`;
      ingresses.upsert(await kube.mergePatch<KIngress>(path, { status }));
      log(`KIngress ${key(ing)}: ${ready ? "Ready" : "waiting for the gateway"}`);
    }
  }, signal);
  for (const informer of [ingresses, ...extra]) void informer.run(signal);
  if (await waitSynced([ingresses, ...extra], signal)) trigger();
  await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
}

function runKourier(kube: Kube, signal: AbortSignal): Promise<void> {
  const namespace = Deno.env.get("KOURIER_GATEWAY_NAMESPACE") || "kourier-system";
  const deployments = new Informer<Deployment>(
    kube,
    `/apis/apps/v1/namespaces/${namespace}/deployments`,
    () => {},
  );
  const ready = () =>
    (deployments.items.get(`${namespace}/${GATEWAY_DEPLOYMENT}`)?.status?.availableReplicas ?? 0) >
      0;
  return runLayer(kube, kourier(namespace), ready, [deployments], signal);
}

interface Endpoints extends KObject {
  endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[];
  ports?: { name?: string; port?: number }[];
}

interface Service extends KObject {
  spec: { ports?: { name?: string; port: number; targetPort?: number | string }[] };
}

/** A ready endpoint of the Service port: host and port, or undefined. */
async function endpointOf(
  kube: Kube,
  namespace: string,
  name: string,
  port: number | string,
): Promise<string | undefined> {
  const svc = await kube.request<Service | null>(
    "GET",
    `/api/v1/namespaces/${namespace}/services/${name}`,
    { allow404: true },
  );
  const sp = svc?.spec.ports?.find((p) => p.port === Number(port) || p.name === port);
  if (!sp) return undefined;
  const selector = encodeURIComponent(`kubernetes.io/service-name=${name}`);
  const slices = await kube.request<{ items: Endpoints[] }>(
    "GET",
    `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices?labelSelector=${selector}`,
  );
  const candidates = slices.items.flatMap((slice) => {
    const p = slice.ports?.find((p) => (p.name ?? "") === (sp.name ?? "")) ?? slice.ports?.[0];
    if (p?.port === undefined) return [];
    return (slice.endpoints ?? []).filter((e) => e.conditions?.ready !== false)
      .flatMap((e) => e.addresses.map((a) => `${a}:${p.port}`));
  });
  return candidates[Math.floor(Math.random() * candidates.length)];
}

/** Kourier's gateway: its external and internal listeners, and /ready for its probes. */
async function runGateway(kube: Kube, signal: AbortSignal): Promise<void> {
  const ingresses = new Informer<KIngress>(kube, INGRESSES, () => {});
  void ingresses.run(signal);
  await waitSynced([ingresses], signal);
  const layer = kourier(Deno.env.get("KOURIER_GATEWAY_NAMESPACE") || "kourier-system");
  const [external, internal] = (Deno.env.get("GATEWAY_PORTS") ?? "").split(",").map(Number);
  const serve = (port: number | undefined, isExternal: boolean) => {
    if (!port) return;
    Deno.serve({ hostname: "127.0.0.1", port, signal, onListen: () => {} }, async (req) => {
      const url = new URL(req.url);
      if (url.pathname === "/ready" && !req.headers.get("knative-serving-revision")) {
        return new Response("LIVE");
      }
      const host = req.headers.get("host") ?? url.host;
      const picked = route(ingresses.items.values(), layer.ingressClass, {
        host,
        path: url.pathname,
        headers: req.headers,
        external: isExternal,
      }, Math.random());
      if (!picked) return new Response(`no route for ${host}\n`, { status: 404 });
      const { serviceNamespace, serviceName, servicePort } = picked.split;
      const target = await endpointOf(kube, serviceNamespace, serviceName, servicePort);
      if (!target) return new Response("no healthy upstream\n", { status: 503 });
      const headers = new Headers(req.headers);
      for (const [k, v] of Object.entries(picked.headers)) headers.set(k, v);
      return await fetch(`http://${target}${url.pathname}${url.search}`, {
        method: req.method,
        headers,
        body: req.body,
        redirect: "manual",
      }).catch((e) => new Response(`upstream connect error: ${e}\n`, { status: 503 }));
    });
  };
  serve(external, true);
  serve(internal, false);
  log(`gateway listening on 127.0.0.1:${external} (external) and :${internal} (internal)`);
  await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
}

async function main(argv: string[]): Promise<number> {
  const [role] = argv;
  if (!role || !ROLES.includes(role)) {
    console.error(`usage: knative_networking.ts <${ROLES.join("|")}>`);
    return 2;
  }
  setLogPrefix(`knative-networking-double ${role}: `);
  const kube = podKube();
  if (!kube) return 2;
  const stop = stopOnSignals();
  serveHealth(Deno.env.get("HEALTH_PORTS") ?? "", stop.signal);
  log(`starting for pod ${Deno.env.get("POD_NAMESPACE")}/${Deno.env.get("POD_NAME")}`);
  if (role === "kourier") await runKourier(kube, stop.signal);
  else if (role === "kourier-gateway") await runGateway(kube, stop.signal);
  else await runLayer(kube, ISTIO, () => true, [], stop.signal);
  log("stopped");
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
