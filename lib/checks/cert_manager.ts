/** Category "cert-manager": KServe's webhook certificate comes from cert-manager. */
import { CERT_MANAGER, KSERVE_OBJECTS } from "../defaults.ts";
import { deploymentAvailable, explainDeployment } from "../kserve/diagnose.ts";
import { probeCertManagerWebhook } from "../kserve/probes.ts";
import { INSTALL_CERT_MANAGER } from "../kserve/hints.ts";
import type { V1Service } from "@kubernetes/client-node";
import type { Deployment } from "../kube/objects.ts";
import type { CheckContext } from "./context.ts";
import { type Check, CheckFailed } from "./check_types.ts";
import { scaledToZero, scaleUpCommands } from "./scaled.ts";
import { selectsNoPod } from "./selectors.ts";
import { KubeApiError } from "../kube/errors.ts";

const INSTALL_HINT = `Install cert-manager before KServe: ${INSTALL_CERT_MANAGER}`;

/**
 * The Issuer dry run in KServe's namespace (else "default"). `check` starts it early, as it does
 * the InferenceService probe: a webhook round trip is the slowest thing a healthy check waits for.
 */
export function startIssuerProbe(ctx: CheckContext): Promise<unknown> {
  return ctx.once("cert-manager.probe", async () => {
    const { namespace } = await ctx.kserve();
    const target = await ctx.get(`/api/v1/namespaces/${namespace}`) ? namespace : "default";
    return await probeCertManagerWebhook(ctx.kube, target);
  });
}

export const certManagerChecks: Check<CheckContext>[] = [
  {
    id: "certmanager.crds",
    category: "cert-manager",
    description: "cert-manager CRDs are installed",
    hint: INSTALL_HINT,
    dependsOn: ["kserve.installed"],
    async run(ctx) {
      const [certificates, issuers] = await Promise.all([
        ctx.serves(`${CERT_MANAGER.apiGroup}/v1`, "certificates"),
        ctx.serves(`${CERT_MANAGER.apiGroup}/v1`, "issuers"),
      ]);
      if (!certificates || !issuers) {
        const { namespace } = await ctx.kserve();
        throw new CheckFailed(
          `cert-manager is not installed (the API ${CERT_MANAGER.apiGroup}/v1 is not served). Without it the ` +
            `secret ${namespace}/${KSERVE_OBJECTS.certSecret} is never created, the KServe controller pod cannot ` +
            `mount its certificate, and every InferenceService create fails with "failed calling webhook ... ` +
            `connection refused". Missing Knative or Istio CRDs are not the cause.`,
        );
      }
    },
  },
  {
    id: "certmanager.deployments",
    category: "cert-manager",
    description: "cert-manager, cainjector and webhook Deployments are Available",
    hint:
      "Look at the cert-manager pods: kubectl get pods -n cert-manager; kubectl describe deployment -n cert-manager",
    dependsOn: ["certmanager.crds"],
    retryable: true,
    async run(ctx) {
      const deployments = await ctx.deployments({
        labels: { "app.kubernetes.io/instance": "cert-manager" },
      });
      const scaled: Deployment[] = [];
      const problems = CERT_MANAGER.deployments.map((name) => {
        const deployment = deployments.find((d) => d.metadata?.name === name);
        if (!deployment) return `${name}: not found`;
        if (deploymentAvailable(deployment)) return undefined;
        if (scaledToZero(deployment)) {
          scaled.push(deployment);
          return `${deployment.metadata?.namespace}/${name}: scaled to 0`;
        }
        return `${deployment.metadata?.namespace}/${name}: not Available${
          explainDeployment(deployment) ? ` (${explainDeployment(deployment)})` : ""
        }`;
      }).filter((p): p is string => p !== undefined);
      if (problems.length === 0) return;
      if (scaled.length === problems.length) {
        throw new CheckFailed(problems.join("; "), scaleUpCommands(scaled), { transient: false });
      }
      // Not Available with nothing wrong on the Deployment: its pods are starting.
      const starting = problems.every((p) => p.endsWith(": not Available"));
      throw new CheckFailed(
        `${problems.join("; ")}${starting ? "; waiting for their pods to start" : ""}`,
        undefined,
        { transient: starting },
      );
    },
  },
  {
    id: "certmanager.webhook",
    category: "cert-manager",
    description: "the cert-manager webhook answers (server-side dry-run of an Issuer)",
    hint:
      "Wait for it: kubectl wait --for=condition=Available deployment/cert-manager-webhook -n cert-manager --timeout=120s",
    dependsOn: ["certmanager.deployments"],
    retryable: true,
    prefetch(ctx) {
      startIssuerProbe(ctx);
    },
    async run(ctx) {
      try {
        await startIssuerProbe(ctx);
      } catch (error) {
        if (!(error instanceof KubeApiError) || !/failed calling webhook/.test(error.message)) {
          throw error;
        }
        // Its Deployment is Available (this check runs only then): a Service that selects none
        // of its pods refuses every call until someone fixes it; anything else may be starting.
        const wrong = await webhookServiceSelectsNoPod(ctx);
        if (wrong) {
          throw new CheckFailed(
            `${wrong.finding}, so the API server cannot call the cert-manager webhook: ${error.message}`,
            wrong.fix,
            { transient: false },
          );
        }
        throw new CheckFailed(
          `The cert-manager webhook does not answer yet; waiting for it to start serving: ${error.message}`,
          undefined,
          { transient: true },
        );
      }
    },
  },
];

async function webhookServiceSelectsNoPod(
  ctx: CheckContext,
): Promise<{ finding: string; fix: string } | undefined> {
  const [webhook] = (await ctx.deployments({
    labels: { "app.kubernetes.io/instance": "cert-manager" },
  })).filter((d) => d.metadata?.name === "cert-manager-webhook");
  if (!webhook) return undefined;
  const service = await ctx.get<V1Service>(
    `/api/v1/namespaces/${webhook.metadata?.namespace}/services/cert-manager-webhook`,
  );
  return service && selectsNoPod(service, webhook, webhook.spec?.selector?.matchLabels ?? {});
}
