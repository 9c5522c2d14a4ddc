/** KServe's webhook certificate and its controller: the two checks of category "kserve" that serve the webhooks. */
import { REAPPLY } from "../kserve/hints.ts";
import { KSERVE, KSERVE_OBJECTS } from "../defaults.ts";
import { deploymentAvailable, explainDeployment } from "../kserve/diagnose.ts";
import { classifyPods, type Finding } from "../kserve/failures.ts";
import type { V1Pod, V1Secret } from "@kubernetes/client-node";
import type { DetectedObject } from "../kserve/detect.ts";
import type { Event } from "../kserve/diagnose.ts";
import type { CheckContext } from "./context.ts";
import { type Check, CheckFailed } from "./check_types.ts";

/** A cert-manager.io/v1 Certificate as kserve.certificate reads it. */
interface Certificate {
  spec?: { issuerRef?: { name?: string } };
  status?: { conditions?: { type: string; status: string; message?: string }[] };
}

/** kserve.certificate: the serving Certificate is Ready and its Secret complete. */
export const certificateCheck: Check<CheckContext> = {
  id: "kserve.certificate",
  category: "kserve",
  description: `Certificate ${KSERVE_OBJECTS.certificate} is Ready and its secret is complete`,
  hint:
    "See why cert-manager has not issued it: kubectl describe certificate serving-cert -n {kserve-ns}",
  dependsOn: ["kserve.installed", "certmanager.crds"],
  retryable: true,
  async run(ctx) {
    const { namespace } = await ctx.kserve();
    const certificate = await ctx.get<Certificate>(
      `/apis/cert-manager.io/v1/namespaces/${namespace}/certificates/${KSERVE_OBJECTS.certificate}`,
    );
    if (!certificate) {
      throw new CheckFailed(
        `Certificate ${namespace}/${KSERVE_OBJECTS.certificate} does not exist`,
        `Re-apply KServe: ${REAPPLY}`,
      );
    }
    const ready = (certificate.status?.conditions ?? []).find((c) => c.type === "Ready");
    if (ready?.status !== "True") {
      const issuer = certificate.spec?.issuerRef?.name;
      const issuerExists = issuer &&
        await ctx.get(`/apis/cert-manager.io/v1/namespaces/${namespace}/issuers/${issuer}`);
      // Being issued resolves on its own; Ready=False or a missing Issuer needs a fix.
      const issuing = (issuer === undefined || Boolean(issuerExists)) &&
        ready?.status !== "False";
      throw new CheckFailed(
        `Certificate ${namespace}/${KSERVE_OBJECTS.certificate} is not Ready: ${
          ready?.message ?? "cert-manager has not processed it"
        }${issuer && !issuerExists ? ` (its Issuer ${namespace}/${issuer} does not exist)` : ""}${
          issuing ? "; waiting for cert-manager to issue it" : ""
        }`,
        issuer && !issuerExists
          ? `Re-create the Issuer by re-applying KServe: ${REAPPLY}`
          : `kubectl describe certificate ${KSERVE_OBJECTS.certificate} -n ${namespace}; kubectl logs -n cert-manager deploy/cert-manager`,
        { transient: issuing },
      );
    }
    const secret = await ctx.get<V1Secret>(
      `/api/v1/namespaces/${namespace}/secrets/${KSERVE_OBJECTS.certSecret}`,
    );
    const missing = ["tls.crt", "tls.key", "ca.crt"].filter((key) => !secret?.data?.[key]);
    if (missing.length) {
      // cert-manager writes it from the Certificate: right after an install, or after the
      // Secret was deleted, it is still being issued, and that resolves on its own.
      throw new CheckFailed(
        `Secret ${namespace}/${KSERVE_OBJECTS.certSecret} ${
          secret ? `lacks ${missing.join(", ")}` : "does not exist"
        }: cert-manager is still issuing it from Certificate ${KSERVE_OBJECTS.certificate}`,
        `Wait for it: kubectl kserve check --wait 2m; if it never comes, see kubectl logs -n cert-manager deploy/cert-manager`,
        { transient: true },
      );
    }
  },
};

/** kserve.controller: the controller Deployment is Available, else why not (its pods, then its conditions). */
export const controllerCheck: Check<CheckContext> = {
  id: "kserve.controller",
  category: "kserve",
  description: "the KServe controller Deployment is Available",
  hint:
    "kubectl describe deployment kserve-controller-manager -n {kserve-ns}; kubectl logs -n {kserve-ns} deploy/kserve-controller-manager -c manager",
  dependsOn: ["kserve.certificate", "kserve.config-deploy", "kserve.config-ingress"],
  retryable: true,
  async run(ctx) {
    const { controller, namespace } = await ctx.kserve();
    if (!controller) {
      throw new CheckFailed(
        `Deployment ${namespace}/${KSERVE.controllerDeployment} does not exist, so nothing serves the KServe webhooks`,
        `Re-apply KServe: ${REAPPLY}`,
      );
    }
    if (deploymentAvailable(controller)) return;
    if ((controller.spec?.replicas ?? 1) === 0) {
      throw new CheckFailed(
        `Deployment ${namespace}/${KSERVE.controllerDeployment} is scaled to 0, so nothing serves the KServe webhooks`,
        `kubectl scale deployment/${KSERVE.controllerDeployment} -n ${namespace} --replicas=1`,
        { transient: false },
      );
    }
    const why = await whyNotAvailable(ctx, controller);
    throw new CheckFailed(
      `Deployment ${namespace}/${KSERVE.controllerDeployment} is not Available: ${why.cause}`,
      undefined,
      { transient: !why.lasting },
    );
  },
};

/**
 * Why a controller (KServe's; llmisvc's with its `selector`) is not Available: its pods'
 * findings, else its Deployment's conditions.
 */
export async function whyNotAvailable(
  ctx: CheckContext,
  deployment: DetectedObject,
  selector: string = KSERVE.controllerSelector,
): Promise<Finding> {
  const namespace = deployment.metadata.namespace;
  const [pods, events] = await Promise.all([
    ctx.list<V1Pod>(`/api/v1/namespaces/${namespace}/pods`, { labelSelector: selector }),
    ctx.list<Event>(`/api/v1/namespaces/${namespace}/events`),
  ]);
  const logs: Record<string, string> = {};
  await Promise.all(pods.map(async (pod) => {
    logs[String(pod.metadata?.name)] = await ctx.kube.requestText(
      "GET",
      `/api/v1/namespaces/${namespace}/pods/${pod.metadata?.name}/log`,
      { query: { container: "manager", tailLines: 50 }, accept: "text/plain" },
    ).catch(() => "");
  }));
  const found = classifyPods(pods, events, logs);
  if (found?.lasting) return found;
  const stuck = explainDeployment(deployment);
  if (stuck) return { cause: stuck, lasting: true };
  return found ?? { cause: "waiting for its pods to be created and become ready", lasting: false };
}
