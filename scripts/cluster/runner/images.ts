// The pod runner's image table: which container images run as a real local process, and how
// a container's command line is turned into one that works outside a pod. Every other image
// stays a kwok fake. Run as a script, it prints the table's combined pattern (cluster.sh puts it
// into kwok's stage config so that kwok leaves these pods' readiness to the runner):
//   deno run scripts/cluster/runner/images.ts --pattern
import { KNATIVE_IMAGE_PATTERN, knativeModuleVersion, knativeRelease } from "./knative.ts";
import { certManager, gatewayApi, knativeNetworking, modelServer, vllm } from "./doubles.ts";
import { findFlag, type ImageEntry, type Launch, mapAddrFlag, setFlag } from "./launch.ts";

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
