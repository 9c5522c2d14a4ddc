/**
 * Webhook configurations whose rules their own webhook writes. Knative's webhook writes the
 * rules, caBundle and path of its configurations when it starts, as the leader of each
 * reconciler (knative.dev/pkg webhook/resourcesemantics/defaulting, .../validation and
 * webhook/configmaps); install applies them without the manifest's rules (component_specs.ts).
 * Until it has written them, a configuration without rules matches nothing and the API server
 * skips it. Its reconcilers run in no set order: with validation's rules written and
 * defaulting's not, a Knative Service reaches validation undefaulted and is refused with
 * "Traffic targets sum to 0, want 100: spec.traffic" (seen in CI on Knative 1.21.1).
 */
import type {
  V1MutatingWebhookConfiguration,
  V1ValidatingWebhookConfiguration,
} from "@kubernetes/client-node";

/** A validating or mutating webhook configuration (admissionregistration.k8s.io/v1). */
export type WebhookConfiguration =
  | V1ValidatingWebhookConfiguration
  | V1MutatingWebhookConfiguration;

export const ADMISSION_API = "/apis/admissionregistration.k8s.io/v1";

/** The collection of a configuration kind: ".../mutatingwebhookconfigurations". */
export function configurationCollection(kind: string): string {
  return `${ADMISSION_API}/${kind.toLowerCase()}s`;
}

/** What these rules read of a configuration: its name, and its webhooks' rules and Service. */
export interface RuledConfiguration {
  metadata?: { name?: string };
  webhooks?: {
    name?: string;
    rules?: unknown[];
    clientConfig?: { service?: { namespace?: string; name?: string } };
  }[];
}

/** The names of a configuration's webhooks that have no rules (so match no request). */
export function webhooksWithoutRules(config: RuledConfiguration): string[] {
  return (config.webhooks ?? []).filter((w) => !(w.rules?.length)).map((w) => String(w.name));
}

/**
 * "MutatingWebhookConfiguration webhook.serving.knative.dev" for each configuration that calls
 * Service `namespace/service` and has a webhook without rules: what its webhook has not written
 * yet. `configs` are all of the cluster's, with their kind.
 */
export function unwrittenBy(
  configs: { kind: string; object: RuledConfiguration }[],
  namespace: string,
  service: string,
): string[] {
  return configs.filter(({ object }) =>
    (object.webhooks ?? []).some((w) =>
      w.clientConfig?.service?.namespace === namespace && w.clientConfig.service.name === service
    ) && webhooksWithoutRules(object).length > 0
  ).map(({ kind, object }) => `${kind} ${object.metadata?.name}`);
}
