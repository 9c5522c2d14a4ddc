// A network namespace of the pod's own, for pods whose processes bind fixed ports (images with
// ownNetwork in images.ts): what a real node's pod network gives every pod. The pod's IP is on
// its `eth0`, one end of a veth pair whose other end is in the cluster's network namespace,
// where a /32 route leads to it; the cluster's namespace forwards between pods, so pods,
// Services (their ClusterIPs are on the cluster's `lo`, see net.ts) and the API server (through
// the `kubernetes` Service, 10.96.0.1:443) reach each other as on a cluster. Containers of the
// pod share its namespace and its 127.0.0.1, as containers of a pod do.
// Names: the namespace is <cluster netns>-<12 hex digits of the pod's UID> (cluster.sh's teardown
// deletes what a killed runner left), the host end of the veth kkp<the same digits> (15 at most).
// Cluster DNS is a hosts file (every Service's names, rewritten as Services change) and a
// resolv.conf with the pod's search path; in_pod.sh mounts both over /etc in the process's own
// mount namespace.
import { log } from "./kube.ts";
import type { Service } from "./types.ts";

/** The address the pods' default route points at (the host end of every veth carries it). */
const GATEWAY = "169.254.1.1";

async function run(args: string[]): Promise<void> {
  const out = await new Deno.Command(args[0]!, {
    args: args.slice(1),
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`${args.join(" ")}: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
}

let forwarding: Promise<void> | undefined;

/** Lets the cluster's network namespace route between pods (once per runner). */
function enableForwarding(): Promise<void> {
  forwarding ??= Deno.writeTextFile("/proc/sys/net/ipv4/ip_forward", "1");
  return forwarding;
}

export class PodNetwork {
  readonly name: string;
  readonly veth: string;
  #created = false;
  #hosts = "";

  /** `clusterNetns` is the cluster's network namespace; `dir` holds the pod's etc files. */
  constructor(
    clusterNetns: string,
    uid: string,
    readonly podIP: string,
    readonly namespace: string,
    readonly dir: string,
  ) {
    const id = uid.replaceAll("-", "").slice(0, 12);
    this.name = `${clusterNetns}-${id}`;
    this.veth = `kkp${id}`;
  }

  get etcDir(): string {
    return `${this.dir}/etc`;
  }

  /** Creates the namespace, the veth pair, the addresses and routes, and the etc files. */
  async create(services: Iterable<Service>): Promise<void> {
    await enableForwarding();
    await this.delete();
    const ns = ["ip", "-n", this.name];
    await run(["ip", "netns", "add", this.name]);
    this.#created = true;
    const veth = this.veth;
    await run([
      "ip",
      "link",
      "add",
      veth,
      "type",
      "veth",
      "peer",
      "name",
      "eth0",
      "netns",
      this.name,
    ]);
    await run(["ip", "addr", "add", `${GATEWAY}/32`, "dev", veth]);
    await run(["ip", "link", "set", veth, "up"]);
    await run(["ip", "route", "add", `${this.podIP}/32`, "dev", veth]);
    await run([...ns, "link", "set", "lo", "up"]);
    await run([...ns, "addr", "add", `${this.podIP}/32`, "dev", "eth0"]);
    await run([...ns, "link", "set", "eth0", "up"]);
    await run([...ns, "route", "add", GATEWAY, "dev", "eth0", "scope", "link"]);
    await run([...ns, "route", "add", "default", "via", GATEWAY, "dev", "eth0"]);
    await Deno.mkdir(this.etcDir, { recursive: true });
    const search = `${this.namespace}.svc.cluster.local svc.cluster.local cluster.local`;
    // No name server: every name the processes look up is a Service's, in the hosts file.
    await Deno.writeTextFile(
      `${this.etcDir}/resolv.conf`,
      `search ${search}\nnameserver 127.0.0.1\noptions ndots:5\n`,
    );
    await this.updateHosts(services);
    log(`pod network ${this.name}: ${this.podIP} (veth ${veth})`);
  }

  /**
   * Rewrites the hosts file in place (the mount over /etc/hosts follows the inode; Go re-reads
   * it when it changes) with every Service's ClusterIP under its cluster names.
   */
  async updateHosts(services: Iterable<Service>): Promise<void> {
    const lines = ["127.0.0.1 localhost"];
    for (const svc of services) {
      const ip = svc.spec.clusterIP;
      if (!ip || ip === "None") continue;
      const { name, namespace } = svc.metadata;
      const names = [`${name}.${namespace}.svc.cluster.local`, `${name}.${namespace}.svc`];
      names.push(`${name}.${namespace}`);
      if (namespace === this.namespace) names.push(name);
      lines.push(`${ip} ${names.join(" ")}`);
    }
    const text = lines.join("\n") + "\n";
    if (text === this.#hosts) return;
    this.#hosts = text;
    const file = await Deno.open(`${this.etcDir}/hosts`, {
      write: true,
      create: true,
      truncate: true,
    });
    try {
      await file.write(new TextEncoder().encode(text));
    } finally {
      file.close();
    }
  }

  /** The command line that runs `cmd` in the pod's namespace with its etc files. */
  wrap(inPod: string, cmd: string, args: string[]): { cmd: string; args: string[] } {
    return {
      cmd: "ip",
      args: ["netns", "exec", this.name, inPod, "--etc", this.etcDir, this.namespace, cmd, ...args],
    };
  }

  /** Deletes the namespace (its veth end goes with it, and the host end and route with that). */
  async delete(): Promise<void> {
    await run(["ip", "netns", "del", this.name]).catch(() => {});
    if (this.#created) log(`pod network ${this.name} deleted`);
    this.#created = false;
  }
}
