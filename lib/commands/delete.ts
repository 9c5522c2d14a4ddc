/** `kubectl kserve delete`: remove a model of either backend and wait until it is gone. */
import type { GlobalOptions } from "../cli.ts";
import { CliError } from "../errors.ts";
import { Kube } from "../kube/client.ts";
import { ISVC_PATH, requireModel } from "../deploy/models.ts";
import { deleteAll, type Ref, waitDeleted, webhookAlive } from "../install/teardown.ts";
import { writeErr } from "../output.ts";

export async function deleteModel(
  options: { global: GlobalOptions; name: string; timeoutMs: number; wait: boolean },
): Promise<number> {
  const kube = await Kube.connect(options.global);
  const namespace = options.global.namespace ?? kube.namespace;
  const { name } = options;
  const model = await requireModel(kube, namespace, name);
  let refs: Ref[];
  if (model.backend === "kserve") {
    // The controller removes the InferenceService's finalizer; if it is down the delete never completes.
    if (!await webhookAlive(kube)) {
      throw new CliError(
        `The KServe controller is not answering, so InferenceService ${namespace}/${name} would hang in Terminating (its finalizer is removed by the controller)`,
        { hint: "Find out why with: kubectl kserve check; fix the controller, then delete again" },
      );
    }
    refs = [{
      path: `${ISVC_PATH}/namespaces/${namespace}/inferenceservices/${name}`,
      kind: "InferenceService",
      name,
      namespace,
    }];
  } else {
    refs = [
      {
        path: `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`,
        kind: "Deployment",
        name,
        namespace,
      },
      {
        path: `/api/v1/namespaces/${namespace}/services/${name}`,
        kind: "Service",
        name,
        namespace,
      },
      {
        path: `/apis/autoscaling/v2/namespaces/${namespace}/horizontalpodautoscalers/${name}`,
        kind: "HorizontalPodAutoscaler",
        name,
        namespace,
      },
    ];
  }
  await deleteAll(kube, refs);
  if (options.wait) {
    await waitDeleted(kube, refs, Date.now() + options.timeoutMs, `${name} to be deleted`);
  }
  writeErr(
    `${
      model.backend === "kserve" ? "inferenceservice" : "deployment, service and hpa"
    } ${name} deleted\n`,
  );
  return 0;
}
