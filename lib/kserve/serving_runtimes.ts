/**
 * KServe's ServingRuntimes and ClusterServingRuntimes as the model rules read them: which would
 * serve a model (KServe's selection, pkg/apis/serving/v1beta1/predictor_model.go), and why none
 * would, in the words deploy refuses with and check and status report.
 */
import { KSERVE } from "../defaults.ts";

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

/**
 * Whether KServe would auto-select this runtime for the predictors this plugin writes (one model,
 * no workerSpec): it skips multi-model runtimes and, unless the predictor has a workerSpec,
 * multi-node ones (K@v0.16.0:pkg/apis/serving/v1beta1/predictor_model.go GetSupportingRuntimes:
 * IsMultiModelRuntime() == isMMS, IsMultiNodeRuntime() == isMultinode). Without it the
 * huggingface format picked kserve-huggingfaceserver-multinode (priority 2) over
 * kserve-huggingfaceserver, which KServe uses.
 */
export function selectableForPredictor(runtime: ServingRuntime): boolean {
  return !runtime.spec?.disabled && !runtime.spec?.multiModel && !runtime.spec?.workerSpec;
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

/**
 * The ServingRuntimes of a namespace, then the ClusterServingRuntimes, read with `get` (a GET
 * that answers undefined on 404). A user with namespace rights may not list
 * ClusterServingRuntimes (403): then the runtimes are not known (undefined) and KServe itself
 * decides; never "there are none". Without KServe's API: none. Other errors are thrown.
 */
export function readRuntimes(
  get: (path: string) => Promise<unknown>,
  namespace: string,
): Promise<ServingRuntime[] | undefined> {
  const kserveApi = `/apis/${KSERVE.apiGroup}/v1alpha1`;
  type List = { items?: ServingRuntime[] } | undefined;
  return Promise.all([
    get(`${kserveApi}/clusterservingruntimes`) as Promise<List>,
    get(`${kserveApi}/namespaces/${namespace}/servingruntimes`) as Promise<List>,
  ]).then(
    ([cluster, namespaced]) => [...(namespaced?.items ?? []), ...(cluster?.items ?? [])],
    (error) => {
      if ((error as { status?: number }).status === 403) return undefined;
      throw error;
    },
  );
}
