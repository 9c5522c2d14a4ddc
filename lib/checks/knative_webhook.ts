/**
 * Category "mode": Knative's admission webhook answers end to end (API server -> Service -> pod
 * -> certificate), proven as KServe's is (lib/kserve/probes.ts): a server-side dry-run create of
 * a Knative Service. KServe creates one for every Knative-mode model, and nothing else says
 * when Knative's webhook fails it: the model only stays not Ready with ReconcileFailed.
 */
import type { V1Service } from "@kubernetes/client-node";
import type { Kube, KubeObject } from "../kube/client.ts";
import { KubeApiError } from "../kube/errors.ts";
import { INSTALL_KNATIVE } from "../kserve/hints.ts";
import { probeKnativeWebhook } from "../kserve/probes.ts";
import { webhookCallFailure, webhookWords } from "../kserve/webhook_calls.ts";
import { unwrittenBy } from "../kserve/webhook_rules.ts";
import { type Check, CheckFailed } from "./check_types.ts";
import { CheckContext } from "./context.ts";
import { knativeNamespaceIn } from "./knative_config.ts";
import { scaledToZero, scaleUpCommands } from "./scaled.ts";
import { selectsNoPod, targetsNoPort } from "./selectors.ts";
import { webhookConfigs } from "./webhook_configs.ts";

/** The name of Knative's webhook Service and Deployment (serving-core.yaml). */
const WEBHOOK = "webhook";

function startProbe(ctx: CheckContext): Promise<KubeObject> {
  const target = ctx.options.modelNamespace ?? "default";
  return ctx.once("knative:webhook-probe", () => probeKnativeWebhook(ctx.kube, target));
}

export const knativeWebhookCheck: Check<CheckContext> = {
  id: "mode.knative-webhook",
  category: "mode",
  description:
    "a Knative Service passes Knative's webhooks (server-side dry run), as KServe's models must",
  hint: "kubectl get endpointslices -A -l kubernetes.io/service-name=webhook",
  dependsOn: ["mode.knative"],
  retryable: true,
  async run(ctx) {
    let probed: KubeObject;
    try {
      probed = await startProbe(ctx);
    } catch (error) {
      if (!(error instanceof KubeApiError)) throw error;
      return await whyNoAnswer(ctx, error.message);
    }
    // Knative's defaulter gives every Service its traffic (RouteSpec.SetDefaults): without it,
    // the defaulting webhook did not run, and validation may not have either.
    if ((probed.spec as { traffic?: unknown[] } | undefined)?.traffic?.length) return;
    const why = "so a Knative Service is admitted without its defaults (no spec.traffic)";
    await unwrittenRules(ctx, why);
    throw new CheckFailed(
      `Knative's webhooks admitted a dry-run Knative Service without defaulting it (no spec.traffic): no mutating webhook configuration calls Knative's webhook for Services`,
      `Re-apply Knative Serving: ${INSTALL_KNATIVE}`,
      { transient: false },
    );
  },
};

/**
 * Throws the finding when a configuration calling Knative's webhook has no rules yet (see
 * lib/kserve/webhook_rules.ts): its webhook writes them when it starts, so this is transient;
 * `why` says what the request met.
 */
async function unwrittenRules(ctx: CheckContext, why: string): Promise<void> {
  const namespace = await knativeNamespaceIn(ctx);
  const unwritten = unwrittenBy(await webhookConfigs(ctx), namespace, WEBHOOK);
  if (!unwritten.length) return;
  throw new CheckFailed(
    `Knative's webhook has not written the rules of ${
      unwritten.join(", ")
    } yet: it does when it starts, and until then the API server skips ${
      unwritten.length > 1 ? "them" : "it"
    }, ${why}`,
    `If it lasts, see why in the webhook's log: kubectl logs deployment/${WEBHOOK} -n ${namespace}`,
    { transient: true },
  );
}

/**
 * The check's finding for install's wait on Knative's webhook: why it does not answer and the
 * fix, the same words `check` prints; undefined when it answers now.
 */
export async function knativeWebhookFinding(
  kube: Kube,
): Promise<{ message: string; hint?: string } | undefined> {
  try {
    await knativeWebhookCheck.run(new CheckContext(kube, { mode: "serverless" }));
    return undefined;
  } catch (error) {
    if (!(error instanceof CheckFailed)) throw error;
    return { message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  }
}

/**
 * Why the dry run failed, from the API server's words and the webhook's Service and Deployment:
 * a Service that is gone or selects no webhook pod, a Deployment scaled to 0 (each needs a
 * fix), endpoints still filling (transient), or the API server's own words (a certificate, a
 * timeout, a denial: needs a fix).
 */
async function whyNoAnswer(ctx: CheckContext, message: string): Promise<never> {
  const failure = webhookCallFailure(message);
  const namespace = failure?.service?.namespace ?? await knativeNamespaceIn(ctx);
  const name = failure?.service?.name ?? WEBHOOK;
  const endpoints =
    `kubectl get endpointslices -n ${namespace} -l kubernetes.io/service-name=${name}`;
  if (!failure || failure.denied) {
    await unwrittenRules(ctx, `so a Knative Service reaches the others undefaulted (${message})`);
    throw new CheckFailed(
      `Knative refused a dry-run create of a Knative Service: ${message}`,
      `Compare with what KServe creates: kubectl get ksvc -A`,
      { transient: false },
    );
  }
  const lead = `The API server cannot call Knative's ${webhookWords(failure)}: ${failure.cause}`;
  const [service, deployments] = await Promise.all([
    ctx.get<V1Service>(`/api/v1/namespaces/${namespace}/services/${name}`),
    ctx.deployments({ namespace }),
  ]);
  const deployment = deployments.find((d) => d.metadata?.name === WEBHOOK);
  if (!service) {
    throw new CheckFailed(
      `${lead}: Service ${namespace}/${name} does not exist, so every Knative Service KServe creates is refused (${message})`,
      `Re-apply Knative Serving: ${INSTALL_KNATIVE}`,
      { transient: false },
    );
  }
  if (deployment && scaledToZero(deployment)) {
    throw new CheckFailed(
      `${lead}: Deployment ${namespace}/${WEBHOOK} is scaled to 0`,
      scaleUpCommands([deployment]),
      { transient: false },
    );
  }
  const wrong = deployment &&
    selectsNoPod(service, deployment, deployment.spec?.selector?.matchLabels ?? {});
  if (wrong) {
    throw new CheckFailed(`${lead}: ${wrong.finding}`, wrong.fix, { transient: false });
  }
  const unported = deployment && targetsNoPort(service, deployment);
  if (unported) {
    throw new CheckFailed(`${lead}: ${unported.finding}`, unported.fix, { transient: false });
  }
  // Its Deployment is Available (mode.knative) and its Service selects its pods: the
  // EndpointSlice is still being filled, which resolves on its own.
  if (/no endpoints available|connection refused/.test(message)) {
    throw new CheckFailed(
      `${lead}; Service ${namespace}/${name} selects the webhook pods, so waiting for its EndpointSlice to list the ready ones (${message})`,
      endpoints,
      { transient: true },
    );
  }
  throw new CheckFailed(`${lead} (${message})`, endpoints, { transient: false });
}
