/**
 * `kubectl kserve stop NAME` / `start NAME`: set or clear serving.kserve.io/stop on an
 * InferenceService or an LLMInferenceService. Its controller then takes the workload down (its
 * pods and their GPUs go) or brings it back; the object and its configuration stay.
 */
import { CliError, UsageError } from "../errors.ts";
import { Kube } from "../kube/client.ts";
import { waitPodsGone } from "../kube/delete.ts";
import { waitFor } from "../kube/wait.ts";
import { findKServe } from "../kserve/detect.ts";
import { stopAnnotated, writeStopAnnotation } from "../kserve/stop.ts";
import { type ModelKind, type ModelObject, stoppedOnPurpose } from "../models/kind.ts";
import { kindOf, requireModel, waitForKind } from "../models/kinds.ts";
import { type DryRunMode, dryRunSuffix, type GlobalOptions } from "../options.ts";
import { writeErr } from "../output.ts";

/** A stop or start command line, parsed (lib/args/stop.ts, lib/args/start.ts). */
export interface StopInvocation {
  global: GlobalOptions;
  name: string;
  /** true: stop; false: start. */
  stop: boolean;
  dryRun?: DryRunMode;
  wait: boolean;
  timeoutMs: number;
}

/** Sets or clears the annotation (nothing when it is already so); with --wait, waits for the state. */
export async function stopOrStart(options: StopInvocation): Promise<number> {
  const kube = await Kube.connect(options.global);
  const namespace = options.global.namespace ?? kube.namespace;
  const { name, stop } = options;
  const model = await requireModel(kube, namespace, name);
  const kind = kindOf(model);
  if (!kind.stopReported) {
    throw new UsageError(
      `${name} is served by a ${kind.kind} (the ${kind.backend} backend), which KServe cannot stop`,
      {
        hint: stop
          ? `Scale it down instead: kubectl scale deployment ${name} -n ${namespace} --replicas 0`
          : `Scale it up instead: kubectl scale deployment ${name} -n ${namespace} --replicas 1`,
      },
    );
  }
  if (stop && kind.stopRefusal) {
    // Never report a stop that does not happen: a controller that ignores the annotation keeps
    // the pods, their GPUs and Ready.
    const refusal = kind.stopRefusal(await findKServe(kube), namespace, name);
    if (refusal) throw new CliError(refusal.message, { hint: refusal.hint });
  }
  const what = `${kind.kind.toLowerCase()}/${name}`;
  if (stopAnnotated(model.object.metadata) === stop) {
    writeErr(`${what} already ${stop ? "stopped" : "started"} (unchanged)\n`);
  } else {
    if (options.dryRun !== "client") {
      await writeStopAnnotation(kube, `${kind.collection(namespace)}/${name}`, {
        stop,
        dryRun: options.dryRun === "server",
      });
    }
    writeErr(`${what} ${stop ? "stopped" : "started"}${dryRunSuffix(options.dryRun)}\n`);
  }
  if (!options.wait || options.dryRun) return 0;
  await waitForState(kube, kind, { namespace, name, stop, timeoutMs: options.timeoutMs });
  writeErr(stop ? `${name} is stopped: its pods are gone\n` : `${name} is ready\n`);
  return 0;
}

/**
 * Waits, within one deadline, until the controller reports the stop or the start on the object,
 * then until the pods are gone (their GPUs are free then) or the model serves. A start waits for
 * the report first: until then the wait for Ready would take the old Stopped for a lasting
 * failure.
 */
async function waitForState(
  kube: Kube,
  kind: ModelKind,
  target: { namespace: string; name: string; stop: boolean; timeoutMs: number },
): Promise<void> {
  const { namespace, name, stop, timeoutMs } = target;
  const deadline = Date.now() + timeoutMs;
  await waitFor<ModelObject>(kube, {
    path: kind.collection(namespace),
    fieldSelector: `metadata.name=${name}`,
    description: stop
      ? `${kind.kind} ${namespace}/${name} to be stopped`
      : `the controller to start ${kind.kind} ${namespace}/${name}`,
    ready: ([object]) =>
      !object
        ? "it is gone"
        : stop
        ? stoppedOnPurpose(kind, object) || "the controller has not reported it stopped yet"
        : !kind.stopReported!(object) || "the controller still reports it stopped",
  }, { timeoutMs });
  const remainingMs = Math.max(1, deadline - Date.now());
  if (!stop) {
    await waitForKind(kind, kube, namespace, name, remainingMs);
    return;
  }
  await waitPodsGone(
    kube,
    namespace,
    kind.podSelector(name),
    Date.now() + remainingMs,
    `the pods of ${kind.kind} ${namespace}/${name} to be gone`,
  );
}
