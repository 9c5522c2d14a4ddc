/** Kubernetes' name syntaxes, as apimachinery's validation checks them. */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Whether a value is a DNS-1123 label (IsDNS1123Label): at most 63 lower-case letters, digits
 * and '-', alphanumeric at both ends. Namespaces and most object names are such labels.
 */
export function isDnsLabel(value: string): boolean {
  return DNS1123_LABEL.test(value) && value.length <= 63;
}

/**
 * Whether a value is a DNS-1123 subdomain (IsDNS1123Subdomain): at most 253 characters, dot-
 * separated labels. Secrets and ConfigMaps are named so.
 */
export function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 &&
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(value);
}
