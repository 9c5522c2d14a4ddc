/** Runs main.ts as a subprocess with the same permissions the installed shim has. */
import meta from "../../deno.json" with { type: "json" };

export { tempDir } from "./cluster.ts";
export { openssl } from "./credentials.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The --allow-* flags of the `kserve` task, so tests and the install shim cannot drift apart. */
export const PLUGIN_PERMISSIONS = meta.tasks.kserve.split(" ").filter((w) =>
  w.startsWith("--allow-")
);

const DENO_DIR = Deno.env.get("DENO_DIR") ??
  `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`}/deno`;

export interface PluginResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `kubectl kserve ARGS`; `env` replaces the variables that decide which kubeconfig is read. */
export async function runPlugin(
  args: string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
): Promise<PluginResult> {
  // A test may point HOME elsewhere; Deno must still find its module cache (tests run offline).
  const env: Record<string, string> = {
    ...Deno.env.toObject(),
    DENO_DIR: DENO_DIR,
    // Deno's background update check would look up dl.deno.land: no traffic beyond the cluster.
    DENO_NO_UPDATE_CHECK: "1",
    NO_COLOR: "1",
    ...options.env,
  };
  if (options.env && !("KUBECONFIG" in options.env)) delete env.KUBECONFIG;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...PLUGIN_PERMISSIONS, `${ROOT}main.ts`, ...args],
    env,
    clearEnv: true,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** A kubeconfig with one context pointing at `server`, written into `dir`. */
export async function writeKubeconfig(
  dir: string,
  cluster: Record<string, unknown>,
  name = "kubeconfig.yaml",
): Promise<string> {
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(
    path,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      "current-context": "test",
      clusters: [{ name: "test", cluster }],
      users: [{ name: "tester", user: { token: "not-a-real-token" } }],
      contexts: [{ name: "test", context: { cluster: "test", user: "tester" } }],
    }),
  );
  return path;
}
