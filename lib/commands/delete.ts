/** `kubectl kserve delete`: remove a model of any kind and wait until it and what it owns are gone. */
import { type DryRunMode, dryRunSuffix, type GlobalOptions } from "../options.ts";
import { Kube } from "../kube/client.ts";
import { deleteObjects, waitDeleted, waitPodsGone } from "../kube/delete.ts";
import { kindOf, requireModel } from "../models/kinds.ts";
import { writeErr } from "../output.ts";

export interface DeleteInvocation {
  global: GlobalOptions;
  name: string;
  timeoutMs: number;
  wait: boolean;
  /** server: the API server validates the delete and persists nothing; client: nothing is sent. */
  dryRun?: DryRunMode;
}

export async function deleteModel(options: DeleteInvocation): Promise<number> {
  const kube = await Kube.connect(options.global);
  const namespace = options.global.namespace ?? kube.namespace;
  const { name } = options;
  const kind = kindOf(await requireModel(kube, namespace, name));
  const refs = kind.deleted(namespace, name);
  await kind.canDelete?.(kube, namespace, name);
  const suffix = dryRunSuffix(options.dryRun);
  if (options.dryRun !== "client") {
    // Foreground, as kubectl delete --cascade=foreground: each object stays until what it owns
    // (ReplicaSets, pods, the predictor's Deployment) is gone, so the wait below ends when
    // nothing of the model is left, and with --no-wait a deploy of the name is refused until
    // then (field report: a deploy of the same name right after a
    // delete judged the old pod ready, which the garbage collector removed 20 s later).
    await deleteObjects(kube, refs, {
      dryRun: options.dryRun === "server",
      foreground: true,
    });
  }
  if (options.wait && !options.dryRun) {
    const deadline = Date.now() + options.timeoutMs;
    const hint = `See what holds it with: kubectl kserve status ${name} -n ${namespace}`;
    await waitDeleted(kube, refs, deadline, `${name} and what it owns to be deleted`, hint);
    await waitPodsGone(kube, namespace, kind.podSelector(name), deadline, `${name}'s pods to stop`);
  }
  writeErr(`${kind.owns} ${name} deleted${suffix}\n`);
  return 0;
}
