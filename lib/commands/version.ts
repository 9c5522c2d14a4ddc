/** `kubectl kserve version`: plugin, Kubernetes and installed KServe versions. */
import type { GlobalOptions } from "../options.ts";
import { CLIENT_VERSION } from "../version.ts";
import { writeOut } from "../output.ts";
import { type DeletingCrd, describeDeletingCrd, type KServeInstall } from "../kserve/detect.ts";
import { describeOwner, type Owner } from "../kube/owner.ts";

export interface VersionReport {
  clientVersion: { version: string };
  serverVersion?: { gitVersion: string; major: string; minor: string; platform: string };
  kserveVersion?: {
    installed: boolean;
    version?: string;
    namespace?: string;
    image?: string;
    /** Who installed it: kubectl-kserve, a Helm release, or another tool. */
    owner?: Owner;
    /** serving.kserve.io is served (its CRDs exist). */
    apiServed: boolean;
    /** The controller could not be read with these credentials. */
    unreadable?: boolean;
    /** An uninstall that did not finish: KServe's CRD stuck deleting, and what holds it. */
    crdDeleting?: DeletingCrd;
  };
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
    report.kserveVersion = versionOf(kserve);
  }
  const format = options.global.output ?? "text";
  const yaml = format === "yaml" ? await import("yaml") : undefined;
  writeOut(yaml ? yaml.stringify(report) : renderVersion(report, format));
  return 0;
}

function versionOf(kserve: KServeInstall): NonNullable<VersionReport["kserveVersion"]> {
  const { installed, version, namespace, image, owner, apiServed, unreadable, crdDeleting } =
    kserve;
  return installed ? { installed, version, namespace, image, owner, apiServed } : {
    installed,
    apiServed,
    ...(unreadable ? { unreadable } : {}),
    ...(crdDeleting ? { crdDeleting } : {}),
  };
}

/** Renders the report as kubectl renders `version`: text lines or JSON. */
export function renderVersion(report: VersionReport, format: string): string {
  if (format === "json") return JSON.stringify(report, null, 2) + "\n";
  const lines = [`Client Version: ${report.clientVersion.version}`];
  if (report.serverVersion) lines.push(`Server Version: ${report.serverVersion.gitVersion}`);
  const kserve = report.kserveVersion;
  if (kserve?.installed) {
    const by = kserve.owner && kserve.owner.by !== "kubectl-kserve"
      ? `, installed by ${describeOwner(kserve.owner)}`
      : "";
    lines.push(
      `KServe Version: ${
        kserve.version ?? "unknown (no controller Deployment)"
      } (namespace ${kserve.namespace}${by})`,
    );
  } else if (kserve?.crdDeleting) {
    lines.push(`KServe Version: not installed (${describeDeletingCrd(kserve.crdDeleting)})`);
  } else if (kserve?.unreadable) {
    lines.push(
      "KServe Version: unknown (serving.kserve.io is served, but these credentials may not read the kserve-controller-manager Deployment)",
    );
  } else if (kserve) {
    lines.push(
      kserve.apiServed
        ? "KServe Version: not installed (its CRDs are present, but no kserve-controller-manager Deployment or inferenceservice-config exists)"
        : "KServe Version: not installed (no kserve-controller-manager Deployment found)",
    );
  }
  return lines.join("\n") + "\n";
}
