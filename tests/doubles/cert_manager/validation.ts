// What cert-manager's validating webhook refuses, for the kinds KServe's install creates
// (cert-manager internal/apis/certmanager/validation: ValidateIssuer, ValidateCertificate).
// The double must say no where cert-manager does: a probe that passes here must pass there.

const ISSUER_TYPES = ["acme", "ca", "vault", "selfSigned", "venafi"];

interface Obj {
  spec?: Record<string, unknown>;
}

/** The field errors cert-manager reports for this object; empty when it is admitted. */
export function validationErrors(kind: string | undefined, object: Obj | undefined): string[] {
  const spec = object?.spec ?? {};
  if (kind === "Issuer" || kind === "ClusterIssuer") {
    const types = ISSUER_TYPES.filter((t) => spec[t] !== undefined && spec[t] !== null);
    if (types.length === 0) return ["spec: Required value: at least one issuer must be configured"];
    if (types.length > 1) {
      return [`spec: Forbidden: may not specify more than one issuer type (${types.join(", ")})`];
    }
    return [];
  }
  if (kind === "Certificate") {
    const errors: string[] = [];
    if (!spec.secretName) errors.push("spec.secretName: Required value: must be specified");
    const issuerRef = spec.issuerRef as { name?: string } | undefined;
    if (!issuerRef?.name) errors.push("spec.issuerRef.name: Required value: must be specified");
    return errors;
  }
  return [];
}
