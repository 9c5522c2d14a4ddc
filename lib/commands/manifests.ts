/** `kubectl kserve manifests pull`: download and verify a whole release set for offline installs. */
import type { GlobalOptions, IngressLayer, KServeMode } from "../options.ts";
import { writeErr, writeOut } from "../output.ts";
import { defaultCacheDir, loadManifest, parseSource } from "../install/source.ts";
import { manifestPath, manifestsFor } from "../install/releases.ts";
import { resolveVersions } from "../install/preflight.ts";

export interface PullInvocation {
  global: GlobalOptions;
  version: string;
  mode: KServeMode;
  ingress: IngressLayer;
  dest: string;
  manifests?: string;
  certManagerVersion?: string;
  knativeVersion?: string;
  force: boolean;
  /** Also the Gateway API files of the version the KServe release pins (install --llm's). */
  llm: boolean;
}

/** Writes every file the install needs to DEST/<component>/<version>/<file>, each sha256-verified. */
export async function pull(options: PullInvocation): Promise<number> {
  const versions = resolveVersions(options);
  const files = manifestsFor(options.mode, options.ingress, versions, options.llm);
  const source = parseSource(options.manifests);
  const written: string[] = [];
  for (const file of files) {
    const text = await loadManifest(file, source, { cacheDir: defaultCacheDir() });
    const path = `${options.dest.replace(/\/+$/, "")}/${manifestPath(file)}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, text);
    written.push(path);
    if (options.global.output !== "json") writeErr(`√ ${manifestPath(file)} (sha256 verified)\n`);
  }
  if (options.global.output === "json") {
    writeOut(JSON.stringify({ files: written }, null, 2) + "\n");
  } else {
    const llm = options.llm ? " --llm --gateway-class NAME" : "";
    writeErr(
      `Install from it with: kubectl kserve install --mode ${options.mode} --version ${versions.kserve}${llm} --manifests ${options.dest}\n`,
    );
  }
  return 0;
}
