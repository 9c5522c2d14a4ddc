/**
 * serving.kserve.io/stop: the annotation both of KServe's controllers read to take a model's
 * workload down and keep the object (K@v0.20.0 pkg/constants StopAnnotationKey,
 * pkg/utils GetForceStopRuntime). The InferenceService controller honours it in every release
 * this plugin knows; the llmisvc controller from v0.17.0 (releases.ts llmisvcHonoursStop).
 */
import { FIELD_MANAGER } from "../defaults.ts";
import type { Kube } from "../kube/client.ts";
import type { ObjectMeta } from "../kube/objects.ts";

export const STOP_ANNOTATION = "serving.kserve.io/stop";

/** Whether an object carries the annotation as the controllers read it (EqualFold "true"). */
export function stopAnnotated(metadata: ObjectMeta | undefined): boolean {
  return metadata?.annotations?.[STOP_ANNOTATION]?.toLowerCase() === "true";
}

/**
 * Sets the annotation to "true" (`stop`) or removes it (start) on the model object at `path`,
 * as field manager kubectl-kserve; `dryRun`: the API server validates the change and keeps
 * nothing. Errors: the API's (KubeApiError), such as 404 when the object is gone.
 *
 * A JSON merge patch, not a server-side apply, for two reasons:
 * - An apply as kubectl-kserve replaces all that kubectl-kserve applied to the object, and deploy
 *   applied the model's spec: an apply of the annotation alone would remove the spec fields no
 *   other manager holds, and the next deploy (which carries no annotation) would remove the
 *   annotation and start a stopped model. The patch's fields go to an Update entry of
 *   kubectl-kserve of their own, apart from what deploy applied.
 * - start must remove the annotation whoever set it (`kubectl annotate` is a manager of its
 *   own); an apply that leaves a field out removes it only when no other manager holds it.
 */
export async function writeStopAnnotation(
  kube: Kube,
  path: string,
  options: { stop: boolean; dryRun: boolean },
): Promise<void> {
  await kube.request("PATCH", path, {
    body: { metadata: { annotations: { [STOP_ANNOTATION]: options.stop ? "true" : null } } },
    contentType: "application/merge-patch+json",
    query: { fieldManager: FIELD_MANAGER, dryRun: options.dryRun ? "All" : undefined },
  });
}
