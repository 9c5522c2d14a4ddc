/**
 * Which serving image runs a model format: the cluster's ClusterServingRuntimes when KServe
 * is there (chosen the way KServe chooses), otherwise a built-in table of the same images.
 */
import { DEFAULT_KSERVE_VERSION } from "../kserve/releases.ts";

export interface Runtime {
  name: string;
  image: string;
  args: string[];
  port: number;
}

/** A ServingRuntime or ClusterServingRuntime (serving.kserve.io/v1alpha1): the parts read here. */
export interface ServingRuntime {
  metadata?: { name?: string; namespace?: string };
  spec?: {
    disabled?: boolean;
    /** ModelMesh-style runtimes that load many models (TrainedModels): never a predictor's. */
    multiModel?: boolean;
    /** Multi-node runtimes (Ray workers): only for a predictor that has a workerSpec. */
    workerSpec?: unknown;
    /** KServe's default when absent: v1. */
    protocolVersions?: string[];
    supportedModelFormats?: ModelFormat[];
    containers?: { image?: string; args?: string[]; ports?: { containerPort?: number }[] }[];
  };
}

interface ModelFormat {
  name?: string;
  version?: string;
  autoSelect?: boolean;
  priority?: number;
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
 * Whether KServe would auto-select this runtime for the predictors this plugin writes (one model,
 * no workerSpec): it skips multi-model runtimes and, unless the predictor has a workerSpec,
 * multi-node ones (K@v0.16.0:pkg/apis/serving/v1beta1/predictor_model.go GetSupportingRuntimes:
 * IsMultiModelRuntime() == isMMS, IsMultiNodeRuntime() == isMultinode). Without it the
 * huggingface format picked kserve-huggingfaceserver-multinode (priority 2) over
 * kserve-huggingfaceserver, which KServe uses.
 */
function selectableForPredictor(runtime: ServingRuntime): boolean {
  return !runtime.spec?.disabled && !runtime.spec?.multiModel && !runtime.spec?.workerSpec;
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

/**
 * Why no runtime would serve an InferenceService, in the words of the fix; undefined when one
 * would. Mirrors KServe's selection (pkg/apis/serving/v1beta1/predictor_model.go): a named
 * runtime must exist and support the format; otherwise an autoSelect runtime must support the
 * format and the protocol (v1 when none is given). Throws nothing; the caller refuses.
 */
export function runtimeProblem(
  runtimes: ServingRuntime[],
  format: { name: string; version?: string },
  options: {
    protocol?: string;
    named?: string;
    namespace: string;
    /** How to install the release's runtimes, by the install's owner (hints.ts). */
    installRuntimes?: string;
  },
): { message: string; hint: string } | undefined {
  const protocol = options.protocol ?? "v1";
  const formatOf = (runtime: ServingRuntime) =>
    (runtime.spec?.supportedModelFormats ?? []).filter((f) =>
      f.name?.toLowerCase() === format.name.toLowerCase()
    );
  const protocolsOf = (runtime: ServingRuntime): string[] =>
    runtime.spec?.protocolVersions ?? ["v1"];
  const serving = runtimes.filter((r) => !r.spec?.disabled && formatOf(r).length);
  const names = (list: ServingRuntime[]) =>
    [...new Set(list.map((r) => r.metadata?.name))].join(", ");
  if (options.named) {
    const runtime = runtimes.find((r) => r.metadata?.name === options.named);
    if (!runtime) {
      return {
        message:
          `Runtime "${options.named}" does not exist: no ServingRuntime in ${options.namespace} and no ClusterServingRuntime has that name`,
        hint: serving.length
          ? `Runtimes that serve ${format.name}: ${
            names(serving)
          }; or leave --runtime out to let KServe choose`
          : "List them with: kubectl get servingruntimes,clusterservingruntimes -A",
      };
    }
    if (!formatOf(runtime).length) {
      return {
        message: `Runtime "${options.named}" does not serve model format "${format.name}"`,
        hint: serving.length
          ? `Runtimes that serve ${format.name}: ${names(serving)}`
          : "Leave --runtime out, or pick a runtime that lists this format",
      };
    }
    if (!protocolsOf(runtime).includes(protocol)) {
      return {
        message: `Runtime "${options.named}" serves protocol ${
          protocolsOf(runtime).join(", ")
        }, not ${protocol}`,
        hint: `Add --protocol ${protocolsOf(runtime)[0]}`,
      };
    }
    return undefined;
  }
  if (!serving.length) {
    return {
      message: `No ServingRuntime or ClusterServingRuntime supports model format "${format.name}"`,
      hint: `Check the format name (kubectl get clusterservingruntimes), install the runtimes (${
        options.installRuntimes ?? "kubectl kserve install"
      }), or pass --runtime`,
    };
  }
  const usable = serving.filter(selectableForPredictor);
  if (!usable.length) {
    return {
      message: `Only multi-node or multi-model runtimes serve model format "${format.name}" (${
        names(serving)
      }): KServe uses neither for a predictor of one model without a workerSpec`,
      hint: "List the runtimes with: kubectl get servingruntimes,clusterservingruntimes -A",
    };
  }
  const automatic = usable.filter((r) => formatOf(r).some((f) => f.autoSelect === true));
  const speaking = automatic.filter((r) => protocolsOf(r).includes(protocol));
  if (speaking.length) return undefined;
  const offered = [...new Set(automatic.flatMap(protocolsOf))];
  if (offered.length) {
    return {
      message: `${format.name} is served over protocol ${offered.join(", ")} only (by ${
        names(automatic)
      }), and ${protocol} was asked${options.protocol ? "" : " (KServe's default)"}`,
      hint: `Add --protocol ${offered[0]}`,
    };
  }
  return {
    message: `No runtime selects model format "${format.name}" automatically (${
      names(usable)
    } serve it only when named)`,
    hint: `Pass --runtime ${usable[0]!.metadata?.name}`,
  };
}
