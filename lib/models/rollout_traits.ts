/**
 * What `rollout` asks of a model's kind (ModelKind.rollout, lib/models/kind.ts): its mode, and
 * whether that mode splits traffic between revisions.
 */
import type { KServeInstall } from "../kserve/detect.ts";
import type { ModeKind } from "../kserve/versions.ts";

/** A model's mode as `rollout` names it, and KServe's kind of it (undefined: no KServe mode). */
export interface RolloutMode {
  kind: ModeKind | undefined;
  value: string;
}

/**
 * Why a model has no traffic split to roll out: the refusal of start, promote and undo (exit 2,
 * `hint` says what works), and what `rollout status` says instead of a split (`info`).
 */
export interface RolloutRefusal {
  message: string;
  hint: string;
  info: string;
}

/**
 * How `rollout` treats a kind: canaries split traffic between the Knative revisions of an
 * InferenceService in Knative mode only (KServe's one reader of canaryTrafficPercent is its
 * Knative reconciler, ksvc_reconciler.go); every other kind and mode says why not.
 */
export interface RolloutTraits {
  /**
   * The mode of the model whose main object (ModelObject) is `object`; `kserve`: the install,
   * whose default decides a model that names none.
   */
  mode(object: object, kserve: KServeInstall): RolloutMode;
  /** Why a model in `mode` has no split, or undefined when its revisions have one. */
  refusal(
    name: string,
    namespace: string,
    mode: RolloutMode,
    kserveVersion: string | undefined,
  ): RolloutRefusal | undefined;
}
