/** `kubectl kserve version`: plugin, Kubernetes and installed KServe versions. */
import type { GlobalOptions } from "../cli.ts";
import { CLIENT_VERSION } from "../version.ts";
import { writeOut } from "../output.ts";
import type { KServeInstall } from "../kserve/detect.ts";

export interface VersionReport {
  clientVersion: { version: string };
  serverVersion?: { gitVersion: string; major: string; minor: string; platform: string };
  kserveVersion?: { installed: false } | ({ installed: true } & KServeInstall);
}

/** Prints the versions; with `client`, never contacts the cluster. */
export async function version(
  options: { global: GlobalOptions; client: boolean },
): Promise<number> {
  const report: VersionReport = { clientVersion: { version: CLIENT_VERSION } };
  if (!options.client) {
    // Loaded only here: `version --client` must start as fast as `kubectl version --client`.
    const { Kube } = await import("../kube/client.ts");
    const { findKServe } = await import("../kserve/detect.ts");
    const kube = await Kube.connect(options.global);
    const [server, kserve] = await Promise.all([
      kube.request<VersionReport["serverVersion"]>("GET", "/version"),
      findKServe(kube),
    ]);
    report.serverVersion = server;
    report.kserveVersion = kserve ? { installed: true, ...kserve } : { installed: false };
  }
  const format = options.global.output ?? "text";
  const yaml = format === "yaml" ? await import("yaml") : undefined;
  writeOut(yaml ? yaml.stringify(report) : renderVersion(report, format));
  return 0;
}

/** Renders the report as kubectl renders `version`: text lines or JSON. */
export function renderVersion(report: VersionReport, format: string): string {
  if (format === "json") return JSON.stringify(report, null, 2) + "\n";
  const lines = [`Client Version: ${report.clientVersion.version}`];
  if (report.serverVersion) lines.push(`Server Version: ${report.serverVersion.gitVersion}`);
  const kserve = report.kserveVersion;
  if (kserve?.installed) {
    lines.push(`KServe Version: ${kserve.version} (namespace ${kserve.namespace})`);
  } else if (kserve) {
    lines.push("KServe Version: not installed (no kserve-controller-manager Deployment found)");
  }
  return lines.join("\n") + "\n";
}
