// What kube-proxy and the pod network would do, for the processes the runner plays: Service
// ClusterIPs and runner pods' IPs are added to `lo` inside the cluster's network namespace,
// and each port is forwarded (a TCP proxy) to the local port of the process behind it, or to
// the pod IP and port of a pod with a network namespace of its own (podnet.ts).
// A ClusterIP port with no ready backend has no listener, so connections to it are refused,
// as kube-proxy rejects them when a Service has no ready endpoints.
import { log } from "./kube.ts";
import type { EndpointSlice } from "./types.ts";

/** Where a forwarded connection goes: a local port (host 127.0.0.1) or a pod's IP and port. */
export interface Backend {
  host: string;
  port: number;
}

/**
 * The backends of a Service port without a selector, from the Service's EndpointSlices: each
 * ready address at the slice's port of the same name, as kube-proxy routes them. Such Services
 * are routed only by what their owner writes: Knative's public revision Service, whose Endpoints
 * its serverlessservice reconciler points at the activator while the revision is at zero (and
 * Kubernetes' endpointslice-mirroring controller mirrors into slices). Knative's autoscaler
 * scales a revision to zero only once its probe through that Service reaches the activator.
 */
export function sliceBackends(
  portName: string | undefined,
  slices: Iterable<EndpointSlice>,
): Backend[] {
  const backends: Backend[] = [];
  for (const slice of slices) {
    const port = (slice.ports ?? []).find((p) => (p.name ?? "") === (portName ?? ""))?.port;
    if (port === undefined) continue;
    for (const endpoint of slice.endpoints ?? []) {
      // An endpoint whose readiness is unknown counts as ready (discovery.k8s.io/v1).
      if (endpoint.conditions?.ready === false) continue;
      for (const host of endpoint.addresses) backends.push({ host, port });
    }
  }
  return backends;
}

/** address -> port -> backends (round-robin). */
export type Desired = Map<string, Map<number, Backend[]>>;

/** The ranges the runner manages on `lo` (service-cluster-ip-range and the node pod CIDRs). */
const MANAGED = [/^10\.96\./, /^10\.244\./];

async function ip(args: string[]): Promise<{ ok: boolean; out: string }> {
  const out = await new Deno.Command("ip", { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { ok: out.success, out: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

interface Forward {
  listener: Deno.TcpListener;
  backends: Backend[];
  next: number;
}

export class Network {
  readonly #addresses = new Set<string>();
  readonly #forwards = new Map<string, Forward>();

  /** Removes addresses a previous runner left on `lo` (it may have been killed). */
  async cleanStale(): Promise<void> {
    const { out } = await ip(["-o", "-4", "addr", "show", "dev", "lo"]);
    for (const m of out.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\/32/g)) {
      if (MANAGED.some((r) => r.test(m[1]!))) await ip(["addr", "del", `${m[1]}/32`, "dev", "lo"]);
    }
  }

  /** Makes addresses and listeners match `desired`. */
  async apply(desired: Desired): Promise<void> {
    for (const addr of desired.keys()) {
      if (this.#addresses.has(addr)) continue;
      const r = await ip(["addr", "add", `${addr}/32`, "dev", "lo"]);
      if (r.ok || /File exists/.test(r.out)) {
        this.#addresses.add(addr);
        log(`added ${addr}/32 to lo`);
      } else log(`cannot add ${addr}/32 to lo: ${r.out.trim()}`);
    }
    for (const [id, fwd] of this.#forwards) {
      const [addr, port] = splitId(id);
      const backends = desired.get(addr)?.get(port) ?? [];
      if (backends.length === 0) {
        fwd.listener.close();
        this.#forwards.delete(id);
        log(`stopped forwarding ${id}`);
      } else fwd.backends = backends;
    }
    for (const [addr, ports] of desired) {
      if (!this.#addresses.has(addr)) continue;
      for (const [port, backends] of ports) {
        const id = `${addr}:${port}`;
        if (backends.length === 0 || this.#forwards.has(id)) continue;
        try {
          const listener = Deno.listen({ hostname: addr, port, transport: "tcp" });
          const fwd = { listener, backends, next: 0 };
          this.#forwards.set(id, fwd);
          void this.#accept(fwd);
          log(`forwarding ${id} -> ${backends.map((b) => `${b.host}:${b.port}`).join(",")}`);
        } catch (e) {
          log(`cannot listen on ${id}: ${e}`);
        }
      }
    }
    for (const addr of [...this.#addresses]) {
      if (desired.has(addr)) continue;
      await ip(["addr", "del", `${addr}/32`, "dev", "lo"]);
      this.#addresses.delete(addr);
      log(`removed ${addr}/32 from lo`);
    }
  }

  async #accept(fwd: Forward): Promise<void> {
    try {
      for await (const conn of fwd.listener) {
        const backend = fwd.backends[fwd.next++ % fwd.backends.length];
        if (backend === undefined) {
          conn.close();
          continue;
        }
        void pipe(conn, backend);
      }
    } catch { /* listener closed */ }
  }

  /** Closes every listener and removes every address (on shutdown). */
  async close(): Promise<void> {
    await this.apply(new Map());
  }
}

function splitId(id: string): [string, number] {
  const i = id.lastIndexOf(":");
  return [id.slice(0, i), Number(id.slice(i + 1))];
}

/** Copies bytes both ways between `conn` and the backend, half-closing like TCP does. */
async function pipe(conn: Deno.TcpConn, backend: Backend): Promise<void> {
  let upstream: Deno.TcpConn;
  try {
    upstream = await Deno.connect({ hostname: backend.host, port: backend.port });
  } catch {
    conn.close();
    return;
  }
  // The kernel NAT kube-proxy sets up adds no delay; a userspace proxy with Nagle on does (a
  // write that waits for a delayed ACK, ~40 ms, on every other webhook call).
  conn.setNoDelay(true);
  upstream.setNoDelay(true);
  const copy = async (from: Deno.TcpConn, to: Deno.TcpConn) => {
    try {
      await from.readable.pipeTo(to.writable, { preventClose: true });
      await to.closeWrite();
    } catch { /* reset by either side */ }
  };
  await Promise.all([copy(conn, upstream), copy(upstream, conn)]);
  for (const c of [conn, upstream]) {
    try {
      c.close();
    } catch { /* already closed */ }
  }
}
