/**
 * What `deploy` applies, decided before anything is sent: the flags checked, the backend
 * chosen (from --backend, USE_KSERVE, or whether KServe is installed), and the chosen kind's
 * objects planned, with every refusal made first (bad input is one UsageError, exit 2).
 */
import { CliError, UsageError } from "../errors.ts";
import type { Kube, KubeObject } from "../kube/client.ts";
import { ResourceMap } from "../kube/resources.ts";
import { describeDeletingCrd, type KServeInstall } from "../kserve/detect.ts";
import type { InferenceServiceFile } from "../deploy/file.ts";
import { type PredictorModel, predictorModel } from "../kserve/inference_service.ts";
import { startLookups } from "../deploy/lookups.ts";
import type { DeployRequest, ModelRequest } from "../deploy/spec.ts";
import {
  validateQuantity,
  validateReplicas,
  validateStorageUri,
  validateWithinLimits,
} from "../deploy/validate.ts";
import { type Backend, BACKENDS, type GlobalOptions } from "../options.ts";
import { writeErr } from "../output.ts";
import type { Existing, ModelKind } from "./kind.ts";
import { findEach, kindOf } from "./kinds.ts";
import { requireHfTokenSecret, useHfToken } from "./hf_token.ts";

/** What deploy was asked: the flags' request, and the backend and file if given. */
export interface DeployAsk {
  global: GlobalOptions;
  request: ModelRequest;
  backend?: Backend;
}

export interface DeployPlan {
  kind: ModelKind;
  request: DeployRequest;
  resources: ResourceMap;
  existing: Existing;
  objects: KubeObject[];
}

/** Checks the flags that need no cluster; throws UsageError on the first bad one. */
export function checkFlags(ask: DeployAsk, base: InferenceServiceFile | undefined): void {
  const r = ask.request;
  const own = kindOf(requestedBackend(ask) ?? "kserve").checkFlags;
  if (own) {
    checkQuantities(r);
    return own(r, base);
  }
  if (r.storageUri) validateStorageUri(r.storageUri);
  checkQuantities(r);
  validateReplicas(
    r.minReplicas ?? base?.spec?.predictor?.minReplicas,
    r.maxReplicas ?? base?.spec?.predictor?.maxReplicas,
  );
  const model = base ? predictorModel(base) : undefined;
  if (base && !base.spec?.predictor) {
    throw new UsageError("The file has no spec.predictor, which an InferenceService needs", {
      hint: "Add spec.predictor with the model (see kubectl explain inferenceservice.spec)",
    });
  }
  if (model) refuseFlagsWithoutField(r, model);
  const format = r.modelFormat ?? model?.format;
  if (!format && !r.image && model?.form !== "containers") {
    throw new UsageError("Missing --model-format", {
      hint: kindOf(requestedBackend(ask) ?? "kserve").formatHint,
    });
  }
}

/** The resource flags: each a quantity, each request within its limit. */
function checkQuantities(r: ModelRequest): void {
  const quantities = [
    ["--cpu", r.cpu],
    ["--memory", r.memory],
    ["--cpu-limit", r.cpuLimit],
    ["--memory-limit", r.memoryLimit],
  ] as const;
  for (const [flag, value] of quantities) if (value) validateQuantity(value, flag);
  validateWithinLimits([
    [r.cpu, r.cpuLimit, ["--cpu", "--cpu-limit"]],
    [r.memory, r.memoryLimit, ["--memory", "--memory-limit"]],
  ]);
}

/**
 * Refuses a flag the file's form of predictor has no field for (KServe's webhook would refuse a
 * second predictor): a shorthand's format is its key and it names no runtime; a custom
 * container has no format, runtime, protocol or storageUri field.
 */
function refuseFlagsWithoutField(r: DeployAsk["request"], model: PredictorModel): void {
  if (model.form === "model") return;
  const flags = [
    ["--model-format", r.modelFormat && r.modelFormat.name !== model.format?.name],
    ["--runtime", r.runtime],
    ...(model.form === "containers"
      ? [["--protocol", r.protocol], ["--storage-uri", r.storageUri]] as const
      : []),
  ] as const;
  const flag = flags.find(([, value]) => value)?.[0];
  if (!flag) return;
  const what = model.form === "shorthand"
    ? `names the format ${model.format?.name} by its key and takes no runtime`
    : "is a custom container, which has no model format, runtime, protocol or storageUri field";
  throw new UsageError(`${flag} does not apply: the file's ${model.path} ${what}`, {
    hint: model.form === "shorthand"
      ? `Drop ${flag}, or write the file's predictor as spec.predictor.model with modelFormat`
      : `Drop ${flag}, and set it in the container (such as env STORAGE_URI)`,
  });
}

/** --backend, else USE_KSERVE, else undefined (chosen by whether KServe is installed). */
export function requestedBackend(ask: DeployAsk): Backend | undefined {
  if (ask.backend) return ask.backend;
  const value = Deno.env.get("USE_KSERVE");
  if (value === undefined || value === "") return undefined;
  if (/^(true|1|yes)$/i.test(value)) return "kserve";
  if (/^(false|0|no)$/i.test(value)) return "deployment";
  throw new UsageError(`Invalid USE_KSERVE="${value}"`, {
    hint: "Set USE_KSERVE to true or false",
  });
}

/** Reads what deploy needs, chooses the kind, and plans its objects; refusals are thrown. */
export async function planDeploy(
  kube: Kube,
  ask: DeployAsk,
  base: InferenceServiceFile | undefined,
): Promise<DeployPlan> {
  const requested = requestedBackend(ask);
  const namespace = ask.global.namespace ?? kube.namespace;
  const resources = new ResourceMap(kube);
  const lookups = startLookups(kube, resources, {
    namespace,
    apiVersions: (requested ? [requested] : BACKENDS).flatMap((b) => kindOf(b).apiVersions),
  });
  // Which kinds already hold the name (any failure but a 404 is an error, when awaited).
  const held = findEach(kube, namespace, ask.request.name);
  held.catch(() => {});
  // A failed lookup is thrown here: the backend is never chosen on an error.
  const found = await lookups.kserve;
  const usable = found.installed || found.unreadable === true;
  const kserve = usable ? found : undefined;
  const backend = requested ?? (usable ? "kserve" : "deployment");
  if (!requested) {
    writeErr(
      `Using the ${backend} backend (${
        backendReason(found)
      }; set --backend or USE_KSERVE to choose)\n`,
    );
  }
  const kind = kindOf(backend);
  const request: DeployRequest = { ...ask.request, namespace, backend };
  kind.validateName(request.name, { namespace, kserve });
  const ns = await lookups.namespace;
  if (!ns) {
    throw new UsageError(`Namespace "${namespace}" does not exist`, {
      hint: `kubectl create namespace ${namespace}`,
    });
  }
  if (ns.metadata.deletionTimestamp) {
    throw new UsageError(`Namespace "${namespace}" is being deleted (Terminating)`, {
      hint:
        `Wait until it is gone (kubectl wait --for=delete namespace/${namespace}), then create it again`,
    });
  }
  const existing = await held;
  refuseBackendChange(request, existing);
  if (Object.values(existing).some((object) => object.metadata?.deletionTimestamp)) {
    // An apply would update the old object, which its finalizers then remove: a wait that
    // never ends.
    throw new CliError(`"${request.name}" in ${namespace} is still being deleted`, {
      hint:
        `Wait for the delete to finish (it waits with: kubectl kserve delete ${request.name} -n ${namespace}), then deploy again`,
    });
  }
  await requireHfTokenSecret(kube, kind, request);
  const objects = await kind.plan({
    kube,
    resources,
    lookups,
    request,
    kserve,
    namespaceLabels: ns.metadata.labels ?? {},
    existing,
    base,
  });
  useHfToken(kind, objects[0]!, request);
  return { kind, request, resources, existing, objects };
}

/** Why the automatic backend choice fell as it did, from what detection saw. */
function backendReason(found: KServeInstall): string {
  if (found.crdDeleting) return describeDeletingCrd(found.crdDeleting);
  if (found.installed) return `KServe ${found.version ?? "(unknown version)"} is installed`;
  if (found.unreadable) {
    return "serving.kserve.io is served; these credentials may not read its controller";
  }
  return found.apiServed
    ? "KServe's CRDs are present, but its controller is not installed"
    : "KServe is not installed";
}

/** Re-deploying a name with the other backend would leave two servers; refuse instead. */
function refuseBackendChange(request: DeployRequest, existing: Existing): void {
  const { namespace, name } = request;
  const other = BACKENDS.find((backend) => backend !== request.backend && existing[backend]);
  if (other) {
    throw new CliError(
      `"${name}" is already deployed in ${namespace} with the ${other} backend; changing the backend of an existing model is refused`,
      {
        hint:
          `Delete it first (kubectl kserve delete ${name} -n ${namespace}), or deploy under another name`,
      },
    );
  }
}
