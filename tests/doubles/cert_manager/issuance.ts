// What the `controller` role decides, as pure logic: which Certificates need a new Secret and
// why, with the reasons and renewal times cert-manager reports (unit tested in
// cert_manager_test.ts).
import type { Condition, KObject, Secret } from "./kube.ts";
import type { CertInfo } from "./pki.ts";

export interface Certificate extends KObject {
  spec: {
    secretName: string;
    commonName?: string;
    dnsNames?: string[];
    ipAddresses?: string[];
    duration?: string;
    renewBefore?: string;
    isCA?: boolean;
    issuerRef: { name: string; kind?: string; group?: string };
    privateKey?: { algorithm?: string };
    secretTemplate?: { annotations?: Record<string, string>; labels?: Record<string, string> };
  };
  status?: {
    conditions?: Condition[];
    notBefore?: string;
    notAfter?: string;
    renewalTime?: string;
    revision?: number;
  };
}

export interface Issuer extends KObject {
  spec?: { selfSigned?: unknown; ca?: { secretName: string } };
  status?: { conditions?: Condition[] };
}

/** What the controller found in a Certificate's Secret. */
export interface IssuedSecret {
  info: CertInfo;
  keyMatches: boolean;
}

/** Parses a Go duration such as "2160h0m0s" into milliseconds. */
export function parseDuration(s: string | undefined, fallbackMs: number): number {
  if (!s) return fallbackMs;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  for (const [, n, u] of s.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) total += Number(n) * unit[u!]!;
  return total || fallbackMs;
}

/**
 * The SANs to issue. cert-manager v1 no longer copies commonName into the DNS SANs (it goes into
 * the subject only); KServe lists its commonName in dnsNames as well.
 */
export function desiredSans(cert: Certificate): { dnsNames: string[]; ipAddresses: string[] } {
  return { dnsNames: cert.spec.dnsNames ?? [], ipAddresses: cert.spec.ipAddresses ?? [] };
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === new Set(b).size && a.every((x) => b.includes(x));
}

export function renewalTime(cert: Certificate, info: CertInfo): Date {
  const lifetime = info.notAfter.getTime() - info.notBefore.getTime();
  const before = parseDuration(cert.spec.renewBefore, lifetime / 3);
  return new Date(info.notAfter.getTime() - before);
}

/**
 * Why the Certificate needs a new Secret, with cert-manager's reason and message; null when the
 * Secret is valid for the current spec (so nothing is rewritten and no resourceVersion churns).
 */
export function whyIssue(
  cert: Certificate,
  secret: Secret | undefined,
  issued: IssuedSecret | undefined,
  now: Date,
): { reason: string; message: string } | null {
  if (!secret) {
    return { reason: "DoesNotExist", message: "Issuing certificate as Secret does not exist" };
  }
  if (!issued) {
    return {
      reason: "MissingData",
      message: "Issuing certificate as Secret does not contain a certificate",
    };
  }
  if (!issued.keyMatches) {
    return {
      reason: "InvalidKeyPair",
      message:
        "Issuing certificate as Secret contains a private key that does not match the certificate",
    };
  }
  const ann = secret.metadata.annotations ?? {};
  const ref = cert.spec.issuerRef;
  if (
    ann["cert-manager.io/issuer-name"] !== ref.name ||
    ann["cert-manager.io/issuer-kind"] !== (ref.kind ?? "Issuer")
  ) {
    return {
      reason: "IncorrectIssuer",
      message: "Issuing certificate as Secret was previously issued by a different issuer",
    };
  }
  const want = desiredSans(cert);
  if (
    !sameSet(want.dnsNames, issued.info.dnsNames) ||
    !sameSet(want.ipAddresses, issued.info.ipAddresses)
  ) {
    return {
      reason: "SecretMismatch",
      message: "Issuing certificate as Existing issued Secret is not up to date for spec",
    };
  }
  if (now >= issued.info.notAfter) {
    return {
      reason: "Expired",
      message: `Issuing certificate as Certificate expired on ${rfc3339(issued.info.notAfter)}`,
    };
  }
  const renewal = renewalTime(cert, issued.info);
  if (now >= renewal) {
    return {
      reason: "Renewing",
      message: `Renewing certificate as renewal was scheduled at ${rfc3339(renewal)}`,
    };
  }
  return null;
}

export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, "Z");
}
