/** `kubectl kserve delete`: remove a model of either backend and wait until it is gone. */
import { dryRunSuffix } from "../options.ts";
import type { DeleteInvocation } from "../args/delete.ts";
import { CliError } from "../errors.ts";
import { Kube } from "../kube/client.ts";
import { ISVC_PATH, requireModel } from "../deploy/models.ts";
import { deleteObjects, type Ref, waitDeleted } from "../kube/delete.ts";
import { kserveWebhookAnswers } from "../kserve/probes.ts";
import { writeErr } from "../output.ts";

export async function deleteModel(options: DeleteInvocation): Promise<number> {
  const kube = await Kube.connect(options.global);
  const namespace = options.global.namespace ?? kube.namespace;
  const { name } = options;
  const model = await requireModel(kube, namespace, name);
  const refs = model.backend === "kserve"
    ? [ref("InferenceService", `${ISVC_PATH}/namespaces/${namespace}/inferenceservices`)]
    : [
      ref("Deployment", `/apis/apps/v1/namespaces/${namespace}/deployments`),
      ref("Service", `/api/v1/namespaces/${namespace}/services`),
      ref(
        "HorizontalPodAutoscaler",
        `/apis/autoscaling/v2/namespaces/${namespace}/horizontalpodautoscalers`,
      ),
    ];
  function ref(kind: string, collection: string): Ref {
    return { path: `${collection}/${name}`, kind, name, namespace };
  }
  // The controller removes the InferenceService's finalizer; if it is down the delete never completes.
  if (model.backend === "kserve" && !await kserveWebhookAnswers(kube)) {
    throw new CliError(
      `The KServe controller is not answering, so InferenceService ${namespace}/${name} would hang in Terminating (its finalizer is removed by the controller)`,
      { hint: "Find out why with: kubectl kserve check; fix the controller, then delete again" },
    );
  }
  const what = model.backend === "kserve" ? "inferenceservice" : "deployment, service and hpa";
  const suffix = dryRunSuffix(options.dryRun);
  if (options.dryRun !== "client") {
    await deleteObjects(kube, refs, { dryRun: options.dryRun === "server" });
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
  writeErr(`${what} ${name} deleted${suffix}\n`);
  return 0;
}
