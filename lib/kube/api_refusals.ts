/**
 * Refusals the API server sends on behalf of something else than RBAC: a CRD's conversion
 * webhook that fails, an admission webhook that denies, a CRD being deleted. Each gets the
 * message and hint that follow from it (never "Ask for an RBAC rule", which answers only
 * RBAC's own "User ... cannot ..."). Pure functions of the request path and the server's text.
 */

/** What the API server's message says, made actionable. */
export interface Refusal {
  message: string;
  hint: string;
  /** For a conversion webhook: the CRD and the Service ("namespace/name") it calls. */
  conversion?: { crd: string; service: string; cause: ConversionCause };
}

/** Why a conversion webhook call failed, from the error the API server quotes. */
export type ConversionCause = "untrusted-certificate" | "unreachable" | "other";

/**
 * apiextensions-apiserver's webhook converter: `conversion webhook for GROUP/VERSION,
 * Kind=KIND failed: Post "https://SERVICE.NAMESPACE.svc:443/convert?timeout=30s": CAUSE`
 * (k8s.io/apiextensions-apiserver pkg/apiserver/conversion/webhook_converter.go).
 */
const CONVERSION_FAILED =
  /conversion webhook for ([\w.-]+)\/(\w+), Kind=(\w+) failed: (?:Post "https:\/\/([\w-]+)\.([\w-]+)\.svc[^"]*": )?(.*)/;

/** RBAC's own denial, the only 403 an RBAC rule answers. */
export const RBAC_DENIAL =
  /User "([^"]*)" cannot (\S+) resource "([^"]*)"(?: in API group "([^"]*)")?/;

/** `admission webhook "NAME" denied the request: REASON` (k8s.io/apiserver admission/plugin/webhook). */
export const WEBHOOK_DENIAL = /admission webhook "([^"]+)" denied the request:?\s*(.*)/;

/** The customresource handler refuses writes while its CRD has a deletionTimestamp. */
const CRD_TERMINATING = /(\w+) not allowed while custom resource definition is terminating/;

/** The refusal a server message stands for, or undefined when it is none of the above. */
export function explainRefusal(path: string, serverMessage: string): Refusal | undefined {
  return conversionFailure(path, serverMessage) ?? webhookDenial(serverMessage) ??
    crdTerminating(path, serverMessage);
}

/** The CRD a path under /apis/GROUP/VERSION/[namespaces/NS/]RESOURCE reads, if any. */
function crdOfPath(path: string): string | undefined {
  const match = /^\/apis\/([^/]+\.[^/]+)\/[^/]+\/(?:namespaces\/[^/]+\/)?([^/?]+)/.exec(path);
  return match ? `${match[2]}.${match[1]}` : undefined;
}

function conversionFailure(path: string, text: string): Refusal | undefined {
  const match = CONVERSION_FAILED.exec(text);
  if (!match) return undefined;
  const [, group, version, kind, service, namespace, detail] = match;
  const fromPath = crdOfPath(path);
  const crd = fromPath?.endsWith(`.${group}`) ? fromPath : `${kind!.toLowerCase()}s.${group}`;
  const where = service ? `${namespace}/${service}` : "(its Service is not named)";
  const cause = conversionCause(detail!);
  const why = {
    "untrusted-certificate":
      `the caBundle of the CRD's conversion webhook does not hold the CA that signed the certificate Service ${where} serves`,
    unreachable: `Service ${where} does not answer (no ready pod behind it)`,
    other: "the webhook failed",
  }[cause];
  const fix = {
    "untrusted-certificate":
      `This resolves by itself only while cert-manager's cainjector is about to inject the bundle (just after it started); otherwise it needs a fix. Compare the bundle with the Certificate named by the CRD's cert-manager.io/inject-ca-from: kubectl kserve check (webhooks.ca-bundle names the fix)`,
    unreachable: `See why nothing serves it: kubectl get endpoints ${service ?? "<service>"} -n ${
      namespace ?? "<namespace>"
    }; then kubectl kserve check`,
    other:
      `See the CRD's conversion stanza: kubectl get crd ${crd} -o jsonpath='{.spec.conversion}'`,
  }[cause];
  return {
    message:
      `Reading ${kind} at ${group}/${version} needs the conversion webhook of CRD ${crd} (Service ${where}), and it failed: ${why} (${
        detail!.trim().slice(0, 200)
      })`,
    hint: fix,
    conversion: { crd, service: where, cause },
  };
}

function conversionCause(detail: string): ConversionCause {
  if (/x509|unknown authority|failed to verify certificate/i.test(detail)) {
    return "untrusted-certificate";
  }
  if (/connection refused|no endpoints available|service .* not found|i\/o timeout/i.test(detail)) {
    return "unreachable";
  }
  return "other";
}

function webhookDenial(text: string): Refusal | undefined {
  const match = WEBHOOK_DENIAL.exec(text);
  if (!match) return undefined;
  return {
    message: text,
    hint: `The admission webhook ${
      match[1]
    } refused the request (no RBAC rule changes that): change what it names (${
      match[2]!.trim().slice(0, 160) || "see its message"
    }) and try again`,
  };
}

function crdTerminating(path: string, text: string): Refusal | undefined {
  const match = CRD_TERMINATING.exec(text);
  if (!match) return undefined;
  const crd = crdOfPath(path);
  const name = crd ?? "<crd>";
  return {
    message: `${match[1]} refused: CRD ${crd ?? "of this resource"} is being deleted (${text})`,
    hint:
      `Wait until it is gone and re-install, or see what holds it (its finalizers and its Terminating condition): kubectl get crd ${name} -o yaml`,
  };
}
