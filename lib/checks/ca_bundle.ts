/**
 * The webhooks.ca-bundle check: every KServe webhook, and every conversion webhook of a KServe
 * CRD (v0.17+: the LLMInferenceService CRDs), trusts the certificate its Service serves. When
 * it does not, the cause is named: the inject-ca-from annotation points at a
 * Certificate that does not exist, cainjector is missing or has not run yet, the bundle does
 * not parse, or it holds a CA that really differs (subjects and fingerprints shown). A conversion
 * webhook on a CRD that the installed release ships without one is named too.
 */
import { CERT_MANAGER, KSERVE_OBJECTS } from "../defaults.ts";
import type { V1Secret } from "@kubernetes/client-node";
import type { Deployment } from "../kube/objects.ts";
import type { CheckContext } from "./context.ts";
import { KubeApiError } from "../kube/errors.ts";
import {
  conversionTarget,
  type Finding,
  kserveCrds,
  type Target,
  unshippedConversions,
  webhookTargets,
} from "./ca_bundle_targets.ts";
import { type Check, CheckFailed } from "./check_types.ts";

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

/** A cert-manager Certificate as far as this check reads it. */
interface Certificate {
  metadata?: { name?: string; namespace?: string };
  spec?: { dnsNames?: string[]; secretName?: string };
}

export const caBundleCheck: Check<CheckContext> = {
  id: "webhooks.ca-bundle",
  category: "webhooks",
  description:
    "every KServe webhook, and every conversion webhook of a KServe CRD, trusts the certificate its Service serves (caBundle)",
  hint:
    "cert-manager's cainjector fills caBundle from the Certificate named by cert-manager.io/inject-ca-from",
  dependsOn: ["kserve.certificate", "webhooks.service"],
  retryable: true,
  async run(ctx) {
    const { namespace, version } = await ctx.kserve();
    // Which Certificate serves which Service; without the right to list them, KServe's own.
    const certificates = await ctx.list<Certificate>(
      `/apis/${CERT_MANAGER.apiGroup}/v1/namespaces/${namespace}/certificates`,
    ).catch((error) => {
      if (error instanceof KubeApiError && error.status === 403) return [];
      throw error;
    });
    const crds = await kserveCrds(ctx);
    const unshipped = unshippedConversions(crds, version);
    const findings: Finding[] = [...unshipped];
    const targets = [...await webhookTargets(ctx), ...crds.flatMap(conversionTarget)];
    for (const target of targets) {
      const certificate = certificateOf(target.service, namespace, certificates);
      const expected = certificate && `${namespace}/${certificate.name}`;
      const ca = certificate &&
        (await ctx.get<V1Secret>(`/api/v1/namespaces/${namespace}/secrets/${certificate.secret}`))
          ?.data?.["ca.crt"];
      const annotation = await annotationFinding(ctx, target, expected);
      if (!target.caBundle) {
        findings.push(annotation ?? await emptyBundle(ctx, target.label));
        continue;
      }
      if (!ca || target.caBundle === ca) continue;
      const [live, wanted] = await Promise.all([
        describeBundle(target.caBundle),
        describeBundle(ca),
      ]);
      // Resolves by itself only while cainjector is (re)starting and about to inject.
      const starting = !annotation && await injectorStarting(ctx);
      const source = `ca.crt of ${namespace}/${certificate!.secret}`;
      findings.push(
        "error" in live
          ? {
            problem: `${target.label}: its caBundle ${live.error}`,
            hint: annotation?.hint ?? await restartHint(ctx),
            transient: false,
          }
          : {
            problem:
              `${target.label}: caBundle holds a different CA (${live.subject}, ${live.fingerprint}) than ${source}${
                "error" in wanted ? "" : ` (${wanted.subject}, ${wanted.fingerprint})`
              }${
                target.kind === "crd"
                  ? `, so every read of ${target.name} at a version other than the stored one fails`
                  : ""
              }${starting ? "; waiting for cainjector, which is starting, to inject it" : ""}`,
            hint: annotation?.hint ?? await restartHint(ctx),
            transient: starting,
          },
      );
    }
    if (findings.length === 0) return;
    const problems = [...new Set(findings.map((f) => f.problem))];
    const hints = [...new Set(findings.map((f) => f.hint))];
    const tls = findings.length > unshipped.length
      ? `; the API server fails TLS calling the webhook ("x509: certificate signed by unknown authority")`
      : "";
    throw new CheckFailed(
      `${problems.join("; ")}${tls}`,
      hints.join("; "),
      { transient: findings.every((f) => f.transient) },
    );
  },
};

/**
 * The Certificate that serves a Service: the one in KServe's namespace whose dnsNames hold
 * SERVICE.NAMESPACE.svc, else KServe's own for its webhook Service (as in every release).
 */
function certificateOf(
  service: Target["service"],
  namespace: string,
  certificates: Certificate[],
): { name: string; secret: string } | undefined {
  const dns = `${service.name}.${service.namespace}.svc`;
  const found = certificates.find((c) => c.spec?.dnsNames?.includes(dns));
  if (found?.metadata?.name && found.spec?.secretName) {
    return { name: found.metadata.name, secret: found.spec.secretName };
  }
  return service.name === KSERVE_OBJECTS.webhookService && service.namespace === namespace
    ? { name: KSERVE_OBJECTS.certificate, secret: KSERVE_OBJECTS.certSecret }
    : undefined;
}

/** What is wrong with a target's inject-ca-from annotation, when something is. */
async function annotationFinding(
  ctx: CheckContext,
  target: Target,
  expected: string | undefined,
): Promise<Finding | undefined> {
  if (!expected) return undefined;
  const fix =
    `kubectl annotate ${target.kind} ${target.name} ${CERT_MANAGER.injectAnnotation}=${expected} --overwrite`;
  const name = target.kind === "crd" ? `CRD ${target.name}` : `${target.kind} ${target.name}`;
  if (!target.inject) {
    return {
      problem:
        `${name} has no ${CERT_MANAGER.injectAnnotation} annotation, so cainjector never fills its caBundle`,
      hint: fix,
      transient: false,
    };
  }
  if (target.inject === expected) return undefined;
  const [ns, certName] = target.inject.split("/");
  const exists = ns && certName &&
    await ctx.get(`/apis/${CERT_MANAGER.apiGroup}/v1/namespaces/${ns}/certificates/${certName}`);
  return exists ? undefined : {
    problem:
      `${name}: ${CERT_MANAGER.injectAnnotation} is "${target.inject}", a Certificate that does not exist (KServe's is ${expected})`,
    hint: fix,
    transient: false,
  };
}

/**
 * How long after its Deployment becomes Available a (re-)created cainjector is still taken to be
 * injecting: it fills every annotated target once its caches have synced, a few seconds after
 * its pod is ready (field report: a mismatch right after cainjector was re-created was lasting).
 */
const INJECTOR_SYNC_MS = 30_000;

/**
 * cainjector is rolling out, starting, or became Available within INJECTOR_SYNC_MS (by this
 * machine's clock): it injects every annotated target once it runs.
 */
async function injectorStarting(ctx: CheckContext): Promise<boolean> {
  const injector = await cainjector(ctx);
  const wanted = injector?.spec?.replicas ?? 1;
  const status = injector?.status;
  const available = status?.conditions?.find((c) => c.type === "Available" && c.status === "True");
  const availableSince = Date.parse(String(available?.lastTransitionTime ?? ""));
  return injector !== undefined && wanted > 0 &&
    ((status?.observedGeneration ?? 0) < (injector.metadata?.generation ?? 0) ||
      (status?.updatedReplicas ?? 0) < wanted || (status?.availableReplicas ?? 0) < wanted ||
      Date.now() - availableSince < INJECTOR_SYNC_MS);
}

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
