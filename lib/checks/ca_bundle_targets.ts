/**
 * What the webhooks.ca-bundle check compares: every webhook of KServe's webhook configurations
 * that calls a Service, and every conversion webhook of a KServe CRD that a release converts;
 * and the conversion stanzas the installed release does not ship.
 */
import { CERT_MANAGER, CRD_PATH } from "../defaults.ts";
import { conversionWebhookCrds, CONVERTED_FROM_V0_17 } from "../kserve/conversion.ts";
import type { CheckContext } from "./context.ts";
import { kserveWebhookConfigs } from "./webhook_configs.ts";

/** A finding of the check: what is wrong, its fix, and whether cainjector is about to fix it. */
export interface Finding {
  problem: string;
  hint: string;
  transient: boolean;
}

/** A caBundle that cainjector fills: a webhook of a configuration, or a CRD's conversion webhook. */
export interface Target {
  /** Kind and name as kubectl takes them ("validatingwebhookconfiguration", "crd"). */
  kind: string;
  name: string;
  /** How findings name it: the webhook's name, or "CRD NAME's conversion webhook". */
  label: string;
  inject?: string;
  service: { namespace?: string; name?: string };
  caBundle?: string;
}

/** A CRD as far as its conversion webhook goes. */
export interface ConvertedCrd {
  metadata?: { name?: string; annotations?: Record<string, string> };
  spec?: {
    conversion?: {
      strategy?: string;
      webhook?: {
        clientConfig?: { caBundle?: string; service?: { namespace?: string; name?: string } };
      };
    };
  };
}

/** The webhooks of KServe's webhook configurations that call a Service. */
export async function webhookTargets(ctx: CheckContext): Promise<Target[]> {
  return (await kserveWebhookConfigs(ctx)).flatMap((config) =>
    (config.object.webhooks ?? []).flatMap((webhook) =>
      webhook.clientConfig?.service
        ? [{
          kind: config.kind,
          name: config.object.metadata?.name ?? "",
          label: webhook.name,
          inject: config.object.metadata?.annotations?.[CERT_MANAGER.injectAnnotation],
          service: webhook.clientConfig.service,
          caBundle: webhook.clientConfig.caBundle,
        }]
        : []
    )
  );
}

/** The KServe CRDs that any release converts (lib/kserve/conversion.ts), those that exist. */
export async function kserveCrds(ctx: CheckContext): Promise<ConvertedCrd[]> {
  const crds = await Promise.all(
    CONVERTED_FROM_V0_17.map((name) => ctx.get<ConvertedCrd>(`${CRD_PATH}/${name}`)),
  );
  return crds.filter((crd): crd is ConvertedCrd => crd !== undefined);
}

export function conversionTarget(crd: ConvertedCrd): Target[] {
  const conversion = crd.spec?.conversion;
  const service = conversion?.webhook?.clientConfig?.service;
  if (conversion?.strategy !== "Webhook" || !service) return [];
  const name = crd.metadata?.name ?? "";
  return [{
    kind: "crd",
    name,
    label: `CRD ${name}'s conversion webhook (Service ${service.namespace}/${service.name})`,
    inject: crd.metadata?.annotations?.[CERT_MANAGER.injectAnnotation],
    service,
    caBundle: conversion.webhook?.clientConfig?.caBundle,
  }];
}

/** Conversion webhooks on CRDs that the installed release ships without one. */
export function unshippedConversions(crds: ConvertedCrd[], version: string | undefined): Finding[] {
  const shipped = conversionWebhookCrds(version);
  if (!shipped) return [];
  return crds.flatMap((crd) => {
    const name = crd.metadata?.name ?? "";
    const service = crd.spec?.conversion?.webhook?.clientConfig?.service;
    if (crd.spec?.conversion?.strategy !== "Webhook" || shipped.includes(name)) return [];
    return [{
      problem:
        `CRD ${name} converts with a webhook (Service ${service?.namespace}/${service?.name}) that KServe ${version} does not ship (its ${name} has no conversion stanza)`,
      hint:
        `Remove the stanza KServe ${version} does not have: kubectl patch crd ${name} --type json -p '${
          JSON.stringify([{ op: "replace", path: "/spec/conversion", value: { strategy: "None" } }])
        }'`,
      transient: false,
    }];
  });
}
