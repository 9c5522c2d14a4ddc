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
