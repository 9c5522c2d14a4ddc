/** What install checks before it changes anything: versions, permissions, Istio, mode switches. */
import { CliError, UsageError } from "../errors.ts";
import { KSERVE_OBJECTS } from "../defaults.ts";
import type { Kube } from "../kube/client.ts";
import type { Progress } from "../progress.ts";
import { CheckContext, resolveHints } from "../checks/context.ts";
import { clusterChecks } from "../checks/cluster.ts";
import { preChecks } from "../checks/pre.ts";
import { runChecks } from "../checks/runner.ts";
import { classifyMode } from "../kserve/versions.ts";
import type { InstallVersions } from "./releases.ts";
import { INSTALLABLE_KSERVE_VERSIONS, KNATIVE_RELEASES, releaseOf } from "../kserve/releases.ts";
import { defaultDeploymentMode } from "../kserve/config.ts";
import type { IngressLayer, KServeMode } from "../options.ts";

/** Resolves the versions to install; an unsupported combination is refused unless --force. */
export function resolveVersions(options: {
  version: string;
  mode: KServeMode;
  certManagerVersion?: string;
  knativeVersion?: string;
  force: boolean;
}): InstallVersions {
  const release = releaseOf(options.version);
  if (!release) {
    throw new UsageError(`KServe ${options.version} is not a version this plugin installs`, {
      hint: `Use one of: ${INSTALLABLE_KSERVE_VERSIONS.join(", ")}`,
    });
  }
  const knative = options.knativeVersion ?? release.knative;
  const networking = KNATIVE_RELEASES[knative];
  if (options.mode === "serverless") {
    if (!networking) {
      throw new UsageError(`Knative ${knative} has no pinned manifests`, {
        hint: `Use one of: ${Object.keys(KNATIVE_RELEASES).join(", ")}`,
      });
    }
    const minor = knative.replace(/^v/, "").split(".").slice(0, 2).join(".");
    const supported = release.supportedKnative;
    if (!supported.includes(minor) && !options.force) {
      throw new UsageError(
        `Knative ${knative} is not supported with KServe ${options.version} (tested with Knative ${
          supported.join(", ")
        })`,
        {
          hint:
            `Use the default (Knative ${release.knative}), or pass --force to install it anyway`,
        },
      );
    }
  }
  return {
    kserve: options.version,
    certManager: options.certManagerVersion ?? release.certManager,
    knative,
    // Raw mode installs no networking layer: an unpinned --knative-version is not used.
    ...(networking ?? KNATIVE_RELEASES[release.knative]!),
  };
}

/** Runs the `check --pre` checks and refuses to start when one fails: no half-done install. */
export async function preflight(
  kube: Kube,
  options: {
    mode: KServeMode;
    ingress: IngressLayer;
    yes: boolean;
    version: string;
    /** --force: an install of another owner may be taken over. */
    force: boolean;
  },
  progress: Progress,
): Promise<{ installedVersion?: string }> {
  const step = progress.start("Preflight checks");
  const [api] = clusterChecks;
  const context = () =>
    new CheckContext(kube, {
      mode: options.mode,
      installVersion: options.version,
      takeOver: options.force,
    });
  const shared = context();
  const results = await resolveHints(
    await runChecks([api!, ...preChecks], { freshContext: () => shared }),
    shared,
  );
  const failed = results.filter((r) => r.result === "fail");
  if (failed.length) {
    step.fail("refused");
    throw new CliError(`Cannot install: ${failed.map((f) => f.error).join("; ")}`, {
      hint: failed[0]?.hint,
    });
  }
  if (options.mode === "serverless" && options.ingress === "istio") {
    const istio = await kube.getOptional("/apis/networking.istio.io/v1");
    if (!istio) await installIstio(options.yes, step);
  }
  step.done("passed");
  // Read by the checks above already (the context caches it): no further request.
  const kserve = await shared.kserve();
  return kserve.installed && kserve.version ? { installedVersion: kserve.version } : {};
}

/** Explains a mode switch on an installed cluster, or undefined when nothing switches. */
export function switchingNote(
  liveConfig: Record<string, string> | undefined,
  newMode: string,
): string | undefined {
  const current = defaultDeploymentMode(liveConfig);
  if (!current || classifyMode(current, undefined) === classifyMode(newMode, undefined)) {
    return undefined;
  }
  return `Switching the default deployment mode from ${current} to ${newMode} in ${KSERVE_OBJECTS.configMap}. ` +
    "Existing InferenceServices keep the mode they were created with; only new ones use the new default.";
}

/** Offers to run `istioctl install` when istioctl is on PATH; otherwise stops before any change. */
async function installIstio(
  yes: boolean,
  step: { fail(s: string): void; update(s: string): void },
) {
  const istioctl = findOnPath("istioctl");
  const manual =
    "Install Istio first (https://istio.io/latest/docs/setup/install/istioctl/), or use --ingress kourier";
  if (!istioctl) {
    step.fail("refused");
    throw new CliError(
      "--ingress istio needs Istio, which is not installed, and istioctl is not on PATH",
      { hint: manual },
    );
  }
  const agreed = yes ||
    (Deno.stdin.isTerminal() &&
      confirm(`Istio is not installed. Run "${istioctl} install -y" now?`));
  if (!agreed) {
    step.fail("refused");
    throw new CliError("--ingress istio needs Istio, which is not installed", {
      hint:
        `Rerun with --yes to let this plugin run "istioctl install -y", or run it yourself. ${manual}`,
    });
  }
  step.update("running istioctl install");
  const result = await new Deno.Command(istioctl, {
    args: ["install", "-y"],
    stdout: "inherit",
    stderr: "inherit",
  })
    .output();
  if (!result.success) {
    throw new CliError(`istioctl install failed (exit ${result.code})`, { hint: manual });
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":").filter(Boolean)) {
    try {
      if (Deno.statSync(`${dir}/${name}`).isFile) return `${dir}/${name}`;
    } catch { /* not here */ }
  }
  return undefined;
}
