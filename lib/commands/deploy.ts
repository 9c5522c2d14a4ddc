/** `kubectl kserve deploy`: serve a model as an InferenceService or as Deployment + Service + HPA. */
import { stringify } from "yaml";
import { fileIdentity, type InferenceServiceFile, readInferenceService } from "../deploy/file.ts";
import { type Backend, type DryRunMode, dryRunSuffix, type GlobalOptions } from "../options.ts";
import type { ModelRequest } from "../deploy/spec.ts";
import { Kube, type KubeObject } from "../kube/client.ts";
import { applyModel, liveObjects, unchangedBy } from "../deploy/apply.ts";
import { writeErr, writeOut } from "../output.ts";
import { checkFlags, planDeploy, requestedBackend } from "../models/plan.ts";
import { modelPodUids, waitForKind } from "../models/kinds.ts";

/** A deploy command line, parsed (lib/args/deploy.ts). */
export interface DeployInvocation {
  global: GlobalOptions;
  /** The flags' model; its name is "" when NAME was left out for -f (the file names it). */
  request: ModelRequest;
  backend?: Backend;
  file?: string;
  dryRun?: DryRunMode;
  /** Take fields other field managers set on the existing objects, as kubectl --force-conflicts. */
  forceConflicts?: boolean;
  wait: boolean;
  timeoutMs: number;
}

/** Validates, plans, applies and (with --wait) waits; returns the exit code. */
export async function deploy(invocation: DeployInvocation): Promise<number> {
  const base = invocation.file ? readInferenceService(invocation.file) : undefined;
  const options = base ? withFileIdentity(invocation, base) : invocation;
  requestedBackend(options);
  checkFlags(options, base);
  const kube = await Kube.connect(options.global);
  const { kind, request, resources, existing, objects } = await planDeploy(kube, options, base);
  const { namespace, name } = request;

  if (options.dryRun === "client") {
    writeOut(render(objects, options.global.output ?? "yaml"));
    return 0;
  }
  const force = options.forceConflicts === true;
  if (!force && !options.dryRun && objects.length > 1 && existing[kind.backend]) {
    // Every object is tried before any is written, so a conflict on the HPA does not leave a
    // changed Deployment behind. One object (an InferenceService) needs no trial: a refused
    // apply changes nothing.
    await applyModel(kube, resources, objects, { dryRun: true, force });
  }
  // Read together, each one round trip before the apply:
  const [earlier, before] = await Promise.all([
    // the model's pods before this apply: an old pod's failure is not the new spec's (--wait);
    options.wait && !options.dryRun
      ? modelPodUids(kube, kind, namespace, name)
      : Promise.resolve(undefined),
    // what this apply may leave as it was (`unchanged` in the report). The plan has read an
    // InferenceService's or LLMInferenceService's object already (`existing`, or absent); its
    // lookup of a Deployment leaves out another app's of the same name, so that one is read.
    options.dryRun || options.global.output ? Promise.resolve([]) : liveObjects(
      kube,
      resources,
      objects,
      Object.values(existing),
      kind.findsAnyOwner ? [kind.kind] : [],
    ),
  ]);
  const applied = await applyModel(kube, resources, objects, {
    dryRun: options.dryRun === "server",
    force,
  });
  if (options.global.output) writeOut(render(applied, options.global.output));
  else {
    const suffix = dryRunSuffix(options.dryRun);
    for (const object of applied) {
      const live = before.find((o) => o.kind === object.kind);
      const what = !options.dryRun && unchangedBy(live, object) ? "unchanged" : `applied${suffix}`;
      writeErr(`${String(object.kind).toLowerCase()}/${object.metadata?.name} ${what}\n`);
    }
  }
  if (options.dryRun || !options.wait) return 0;

  const main = applied.find((o) => o.kind === kind.kind);
  // An apply that changed no spec (the same generation) leaves the pods there the current
  // spec's: their failures count (field report: a re-run of a deploy stuck on FailedScheduling
  // waited out --timeout).
  const sameSpec = main?.metadata?.generation !== undefined &&
    main.metadata.generation === existing[kind.backend]?.metadata?.generation;
  const ready = await waitForKind(
    kind,
    kube,
    namespace,
    name,
    options.timeoutMs,
    main,
    sameSpec ? undefined : earlier,
  );
  const address = kind.address(ready.object, namespace, name);
  writeErr(`${name} is ready\n`);
  if (address.url) writeErr(`  URL:                 ${address.url}\n`);
  writeErr(`  in-cluster address:  ${address.internal}\n`);
  return 0;
}

/** The invocation with NAME and namespace taken from the -f file (refusals: fileIdentity). */
function withFileIdentity(
  invocation: DeployInvocation,
  base: InferenceServiceFile,
): DeployInvocation {
  const { name, namespace } = fileIdentity(invocation.file ?? "", base, {
    name: invocation.request.name,
    namespace: invocation.global.namespace,
  });
  return {
    ...invocation,
    global: { ...invocation.global, namespace },
    request: { ...invocation.request, name },
  };
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
