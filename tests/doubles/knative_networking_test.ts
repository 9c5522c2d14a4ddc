import assert from "node:assert/strict";
import {
  INGRESS_CLASS_ANNOTATION,
  ingressStatus,
  ISTIO,
  type KIngress,
  kourier,
  pickSplit,
  route,
} from "./knative_networking/ingress.ts";

const KOURIER = kourier("kourier-system");

function ingress(cls: string | undefined, visibility: "ExternalIP" | "ClusterLocal"): KIngress {
  return {
    metadata: {
      name: "m",
      namespace: "ns",
      generation: 2,
      annotations: cls ? { [INGRESS_CLASS_ANNOTATION]: cls } : {},
    },
    spec: {
      rules: [{
        hosts: ["m.ns.svc.cluster.local", "m.ns"],
        visibility,
        http: {
          paths: [{
            appendHeaders: { "K-Path": "1" },
            splits: [
              { serviceName: "m-00001", serviceNamespace: "ns", servicePort: 80, percent: 90 },
              {
                serviceName: "m-00002",
                serviceNamespace: "ns",
                servicePort: 80,
                percent: 10,
                appendHeaders: { "Knative-Serving-Revision": "m-00002" },
              },
            ],
          }],
        },
      }],
    },
  };
}

const request = (host: string, external = false) => ({
  host,
  path: "/v1/models/m",
  headers: new Headers(),
  external,
});

Deno.test("the networking double routes a KIngress host to the split its percentages pick, with the split's headers", () => {
  const ings = [ingress(KOURIER.ingressClass, "ClusterLocal")];
  const first = route(ings, KOURIER.ingressClass, request("m.ns.svc.cluster.local:80"), 0.5);
  assert.equal(first?.split.serviceName, "m-00001");
  assert.deepEqual(first?.headers, { "K-Path": "1" });
  const canary = route(ings, KOURIER.ingressClass, request("m.ns"), 0.95);
  assert.equal(canary?.split.serviceName, "m-00002");
  assert.equal(canary?.headers["Knative-Serving-Revision"], "m-00002");
  // Another host, another class, or a cluster-local rule on the external listener: no route.
  assert.equal(route(ings, KOURIER.ingressClass, request("other.ns"), 0.5), undefined);
  assert.equal(route(ings, ISTIO.ingressClass, request("m.ns"), 0.5), undefined);
  assert.equal(route(ings, KOURIER.ingressClass, request("m.ns", true), 0.5), undefined);
});

Deno.test("a split is picked by its share of the percentages", () => {
  const splits = [
    { serviceName: "a", serviceNamespace: "n", servicePort: 80, percent: 25 },
    { serviceName: "b", serviceNamespace: "n", servicePort: 80, percent: 75 },
  ];
  assert.equal(pickSplit(splits, 0)?.serviceName, "a");
  assert.equal(pickSplit(splits, 0.249)?.serviceName, "a");
  assert.equal(pickSplit(splits, 0.25)?.serviceName, "b");
  assert.equal(pickSplit(splits, 0.999)?.serviceName, "b");
});

Deno.test("a layer marks a KIngress Ready with its load balancers only once its gateway serves", () => {
  const ing = ingress(KOURIER.ingressClass, "ExternalIP");
  const waiting = ingressStatus(KOURIER, ing, false, "t0");
  assert.equal(waiting.conditions!.find((c) => c.type === "Ready")!.status, "Unknown");
  assert.equal(waiting.publicLoadBalancer, undefined);
  const ready = ingressStatus(KOURIER, ing, true, "t1");
  assert.equal(ready.observedGeneration, 2);
  assert.deepEqual(
    ready.conditions!.map((c) => [c.type, c.status]),
    [["LoadBalancerReady", "True"], ["NetworkConfigured", "True"], ["Ready", "True"]],
  );
  assert.deepEqual(ready.publicLoadBalancer, {
    ingress: [{ domainInternal: "kourier.kourier-system.svc.cluster.local" }],
  });
  assert.deepEqual(ready.privateLoadBalancer, {
    ingress: [{ domainInternal: "kourier-internal.kourier-system.svc.cluster.local" }],
  });
  // Unchanged conditions keep their transition time, so a resync writes nothing.
  const again = ingressStatus(KOURIER, { ...ing, status: ready }, true, "t2");
  assert.deepEqual(again, ready);
});
