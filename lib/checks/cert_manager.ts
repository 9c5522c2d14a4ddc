/** Category "cert-manager": KServe's webhook certificate comes from cert-manager. */
import { CERT_MANAGER, CRD_PATH, KSERVE_OBJECTS, VERSION_LABEL } from "../defaults.ts";
import { deploymentAvailable, explainDeployment } from "../kserve/diagnose.ts";
import { probeCertManagerWebhook } from "../kserve/probes.ts";
import { INSTALL_CERT_MANAGER, installCertManagerManifest } from "../kserve/hints.ts";
import type { Kube } from "../kube/client.ts";
import { type OwnedMetadata, type Owner, ownerOf } from "../kube/owner.ts";
import type { V1Service } from "@kubernetes/client-node";
import type { Deployment } from "../kube/objects.ts";
import type { CheckContext } from "./context.ts";
import { type Check, CheckFailed } from "./check_types.ts";
import { scaledToZero, scaleUpCommands } from "./scaled.ts";
import { selectsNoPod, targetsNoPort } from "./selectors.ts";
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

/** The label cert-manager's manifest and chart give its Deployments (the release "cert-manager"). */
const CERT_MANAGER_LABELS = { "app.kubernetes.io/instance": "cert-manager" };

/** Why cert-manager does not work; every list empty when it works. */
export interface CertManagerFaults {
  /** One line each: "cert-manager/cert-manager-cainjector: not found". */
  problems: string[];
  /** Deployment names that do not exist. */
  missing: string[];
  /** Deployments scaled to 0 (and nothing else wrong with them). */
  scaled: Deployment[];
  /** The namespace its Deployments are in (where the missing ones belong). */
  namespace: string;
}

/**
 * Pure: the Deployments' part of "cert-manager works": its controller, cainjector and webhook
 * (CERT_MANAGER.deployments) each exist and are Available. Without cainjector no caBundle is
 * injected (KServe's webhook and conversion CAs), without the webhook no Certificate is admitted,
 * without the controller none is issued.
 */
export function certManagerDeploymentFaults(deployments: Deployment[]): CertManagerFaults {
  const namespace = deployments[0]?.metadata?.namespace ?? CERT_MANAGER.namespace;
  const faults: CertManagerFaults = { problems: [], missing: [], scaled: [], namespace };
  for (const name of CERT_MANAGER.deployments) {
    const deployment = deployments.find((d) => d.metadata?.name === name);
    if (!deployment) {
      faults.missing.push(name);
      faults.problems.push(`${namespace}/${name}: not found`);
    } else if (deploymentAvailable(deployment)) continue;
    else if (scaledToZero(deployment)) {
      faults.scaled.push(deployment);
      faults.problems.push(`${namespace}/${name}: scaled to 0`);
    } else {
      const why = explainDeployment(deployment);
      faults.problems.push(`${namespace}/${name}: not Available${why ? ` (${why})` : ""}`);
    }
  }
  return faults;
}

/**
 * Whether cert-manager works, the one judgement install, check --pre and check share: its
 * Deployments Available (certManagerDeploymentFaults), then its webhook admitting a dry-run
 * Issuer. `read` lists its Deployments and runs the probe (a CheckContext's cached ones, or
 * install's). A failed read is thrown, never taken for "not working".
 */
export async function certManagerFaults(
  read: { deployments(): Promise<Deployment[]>; probe(): Promise<unknown> },
): Promise<CertManagerFaults> {
  const faults = certManagerDeploymentFaults(await read.deployments());
  if (faults.problems.length) return faults;
  try {
    await read.probe();
  } catch (error) {
    if (!(error instanceof KubeApiError)) throw error;
    faults.problems.push(`its webhook does not admit a dry-run Issuer (${error.message})`);
  }
  return faults;
}

/** certManagerFaults() read with a client (install). */
export function readCertManager(kube: Kube): Promise<CertManagerFaults> {
  return certManagerFaults({
    deployments: async () =>
      (await kube.request<{ items: Deployment[] }>("GET", "/apis/apps/v1/deployments", {
        query: { labelSelector: "app.kubernetes.io/instance=cert-manager" },
      })).items,
    probe: () => probeCertManagerWebhook(kube, "default"),
  });
}

/** certManagerFaults() read through a check's context (its cached lists and probe). */
export function checkCertManager(ctx: CheckContext): Promise<CertManagerFaults> {
  return certManagerFaults({
    deployments: () => ctx.deployments({ labels: CERT_MANAGER_LABELS }),
    probe: () => startIssuerProbe(ctx),
  });
}

/**
 * The fix for a cert-manager that does not work, true for its owner: Deployments scaled to 0
 * are scaled up (by anyone); missing ones are re-created by the tool that installed it (Helm
 * upgrades its release from cert-manager's chart repository; another tool re-applies the
 * release manifest of `version`); anything else is diagnosed by check. Undefined when this
 * plugin owns it (install applies it again).
 */
export function certManagerFix(
  faults: CertManagerFaults,
  owner: Owner,
  version: string,
): string | undefined {
  if (owner.by === "kubectl-kserve") return undefined;
  const fixes: string[] = [];
  if (faults.scaled.length) fixes.push(`Scale it up: ${scaleUpCommands(faults.scaled)}`);
  if (faults.missing.length) fixes.push(recreateFix(faults.missing.join(", "), owner, version));
  const explained = faults.scaled.length + faults.missing.length;
  if (explained < faults.problems.length) fixes.push("See why with: kubectl kserve check");
  return fixes.join("; ");
}

/** How the owner of a cert-manager re-creates `what` (Deployments it lost). */
function recreateFix(what: string, owner: Owner, version: string): string {
  const byItsTool = `Re-create ${what} with the tool that installed it`;
  if (!/^v\d+\.\d+\.\d+$/.test(version) || owner.by === "kubectl-kserve") return byItsTool;
  if (owner.by === "helm") {
    return `Re-create ${what} with Helm: helm upgrade ${owner.release} cert-manager --repo ${CERT_MANAGER.chartRepo} --version ${version} -n ${owner.namespace} --reuse-values`;
  }
  // Applied again as it was (by the same field manager), the release manifest re-creates what
  // is missing and takes no field from anyone.
  if (owner.managers.length !== 1) return byItsTool;
  return `Re-create ${what} from the release it came from: ${
    installCertManagerManifest(version, owner.managers[0])
  }`;
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
      const faults = certManagerDeploymentFaults(
        await ctx.deployments({ labels: CERT_MANAGER_LABELS }),
      );
      const { problems, scaled, missing } = faults;
      if (problems.length === 0) return;
      if (scaled.length + missing.length === problems.length) {
        // Neither comes back on its own: a missing Deployment is re-created by its owner's tool.
        const crd = await ctx.get<{ metadata?: OwnedMetadata }>(
          `${CRD_PATH}/${CERT_MANAGER.certificateCrd}`,
        );
        const owner = ownerOf(crd?.metadata ?? {});
        const version = crd?.metadata?.labels?.[VERSION_LABEL];
        const fix = scaled.length === problems.length
          ? scaleUpCommands(scaled)
          : version && certManagerFix(faults, owner, version);
        throw new CheckFailed(problems.join("; "), fix || undefined, { transient: false });
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
        // of its pods, or sends to a port they do not declare, refuses every call until someone
        // fixes it; anything else may be starting.
        const wrong = await webhookServiceMissesPods(ctx);
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

async function webhookServiceMissesPods(
  ctx: CheckContext,
): Promise<{ finding: string; fix: string } | undefined> {
  const [webhook] = (await ctx.deployments({
    labels: { "app.kubernetes.io/instance": "cert-manager" },
  })).filter((d) => d.metadata?.name === "cert-manager-webhook");
  if (!webhook) return undefined;
  const service = await ctx.get<V1Service>(
    `/api/v1/namespaces/${webhook.metadata?.namespace}/services/cert-manager-webhook`,
  );
  return service && (selectsNoPod(service, webhook, webhook.spec?.selector?.matchLabels ?? {}) ??
    targetsNoPort(service, webhook));
}
