/** `kubectl kserve version`: plugin, Kubernetes and installed KServe versions. */
import { stringify } from "yaml";
import type { GlobalOptions } from "../cli.ts";
import { CLIENT_VERSION } from "../version.ts";
import { writeOut } from "../output.ts";
import { Kube } from "../kube/client.ts";
import { findKServe, type KServeInstall } from "../kserve/detect.ts";

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
    const kube = await Kube.connect(options.global);
    const [server, kserve] = await Promise.all([
      kube.request<VersionReport["serverVersion"]>("GET", "/version"),
      findKServe(kube),
    ]);
    report.serverVersion = server;
    report.kserveVersion = kserve ? { installed: true, ...kserve } : { installed: false };
  }
  writeOut(renderVersion(report, options.global.output ?? "text"));
  return 0;
}

/** Renders the report as kubectl renders `version`: text lines, JSON or YAML. */
export function renderVersion(report: VersionReport, format: string): string {
  if (format === "json") return JSON.stringify(report, null, 2) + "\n";
  if (format === "yaml") return stringify(report);
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
