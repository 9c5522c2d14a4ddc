/**
 * Whether KServe has rendered an InferenceService's current spec into its raw-mode predictor
 * Deployment. KServe records no generation of the InferenceService it reconciled: v0.16.0 and
 * v0.20.0 copy the predictor Deployment's (or Knative Service's) status.observedGeneration into
 * the InferenceService's (pkg/apis/serving/v1beta1/inference_service_status.go PropagateRawStatus,
 * PropagateStatus), which counts that object's changes, not the InferenceService's. So the
 * Deployment's pod template is compared with the fields of the spec it shows. Pure functions.
 */
import type { Deployment } from "../kube/objects.ts";
import { quantityValue } from "../quantity.ts";
import { type InferenceService, predictorModel, predictorName } from "./inference_service.ts";

/** The model server container KServe renders (pkg/constants InferenceServiceContainerName). */
const MODEL_CONTAINER = "kserve-container";

/** Where KServe tells its pod mutator the storage URI (pkg/constants, on the pod template). */
const SOURCE_URI_ANNOTATION = "internal.serving.kserve.io/storage-initializer-sourceuri";

/** The predictor Deployment KServe renders for `isvc` among `deployments` (owned by its UID). */
export function predictorDeployment(
  isvc: InferenceService,
  deployments: Deployment[],
): Deployment | undefined {
  const name = predictorName(isvc.metadata?.name ?? "");
  return deployments.find((d) =>
    d.metadata?.name === name &&
    (d.metadata?.ownerReferences ?? []).some((o) => o.uid === isvc.metadata?.uid)
  );
}

/**
 * The first field of the predictor's spec that `deployment`'s pod template does not show yet,
 * in words ("storage URI gs://b (the Deployment has gs://a)"), or undefined when each compared
 * field matches: the storage URI, the image, each env value, each resource request and limit,
 * the predictor's nodeSelector, the spec's args at the end of the rendered ones. (Args removed
 * from the spec cannot be told from the runtime's, so a rollout of such a change is judged by
 * the rollout alone.)
 */
export function unrenderedSpec(
  isvc: InferenceService,
  deployment: Deployment,
): string | undefined {
  const template = deployment.spec?.template;
  const containers = template?.spec?.containers ?? [];
  const container = containers.find((c) => c.name === MODEL_CONTAINER) ?? containers[0];
  const model = predictorModel(isvc);
  if (!model || !container) return undefined;
  const differs = (what: string, found: unknown) =>
    `${what} (the Deployment has ${found ?? "none"})`;
  const uri = model.form === "containers" ? undefined : model.spec.storageUri;
  const renderedUri = template?.metadata?.annotations?.[SOURCE_URI_ANNOTATION];
  if (uri !== undefined && uri !== renderedUri) return differs(`storage URI ${uri}`, renderedUri);
  if (model.spec.image && model.spec.image !== container.image) {
    return differs(`image ${model.spec.image}`, container.image);
  }
  // KServe appends a model's args to its runtime's (utils.go MergeRuntimeContainers, v0.16.0 and
  // v0.20.0): the rendered args end with the spec's. Placeholders ({{.Name}}) are filled in later.
  const args = model.spec.args ?? [];
  const tail = (container.args ?? []).slice(-args.length);
  if (args.length && !args.some((a) => a.includes("{{")) && tail.join("\n") !== args.join("\n")) {
    return differs(`args ${args.join(" ")}`, container.args?.join(" "));
  }
  for (const env of model.spec.env ?? []) {
    if (env.value === undefined) continue;
    const found = container.env?.find((e) => e.name === env.name)?.value;
    if (found !== env.value) return differs(`env ${env.name}=${env.value}`, found);
  }
  for (const kind of ["requests", "limits"] as const) {
    for (const [resource, wanted] of Object.entries(model.spec.resources?.[kind] ?? {})) {
      const found = container.resources?.[kind]?.[resource];
      if (quantityValue(wanted) !== quantityValue(found)) {
        return differs(`${resource} ${kind.slice(0, -1)} ${wanted}`, found);
      }
    }
  }
  for (const [key, value] of Object.entries(isvc.spec?.predictor?.nodeSelector ?? {})) {
    const found = template?.spec?.nodeSelector?.[key];
    if (found !== value) return differs(`nodeSelector ${key}=${value}`, found);
  }
  return undefined;
}
