/**
 * A Knative-mode model that asks for zero replicas, and what Knative's config-autoscaler keeps
 * it from doing, on plain data. KServe makes spec.predictor.minReplicas the revision's
 * autoscaling.knative.dev/min-scale (pkg/controller/v1alpha1/utils SetAutoScalingAnnotations)
 * and copies the model's other annotations, initial-scale among them, onto the revision; it
 * drops an initial-scale of 0 unless config-autoscaler's allow-zero-initial-scale is true
 * (ValidateInitialScaleAnnotation, on KServe v0.16.0 and v0.20.0). Knative keeps one pod of
 * every revision while enable-scale-to-zero is false (knative.dev/serving
 * pkg/autoscaler/config). Defaults (Knative's config-autoscaler _example): enable-scale-to-zero
 * true, allow-zero-initial-scale false, initial-scale 1, stable-window 60s,
 * scale-to-zero-grace-period 30s.
 */
import type { InferenceService } from "./inference_service.ts";

/** The annotation a revision starts with that many pods by (Knative's autoscaling annotations). */
export const INITIAL_SCALE_ANNOTATION = "autoscaling.knative.dev/initial-scale";

/** One finding: what config-autoscaler keeps from happening, naming key and value, and the fix. */
export interface ScaleFinding {
  message: string;
  fix: string;
}

/** Whether the model asks to scale to zero: spec.predictor.minReplicas 0. */
export function asksScaleToZero(isvc: InferenceService): boolean {
  return isvc.spec?.predictor?.minReplicas === 0;
}

/**
 * A boolean as Go's strconv.ParseBool reads it (Knative's and KServe's readers of
 * config-autoscaler); undefined for an absent or unparsable value.
 */
export function goBool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
  return undefined;
}

/**
 * What config-autoscaler (`autoscaler`: its namespace and data, read only for a Knative-mode
 * model asking for zero replicas) keeps `isvc` from doing: going to zero at all
 * (enable-scale-to-zero false), or starting at zero as its initial-scale "0" annotation asks
 * (allow-zero-initial-scale not true: KServe drops the annotation, and each new revision starts
 * with config-autoscaler's initial-scale pods until it has been idle). Empty when nothing does.
 * Each lasts until config-autoscaler is patched.
 */
export function scaleToZeroFindings(
  isvc: InferenceService,
  autoscaler: { namespace: string; data: Record<string, string> } | undefined,
): ScaleFinding[] {
  if (!autoscaler || !asksScaleToZero(isvc)) return [];
  const { namespace, data } = autoscaler;
  const patch = (key: string) =>
    `kubectl patch configmap config-autoscaler -n ${namespace} --type merge -p '{"data":{"${key}":"true"}}'`;
  if (goBool(data["enable-scale-to-zero"]) === false) {
    return [{
      message: `config-autoscaler in ${namespace} sets enable-scale-to-zero "${
        data["enable-scale-to-zero"]
      }": Knative keeps at least one pod of every revision, so minReplicas 0 never scales this model to zero`,
      fix: patch("enable-scale-to-zero"),
    }];
  }
  const initial = isvc.metadata?.annotations?.[INITIAL_SCALE_ANNOTATION];
  if (initial === undefined || Number(initial) !== 0) return [];
  if (goBool(data["allow-zero-initial-scale"]) === true) return [];
  const allow = data["allow-zero-initial-scale"];
  const pods = data["initial-scale"] ?? "1";
  return [{
    message: `config-autoscaler in ${namespace} ${
      allow === undefined
        ? `leaves allow-zero-initial-scale unset (Knative's default "false")`
        : `sets allow-zero-initial-scale "${allow}"`
    }: KServe drops the model's ${INITIAL_SCALE_ANNOTATION} "${initial}", so each new revision starts with ${pods} pod(s) (initial-scale "${pods}") and goes to zero only once idle (stable-window ${
      data["stable-window"] ?? "60s"
    } and scale-to-zero-grace-period ${data["scale-to-zero-grace-period"] ?? "30s"})`,
    fix: patch("allow-zero-initial-scale"),
  }];
}
