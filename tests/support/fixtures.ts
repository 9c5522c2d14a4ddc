/** The release manifests in ../shared/fixtures (never copied into the repo). */
export const FIXTURES = new URL("../../../shared/fixtures/manifests/", import.meta.url).pathname;

/** Reads one fixture manifest by its <component>/<version>/<file> path. */
export function fixture(path: string): Promise<string> {
  return Deno.readTextFile(`${FIXTURES}${path}`);
}
