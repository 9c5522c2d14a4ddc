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
import { type DeployLookups, startLookups } from "../deploy/lookups.ts";
import type { DeployRequest, ModelRequest } from "../deploy/spec.ts";
import { validateQuantity, validateWithinLimits } from "../deploy/validate.ts";
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

/**
 * Checks the flags that need no cluster: the resource flags every kind takes, then the chosen
 * kind's own (ModelKind.checkFlags). Throws UsageError on the first bad one.
 */
export function checkFlags(ask: DeployAsk, base: InferenceServiceFile | undefined): void {
  checkQuantities(ask.request);
  kindOf(requestedBackend(ask) ?? "kserve").checkFlags(ask.request, base);
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

/** The reads a plan starts with: deploy's lookups, and which kinds already hold the name. */
export interface PlanReads {
  resources: ResourceMap;
  lookups: DeployLookups;
  /** Any failure but a 404 is an error, when awaited. */
  held: Promise<Existing>;
}

/**
 * Starts the reads planDeploy awaits, for a command that has reads of its own to make first
 * (rollout): started together, they cost it one round trip. `apiVersions`: more discovery to
 * warm (rollout's Knative, whose check comes before the apply).
 */
export function startPlanReads(kube: Kube, ask: DeployAsk, apiVersions: string[] = []): PlanReads {
  const requested = requestedBackend(ask);
  const namespace = ask.global.namespace ?? kube.namespace;
  const resources = new ResourceMap(kube);
  const lookups = startLookups(kube, resources, {
    namespace,
    apiVersions: (requested ? [requested] : BACKENDS).flatMap((b) => kindOf(b).apiVersions)
      .concat(apiVersions),
  });
  const held = findEach(kube, namespace, ask.request.name);
  held.catch(() => {});
  return { resources, lookups, held };
}

/** Reads what deploy needs, chooses the kind, and plans its objects; refusals are thrown. */
export async function planDeploy(
  kube: Kube,
  ask: DeployAsk,
  base: InferenceServiceFile | undefined,
  reads: PlanReads = startPlanReads(kube, ask),
): Promise<DeployPlan> {
  const requested = requestedBackend(ask);
  const namespace = ask.global.namespace ?? kube.namespace;
  const { resources, lookups, held } = reads;
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
