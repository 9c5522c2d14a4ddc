/**
 * Which serving image runs a model format: the cluster's ClusterServingRuntimes when KServe
 * is there (chosen the way KServe chooses), otherwise a built-in table of the same images.
 */
import { DEFAULT_KSERVE_VERSION } from "../kserve/releases.ts";
import { selectableForPredictor, type ServingRuntime } from "../kserve/serving_runtimes.ts";

export type { ServingRuntime };

export interface Runtime {
  name: string;
  image: string;
  args: string[];
  port: number;
}

const KSERVE_ARGS = ["--model_name={{.Name}}", "--model_dir=/mnt/models", "--http_port=8080"];

/** The release's runtimes for the v1 protocol, for clusters without KServe. */
function builtIn(version: string): Record<string, Runtime> {
  const kserve = (name: string, image: string, extra: string[] = []) => ({
    name,
    image: `kserve/${image}:${version}`,
    args: [...KSERVE_ARGS, ...extra],
    port: 8080,
  });
  return {
    sklearn: kserve("kserve-sklearnserver", "sklearnserver"),
    xgboost: kserve("kserve-xgbserver", "xgbserver", ["--nthread=1"]),
    lightgbm: kserve("kserve-lgbserver", "lgbserver", ["--nthread=1"]),
    pmml: kserve("kserve-pmmlserver", "pmmlserver"),
    paddle: kserve("kserve-paddleserver", "paddleserver"),
    huggingface: {
      name: "kserve-huggingfaceserver",
      image: `kserve/huggingfaceserver:${version}`,
      args: ["--model_name={{.Name}}", "--model_dir=/mnt/models"],
      port: 8080,
    },
    tensorflow: {
      name: "kserve-tensorflow-serving",
      image: "tensorflow/serving:2.6.2",
      args: [
        "--model_name={{.Name}}",
        "--port=9000",
        "--rest_api_port=8080",
        "--model_base_path=/mnt/models",
      ],
      port: 8080,
    },
    pytorch: {
      name: "kserve-torchserve",
      image: "pytorch/torchserve-kfs:0.9.0",
      args: [
        "torchserve",
        "--start",
        "--model-store=/mnt/models/model-store",
        "--ts-config=/mnt/models/config/config.properties",
      ],
      port: 8080,
    },
  };
}

/**
 * Picks a runtime for a format as KServe does: a single-node, single-model runtime
 * (selectableForPredictor) that supports the format (and version, if given) with autoSelect and
 * the protocol, the highest priority first. A named runtime is taken as named.
 */
export function selectRuntime(
  clusterRuntimes: ServingRuntime[],
  format: { name: string; version?: string },
  options: { protocol?: string; named?: string; kserveVersion?: string },
): Runtime | undefined {
  const protocol = options.protocol ?? "v1";
  const candidates = clusterRuntimes.flatMap((runtime) => {
    if (options.named ? runtime.spec?.disabled : !selectableForPredictor(runtime)) return [];
    if (options.named && runtime.metadata?.name !== options.named) return [];
    const protocols: string[] = runtime.spec?.protocolVersions ?? ["v1"];
    if (!protocols.includes(protocol)) return [];
    const formats = (runtime.spec?.supportedModelFormats ?? []).filter((f) =>
      f.name?.toLowerCase() === format.name.toLowerCase() &&
      (!format.version || f.version === format.version) &&
      (options.named || f.autoSelect === true)
    );
    return formats.map((f) => ({ runtime, priority: Number(f.priority ?? 0) }));
  }).sort((a, b) => b.priority - a.priority);
  const chosen = candidates[0]?.runtime;
  if (chosen) {
    const container = chosen.spec?.containers?.[0] ?? {};
    const port = container.ports?.[0]?.containerPort ??
      Number(
        /--(?:http_port|rest_api_port|http-port|port)=(\d+)/.exec((container.args ?? []).join(" "))
          ?.[1] ?? 8080,
      );
    return {
      name: chosen.metadata?.name ?? "",
      image: container.image ?? "",
      args: container.args ?? [],
      port,
    };
  }
  if (clusterRuntimes.length) return undefined;
  return builtIn(options.kserveVersion ?? DEFAULT_KSERVE_VERSION)[format.name.toLowerCase()];
}

/**
 * The runtime the deployment backend runs, as KServe merges a predictor's container into its
 * runtime's (pkg/apis/serving/v1beta1/predictor_model.go, a strategic merge): --image replaces
 * only the image; the runtime's args and port stay unless --arg or --port are given. Without a
 * model format, or with none known for it, --image runs with its own args on port 8080.
 * Undefined: neither an image nor a runtime for the format.
 */
export function deploymentRuntime(
  request: {
    image?: string;
    modelFormat?: { name: string; version?: string };
    runtime?: string;
    protocol?: string;
  },
  clusterRuntimes: ServingRuntime[],
  kserveVersion: string | undefined,
): Runtime | undefined {
  const selected = request.modelFormat
    ? selectRuntime(clusterRuntimes, request.modelFormat, {
      named: request.runtime,
      protocol: request.protocol,
      kserveVersion,
    })
    : undefined;
  if (!request.image) return selected;
  return selected
    ? { ...selected, image: request.image }
    : { name: "custom", image: request.image, args: [], port: 8080 };
}

/** The storage-initializer image of a KServe version. */
export function storageInitializerImage(kserveVersion: string | undefined): string {
  return `kserve/storage-initializer:${kserveVersion ?? DEFAULT_KSERVE_VERSION}`;
}
