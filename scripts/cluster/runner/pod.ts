// One pod whose containers (some of them) run as local processes: ports, volumes, containers,
// the pod's status (the runner owns it; kwok's stages leave these pods alone once they have a
// pod IP, see write_kwok_config in components.sh) and kwok's Logs object for `kubectl logs`.
import { ContainerRunner, type LocalProbe, PrepareError } from "./container.ts";
import { containerEnv, expand, MountError, mountVolumes } from "./env.ts";
import { lookupImage } from "./images.ts";
import { ApiError, type EventRecorder, type Kube, log, sleep } from "./kube.ts";
import type { Backend } from "./net.ts";
import { PodNetwork } from "./podnet.ts";
import { ensureLogsObject, podStatus } from "./status.ts";
import type { Container, Pod, Probe, Service } from "./types.ts";

export interface RunnerContext {
  kube: Kube;
  events: EventRecorder;
  stateDir: string;
  cacheRoot: string;
  repoRoot: string;
  deno: string;
  kubeconfig: string;
  /** The kubeconfig of processes in a pod network of their own: the API server at 10.96.0.1:443. */
  podKubeconfig: string;
  /** The cluster's network namespace (pod networks are named after it). */
  netns: string;
  /** The Services the runner knows (a pod network's hosts file names them). */
  services(): Iterable<Service>;
  /** Readiness probes' initialDelaySeconds is capped at this (the manifests say 30s). */
  maxProbeDelayMs: number;
  allocPort(): number;
  releasePort(port: number): void;
  /** Something changed that the network (Services, pod IPs) may depend on. */
  changed(): void;
}

export class PodRunner {
  /** Pod port -> the local port standing in for it. */
  readonly ports = new Map<number, number>();
  /** Pod port -> the container listening on it (declared, default or probed ports alike). */
  readonly portOwners = new Map<number, string>();
  readonly containers = new Map<string, ContainerRunner>();
  /** The pod's own network namespace (podnet.ts), for images that need one; set once created. */
  net?: PodNetwork;
  readonly dir: string;
  readonly logDir: string;
  readonly #stop = new AbortController();
  #mounted = false;
  #patching = false;
  #patchAgain = false;
  #lastPatch = "";
  readonly #seen = Date.now();

  constructor(public pod: Pod, readonly ctx: RunnerContext) {
    const { namespace, name, uid } = pod.metadata;
    this.dir = `${ctx.stateDir}/runner/pods/${namespace}_${name}_${uid!.slice(0, 8)}`;
    this.logDir = `${ctx.stateDir}/logs/pods/${namespace}_${name}`;
  }

  get ref(): string {
    return `${this.pod.metadata.name}_${this.pod.metadata.namespace}(${this.pod.metadata.uid})`;
  }

  /** The containers this runner plays (the others are reported as running, like kwok does). */
  runnable(): Container[] {
    return this.pod.spec.containers.filter((c) => lookupImage(c.image));
  }

  /** Every container the runner plays is running and passes its readiness probe. */
  get ready(): boolean {
    return this.containers.size === this.runnable().length &&
      [...this.containers.values()].every((c) => c.ready);
  }

  /** Whether the pod gets a network namespace of its own (an image in it needs one). */
  get ownNetwork(): boolean {
    return this.runnable().some((c) => lookupImage(c.image)!.entry.ownNetwork);
  }

  /** Where a connection to one of the pod's ports goes, or undefined when nothing can take it. */
  backend(podPort: number): Backend | undefined {
    if (this.net) return { host: this.net.podIP, port: podPort };
    const local = this.ports.get(podPort);
    return local === undefined ? undefined : { host: "127.0.0.1", port: local };
  }

  /** The pod port of a Service targetPort (a number, or a container port's name). */
  podPort(target: number | string): number | undefined {
    if (typeof target === "number") return target;
    for (const c of this.pod.spec.containers) {
      const p = c.ports?.find((p) => p.name === target);
      if (p) return p.containerPort;
    }
    return /^\d+$/.test(target) ? Number(target) : undefined;
  }

  update(pod: Pod): void {
    this.pod = pod;
    this.#schedulePatch();
  }

  async run(): Promise<void> {
    await Deno.mkdir(this.logDir, { recursive: true });
    for (const c of this.runnable()) {
      const found = lookupImage(c.image)!;
      for (
        const p of [...(c.ports ?? []).map((p) => p.containerPort), ...found.entry.defaultPorts]
      ) {
        if (!this.ports.has(p)) this.#allocate(p, c);
      }
      for (const probe of [c.readinessProbe, c.livenessProbe]) {
        const port = probe && this.#probePort(c, probe);
        if (port !== undefined && !this.ports.has(port)) this.#allocate(port, c);
      }
    }
    await ensureLogsObject(this.ctx.kube, this.pod, this.runnable(), this.logDir);
    // The kubelet starts containers once the sandbox has an IP: wait (briefly) for kwok's stage;
    // a pod network of its own needs the IP.
    const own = this.ownNetwork;
    while (
      !this.pod.status?.podIP && (own || Date.now() - this.#seen < 5000) &&
      !this.#stop.signal.aborted
    ) {
      await sleep(100, this.#stop.signal);
    }
    let retryMs = 500;
    while (own && !this.net && !this.#stop.signal.aborted) {
      const net = new PodNetwork(
        this.ctx.netns,
        this.pod.metadata.uid!,
        this.pod.status!.podIP!,
        this.pod.metadata.namespace!,
        this.dir,
      );
      try {
        await net.create(this.ctx.services());
        this.net = net;
      } catch (e) {
        await net.delete();
        log(`${this.ref}: cannot create its pod network: ${e}; retrying in ${retryMs}ms`);
        await sleep(retryMs, this.#stop.signal);
        retryMs = Math.min(retryMs * 2, 4000);
      }
    }
    retryMs = 500;
    while (!this.#mounted && !this.#stop.signal.aborted) {
      try {
        await mountVolumes(this.ctx.kube, this.pod, this.runnable(), (c) => this.#root(c));
        this.#mounted = true;
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        if (e instanceof MountError) {
          await this.ctx.events.record(this.pod, "Warning", "FailedMount", message);
        }
        log(`${this.ref}: ${message}; retrying in ${retryMs}ms`);
        await sleep(retryMs, this.#stop.signal);
        retryMs = Math.min(retryMs * 2, 4000);
      }
    }
    if (this.#stop.signal.aborted) return;
    const runs = this.runnable().map((c) => {
      const runner = new ContainerRunner({
        name: c.name,
        podRef: this.ref,
        restartPolicy: this.pod.spec.restartPolicy ?? "Always",
        logFile: `${this.logDir}/${c.name}.log`,
        readiness: this.#localProbe(c, c.readinessProbe, true),
        liveness: this.#localProbe(c, c.livenessProbe, false),
        prepare: () => this.#prepare(c),
        onChange: () => {
          this.#schedulePatch();
          this.ctx.changed();
        },
        event: (type, reason, message) =>
          void this.ctx.events.record(this.pod, type, reason, message),
      });
      this.containers.set(c.name, runner);
      return runner.run();
    });
    this.#schedulePatch();
    await Promise.all(runs);
  }

  /** Stops every process (SIGTERM, then SIGKILL after the grace period, at most 10s). */
  async stop(): Promise<void> {
    this.#stop.abort();
    const graceMs = Math.min((this.pod.spec.terminationGracePeriodSeconds ?? 30) * 1000, 10_000);
    await Promise.all([...this.containers.values()].map((c) => c.stop(graceMs)));
    if (!this.ownNetwork) { for (const port of this.ports.values()) this.ctx.releasePort(port); }
    await this.net?.delete();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
    this.ctx.events.forget(this.pod.metadata.uid!);
  }

  #allocate(podPort: number, c: Container): void {
    // In a pod network of its own the process binds the pod port itself.
    this.ports.set(podPort, this.ownNetwork ? podPort : this.ctx.allocPort());
    this.portOwners.set(podPort, c.name);
  }

  #root(c: Container): string {
    return `${this.dir}/${c.name}`;
  }

  #probePort(c: Container, probe: Probe): number | undefined {
    const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
    if (port === undefined) return undefined;
    return typeof port === "number" ? port : c.ports?.find((p) => p.name === port)?.containerPort;
  }

  /**
   * A probe against the local port (the pod IP's port in a pod network of its own); exec and
   * gRPC probes count as passing, and HTTPS probes are TCP connects (the kubelet does not verify
   * the certificate either).
   */
  #localProbe(c: Container, probe: Probe | undefined, readiness: boolean): LocalProbe | undefined {
    const found = lookupImage(c.image)!;
    const override = readiness
      ? found.entry.launch(this.#launchCtx(c, found.match)).readiness
      : undefined;
    if (!probe && !override) return undefined;
    const podPort = override ? override.tcpPort : this.#probePort(c, probe!);
    const port = podPort === undefined ? undefined : this.ports.get(podPort);
    if (port === undefined) return undefined;
    const delayMs = (probe?.initialDelaySeconds ?? 0) * 1000;
    const http = override || probe?.httpGet?.scheme === "HTTPS" ? undefined : probe?.httpGet;
    return {
      host: this.net?.podIP ?? "127.0.0.1",
      port,
      path: http ? http.path ?? "/" : undefined,
      headers: Object.fromEntries((http?.httpHeaders ?? []).map((h) => [h.name, h.value])),
      initialDelayMs: readiness ? Math.min(delayMs, this.ctx.maxProbeDelayMs) : delayMs,
      periodMs: (probe?.periodSeconds ?? 10) * 1000,
      timeoutMs: (probe?.timeoutSeconds ?? 1) * 1000,
      successThreshold: probe?.successThreshold ?? 1,
      failureThreshold: probe?.failureThreshold ?? 3,
    };
  }

  #launchCtx(c: Container, match: RegExpExecArray, env: Record<string, string> = {}) {
    const expanded = {
      ...c,
      command: c.command?.map((s) => expand(s, env)),
      args: c.args?.map((s) => expand(s, env)),
    };
    return {
      container: expanded,
      match,
      port: (p: number) => this.ports.get(p) ?? p,
      cacheRoot: this.ctx.cacheRoot,
      repoRoot: this.ctx.repoRoot,
      deno: this.ctx.deno,
      namespace: this.pod.metadata.namespace!,
      ownNetwork: this.ownNetwork,
    };
  }

  async #prepare(c: Container) {
    const found = lookupImage(c.image)!;
    const root = this.#root(c);
    await Deno.mkdir(`${root}/tmp`, { recursive: true });
    // The admin kubeconfig stands in for the pod's ServiceAccount token (RBAC is not exercised).
    const base: Record<string, string> = {
      PATH: Deno.env.get("PATH") ?? "/usr/local/bin:/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? root,
      HOSTNAME: this.pod.metadata.name,
      TMPDIR: `${root}/tmp`,
      KUBECONFIG: this.net ? this.ctx.podKubeconfig : this.ctx.kubeconfig,
      POD_NAMESPACE: this.pod.metadata.namespace!,
      POD_NAME: this.pod.metadata.name,
      // The doubles run on Deno, whose background update check would look up dl.deno.land.
      DENO_NO_UPDATE_CHECK: "1",
    };
    for (const v of ["DENO_DIR", "XDG_CACHE_HOME", "NO_COLOR"]) {
      const value = Deno.env.get(v);
      if (value !== undefined) base[v] = value;
    }
    const env = await containerEnv(this.ctx.kube, this.pod, c, base);
    const launch = found.entry.launch(this.#launchCtx(c, found.match, env));
    if (launch.missing) throw new PrepareError(launch.missing.reason, launch.missing.message);
    const inPod = `${this.ctx.repoRoot}/scripts/cluster/runner/in_pod.sh`;
    const { cmd, args } = this.net
      ? this.net.wrap(inPod, launch.cmd, launch.args)
      : { cmd: launch.cmd, args: launch.args };
    return { cmd, args, env: { ...env, ...launch.env }, cwd: root };
  }

  // --- status -------------------------------------------------------------------------------

  #schedulePatch(): void {
    if (this.#patching) {
      this.#patchAgain = true;
      return;
    }
    this.#patching = true;
    setTimeout(async () => {
      do {
        this.#patchAgain = false;
        await this.#patchStatus().catch((e) => log(`${this.ref}: status patch failed: ${e}`));
      } while (this.#patchAgain && !this.#stop.signal.aborted);
      this.#patching = false;
    }, 50);
  }

  async #patchStatus(): Promise<void> {
    if (this.#stop.signal.aborted) return;
    // Until kwok's stage has given the pod its IP, its status is kwok's to write.
    if (!this.pod.status?.podIP && Date.now() - this.#seen < 5000) return;
    const status = podStatus(this.pod, this.containers);
    const body = JSON.stringify(status);
    const current = this.pod.status;
    const ready = current?.conditions?.find((c) => c.type === "Ready")?.status;
    const want = status.conditions.find((c) => c.type === "Ready")!.status;
    if (body === this.#lastPatch && current?.phase === status.phase && ready === want) return;
    const { namespace, name } = this.pod.metadata;
    try {
      await this.ctx.kube.request("PATCH", `/api/v1/namespaces/${namespace}/pods/${name}/status`, {
        body: { status },
        contentType: "application/strategic-merge-patch+json",
      });
      this.#lastPatch = body;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
  }
}
