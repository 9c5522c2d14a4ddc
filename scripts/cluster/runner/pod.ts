// One pod whose containers (some of them) run as local processes: ports, volumes, containers,
// the pod's status (the runner owns it; kwok's stages leave these pods alone once they have a
// pod IP, see write_kwok_config in components.sh) and kwok's Logs object for `kubectl logs`.
import { ContainerRunner, type LocalProbe, PrepareError } from "./container.ts";
import { containerEnv, expand, MountError, mountVolumes } from "./env.ts";
import { lookupImage } from "./images.ts";
import { ApiError, type EventRecorder, type Kube, log, sleep } from "./kube.ts";
import { ensureLogsObject, podStatus } from "./status.ts";
import type { Container, Pod, Probe } from "./types.ts";

export interface RunnerContext {
  kube: Kube;
  events: EventRecorder;
  stateDir: string;
  cacheRoot: string;
  repoRoot: string;
  deno: string;
  kubeconfig: string;
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
    // The kubelet starts containers once the sandbox has an IP: wait (briefly) for kwok's stage.
    while (!this.pod.status?.podIP && Date.now() - this.#seen < 5000) {
      await sleep(100, this.#stop.signal);
    }
    let retryMs = 500;
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
    for (const port of this.ports.values()) this.ctx.releasePort(port);
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
    this.ctx.events.forget(this.pod.metadata.uid!);
  }

  #allocate(podPort: number, c: Container): void {
    this.ports.set(podPort, this.ctx.allocPort());
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

  /** A probe against the local port; exec and gRPC probes count as passing. */
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
    return {
      port,
      path: override || !probe?.httpGet ? undefined : probe.httpGet.path ?? "/",
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
      KUBECONFIG: this.ctx.kubeconfig,
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
    return { cmd: launch.cmd, args: launch.args, env: { ...env, ...launch.env }, cwd: root };
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
