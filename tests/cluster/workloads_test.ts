// The test cluster runs real workload controllers: Deployments become Available with Ready pods
// (kwok plays the kubelet), EndpointSlices fill, and namespace deletion completes.
// Run inside the cluster's netns: deno task cluster exec -- deno test -A tests/cluster/
import assert from "node:assert/strict";
import {
  applyYaml,
  createNamespace,
  deleteNamespace,
  kubectl,
  kubectlJson,
  kubectlOk,
  waitFor,
  withNamespace,
} from "../support/cluster.ts";

interface Condition {
  type: string;
  status: string;
}
interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { phase?: string; podIP?: string; conditions?: Condition[] };
}
interface EndpointSlice {
  endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[];
}
interface Deployment {
  status: { readyReplicas?: number; availableReplicas?: number; conditions?: Condition[] };
}

function webApp(replicas: number): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: registry.invalid/web:1
        ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`;
}

const isReady = (p: Pod) =>
  !p.metadata.deletionTimestamp &&
  p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;

Deno.test("cluster: a 2-replica Deployment becomes Available and its EndpointSlice lists the pods", async () => {
  await withNamespace("deploy", async (ns) => {
    await applyYaml(webApp(2), { namespace: ns });
    await kubectlOk(["wait", "--for=condition=Available", "deployment/web", "--timeout=60s"], {
      namespace: ns,
    });

    const pods = await waitFor("2 Ready pods with IPs", async () => {
      const list = await kubectlJson<{ items: Pod[] }>(["get", "pods", "-l", "app=web"], {
        namespace: ns,
      });
      const ready = list.items.filter((p) => isReady(p) && p.status.podIP);
      return ready.length === 2 ? ready : undefined;
    });
    for (const p of pods) {
      assert.equal(p.status.phase, "Running");
      assert.match(p.spec.nodeName ?? "", /^kwok-node-/);
      assert.match(p.status.podIP ?? "", /^10\.244\.\d+\.\d+$/);
    }
    const deployment = await kubectlJson<Deployment>(["get", "deployment", "web"], {
      namespace: ns,
    });
    assert.equal(deployment.status.readyReplicas, 2);
    assert.equal(deployment.status.availableReplicas, 2);

    const podIPs = pods.map((p) => p.status.podIP).sort();
    const sliceIPs = await waitFor("the Service's EndpointSlice to list both pods", async () => {
      const slices = await kubectlJson<{ items: EndpointSlice[] }>(
        ["get", "endpointslices", "-l", "kubernetes.io/service-name=web"],
        { namespace: ns },
      );
      const ips = slices.items
        .flatMap((s) => s.endpoints ?? [])
        .filter((e) => e.conditions?.ready)
        .flatMap((e) => e.addresses)
        .sort();
      return JSON.stringify(ips) === JSON.stringify(podIPs) ? ips : undefined;
    });
    assert.deepEqual(sliceIPs, podIPs);
  });
});

Deno.test("cluster: deleting a namespace with objects in it completes", async () => {
  const ns = await createNamespace("nsdelete");
  try {
    await applyYaml(
      webApp(1) + `
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {a: b}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {token: x}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: worker}
`,
      { namespace: ns },
    );
    await kubectlOk(["wait", "--for=condition=Available", "deployment/web", "--timeout=60s"], {
      namespace: ns,
    });

    await deleteNamespace(ns, { wait: true, timeoutMs: 90_000 });

    const r = await kubectl(["get", "namespace", ns]);
    assert.equal(r.success, false);
    assert.match(r.stderr, /NotFound/);
  } finally {
    await deleteNamespace(ns);
  }
});

Deno.test("cluster: two kwok nodes are Ready, one advertises 2 GPUs", async () => {
  interface Node {
    metadata: { name: string };
    spec: { taints?: unknown[] };
    status: { allocatable: Record<string, string>; conditions: Condition[] };
  }
  const nodes = await kubectlJson<{ items: Node[] }>(["get", "nodes"]);
  const byName = new Map(nodes.items.map((n) => [n.metadata.name, n]));
  for (const name of ["kwok-node-0", "kwok-node-1"]) {
    const n = byName.get(name);
    assert.ok(n, `node ${name} exists`);
    assert.ok(n.status.conditions.some((c) => c.type === "Ready" && c.status === "True"));
  }
  assert.equal(byName.get("kwok-node-1")?.status.allocatable["nvidia.com/gpu"], "2");
  assert.equal(byName.get("kwok-node-0")?.status.allocatable["nvidia.com/gpu"], undefined);
});
