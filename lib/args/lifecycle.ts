/** Arguments of check, install and uninstall: parsed here, validated, handed on as data. */
import type { Command } from "commander";
import {
  type CheckMode,
  choice,
  type DryRunMode,
  type GlobalOptions,
  INGRESS_LAYERS,
  type IngressLayer,
  type KServeMode,
  parseDryRun,
} from "../options.ts";
import type { Invocation } from "./invocation.ts";
import { UsageError } from "../errors.ts";
import { DEFAULT_KSERVE_VERSION } from "../defaults.ts";
import { durationOption, one, parseCheckMode, parseKServeMode } from "./parsers.ts";
import type { InstallInvocation } from "../commands/install.ts";

/** Adds check, install, uninstall and manifests to the program. */
export function registerLifecycle(
  program: Command,
  onAction: (invocation: Invocation) => void,
  globals: (command: Command) => GlobalOptions,
): void {
  program
    .command("check")
    .description("diagnose KServe and its dependencies down to the root cause, with the fix")
    .option(
      "--pre",
      "check that KServe can be installed (permissions, conflicts, cert-manager)",
      false,
    )
    .option(
      "--mode <mode>",
      "what to check for: raw, serverless or deployment (no KServe)",
      one(parseCheckMode),
    )
    .addOption(
      durationOption(
        "--wait <duration>",
        "retry failing checks until they pass or this time runs out (exit 124)",
      ),
    )
    .option("-A, --all-namespaces", "check InferenceServices in every namespace", false)
    .action(
      (
        options: { pre: boolean; mode?: CheckMode; wait?: number; allNamespaces: boolean },
        command: Command,
      ) => {
        if (options.pre && options.mode === "deployment") {
          throw new UsageError(
            "--pre checks a KServe install; --mode deployment needs no install",
            {
              hint: "Use --pre with --mode raw or serverless",
            },
          );
        }
        onAction({
          kind: "check",
          global: globals(command),
          pre: options.pre,
          mode: options.mode,
          waitMs: options.wait,
          allNamespaces: options.allNamespaces,
        });
      },
    );

  program
    .command("install")
    .description(
      "install cert-manager and KServe (raw), plus Knative for serverless; safe to run again",
    )
    .option(
      "--mode <mode>",
      "raw (RawDeployment/Standard, no Knative) or serverless (Knative)",
      one(parseKServeMode),
      "raw",
    )
    .option("--version <version>", "KServe version to install", DEFAULT_KSERVE_VERSION)
    .option(
      "--ingress <layer>",
      "serverless networking layer: kourier or istio",
      one(choice("ingress layer", "--ingress", INGRESS_LAYERS)),
      "kourier",
    )
    .option(
      "--ingress-class <name>",
      'IngressClass for raw mode\'s Ingresses; "none" creates no Ingress',
    )
    .option(
      "--manifests <dir|url>",
      "install from a mirror URL or an air-gapped directory (<component>/<version>/<file>)",
    )
    .option(
      "--dry-run <mode>",
      "client: print the plan, change nothing; server: validate on the server",
      one(parseDryRun),
    )
    .addOption(
      durationOption(
        "--timeout <duration>",
        "how long to wait for everything to become ready",
        "10m",
      ),
    )
    .option("--cert-manager-version <version>", "override the cert-manager version")
    .option("--knative-version <version>", "override the Knative Serving version")
    .option("--without-knative", "(not possible: explains why)", false)
    .option(
      "--force",
      "install an unsupported combination of versions, or take over another owner's install (and its fields)",
      false,
    )
    .option(
      "--force-conflicts",
      "take back fields that other field managers set (they are listed first)",
      false,
    )
    .option("-y, --yes", "do not ask before running istioctl install", false)
    .action((options: Record<string, string | boolean | undefined>, command: Command) => {
      onAction({ kind: "install", global: globals(command), ...installOptions(options) });
    });

  program
    .command("uninstall")
    .description(
      "remove KServe in the order that never hangs; optionally cert-manager and Knative too",
    )
    .option(
      "--with-cert-manager",
      "also remove cert-manager (refused while it has other Certificates)",
      false,
    )
    .option("--with-knative", "also remove Knative Serving and its networking layer", false)
    .option("--keep-crds", "keep the CRDs (and so every custom object)", false)
    .option("--force", "delete existing InferenceServices and other models too", false)
    .option(
      "--dry-run [mode]",
      "client (the default): print the plan of what would be deleted; sends no change",
    )
    .addOption(
      durationOption("--timeout <duration>", "how long to wait for objects to go away", "5m"),
    )
    .option("-y, --yes", "do not ask for confirmation", false)
    .action((options: Record<string, string | number | boolean>, command: Command) => {
      onAction({
        kind: "uninstall",
        global: globals(command),
        withCertManager: options.withCertManager === true,
        withKnative: options.withKnative === true,
        keepCrds: options.keepCrds === true,
        force: options.force === true,
        // A bare --dry-run means client, as in kubectl; the plan is printed, nothing is sent.
        dryRun: options.dryRun === true ||
          parseDryRun(
              options.dryRun === undefined || options.dryRun === false
                ? undefined
                : String(options.dryRun),
              ["client"],
            ) === "client",
        timeoutMs: options.timeout as number,
        yes: options.yes === true,
      });
    });

  program
    .command("manifests")
    .description("work with release manifests for air-gapped installs")
    .command("pull")
    .description(
      "download and verify every manifest an install needs into DIR/<component>/<version>/<file>",
    )
    .requiredOption("--dest <dir>", "directory to fill")
    .option("--mode <mode>", "raw or serverless", one(parseKServeMode), "raw")
    .option("--version <version>", "KServe version", DEFAULT_KSERVE_VERSION)
    .option(
      "--ingress <layer>",
      "serverless networking layer: kourier or istio",
      one(choice("ingress layer", "--ingress", INGRESS_LAYERS)),
      "kourier",
    )
    .option("--manifests <dir|url>", "pull from a mirror instead of the projects' release URLs")
    .option("--cert-manager-version <version>", "override the cert-manager version")
    .option("--knative-version <version>", "override the Knative Serving version")
    .option("--force", "allow a combination of versions that is not supported", false)
    .action((options: Record<string, string | boolean | undefined>, command: Command) => {
      const install = installOptions(options);
      onAction({
        kind: "pull",
        global: globals(command),
        dest: String(options.dest),
        mode: install.mode,
        version: install.version,
        ingress: install.ingress,
        manifests: install.manifests,
        certManagerVersion: install.certManagerVersion,
        knativeVersion: install.knativeVersion,
        force: install.force,
      });
    });
}

function installOptions(
  options: Record<string, string | boolean | undefined>,
): Omit<InstallInvocation, "global"> {
  if (options.withoutKnative) {
    throw new UsageError("Serverless mode without Knative does not exist", {
      hint:
        "Serverless (Knative) mode needs Knative Serving. The mode without Knative is RawDeployment (Standard): kubectl kserve install --mode raw",
    });
  }
  const version = String(options.version);
  return {
    mode: options.mode as KServeMode,
    version: version.startsWith("v") ? version : `v${version}`,
    ingress: options.ingress as IngressLayer,
    ingressClass: options.ingressClass as string | undefined,
    manifests: options.manifests as string | undefined,
    dryRun: options.dryRun as DryRunMode | undefined,
    // manifests pull waits for nothing.
    timeoutMs: (options.timeout as number | undefined) ?? 0,
    yes: options.yes === true,
    force: options.force === true,
    forceConflicts: options.forceConflicts === true,
    certManagerVersion: options.certManagerVersion as string | undefined,
    knativeVersion: options.knativeVersion as string | undefined,
  };
}
