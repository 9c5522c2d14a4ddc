/** `kubectl kserve deploy`: serve a model as an InferenceService or as Deployment + Service + HPA. */
import { stringify } from "yaml";
import { type InferenceServiceFile, readInferenceService } from "../deploy/file.ts";
import { installRuntimesCommand } from "../kserve/hints.ts";
import { hostLabels } from "../kserve/config.ts";
import { requireKnativeForMode, requireKnativeScheduling } from "../deploy/knative.ts";
import { type Backend, dryRunSuffix } from "../options.ts";
import type { DeployInvocation } from "../args/deploy.ts";
import { CliError, UsageError } from "../errors.ts";
import { Kube, type KubeObject } from "../kube/client.ts";
import { ResourceMap } from "../kube/resources.ts";
import { applyModel, unchangedBy } from "../deploy/apply.ts";
import type { KServeInstall } from "../kserve/detect.ts";
import { type DeployLookups, startLookups } from "../deploy/lookups.ts";
import { writeErr, writeOut } from "../output.ts";
import {
  buildDeploymentBackend,
  buildInferenceService,
  type DeployRequest,
} from "../deploy/spec.ts";
import { deploymentRuntime, runtimeProblem, storageInitializerImage } from "../deploy/runtimes.ts";
import {
  validateHostLabel,
  validateName,
  validateQuantity,
  validateReplicas,
  validateStorageUri,
  validateWithinLimits,
} from "../deploy/validate.ts";
import { modelAddress, modelPodUids, waitForModelOf } from "../deploy/models.ts";

/** Validates, builds, applies and (with --wait) waits; returns the exit code. */
export async function deploy(options: DeployInvocation): Promise<number> {
  const base = options.file ? readInferenceService(options.file) : undefined;
  const requested = options.backend ?? backendFromEnv();
  validateFlags(options, requested ?? "kserve", base);
  const kube = await Kube.connect(options.global);
  const namespace = options.global.namespace ?? kube.namespace;
  const resources = new ResourceMap(kube);
  const lookups = startLookups(kube, resources, {
    namespace,
    name: options.request.name,
    backend: requested,
  });
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
  const request: DeployRequest = { ...options.request, namespace, backend };
  validateName(request.name, backend);
  if (backend === "kserve") {
    validateHostLabel(
      request.name,
      namespace,
      hostLabels(kserve?.configMap?.data, `${request.name}-predictor`, namespace),
    );
  }
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
  const existing = await lookups.existing;
  refuseBackendChange(request, existing);
  if (existing.deleting) {
    // An apply would update the old object, which its finalizers then remove: a wait that
    // never ends.
    throw new CliError(`"${request.name}" in ${namespace} is still being deleted`, {
      hint:
        `Wait for the delete to finish (it waits with: kubectl kserve delete ${request.name} -n ${namespace}), then deploy again`,
    });
  }

  const objects = backend === "kserve"
    ? [
      await inferenceService(
        kube,
        resources,
        lookups,
        request,
        kserve,
        ns.metadata.labels ?? {},
        base,
      ),
    ]
    : await deploymentObjects(lookups, request, kserve, existing.replicas);

  if (options.dryRun === "client") {
    writeOut(render(objects, options.global.output ?? "yaml"));
    return 0;
  }
  const force = options.forceConflicts === true;
  if (!force && !options.dryRun && objects.length > 1 && existing.deployment) {
    // Every object is tried before any is written, so a conflict on the HPA does not leave a
    // changed Deployment behind. One object (an InferenceService) needs no trial: a refused
    // apply changes nothing.
    await applyModel(kube, resources, objects, { dryRun: true, force });
  }
  // The model's pods before this apply: an old pod's failure is not the new spec's (--wait).
  const earlier = options.wait && !options.dryRun
    ? await modelPodUids(kube, backend, namespace, request.name)
    : undefined;
  const applied = await applyModel(kube, resources, objects, {
    dryRun: options.dryRun === "server",
    force,
  });
  if (options.global.output) writeOut(render(applied, options.global.output));
  else {
    const suffix = dryRunSuffix(options.dryRun);
    for (const object of applied) {
      const before = existing.live.find((o) => o.kind === object.kind);
      const what = !options.dryRun && unchangedBy(before, object)
        ? "unchanged"
        : `applied${suffix}`;
      writeErr(`${String(object.kind).toLowerCase()}/${object.metadata?.name} ${what}\n`);
    }
  }
  if (options.dryRun || !options.wait) return 0;

  const main = applied.find((o) =>
    o.kind === (backend === "kserve" ? "InferenceService" : "Deployment")
  );
  // An apply that changed no spec (the same generation) leaves the pods there the current
  // spec's: their failures count (field report: a re-run of a deploy stuck on FailedScheduling
  // waited out --timeout).
  const sameSpec = main?.metadata?.generation !== undefined &&
    main.metadata.generation === existing.generation[backend];
  const ready = await waitForModelOf(
    backend,
    kube,
    namespace,
    request.name,
    options.timeoutMs,
    main,
    sameSpec ? undefined : earlier,
  );
  const address = modelAddress(ready, namespace, request.name);
  writeErr(`${request.name} is ready\n`);
  if (address.url) writeErr(`  URL:                 ${address.url}\n`);
  writeErr(`  in-cluster address:  ${address.internal}\n`);
  return 0;
}

/** Why the automatic backend choice fell as it did, from what detection saw. */
function backendReason(found: KServeInstall): string {
  if (found.installed) return `KServe ${found.version ?? "(unknown version)"} is installed`;
  if (found.unreadable) {
    return "serving.kserve.io is served; these credentials may not read its controller";
  }
  return found.apiServed
    ? "KServe's CRDs are present, but its controller is not installed"
    : "KServe is not installed";
}

function backendFromEnv(): Backend | undefined {
  const value = Deno.env.get("USE_KSERVE");
  if (value === undefined || value === "") return undefined;
  if (/^(true|1|yes)$/i.test(value)) return "kserve";
  if (/^(false|0|no)$/i.test(value)) return "deployment";
  throw new UsageError(`Invalid USE_KSERVE="${value}"`, {
    hint: "Set USE_KSERVE to true or false",
  });
}

function validateFlags(
  options: DeployInvocation,
  backend: string,
  base: InferenceServiceFile | undefined,
): void {
  const r = options.request;
  if (r.storageUri) validateStorageUri(r.storageUri);
  for (
    const [flag, value] of [["--cpu", r.cpu], ["--memory", r.memory], ["--cpu-limit", r.cpuLimit], [
      "--memory-limit",
      r.memoryLimit,
    ]]
  ) {
    if (value) validateQuantity(value, flag!);
  }
  validateWithinLimits([
    [r.cpu, r.cpuLimit, ["--cpu", "--cpu-limit"]],
    [r.memory, r.memoryLimit, ["--memory", "--memory-limit"]],
  ]);
  validateReplicas(
    r.minReplicas ?? base?.spec?.predictor?.minReplicas,
    r.maxReplicas ?? base?.spec?.predictor?.maxReplicas,
  );
  const format = r.modelFormat ?? base?.spec?.predictor?.model?.modelFormat;
  if (!format && !r.image) {
    throw new UsageError("Missing --model-format", {
      hint: backend === "kserve"
        ? "Pass --model-format (such as sklearn), or -f FILE with spec.predictor.model.modelFormat"
        : "Pass --model-format, or --image for your own server",
    });
  }
}

async function inferenceService(
  kube: Kube,
  resources: ResourceMap,
  lookups: DeployLookups,
  request: DeployRequest,
  kserve: KServeInstall | undefined,
  namespaceLabels: Record<string, string>,
  base: KubeObject | undefined,
): Promise<KubeObject> {
  if (!kserve) {
    throw new CliError("KServe is not installed, so the kserve backend cannot be used", {
      hint:
        "Install it (kubectl kserve install --mode raw), or deploy without it: --backend deployment",
    });
  }
  if ("control-plane" in namespaceLabels) {
    throw new UsageError(
      `Namespace "${request.namespace}" is labelled control-plane, which KServe's pod mutator skips: the model would start without its storage-initializer and find no files in /mnt/models`,
      { hint: "Deploy into another namespace, such as one you create for models" },
    );
  }
  const isvc = buildInferenceService(request, kserve.version, base);
  const format =
    (isvc.spec as { predictor: { model: { modelFormat?: { name: string }; runtime?: string } } })
      .predictor.model;
  const runtimes = await lookups.runtimes;
  if (format.modelFormat && runtimes) {
    // Refused before anything is applied: KServe would accept the object and then report
    // NoSupportingRuntime, or an unknown runtime, only in its status.
    const problem = runtimeProblem(runtimes, format.modelFormat, {
      installRuntimes: installRuntimesCommand(kserve),
      protocol: request.protocol,
      named: format.runtime,
      namespace: request.namespace,
    });
    if (problem) throw new UsageError(problem.message, { hint: problem.hint });
  }
  await requireKnativeForMode(resources, isvc, kserve);
  await requireKnativeScheduling(kube, request, isvc, kserve);
  return isvc;
}

async function deploymentObjects(
  lookups: DeployLookups,
  request: DeployRequest,
  kserve: KServeInstall | undefined,
  liveReplicas: number | undefined,
): Promise<KubeObject[]> {
  const runtimes = kserve ? await lookups.runtimes ?? [] : [];
  const runtime = deploymentRuntime(request, runtimes, kserve?.version);
  if (!runtime) {
    throw new UsageError(`No runtime is known for model format "${request.modelFormat?.name}"`, {
      hint: "Pass --image with a serving image for it",
    });
  }
  return buildDeploymentBackend(request, runtime, storageInitializerImage(kserve?.version), {
    liveReplicas,
  });
}

/** Re-deploying a name with the other backend would leave two servers; refuse instead. */
function refuseBackendChange(
  request: DeployRequest,
  existing: { kserve: boolean; deployment: boolean },
): void {
  const { namespace, name } = request;
  const other = request.backend === "kserve"
    ? existing.deployment ? "deployment" : undefined
    : existing.kserve
    ? "kserve"
    : undefined;
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

function render(objects: KubeObject[], format: string): string {
  if (format === "json") {
    return JSON.stringify(
      objects.length === 1 ? objects[0] : { apiVersion: "v1", kind: "List", items: objects },
      null,
      2,
    ) + "\n";
  }
  return objects.map((o) => stringify(o, { aliasDuplicateObjects: false })).join("---\n");
}
