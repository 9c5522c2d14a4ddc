// The test cluster's pod runner: for pods on kwok's nodes whose image is in the image table
// (images.ts), it runs the real process in place of the container, owns the pod's status,
// serves its log through kwok, and makes the pod's Services reachable inside the network
// namespace. Started by `deno task cluster up` (components.sh start_runner), inside the netns:
//   deno run -A scripts/cluster/runner/main.ts --state DIR --cache DIR
// It writes $STATE/runner/ready once it has listed the cluster, and $STATE/runner/processes.json
// (one entry per running process) whenever a process starts or stops.
import { parseArgs } from "node:util";
import { EventRecorder, Informer, key, Kube, log, sleep } from "./kube.ts";
import { PodDeletions } from "./deletions.ts";
import { lookupImage } from "./images.ts";
import { type Backend, type Desired, Network, sliceBackends } from "./net.ts";
import { PodRunner, type RunnerContext } from "./pod.ts";
import type { EndpointSlice, Node, Pod, Service } from "./types.ts";

/** The label that ties an EndpointSlice to its Service (discovery.k8s.io/v1). */
const SERVICE_NAME_LABEL = "kubernetes.io/service-name";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    state: { type: "string" },
    cache: { type: "string" },
    server: { type: "string", default: "https://127.0.0.1:6443" },
    netns: { type: "string", default: "kubectl-kserve" },
    "max-probe-delay": { type: "string", default: "2" },
  },
});
if (!opts.state || !opts.cache) {
  console.error(
    "usage: main.ts --state DIR --cache DIR [--server URL] [--netns NAME] [--max-probe-delay SECONDS]",
  );
  Deno.exit(2);
}
const stateDir = opts.state;
const runnerDir = `${stateDir}/runner`;
await Deno.mkdir(runnerDir, { recursive: true });
await Deno.remove(`${runnerDir}/ready`).catch(() => {});

const kube = Kube.fromPki(opts.server!, `${stateDir}/pki`);
// Processes in a pod network of their own (podnet.ts) reach the API server as pods do: through
// the `kubernetes` Service's ClusterIP (in the server certificate's names, see pki.sh).
const API_SERVICE = { ip: "10.96.0.1", port: 443 };
const apiPort = Number(new URL(opts.server!).port || 443);
await Deno.writeTextFile(
  `${runnerDir}/pod.kubeconfig`,
  (await Deno.readTextFile(`${stateDir}/admin.kubeconfig`)).replace(
    /server: \S+/,
    `server: https://${API_SERVICE.ip}:${API_SERVICE.port}`,
  ),
  { mode: 0o600 },
);
const stop = new AbortController();
const network = new Network();
const deletions = new PodDeletions(kube);
const runners = new Map<string, { runner: PodRunner; done: Promise<void> }>();

// Local ports for the processes: below the kernel's ephemeral range (32768+), so that an
// outgoing connection cannot take a port between its allocation and the process's bind.
const usedPorts = new Set<number>();
let nextPort = 20000;
function allocPort(): number {
  for (let tries = 0; tries < 10000; tries++) {
    const port = nextPort;
    nextPort = nextPort >= 29999 ? 20000 : nextPort + 1;
    if (usedPorts.has(port)) continue;
    try {
      Deno.listen({ hostname: "0.0.0.0", port }).close();
    } catch {
      continue;
    }
    usedPorts.add(port);
    return port;
  }
  throw new Error("no free local port in 20000-29999");
}

const ctx: RunnerContext = {
  kube,
  events: new EventRecorder(kube),
  stateDir,
  cacheRoot: opts.cache,
  repoRoot: new URL("../../..", import.meta.url).pathname.replace(/\/$/, ""),
  deno: Deno.execPath(),
  kubeconfig: `${stateDir}/admin.kubeconfig`,
  podKubeconfig: `${runnerDir}/pod.kubeconfig`,
  netns: opts.netns!,
  services: () => services.items.values(),
  maxProbeDelayMs: Number(opts["max-probe-delay"]) * 1000,
  allocPort,
  releasePort: (p) => void usedPorts.delete(p),
  changed: () => trigger(),
};

const nodes = new Informer<Node>(kube, "/api/v1/nodes", () => trigger());
const pods = new Informer<Pod>(
  kube,
  `/api/v1/pods?fieldSelector=${encodeURIComponent("spec.nodeName!=")}`,
  () => trigger(),
);
const services = new Informer<Service>(kube, "/api/v1/services", () => trigger());
// What routes a Service without a selector (net.ts sliceBackends).
const slices = new Informer<EndpointSlice>(
  kube,
  "/apis/discovery.k8s.io/v1/endpointslices",
  () => trigger(),
);

/** Pods of the runner: on a kwok node, with an image in the table (kwok leaves them to it). */
function ours(pod: Pod): boolean {
  const node = nodes.items.get(pod.spec.nodeName ?? "");
  return node?.metadata.annotations?.["kwok.x-k8s.io/node"] === "fake" &&
    pod.spec.containers.some((c) => lookupImage(c.image));
}

/** Pods the runner plays: its own, not finished or deleted. */
function wanted(pod: Pod): boolean {
  return ours(pod) && !pod.metadata.deletionTimestamp &&
    pod.status?.phase !== "Succeeded" && pod.status?.phase !== "Failed";
}

function matches(selector: Record<string, string>, labels: Record<string, string> = {}): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/**
 * Service ClusterIPs (by their selector, else by their EndpointSlices; and the API server's), and the IPs of runner pods
 * that share the cluster's network namespace, with their backends.
 */
function desiredNetwork(): Desired {
  const desired: Desired = new Map();
  const add = (addr: string, port: number, backend?: Backend) => {
    const ports = desired.get(addr) ?? new Map<number, Backend[]>();
    desired.set(addr, ports);
    const list = ports.get(port) ?? [];
    ports.set(port, list);
    if (backend !== undefined) list.push(backend);
  };
  const live = [...runners.values()].map((r) => r.runner);
  // Only pods in a network of their own need it (the others use the admin kubeconfig).
  if (live.some((r) => r.ownNetwork)) {
    add(API_SERVICE.ip, API_SERVICE.port, { host: "127.0.0.1", port: apiPort });
  }
  for (const r of live) {
    const podIP = r.pod.status?.podIP;
    // A pod network of its own holds its IP (podnet.ts): routed, not forwarded.
    if (!podIP || r.ownNetwork) continue;
    // Direct pod-IP traffic reaches a running process whether or not it is ready, on every port
    // it listens on: a pod's ports need not be declared (KServe's predictor declares none, and
    // the API server's service proxy dials podIP:targetPort from the EndpointSlice).
    for (const [podPort, local] of r.ports) {
      const owner = r.portOwners.get(podPort);
      const running = owner && r.containers.get(owner)?.running;
      add(podIP, podPort, running ? { host: "127.0.0.1", port: local } : undefined);
    }
  }
  for (const svc of services.items.values()) {
    const ip = svc.spec.clusterIP;
    // The API server's Service is forwarded above (its slice names the server's own address).
    if (!ip || ip === "None" || ip === API_SERVICE.ip || svc.spec.type === "ExternalName") continue;
    const { name, namespace } = svc.metadata;
    const own = svc.spec.selector
      ? []
      : [...slices.items.values()].filter((s) =>
        s.metadata.namespace === namespace && s.metadata.labels?.[SERVICE_NAME_LABEL] === name
      );
    for (const sp of svc.spec.ports ?? []) {
      if ((sp.protocol ?? "TCP") !== "TCP") continue;
      add(ip, sp.port);
      if (!svc.spec.selector) {
        for (const backend of sliceBackends(sp.name, own)) add(ip, sp.port, backend);
        continue;
      }
      for (const r of live) {
        if (r.pod.metadata.namespace !== svc.metadata.namespace || !r.ready) continue;
        if (!matches(svc.spec.selector!, r.pod.metadata.labels)) continue;
        const podPort = r.podPort(sp.targetPort ?? sp.port);
        const backend = podPort === undefined ? undefined : r.backend(podPort);
        if (backend) add(ip, sp.port, backend);
      }
    }
  }
  return desired;
}

async function writeProcesses(): Promise<void> {
  const list = [...runners.values()].flatMap(({ runner }) =>
    [...runner.containers].map(([name, c]) => ({
      namespace: runner.pod.metadata.namespace,
      pod: runner.pod.metadata.name,
      uid: runner.pod.metadata.uid,
      container: name,
      image: runner.pod.spec.containers.find((x) => x.name === name)?.image,
      pid: c.pid ?? null,
      ready: c.ready,
      restartCount: c.restartCount,
      ports: Object.fromEntries(runner.ports),
    }))
  );
  const text = list.map((p) =>
    `${p.namespace}/${p.pod} ${p.container}: ${p.pid ? `pid ${p.pid}` : "not running"}, ` +
    `${p.ready ? "ready" : "not ready"}, ${p.restartCount} restarts\n`
  ).join("");
  const files: [string, string][] = [
    ["processes.json", JSON.stringify(list, null, 2) + "\n"],
    ["processes.txt", text],
  ];
  for (const [name, data] of files) {
    await Deno.writeTextFile(`${runnerDir}/${name}.tmp`, data);
    await Deno.rename(`${runnerDir}/${name}.tmp`, `${runnerDir}/${name}`);
  }
}

async function reconcile(): Promise<void> {
  if (!nodes.synced || !pods.synced || !services.synced || !slices.synced) return;
  const seen = new Set<string>();
  for (const pod of pods.items.values()) {
    if (!wanted(pod)) continue;
    const uid = pod.metadata.uid!;
    seen.add(uid);
    const existing = runners.get(uid);
    if (existing) {
      existing.runner.update(pod);
      continue;
    }
    log(`starting pod ${key(pod)} (${pod.spec.nodeName})`);
    const runner = new PodRunner(pod, ctx);
    const done = runner.run().catch((e) => log(`pod ${key(pod)}: ${e?.stack ?? e}`));
    runners.set(uid, { runner, done });
  }
  for (const [uid, { runner }] of runners) {
    if (seen.has(uid)) continue;
    runners.delete(uid);
    log(`stopping pod ${key(runner.pod)} (deleted or no longer wanted)`);
    void deletions.stopping(uid, runner.stop()).then(() => trigger());
  }
  for (const pod of pods.items.values()) {
    if (pod.metadata.deletionTimestamp && ours(pod)) deletions.finish(pod);
  }
  await network.apply(desiredNetwork());
  for (const { runner } of runners.values()) {
    await runner.net?.updateHosts(services.items.values()).catch((e) =>
      log(`${key(runner.pod)}: cannot write its hosts file: ${e}`)
    );
  }
  await writeProcesses();
}

// Reconciles run one at a time; triggers during a run coalesce into one more run.
let pending = false, running = false;
function trigger(): void {
  pending = true;
  if (running) return;
  running = true;
  void (async () => {
    while (pending && !stop.signal.aborted) {
      pending = false;
      await sleep(20);
      await reconcile().catch((e) => log(`reconcile failed: ${e?.stack ?? e}`));
    }
    running = false;
  })();
}

async function shutdown(signal: string): Promise<void> {
  if (stop.signal.aborted) return;
  log(`${signal}: stopping ${runners.size} pod(s)`);
  stop.abort();
  const killer = setTimeout(() => Deno.exit(1), 9000);
  await Promise.all([...runners.values()].map(({ runner }) => runner.stop()));
  await network.close().catch(() => {});
  await Deno.remove(`${runnerDir}/ready`).catch(() => {});
  for (const f of ["processes.json", "processes.txt"]) {
    await Deno.remove(`${runnerDir}/${f}`).catch(() => {});
  }
  clearTimeout(killer);
  log("stopped");
  Deno.exit(0);
}
for (const sig of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(sig, () => void shutdown(sig));
}

await network.cleanStale();
log(`pod runner started (state ${stateDir}, repo ${ctx.repoRoot})`);
for (const inf of [nodes, pods, services, slices]) void inf.run(stop.signal);
while (!(nodes.synced && pods.synced && services.synced && slices.synced)) await sleep(100);
trigger();
await Deno.writeTextFile(`${runnerDir}/ready`, `${Deno.pid}\n`);
log("listed nodes, pods and services; ready");
// Periodic resync: status patches that failed, addresses of Services created meanwhile, etc.
setInterval(trigger, 10_000);
