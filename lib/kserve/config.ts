/**
 * KServe's inferenceservice-config as its controller reads it: each data key ("deploy",
 * "ingress", "storageInitializer", ...) holds one JSON object (KServe
 * pkg/apis/serving/v1beta1/configmap.go, NewDeployConfig and siblings); a value that does not
 * parse makes the controller exit at start. The one parse of it: callers decide what a failure
 * means for them (a check finding, a value install repairs, an unknown mode).
 */

/** A ConfigMap's data: key to text. */
export type ConfigData = Record<string, string>;

export type ConfigValue =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; error: string };

/**
 * One key's JSON object; undefined when the key is absent. A value that does not parse, or is
 * not an object, is returned as an error (JSON.parse's message), never thrown.
 */
export function configValue(data: ConfigData | undefined, key: string): ConfigValue | undefined {
  const text = data?.[key];
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) return { ok: true, value };
    return { ok: false, error: "not a JSON object" };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/**
 * The `deploy` key's defaultDeploymentMode ("Standard", "RawDeployment", "Knative",
 * "Serverless", ...); undefined when it is absent, not a string, or its JSON does not parse
 * (check reports that as kserve.config-deploy).
 */
export function defaultDeploymentMode(data: ConfigData | undefined): string | undefined {
  const deploy = configValue(data, "deploy");
  const mode = deploy?.ok ? deploy.value.defaultDeploymentMode : undefined;
  return typeof mode === "string" ? mode : undefined;
}

/** KServe's default ingress domainTemplate (the "ingress" key of v0.16.0's and v0.20.0's config). */
export const DEFAULT_DOMAIN_TEMPLATE = "{{ .Name }}-{{ .Namespace }}.{{ .IngressDomain }}";

/**
 * The host names KServe gives a component (`component`: its name, such as "iris-predictor"),
 * rendered from the ingress domainTemplate with the ingress domain left out: "iris-predictor-ml".
 * Undefined when the template uses anything but .Name, .Namespace and .IngressDomain.
 */
export function hostLabels(
  data: ConfigData | undefined,
  component: string,
  namespace: string,
): string[] | undefined {
  const ingress = configValue(data, "ingress");
  const template = ingress?.ok && typeof ingress.value.domainTemplate === "string"
    ? ingress.value.domainTemplate
    : DEFAULT_DOMAIN_TEMPLATE;
  const host = template
    .replace(/\{\{\s*\.Name\s*\}\}/g, component)
    .replace(/\{\{\s*\.Namespace\s*\}\}/g, namespace)
    .replace(/\.?\{\{\s*\.IngressDomain\s*\}\}/g, "");
  return host.includes("{{") ? undefined : host.split(".").filter((label) => label !== "");
}

/**
 * Where inferenceservice-config names an image KServe releases with each version (its tag is
 * the release: kserve/agent:v0.20.0), as key and field (KServe config/configmap/inferenceservice.yaml).
 */
export const RELEASE_IMAGE_FIELDS: readonly { key: string; field: string }[] = [
  { key: "agent", field: "image" },
  { key: "batcher", field: "image" },
  { key: "logger", field: "image" },
  { key: "router", field: "image" },
  { key: "storageInitializer", field: "image" },
  { key: "localModel", field: "defaultJobImage" },
];

/** One image named in inferenceservice-config. */
export interface ConfigImage {
  key: string;
  field: string;
  /** "kserve/agent:v0.16.0", as the config holds it. */
  image: string;
  /** The release tag ("v0.16.0"); undefined when the tag is not a version (a digest, "latest"). */
  version?: string;
  /** KServe's own image by its release name (kserve/NAME:TAG, no other registry or name). */
  releaseDefault: boolean;
}

/**
 * The images of RELEASE_IMAGE_FIELDS that the config holds (keys whose JSON does not parse, or
 * that lack the field, are left out).
 */
export function configImages(data: ConfigData | undefined): ConfigImage[] {
  return RELEASE_IMAGE_FIELDS.flatMap(({ key, field }) => {
    const parsed = configValue(data, key);
    const image = parsed?.ok ? parsed.value[field] : undefined;
    if (typeof image !== "string") return [];
    const match = /^kserve\/[a-z-]+:(v\d+\.\d+\.\d+[\w.-]*)$/.exec(image);
    const tag = /:(v\d+\.\d+\.\d+[\w.-]*)(@.*)?$/.exec(image)?.[1];
    return [{ key, field, image, ...(tag ? { version: tag } : {}), releaseDefault: !!match }];
  });
}
