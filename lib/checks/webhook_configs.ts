/** Webhook configurations, as the kserve, webhooks and Knative webhook checks read them. */
import { KSERVE_OBJECTS } from "../defaults.ts";
import type {
  V1MutatingWebhookConfiguration,
  V1ValidatingWebhookConfiguration,
} from "@kubernetes/client-node";
import { ADMISSION_API, type WebhookConfiguration } from "../kserve/webhook_rules.ts";
import type { CheckContext } from "./context.ts";

export type { WebhookConfiguration };

/** KServe webhook configurations whose service does not exist (left by an earlier install). */
export async function leftoverWebhooks(
  ctx: CheckContext,
): Promise<{ kind: string; name: string; service: string }[]> {
  const configs = await kserveWebhookConfigs(ctx);
  const leftovers = [];
  for (const config of configs) {
    for (const webhook of config.object.webhooks ?? []) {
      const service = webhook.clientConfig?.service;
      if (!service) continue;
      if (!await ctx.get(`/api/v1/namespaces/${service.namespace}/services/${service.name}`)) {
        leftovers.push({
          kind: config.kind,
          name: config.object.metadata?.name ?? "",
          service: `${service.namespace}/${service.name}`,
        });
        break;
      }
    }
  }
  return leftovers;
}

/** Every *.serving.kserve.io webhook configuration, validating and mutating. */
export async function kserveWebhookConfigs(
  ctx: CheckContext,
): Promise<{ kind: string; object: WebhookConfiguration }[]> {
  return (await webhookConfigs(ctx)).filter((c) =>
    String(c.object.metadata?.name).endsWith(KSERVE_OBJECTS.webhookSuffix)
  );
}

/** Every webhook configuration of the cluster, with its kind as kubectl names it. */
export async function webhookConfigs(
  ctx: CheckContext,
): Promise<{ kind: string; object: WebhookConfiguration }[]> {
  const [validating, mutating] = await Promise.all([
    ctx.list<V1ValidatingWebhookConfiguration>(`${ADMISSION_API}/validatingwebhookconfigurations`),
    ctx.list<V1MutatingWebhookConfiguration>(`${ADMISSION_API}/mutatingwebhookconfigurations`),
  ]);
  return [
    ...validating.map((object) => ({ kind: "validatingwebhookconfiguration", object })),
    ...mutating.map((object) => ({ kind: "mutatingwebhookconfiguration", object })),
  ];
}
