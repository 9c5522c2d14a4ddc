/** `kubectl kserve delete`: remove a model of any kind and wait until it is gone. */
import { dryRunSuffix } from "../options.ts";
import type { DeleteInvocation } from "../args/delete.ts";
import { Kube } from "../kube/client.ts";
import { deleteObjects, waitDeleted } from "../kube/delete.ts";
import { kindOf, requireModel } from "../models/kinds.ts";
import { writeErr } from "../output.ts";

export async function deleteModel(options: DeleteInvocation): Promise<number> {
  const kube = await Kube.connect(options.global);
  const namespace = options.global.namespace ?? kube.namespace;
  const { name } = options;
  const kind = kindOf(await requireModel(kube, namespace, name));
  const refs = kind.deleted(namespace, name);
  await kind.canDelete?.(kube, namespace, name);
  const suffix = dryRunSuffix(options.dryRun);
  if (options.dryRun !== "client") {
    await deleteObjects(kube, refs, {
      dryRun: options.dryRun === "server",
    });
  }
  if (options.wait && !options.dryRun) {
    await waitDeleted(
      kube,
      refs,
      Date.now() + options.timeoutMs,
      `${name} to be deleted`,
      `See what holds it with: kubectl kserve status ${name} -n ${namespace}`,
    );
  }
  writeErr(`${kind.owns} ${name} deleted${suffix}\n`);
  return 0;
}
