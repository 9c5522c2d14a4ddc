/**
 * serving.kserve.io/stop: the annotation both of KServe's controllers read to take a model's
 * workload down and keep the object (K@v0.20.0 pkg/constants StopAnnotationKey,
 * pkg/utils GetForceStopRuntime). The InferenceService controller honours it in every release
 * this plugin knows; the llmisvc controller from v0.17.0 (releases.ts llmisvcHonoursStop).
 */
import type { ObjectMeta } from "../kube/objects.ts";

export const STOP_ANNOTATION = "serving.kserve.io/stop";

/** Whether an object carries the annotation as the controllers read it (EqualFold "true"). */
export function stopAnnotated(metadata: ObjectMeta | undefined): boolean {
  return metadata?.annotations?.[STOP_ANNOTATION]?.toLowerCase() === "true";
}
