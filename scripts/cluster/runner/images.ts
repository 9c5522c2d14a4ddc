// The pod runner's image table: which container images run as a real local process, and how
// a container's command line is turned into one that works outside a pod. Every other image
// stays a kwok fake. Run as a script, it prints the table's combined pattern (cluster.sh puts it
// into kwok's stage config so that kwok leaves these pods' readiness to the runner):
//   deno run scripts/cluster/runner/images.ts --pattern
import { KNATIVE_IMAGE_PATTERN, knativeModuleVersion, knativeRelease } from "./knative.ts";
import type { Container } from "./types.ts";

/** What the runner needs to start one container. */
export interface LaunchContext {
  /** The container, with `$(VAR)` already expanded in command and args. */
  container: Container;
  /** Groups of `pattern`, e.g. the tag. */
  match: RegExpExecArray;
  /**
   * The local port that stands in for a port in the pod's network namespace (the port itself
   * when the pod has a network namespace of its own: see ImageEntry.ownNetwork).
   */
  port(podPort: number): number;
  /** $CLUSTER_CACHE_ROOT (see versions.sh): KServe binaries are in kserve-<tag>/bin. */
  cacheRoot: string;
  /** The repository root (test doubles live in its tests/ tree). */
  repoRoot: string;
  /** The deno executable that runs the runner. */
  deno: string;
  /** The pod's namespace (what a pod's ServiceAccount namespace file holds). */
  namespace: string;
  /** The pod has a network namespace of its own (ImageEntry.ownNetwork): listen on its IP too. */
  ownNetwork: boolean;
}

export interface Launch {
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  /** Why the process cannot be started (shown as the container's waiting reason/message). */
  missing?: { reason: string; message: string };
  /** Replaces the container's readiness probe (the port is a pod port). */
  readiness?: { tcpPort: number };
}

export interface ImageEntry {
  /** Anchored at the start; written so that it means the same in JS and Go (kwok's gojq). */
  pattern: string;
  /** Ports the process listens on without being told (mapped even if not declared). */
  defaultPorts: number[];
  /**
   * The process binds fixed ports that no flag or variable moves (Knative's metrics, profiling,
   * queue-proxy's admin port): its pod gets a network namespace of its own with its pod IP, as on
   * a real node, and every container of the pod runs in it (see podnet.ts).
   */
  ownNetwork?: boolean;
  launch(ctx: LaunchContext): Launch;
}

/** `--flag=value`, `-flag=value`, `--flag value` or `-flag value`: index and value, or undefined. */
function findFlag(
  args: string[],
  name: string,
): { at: number; len: number; value: string } | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    for (const dash of ["--", "-"]) {
      if (a.startsWith(`${dash}${name}=`)) {
        return { at: i, len: 1, value: a.slice(dash.length + name.length + 1) };
      }
      if (a === `${dash}${name}` && args[i + 1] !== undefined && !args[i + 1]!.startsWith("-")) {
        return { at: i, len: 2, value: args[i + 1]! };
      }
    }
  }
  return undefined;
}

/** Sets `--name=value`, replacing any existing form of the flag. */
function setFlag(args: string[], name: string, value: string): string[] {
  const out = [...args];
  const f = findFlag(out, name);
  if (f) out.splice(f.at, f.len, `--${name}=${value}`);
  else out.push(`--${name}=${value}`);
  return out;
}

/** Rewrites a `host:port` flag so the process binds the local port backing the pod port. */
function mapAddrFlag(
  args: string[],
  name: string,
  defaultPort: number,
  ctx: LaunchContext,
): string[] {
  const value = findFlag(args, name)?.value ?? `:${defaultPort}`;
  if (value === "0") return args; // disabled
  const podPort = Number(value.slice(value.lastIndexOf(":") + 1)) || defaultPort;
  return setFlag(args, name, `127.0.0.1:${ctx.port(podPort)}`);
}

/** KServe's controller managers (cmd/manager and cmd/llmisvc), built by build_kserve.sh. */
function kserve(binary: string): ImageEntry["launch"] {
  return (ctx) => {
    const tag = ctx.match[1]!;
    const path = `${ctx.cacheRoot}/kserve-${tag}/bin/${binary}`;
    try {
      Deno.statSync(path);
    } catch {
      return {
        cmd: path,
        args: [],
        missing: {
          reason: "ErrImageNeverPull",
          message:
            `kserve ${tag} is not built (no ${path}); run: bash scripts/cluster/build_kserve.sh ${tag}`,
        },
      };
    }
    // The manifests pass --leader-elect, and it is kept: during a rolling update (an upgrade)
    // the old and the new pod run at once, and on a real cluster the lease keeps the new
    // release's controller from reconciling beside the old one (without it the two rewrite each
    // model's Deployment in turn). Outside a pod controller-runtime finds no leader-election
    // namespace (it reads the ServiceAccount's namespace file), so in_pod.sh provides that file
    // in the process's own mount namespace.
    let args = mapAddrFlag(
      ctx.container.args ?? [],
      "metrics-addr",
      binary === "llmisvc" ? 8443 : 8080,
      ctx,
    );
    args = mapAddrFlag(args, "health-probe-addr", 8081, ctx);
    // The webhook server binds all interfaces of the netns on this port.
    const webhook = Number(findFlag(args, "webhook-port")?.value ?? 9443);
    args = setFlag(args, "webhook-port", String(ctx.port(webhook)));
    return {
      cmd: "unshare",
      args: [
        "--mount",
        "--propagation",
        "private",
        "--",
        `${ctx.repoRoot}/scripts/cluster/runner/in_pod.sh`,
        ctx.namespace,
        path,
        ...args,
      ],
    };
  };
}

/** Why a test double's image cannot start: its script is not in this checkout. */
function missingDouble(script: string, name: string): Launch["missing"] {
  try {
    Deno.statSync(script);
    return undefined;
  } catch {
    return {
      reason: "ErrImageNeverPull",
      message: `the ${name} test double ${script} does not exist`,
    };
  }
}

/**
 * The local ports behind the container's HTTP health probes, "a,b": the real binaries answer
 * them (/livez, /healthz, /readiness on named ports); a double serves "ok" there, so that
 * liveness probes do not kill it.
 */
function healthPorts(ctx: LaunchContext): string {
  const ports = [ctx.container.livenessProbe, ctx.container.readinessProbe]
    .map((probe) => probe?.httpGet?.port)
    .map((port) =>
      typeof port === "number"
        ? port
        : ctx.container.ports?.find((p) => p.name === port)?.containerPort
    )
    .filter((port): port is number => port !== undefined)
    .map((port) => ctx.port(port));
  return [...new Set(ports)].join(",");
}

/** The cert-manager test double (tests/doubles/cert_manager.ts) in one of its three roles. */
const certManager: ImageEntry["launch"] = (ctx) => {
  const role = ctx.match[1]!;
  const script = `${ctx.repoRoot}/tests/doubles/cert_manager.ts`;
  // The repo's deno.json maps the double's imports; the process runs in the pod's dir.
  const config = `${ctx.repoRoot}/deno.json`;
  const args = ["run", "-A", "--quiet", "--config", config, script, role];
  const launch: Launch = { cmd: ctx.deno, args: [...args, ...(ctx.container.args ?? [])] };
  launch.missing = missingDouble(script, "cert-manager");
  launch.env = { HEALTH_PORTS: healthPorts(ctx) };
  if (role === "webhook") {
    const https = ctx.container.ports?.find((p) => p.name === "https")?.containerPort ?? 10250;
    launch.env.WEBHOOK_PORT = String(ctx.port(https));
    // The real webhook answers its HTTP readiness probe on :6080; the double serves /healthz only
    // on its HTTPS port, which opens once its CA exists, so readiness is "that port accepts".
    launch.readiness = { tcpPort: https };
  }
  return launch;
};

/**
 * The model-server test double (tests/doubles/model_server.ts) for the test-only image
 * `kubectl-kserve.test/model-server:<tag>`, which exists in no registry. It takes KServe's server
 * flags (`--model_name=NAME --http_port=PORT`, as the runtimes pass them); `--http_port` is
 * rewritten to the local port backing the pod port.
 */
const modelServer: ImageEntry["launch"] = (ctx) => {
  const script = `${ctx.repoRoot}/tests/doubles/model_server.ts`;
  const httpPort = Number(findFlag(ctx.container.args ?? [], "http_port")?.value) || 8080;
  const args = setFlag(ctx.container.args ?? [], "http_port", String(ctx.port(httpPort)));
  const launch: Launch = {
    cmd: ctx.deno,
    args: [
      "run",
      "--quiet",
      "--no-config",
      "--allow-net",
      "--allow-env=LISTEN_HOST",
      "--allow-read",
      script,
      ...args,
    ],
  };
  launch.missing = missingDouble(script, "model-server");
  // Beside queue-proxy in a pod network of its own, the pod IP is the pod's, not the runner's.
  if (ctx.ownNetwork) launch.env = { LISTEN_HOST: "0.0.0.0" };
  // Without a readiness probe a kubelet marks the container Ready at once; the double takes a
  // moment to listen, so "its HTTP port accepts" stands in, and a Ready pod answers at once.
  if (!ctx.container.readinessProbe) launch.readiness = { tcpPort: httpPort };
  return launch;
};

/**
 * vLLM as KServe's llmisvc presets run it (the llm-d images, `vllm serve /mnt/models
 * --served-model-name NAME --port 8000 [--ssl-certfile F --ssl-keyfile F]`, as a command line or
 * inside a bash -c script), played by the model-server double: the first served model name, port
 * 8000, and HTTPS with the certificate files when the preset passes them (the files are the
 * Secret volume the runner wrote under the container's root, its working directory).
 */
const vllm: ImageEntry["launch"] = (ctx) => {
  const line = [...(ctx.container.command ?? []), ...(ctx.container.args ?? [])].join(" ");
  const word = (flag: string) => new RegExp(`${flag}[ =]"?([^"\\s]+)`).exec(line)?.[1];
  const servedModel = word("--served-model-name") ?? "";
  const port = Number(word("--port") ?? 8000);
  const tls = [word("--ssl-certfile"), word("--ssl-keyfile")];
  const container: Container = {
    ...ctx.container,
    args: [
      `--model_name=${servedModel}`,
      `--http_port=${port}`,
      ...(tls[0] && tls[1] ? [`--ssl-certfile=.${tls[0]}`, `--ssl-keyfile=.${tls[1]}`] : []),
    ],
  };
  const launch = modelServer({ ...ctx, container });
  // The presets' probes are on the served port (HTTPS ones are TCP connects here).
  return launch;
};

/**
 * The Gateway API implementation double (tests/doubles/gateway_api.ts) for the test-only image
 * `kubectl-kserve.test/gateway-api:<tag>` (scripts/cluster/gateway-api-double.yaml). It serves
 * no port; it is Ready once started.
 */
const gatewayApi: ImageEntry["launch"] = (ctx) => {
  const script = `${ctx.repoRoot}/tests/doubles/gateway_api.ts`;
  const config = `${ctx.repoRoot}/deno.json`;
  return {
    cmd: ctx.deno,
    args: ["run", "-A", "--quiet", "--config", config, script],
    missing: missingDouble(script, "gateway-api"),
  };
};

/**
 * Knative Serving's controller, webhook, autoscaler, activator and queue-proxy (the sidecar its
 * controller adds to every revision pod), built by build_knative.sh. The image's digest names
 * the release (knative.ts). They read everything from the pod's environment (SYSTEM_NAMESPACE,
 * WEBHOOK_PORT, queue-proxy's SERVING_* and USER_PORT) and KUBECONFIG, which points at the API
 * server through the `kubernetes` Service as a pod's ServiceAccount would.
 */
const knative: ImageEntry["launch"] = (ctx) => {
  const command = ctx.match[1]!, digest = ctx.match[2]!;
  const release = knativeRelease(command, digest);
  const bin = release &&
    `${ctx.cacheRoot}/knative-serving-${knativeModuleVersion(release)}/bin/${command}`;
  const launch: Launch = { cmd: bin ?? command, args: ctx.container.args ?? [] };
  if (!release) {
    launch.missing = {
      reason: "ErrImageNeverPull",
      message: `no Knative release in scripts/cluster/runner/knative.ts has ${command} ` +
        `image sha256:${digest}`,
    };
    return launch;
  }
  try {
    Deno.statSync(bin!);
  } catch {
    launch.missing = {
      reason: "ErrImageNeverPull",
      message: `Knative Serving ${release} is not built (no ${bin}); run: ` +
        `bash scripts/cluster/build_knative.sh ${release}`,
    };
  }
  return launch;
};

/**
 * The Knative networking double (tests/doubles/knative_networking.ts) in place of net-kourier's
 * controller, Kourier's Envoy gateway (its ports 8080 external and 8081 internal, and /ready)
 * and net-istio's controller.
 */
function knativeNetworking(role: string): ImageEntry["launch"] {
  return (ctx) => {
    const script = `${ctx.repoRoot}/tests/doubles/knative_networking.ts`;
    const config = `${ctx.repoRoot}/deno.json`;
    const launch: Launch = {
      cmd: ctx.deno,
      args: ["run", "-A", "--quiet", "--config", config, script, role],
      // The gateway answers its own probes (/ready on its internal port).
      env: role === "kourier-gateway"
        ? { GATEWAY_PORTS: `${ctx.port(8080)},${ctx.port(8081)}` }
        : { HEALTH_PORTS: healthPorts(ctx) },
    };
    launch.missing = missingDouble(script, "Knative networking");
    return launch;
  };
}

export const IMAGES: ImageEntry[] = [
  {
    pattern: "^(?:docker[.]io/)?kserve/kserve-controller:(v[0-9A-Za-z.+-]+)$",
    defaultPorts: [8080, 8081, 9443],
    launch: kserve("manager"),
  },
  {
    pattern: "^(?:docker[.]io/)?kserve/llmisvc-controller:(v[0-9A-Za-z.+-]+)$",
    defaultPorts: [8081, 8443, 9443],
    launch: kserve("llmisvc"),
  },
  {
    pattern: "^quay[.]io/jetstack/cert-manager-(controller|cainjector|webhook):(v[0-9A-Za-z.+-]+)$",
    defaultPorts: [],
    launch: certManager,
  },
  {
    pattern: KNATIVE_IMAGE_PATTERN,
    defaultPorts: [],
    ownNetwork: true,
    launch: knative,
  },
  {
    pattern:
      "^gcr[.]io/knative-releases/knative[.]dev/net-kourier/cmd/kourier@sha256:[0-9a-f]{64}$",
    defaultPorts: [],
    launch: knativeNetworking("kourier"),
  },
  {
    pattern: "^(?:docker[.]io/)?envoyproxy/envoy:v[0-9.]+-latest$",
    defaultPorts: [8080, 8081],
    launch: knativeNetworking("kourier-gateway"),
  },
  {
    pattern:
      "^gcr[.]io/knative-releases/knative[.]dev/net-istio/cmd/controller@sha256:[0-9a-f]{64}$",
    defaultPorts: [],
    launch: knativeNetworking("istio"),
  },
  {
    pattern: "^kubectl-kserve[.]test/model-server:([0-9A-Za-z._-]+)$",
    defaultPorts: [8080],
    launch: modelServer,
  },
  {
    pattern: "^ghcr[.]io/llm-d/llm-d-(?:cuda|dev):(v[0-9A-Za-z.+-]+)$",
    defaultPorts: [8000],
    launch: vllm,
  },
  {
    pattern: "^kubectl-kserve[.]test/gateway-api:([0-9A-Za-z._-]+)$",
    defaultPorts: [],
    launch: gatewayApi,
  },
];

/** The table entry for an image, with the pattern's match. */
export function lookupImage(
  image: string,
): { entry: ImageEntry; match: RegExpExecArray } | undefined {
  for (const entry of IMAGES) {
    const match = new RegExp(entry.pattern).exec(image);
    if (match) return { entry, match };
  }
  return undefined;
}

/** One pattern matching every image in the table. */
export function combinedPattern(): string {
  return IMAGES.map((e) => `(?:${e.pattern})`).join("|");
}

if (import.meta.main) {
  if (Deno.args[0] !== "--pattern") {
    console.error("usage: images.ts --pattern");
    Deno.exit(2);
  }
  console.log(combinedPattern());
}
