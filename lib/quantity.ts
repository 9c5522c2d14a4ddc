/**
 * Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource, quantity.go): a signed
 * decimal number followed by a binary-SI suffix (Ki..Ei), a decimal-SI suffix (n, u, m, k, M..E)
 * or a decimal exponent (e3), never two of them. The one grammar deploy validates flags with
 * and install compares live values by ("4000m" and "4" are the same quantity). A leaf.
 */

const SUFFIX: Record<string, number> = {
  "": 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY =
  /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?\d+))?$/;

/** A quantity's numeric value ("500m" -> 0.5, "1Gi" -> 1073741824, 6 -> 6); undefined if not one. */
export function quantityValue(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value !== "string") return undefined;
  const match = QUANTITY.exec(value);
  if (!match) return undefined;
  const [, number, suffix, exponent] = match;
  return Number(number) * (exponent !== undefined ? 10 ** Number(exponent) : SUFFIX[suffix ?? ""]!);
}

/** Whether `text` is a quantity the API server accepts. */
export function isQuantity(text: string): boolean {
  return QUANTITY.test(text);
}
