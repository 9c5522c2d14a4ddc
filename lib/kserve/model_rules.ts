/**
 * The rules an InferenceService is held to, whoever wrote it: `deploy` applies them to what it
 * is about to send, `check` and `status` to every model that exists (made by kubectl, Helm or a
 * GitOps tool), in the same words and with the same fix. Each rule is one KServe or API-server
 * failure that only shows after the object is accepted: KServe's storage initializer, its pod
 * mutator, or the API server refusing what KServe renders from the spec (ReconcileFailed).
 * Pure functions on plain objects.
 */
import { isQuantity, quantityValue } from "../quantity.ts";
import { isDnsLabel } from "../kube/names.ts";
import type { InferenceService, ModelSpec } from "./inference_service.ts";
import {
  COMPONENTS,
  placementProblem,
  type RuleContext,
  type RuleProblem,
  runtimeRule,
} from "./model_context.ts";
import { scaleToZeroFindings } from "./scale_to_zero.ts";

export type { RuleContext, RuleProblem };

/** The storage URI schemes KServe's storage initializer knows (kserve/storage/storage.py). */
export const STORAGE_SCHEMES = ["gs", "s3", "pvc", "hf", "https", "http", "oci", "hdfs", "webhdfs"];

/** A label or annotation key: [prefix/]name, as apimachinery's IsQualifiedName checks it. */
const QUALIFIED_NAME =
  /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** A label value: empty, or up to 63 of [-A-Za-z0-9_.], alphanumeric at both ends. */
const LABEL_VALUE = /^(?:[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
/** An environment variable name, as the API server accepts it (IsEnvVarName). */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** What a KEY=VALUE pair becomes, which decides the syntax the API server holds its key to. */
export type PairKind = "label" | "annotation" | "env";

/** Why a key is refused, or undefined when the API server accepts it. */
export function keyProblem(key: string, kind: PairKind): string | undefined {
  if (kind === "env") {
    return ENV_NAME.test(key) ? undefined : "not an environment variable name";
  }
  const slash = key.indexOf("/");
  const [prefix, name] = [key.slice(0, Math.max(slash, 0)), key.slice(slash + 1)];
  if (!QUALIFIED_NAME.test(key) || prefix.length > 253 || name.length > 63) {
    return "not a qualified name ([prefix/]name: up to 63 letters, digits, '-', '_' or '.', alphanumeric at both ends)";
  }
  return undefined;
}

/** Why a label value is refused, or undefined. */
export function labelValueProblem(value: string): string | undefined {
  return LABEL_VALUE.test(value) && value.length <= 63
    ? undefined
    : "not a label value (up to 63 letters, digits, '-', '_' or '.', alphanumeric at both ends)";
}

/** Why a storage URI cannot be read by KServe's storage initializer, or undefined. */
export function storageUriProblem(uri: string, subject = "storage URI"): RuleProblem | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//.exec(uri)?.[1];
  if (scheme && STORAGE_SCHEMES.includes(scheme)) return undefined;
  return {
    message: `${subject} "${uri}" ${
      scheme ? `has the scheme ${scheme}://, which` : "has no scheme, which"
    } KServe's storage initializer cannot read`,
    fix: `Use one of the schemes KServe's storage initializer knows: ${
      STORAGE_SCHEMES.map((s) => `${s}://`).join(", ")
    }`,
  };
}

/** Why a request exceeds its limit (the API server refuses the pod KServe renders), or undefined. */
export function withinLimitProblem(
  request: string | undefined,
  limit: string | undefined,
): string | undefined {
  if (request === undefined || limit === undefined) return undefined;
  if (!isQuantity(request) || !isQuantity(limit)) return undefined;
  return quantityValue(request)! > quantityValue(limit)!
    ? `the request ${request} is more than the limit ${limit}`
    : undefined;
}

/**
 * A predictor host (KServe's domainTemplate, default NAME-predictor-NAMESPACE; `labels` from
 * lib/kserve/config.ts hostLabels) with a DNS label over 63 characters: KServe accepts the model
 * and then fails to reconcile it ("invalid domain name", ReconcileFailed). Undefined when it fits.
 */
export function hostLabelProblem(
  name: string,
  namespace: string,
  labels: string[] | undefined,
): RuleProblem | undefined {
  const long = (labels ?? []).find((label) => label.length > 63);
  if (!long) return undefined;
  return {
    message:
      `KServe would name its host "${long}", ${long.length} characters, and a DNS label holds at most 63`,
    fix: `Use a name of at most ${
      name.length - (long.length - 63)
    } characters in namespace ${namespace}`,
  };
}

/**
 * What each component sets for its pod (KServe's components embed a PodSpec): a pod-level
 * resources request over its limit, a nodeSelector key or value the API server refuses. KServe
 * accepts both and then fails to render the pod (ReconcileFailed).
 */
function podProblems(isvc: InferenceService): RuleProblem[] {
  return COMPONENTS.flatMap((component) => {
    const pod = isvc.spec?.[component] as Record<string, unknown> | undefined;
    const path = `spec.${component}`;
    const problems = resourceProblems(path, pod?.resources as ModelSpec["resources"]);
    const selector = (pod?.nodeSelector ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(selector)) {
      const problem = keyProblem(key, "label") ?? labelValueProblem(String(value));
      if (problem) {
        problems.push({
          message: `${path}.nodeSelector "${key}=${value}" is ${problem}`,
          fix: `Fix or remove the node selector ${key}`,
        });
      }
    }
    return problems;
  });
}

/** A request over its limit, for cpu and memory of `resources` at `path`. */
function resourceProblems(path: string, resources: ModelSpec["resources"]): RuleProblem[] {
  return ["cpu", "memory"].flatMap((resource) => {
    const over = withinLimitProblem(
      resources?.requests?.[resource] as string | undefined,
      resources?.limits?.[resource] as string | undefined,
    );
    return over
      ? [{
        message: `${path}.resources ${resource}: ${over}, which the API server refuses`,
        fix: `Make the ${resource} request at most its limit, or leave the limit out`,
      }]
      : [];
  });
}

/** A container spec the rules read, and the field that holds its storage URI. */
interface SpecAt {
  path: string;
  spec: ModelSpec;
  storageField: string;
}

/**
 * Every container spec of every component: `.model`, a shorthand such as `.sklearn` (the
 * format is the key), and each of `.containers`, whose storage URI is the env STORAGE_URI that
 * KServe's pod mutator hands its storage initializer (pkg/webhook/admission/pod).
 */
function modelSpecs(isvc: InferenceService): SpecAt[] {
  return COMPONENTS.flatMap((component) =>
    Object.entries(isvc.spec?.[component] ?? {}).flatMap(([key, value]): SpecAt[] => {
      const path = `spec.${component}.${key}`;
      if (key === "containers" && Array.isArray(value)) {
        return value.map((container: ModelSpec, index) => ({
          path: `${path}[${index}]`,
          spec: {
            ...container,
            storageUri: container.env?.find((e) => e.name === "STORAGE_URI")?.value,
          },
          storageField: `${path}[${index}].env STORAGE_URI`,
        }));
      }
      return value && typeof value === "object" && !Array.isArray(value) &&
          ("storageUri" in value || "modelFormat" in value || "resources" in value ||
            "env" in value)
        ? [{ path, spec: value as ModelSpec, storageField: `${path}.storageUri` }]
        : [];
    })
  );
}

/**
 * Every rule the model breaks, in the order deploy would refuse them (empty when none). The
 * same words for deploy (before it sends) and for check and status (after, whoever wrote it).
 */
export function modelProblems(isvc: InferenceService, context: RuleContext = {}): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const name = isvc.metadata?.name ?? "";
  const namespace = isvc.metadata?.namespace ?? "";
  if (!isDnsLabel(name) || !/^[a-z]/.test(name)) {
    problems.push({
      message: `the name "${name}" is not a DNS-1123 label starting with a letter`,
      fix: "Use at most 63 lower-case letters, digits and '-', starting with a letter",
    });
  }
  if (context.namespaceLabels && "control-plane" in context.namespaceLabels) {
    problems.push({
      message:
        `namespace "${namespace}" is labelled control-plane, which KServe's pod mutator skips: the model starts without its storage-initializer and finds no files in /mnt/models`,
      fix: "Deploy into another namespace, such as one you create for models",
    });
  }
  const host = hostLabelProblem(name, namespace, context.hostLabels);
  if (host) problems.push(host);
  for (
    const [path, kind] of [["metadata.labels", "label"], [
      "metadata.annotations",
      "annotation",
    ]] as const
  ) {
    const pairs = (kind === "label" ? isvc.metadata?.labels : isvc.metadata?.annotations) ?? {};
    for (const [key, value] of Object.entries(pairs)) {
      const problem = keyProblem(key, kind) ??
        (kind === "label" ? labelValueProblem(String(value)) : undefined);
      if (problem) {
        problems.push({
          message: `${path} "${key}=${value}" is ${problem}`,
          fix: `Fix or remove the ${kind} ${key}`,
        });
      }
    }
  }
  for (const { path, spec, storageField } of modelSpecs(isvc)) {
    const uri = spec.storageUri;
    const storage = uri === undefined ? undefined : storageUriProblem(uri, storageField);
    if (storage) problems.push(storage);
    for (const env of spec.env ?? []) {
      const problem = keyProblem(env.name, "env");
      if (problem) {
        problems.push({
          message: `${path}.env "${env.name}" is ${problem}`,
          fix: `Rename or remove the variable ${env.name}`,
        });
      }
    }
    problems.push(...resourceProblems(path, spec.resources));
  }
  problems.push(...podProblems(isvc));
  const runtime = runtimeRule(isvc, context);
  if (runtime) problems.push(runtime);
  const placement = placementProblem(isvc, context.knativeFeatures);
  if (placement) problems.push(placement);
  return problems;
}

/**
 * What the cluster's settings keep the model from doing as its spec asks while it still serves:
 * warnings, never refusals (deploy prints them and applies; check and status report them, in
 * the same words). Now: Knative's config-autoscaler against minReplicas 0 (scale_to_zero.ts).
 */
export function modelWarnings(isvc: InferenceService, context: RuleContext = {}): RuleProblem[] {
  return scaleToZeroFindings(isvc, context.knativeAutoscaler);
}
