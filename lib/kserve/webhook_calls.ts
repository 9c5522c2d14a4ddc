/**
 * What the API server says when an admission webhook fails it, read once for every reader:
 * `check`'s Knative webhook probe, `install`'s wait for a webhook, and the model diagnosis
 * (KServe's ReconcileFailed or InternalError when the webhook of an object it writes, such as
 * Knative's for a Knative Service, does not answer). The API server's words
 * (k8s.io/apiserver/pkg/admission/plugin/webhook/errors and dispatcher):
 *   failed calling webhook "NAME": failed to call webhook: Post "https://SVC.NS.svc:443/PATH?timeout=10s": CAUSE
 *   admission webhook "NAME" denied the request: REASON
 * Pure functions on the message.
 */
import { WEBHOOK_DENIAL } from "../kube/api_refusals.ts";

/** A webhook the API server could not call, or that refused the object. */
export interface WebhookCallFailure {
  /** The webhook's name in its configuration: "webhook.serving.knative.dev". */
  webhook: string;
  /** The Service the configuration points at, from the URL the API server posted to. */
  service?: { namespace: string; name: string };
  /** Why, in words: "its Service has no ready endpoints (...)". */
  cause: string;
  /** True when the webhook answered and refused the object (the object needs a fix). */
  denied: boolean;
}

/** Transport failures, first match wins, with what each means for the webhook. */
const CALL_CAUSES: [RegExp, string][] = [
  [
    /no endpoints available for service/,
    "its Service has no ready endpoints (no webhook pod is ready, or the Service selects none)",
  ],
  [/service "[^"]+" not found/, "its Service does not exist"],
  [/connection refused/, "the connection was refused (nothing listens behind its Service)"],
  [
    /x509|certificate/,
    "the API server does not trust the certificate it serves (the configuration's caBundle does not match)",
  ],
  [/deadline exceeded|Client\.Timeout|i\/o timeout/, "it did not answer in time"],
];

/** The failure of an admission webhook named in `message`, or undefined when none is. */
export function webhookCallFailure(message: string): WebhookCallFailure | undefined {
  const denied = WEBHOOK_DENIAL.exec(message);
  if (denied) {
    return { webhook: denied[1]!, cause: `it denied the request: ${denied[2]}`, denied: true };
  }
  const failed = /failed calling webhook "([^"]+)":\s*(.*)/s.exec(message);
  if (!failed) return undefined;
  const detail = failed[2]!;
  const host = /https:\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc[:/]/.exec(detail);
  const known = CALL_CAUSES.find(([pattern]) => pattern.test(detail));
  // The transport's own words come after the URL ("Post \"https://...\": dial tcp ...").
  const tail = /"https?:[^"]*":\s*(.*)/s.exec(detail)?.[1] ?? detail;
  return {
    webhook: failed[1]!,
    ...(host ? { service: { name: host[1]!, namespace: host[2]! } } : {}),
    cause: known?.[1] ?? tail.trim(),
    denied: false,
  };
}

/** `webhook "NAME" (Service NS/SVC)`: the webhook and where the API server calls it. */
export function webhookWords(failure: WebhookCallFailure): string {
  const service = failure.service;
  return `webhook "${failure.webhook}"${
    service ? ` (Service ${service.namespace}/${service.name})` : ""
  }`;
}

/**
 * Why a controller's write failed at an admission webhook, in words, with the fix: a webhook
 * that does not answer is fixed where it runs (`check` names why); one that denies is fixed in
 * the spec. Undefined when `message` names no webhook.
 */
export function webhookRefusal(message: string): string | undefined {
  const failure = webhookCallFailure(message);
  if (!failure) return undefined;
  if (failure.denied) return `${webhookWords(failure)} refuses it: ${failure.cause}`;
  return `the API server cannot call ${
    webhookWords(failure)
  }: ${failure.cause}; the controller retries on its own once the webhook answers. Find why it does not answer with: kubectl kserve check`;
}
