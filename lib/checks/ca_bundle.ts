/**
 * The webhooks.ca-bundle check: every KServe webhook trusts the certificate the controller
 * serves. When it does not, the cause is named: the inject-ca-from annotation points at a
 * Certificate that does not exist, cainjector is missing or has not run yet, the bundle does
 * not parse, or it holds a CA that really differs (subjects and fingerprints shown).
 */
import { CERT_MANAGER, KSERVE_OBJECTS } from "../defaults.ts";
import type { V1Secret } from "@kubernetes/client-node";
import type { Deployment } from "../kube/objects.ts";
import type { CheckContext } from "./context.ts";
import { kserveWebhookConfigs } from "./webhook_configs.ts";
import { type Check, CheckFailed } from "./check_types.ts";

interface Finding {
  problem: string;
  hint: string;
  transient: boolean;
}

/** The certificate in a base64 PEM bundle: subject and fingerprint, or why it does not parse. */
async function describeBundle(
  base64: string,
): Promise<{ subject: string; fingerprint: string } | { error: string }> {
  let pem: string;
  try {
    pem = atob(base64);
  } catch {
    return { error: "is not valid base64" };
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    return { error: "is not a PEM certificate (no BEGIN CERTIFICATE block)" };
  }
  try {
    // Loaded only here: parsing certificates is needed only when the bundles differ.
    const { X509Certificate } = await import("node:crypto");
    const cert = new X509Certificate(pem);
    return { subject: cert.subject.replaceAll("\n", ", "), fingerprint: cert.fingerprint256 };
  } catch (error) {
    return { error: `does not parse as a certificate (${(error as Error).message})` };
  }
}

async function cainjector(ctx: CheckContext): Promise<Deployment | undefined> {
  const found = await ctx.deployments({ labels: { "app.kubernetes.io/name": "cainjector" } });
  return found[0];
}

export const caBundleCheck: Check<CheckContext> = {
  id: "webhooks.ca-bundle",
  category: "webhooks",
  description: "every KServe webhook trusts the certificate the controller serves (caBundle)",
  hint:
    "cert-manager's cainjector fills caBundle from the Certificate named by cert-manager.io/inject-ca-from",
  dependsOn: ["kserve.certificate", "webhooks.service"],
  retryable: true,
  async run(ctx) {
    const { namespace } = await ctx.kserve();
    const expected = `${namespace}/${KSERVE_OBJECTS.certificate}`;
    const secret = await ctx.get<V1Secret>(
      `/api/v1/namespaces/${namespace}/secrets/${KSERVE_OBJECTS.certSecret}`,
    );
    const ca = secret?.data?.["ca.crt"];
    const findings: Finding[] = [];
    for (const config of await kserveWebhookConfigs(ctx)) {
      const name = `${config.kind} ${config.object.metadata?.name}`;
      const inject = config.object.metadata?.annotations?.[CERT_MANAGER.injectAnnotation];
      const fixAnnotation =
        `kubectl annotate ${config.kind} ${config.object.metadata?.name} ${CERT_MANAGER.injectAnnotation}=${expected} --overwrite`;
      let annotation: Finding | undefined;
      if (!inject) {
        annotation = {
          problem:
            `${name} has no ${CERT_MANAGER.injectAnnotation} annotation, so cainjector never fills its caBundle`,
          hint: fixAnnotation,
          transient: false,
        };
      } else if (inject !== expected) {
        const [ns, certName] = String(inject).split("/");
        const target = ns && certName &&
          await ctx.get(
            `/apis/${CERT_MANAGER.apiGroup}/v1/namespaces/${ns}/certificates/${certName}`,
          );
        if (!target) {
          annotation = {
            problem:
              `${name}: ${CERT_MANAGER.injectAnnotation} is "${inject}", a Certificate that does not exist (KServe's is ${expected})`,
            hint: fixAnnotation,
            transient: false,
          };
        }
      }
      for (const webhook of config.object.webhooks ?? []) {
        if (webhook.clientConfig?.service?.name !== KSERVE_OBJECTS.webhookService) continue;
        const bundle = webhook.clientConfig.caBundle;
        if (!bundle) {
          findings.push(annotation ?? await emptyBundle(ctx, webhook.name));
          continue;
        }
        if (!ca || bundle === ca) continue;
        const [live, wanted] = await Promise.all([describeBundle(bundle), describeBundle(ca)]);
        findings.push(
          "error" in live
            ? {
              problem: `${webhook.name}: its caBundle ${live.error}`,
              hint: annotation?.hint ?? await restartHint(ctx),
              transient: false,
            }
            : {
              problem:
                `${webhook.name}: caBundle holds a different CA (${live.subject}, ${live.fingerprint}) than ca.crt of ${namespace}/${KSERVE_OBJECTS.certSecret}${
                  "error" in wanted ? "" : ` (${wanted.subject}, ${wanted.fingerprint})`
                }`,
              hint: annotation?.hint ?? await restartHint(ctx),
              transient: false,
            },
        );
      }
    }
    if (findings.length === 0) return;
    const problems = [...new Set(findings.map((f) => f.problem))];
    const hints = [...new Set(findings.map((f) => f.hint))];
    throw new CheckFailed(
      `${
        problems.join("; ")
      }; the API server fails TLS calling the webhook ("x509: certificate signed by unknown authority")`,
      hints.join("; "),
      { transient: findings.every((f) => f.transient) },
    );
  },
};

async function emptyBundle(ctx: CheckContext, webhook: string): Promise<Finding> {
  const injector = await cainjector(ctx);
  if (!injector) {
    return {
      problem:
        `${webhook}: caBundle is empty and cert-manager's cainjector is not installed (no Deployment labelled app.kubernetes.io/name=cainjector), so nothing will fill it`,
      hint:
        "Re-install cert-manager with its cainjector, with the tool that installed it (kubectl apply --server-side -f cert-manager.yaml of its release)",
      transient: false,
    };
  }
  return {
    problem: `${webhook}: caBundle is empty; cainjector has not filled it yet`,
    hint: await restartHint(ctx),
    transient: true,
  };
}

async function restartHint(ctx: CheckContext): Promise<string> {
  const injector = await cainjector(ctx);
  return injector
    ? `Make cainjector inject again: kubectl rollout restart deployment/${injector.metadata?.name} -n ${injector.metadata?.namespace}`
    : "Install cert-manager's cainjector, which fills caBundle";
}
