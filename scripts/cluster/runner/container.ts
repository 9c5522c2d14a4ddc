// One container played by a local process, as a kubelet would run it: restart with back-off
// (10s doubling to 5m, reset after 10m of running), readiness and liveness probes, and the
// output written to a log file in the CRI format (`<time> <stream> F <line>`) that kwok's
// Logs configuration serves to `kubectl logs`.
import { log, sleep } from "./kube.ts";
import type { ContainerState } from "./types.ts";

/** A failure to prepare the container (it stays waiting with this reason, and is retried). */
export class PrepareError extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

export interface LaunchSpec {
  cmd: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

/** A probe on a local port: HTTP GET (`path` set) or TCP connect. */
export interface LocalProbe {
  /** 127.0.0.1, or the pod's IP when it has a network namespace of its own. */
  host: string;
  port: number;
  path?: string;
  headers?: Record<string, string>;
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

export interface ContainerOptions {
  name: string;
  /** "<pod>_<namespace>(<uid>)", for messages. */
  podRef: string;
  restartPolicy: string;
  logFile: string;
  readiness?: LocalProbe;
  liveness?: LocalProbe;
  /** Resolves the command line, env and volumes; throws PrepareError to wait and retry. */
  prepare(): Promise<LaunchSpec>;
  /** Called after every change of state, readiness or restart count. */
  onChange(): void;
  /** Records an Event on the pod. */
  event(type: "Normal" | "Warning", reason: string, message: string): void;
}

/** What a kubelet of the cluster's version sends with its HTTP probes. */
const KUBE_PROBE_USER_AGENT = "kube-probe/1.36";

const BACKOFF_START_MS = 10_000;
const BACKOFF_MAX_MS = 300_000;
const BACKOFF_RESET_MS = 600_000;

export class ContainerRunner {
  state: ContainerState = { waiting: { reason: "ContainerCreating" } };
  lastState: ContainerState = {};
  restartCount = 0;
  ready = false;
  started = false;
  pid?: number;
  #child?: Deno.ChildProcess;
  #stopped = false;
  readonly #stop = new AbortController();

  constructor(readonly opts: ContainerOptions) {}

  get running(): boolean {
    return this.state.running !== undefined;
  }

  /** Runs the container until stop(): start, wait for exit, back off, restart. */
  async run(): Promise<void> {
    let backoffMs = 0;
    while (!this.#stopped) {
      let spec: LaunchSpec;
      try {
        spec = await this.opts.prepare();
      } catch (e) {
        const reason = e instanceof PrepareError ? e.reason : "CreateContainerConfigError";
        this.#set({ waiting: { reason, message: e instanceof Error ? e.message : String(e) } });
        await sleep(2000, this.#stop.signal);
        continue;
      }
      const startedAt = new Date();
      const exit = await this.#runOnce(spec, startedAt);
      if (this.#stopped) break;
      const finishedAt = new Date();
      const terminated = {
        exitCode: exit.code,
        reason: exit.code === 0 ? "Completed" : "Error",
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
      };
      log(`${this.opts.podRef} ${this.opts.name}: exited with code ${exit.code}`);
      this.lastState = { terminated };
      const policy = this.opts.restartPolicy;
      if (policy === "Never" || (policy === "OnFailure" && exit.code === 0)) {
        this.#set({ terminated });
        return;
      }
      if (finishedAt.getTime() - startedAt.getTime() >= BACKOFF_RESET_MS) backoffMs = 0;
      if (backoffMs > 0) {
        const message = `back-off ${
          backoffMs / 1000
        }s restarting failed container=${this.opts.name} pod=${this.opts.podRef}`;
        this.#set({ waiting: { reason: "CrashLoopBackOff", message } });
        this.opts.event("Warning", "BackOff", "Back-off restarting failed container");
        await sleep(backoffMs, this.#stop.signal);
        if (this.#stopped) break;
      }
      // The first restart is immediate, later ones wait 10s, 20s, 40s ... 5m, as the kubelet's.
      backoffMs = backoffMs === 0 ? BACKOFF_START_MS : Math.min(backoffMs * 2, BACKOFF_MAX_MS);
      this.restartCount++;
    }
  }

  async #runOnce(spec: LaunchSpec, startedAt: Date): Promise<Deno.CommandStatus> {
    await rotate(this.opts.logFile);
    const file = await Deno.open(this.opts.logFile, { create: true, append: true });
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(spec.cmd, {
        args: spec.args,
        env: spec.env,
        clearEnv: true,
        cwd: spec.cwd,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (e) {
      file.close();
      this.opts.event(
        "Warning",
        "Failed",
        `Error: failed to start container "${this.opts.name}": ${e}`,
      );
      return { success: false, code: 128, signal: null };
    }
    this.#child = child;
    this.pid = child.pid;
    this.started = true;
    log(
      `${this.opts.podRef} ${this.opts.name}: started pid ${child.pid}: ${spec.cmd} ${
        spec.args.join(" ")
      }`,
    );
    this.opts.event("Normal", "Started", `Started container ${this.opts.name}`);
    this.#set({ running: { startedAt: startedAt.toISOString() } });
    const writer = new CriLogWriter(file);
    const pumps = [writer.pump(child.stdout, "stdout"), writer.pump(child.stderr, "stderr")];
    const probes = new AbortController();
    void this.#readinessLoop(probes.signal);
    void this.#livenessLoop(probes.signal);
    const status = await child.status;
    probes.abort();
    await Promise.allSettled(pumps);
    await writer.flush();
    file.close();
    this.#child = undefined;
    this.pid = undefined;
    this.ready = false;
    return status;
  }

  async #readinessLoop(signal: AbortSignal): Promise<void> {
    const p = this.opts.readiness;
    if (!p) return this.#setReady(true);
    await sleep(p.initialDelayMs, signal);
    let ok = 0, failed = 0;
    while (!signal.aborted) {
      if (await probe(p)) {
        failed = 0;
        if (++ok >= p.successThreshold) this.#setReady(true);
      } else {
        ok = 0;
        if (++failed >= p.failureThreshold) this.#setReady(false);
      }
      // Until the first success, probe every 250ms so that Ready follows the process closely.
      await sleep(this.ready ? p.periodMs : Math.min(p.periodMs, 250), signal);
    }
  }

  async #livenessLoop(signal: AbortSignal): Promise<void> {
    const p = this.opts.liveness;
    if (!p) return;
    await sleep(p.initialDelayMs, signal);
    let failed = 0;
    while (!signal.aborted) {
      failed = (await probe(p)) ? 0 : failed + 1;
      if (failed >= p.failureThreshold && !signal.aborted) {
        const msg = `Container ${this.opts.name} failed liveness probe, will be restarted`;
        this.opts.event("Normal", "Killing", msg);
        this.#signal("SIGTERM");
        const child = this.#child;
        const timer = setTimeout(() => child === this.#child && this.#signal("SIGKILL"), 10_000);
        await child?.status.catch(() => {});
        clearTimeout(timer);
        return;
      }
      await sleep(p.periodMs, signal);
    }
  }

  #setReady(ready: boolean): void {
    if (this.ready === ready || !this.running) return;
    this.ready = ready;
    log(`${this.opts.podRef} ${this.opts.name}: ${ready ? "ready" : "not ready"}`);
    this.opts.onChange();
  }

  #set(state: ContainerState): void {
    this.state = state;
    if (!state.running) this.ready = false;
    this.opts.onChange();
  }

  #signal(sig: Deno.Signal): void {
    try {
      this.#child?.kill(sig);
    } catch { /* already gone */ }
  }

  /** Stops the process: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.#stopped = true;
    this.#stop.abort();
    const child = this.#child;
    if (!child) return;
    this.#signal("SIGTERM");
    const timer = setTimeout(() => this.#signal("SIGKILL"), graceMs);
    await child.status.catch(() => {});
    clearTimeout(timer);
  }
}

/**
 * One probe attempt: an HTTP GET with a 2xx/3xx answer, or a TCP connect. The GET says it is a
 * kubelet's probe (User-Agent kube-probe/<version>), which Knative's activator and queue-proxy
 * answer themselves instead of passing it on.
 */
async function probe(p: LocalProbe): Promise<boolean> {
  try {
    if (p.path === undefined) {
      const conn = await Deno.connect({ hostname: p.host, port: p.port });
      conn.close();
      return true;
    }
    const res = await fetch(`http://${p.host}:${p.port}${p.path}`, {
      signal: AbortSignal.timeout(p.timeoutMs),
      redirect: "manual",
      headers: { "User-Agent": KUBE_PROBE_USER_AGENT, ...p.headers },
    });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 400;
  } catch {
    return false;
  }
}

/** Keeps one previous log, as `kubectl logs --previous` expects. */
async function rotate(file: string): Promise<void> {
  try {
    await Deno.rename(file, `${file.replace(/\.log$/, "")}.previous.log`);
  } catch { /* first start */ }
}

/** Writes both output streams to one file, line by line, in the CRI log format. */
class CriLogWriter {
  #queue: Promise<void> = Promise.resolve();
  readonly #enc = new TextEncoder();

  constructor(readonly file: Deno.FsFile) {}

  async pump(stream: ReadableStream<Uint8Array>, name: "stdout" | "stderr"): Promise<void> {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop()!;
      if (lines.length) this.#write(lines, name);
    }
    if (rest) this.#write([rest], name);
  }

  #write(lines: string[], stream: string): void {
    const now = new Date().toISOString();
    const text = lines.map((l) => `${now} ${stream} F ${l}\n`).join("");
    const data = this.#enc.encode(text);
    this.#queue = this.#queue.then(async () => {
      for (let off = 0; off < data.length;) off += await this.file.write(data.subarray(off));
    });
  }

  flush(): Promise<void> {
    return this.#queue;
  }
}
