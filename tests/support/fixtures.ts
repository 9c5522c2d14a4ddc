/** The release manifests in ../shared/fixtures (never copied into the repo). */
export const FIXTURES = new URL("../../../shared/fixtures/manifests/", import.meta.url).pathname;

/** Reads one fixture manifest by its <component>/<version>/<file> path. */
export function fixture(path: string): Promise<string> {
  return Deno.readTextFile(`${FIXTURES}${path}`);
}

/** KServe's Helm charts in ../shared/fixtures (kserve-crd and kserve-resources per version). */
export const CHARTS = new URL("../../../shared/fixtures/charts/kserve/", import.meta.url).pathname;
