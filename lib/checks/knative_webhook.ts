/**
 * Category "mode": Knative's admission webhook answers end to end (API server -> Service -> pod
 * -> certificate), proven as KServe's is (lib/kserve/probes.ts): a server-side dry-run create of
 * a Knative Service. KServe creates one for every Knative-mode model, and nothing else says
 * when Knative's webhook fails it: the model only stays not Ready with ReconcileFailed.
 */
import type { V1Service } from "@kubernetes/client-node";
import type { Kube } from "../kube/client.ts";
import { KubeApiError } from "../kube/errors.ts";
import { INSTALL_KNATIVE } from "../kserve/hints.ts";
import { probeKnativeWebhook } from "../kserve/probes.ts";
import { webhookCallFailure, webhookWords } from "../kserve/webhook_calls.ts";
import { type Check, CheckFailed } from "./check_types.ts";
import { CheckContext } from "./context.ts";
import { knativeNamespaceIn } from "./knative_config.ts";
import { scaledToZero, scaleUpCommands } from "./scaled.ts";
import { selectsNoPod } from "./selectors.ts";

/** The name of Knative's webhook Service and Deployment (serving-core.yaml). */
const WEBHOOK = "webhook";

function startProbe(ctx: CheckContext): Promise<unknown> {
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
    try {
      await startProbe(ctx);
    } catch (error) {
      if (!(error instanceof KubeApiError)) throw error;
      await whyNoAnswer(ctx, error.message);
    }
  },
};

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
