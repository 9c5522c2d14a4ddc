/** Release versions as numbers: "v1.2.3", "1.2" (patch 0), or a prefix of a longer tag. */

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
}

/** "v1.30.2" or "1.30" gives {1, 30, 2} or {1, 30, 0}; anything else gives undefined. */
export function parseVersion(text: string | undefined): SemVer | undefined {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text ?? "");
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0) };
}

/** Negative, zero or positive as a is older than, equal to or newer than b. */
export function compareVersions(a: SemVer, b: SemVer): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}
