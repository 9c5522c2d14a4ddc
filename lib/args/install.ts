/** install: cert-manager, optionally Knative, then KServe, in order, idempotently. */
import { type Command, Option } from "commander";
import {
  choice,
  type DryRunMode,
  INGRESS_LAYERS,
  type IngressLayer,
  type KServeMode,
  parseDryRun,
} from "../options.ts";
import { UsageError } from "../errors.ts";
import { DEFAULT_KSERVE_VERSION } from "../kserve/releases.ts";
import { defineCommand, globals } from "./command.ts";
import { durationOption, one, parseKServeMode } from "./parsers.ts";
import type { InstallInvocation } from "../commands/install.ts";
export type { InstallInvocation };

export const installArgs = defineCommand({
  kind: "install",
  outputs: ["text", "json", "yaml"],
  declare(program, parsed) {
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
      .addOption(ingressOption())
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
      .option(
        "--llm",
        "also what LLMInferenceServices need: the Gateway API CRDs and the Gateway kserve/kserve-ingress-gateway",
        false,
      )
      .option(
        "--gateway-class <name>",
        "with --llm: the GatewayClass of your Gateway implementation",
      )
      .action((options: Record<string, string | boolean | undefined>, command: Command) => {
        parsed({ global: globals(command), ...installOptions(options) });
      });
  },
  run: async (options: InstallInvocation) =>
    (await import("../commands/install.ts")).install(options),
});

/** --ingress, for install and manifests pull: the networking layer a serverless install uses. */
export function ingressOption(): Option {
  return new Option("--ingress <layer>", "serverless networking layer: kourier or istio")
    .argParser(one(choice("ingress layer", "--ingress", INGRESS_LAYERS)))
    .default("kourier");
}

/** The install flags (shared by manifests pull), checked; --without-knative explains itself. */
export function installOptions(
  options: Record<string, string | boolean | undefined>,
): Omit<InstallInvocation, "global"> {
  if (options.withoutKnative) {
    throw new UsageError("Serverless mode without Knative does not exist", {
      hint:
        "Serverless (Knative) mode needs Knative Serving. The mode without Knative is RawDeployment (Standard): kubectl kserve install --mode raw",
    });
  }
  if (options.gatewayClass !== undefined && !options.llm) {
    throw new UsageError("--gateway-class is for --llm's Gateway", {
      hint: "Add --llm: kubectl kserve install --llm --gateway-class NAME",
    });
  }
  if (options.llm && !options.gatewayClass) {
    throw new UsageError(
      "--llm needs --gateway-class: the Gateway kserve/kserve-ingress-gateway is of your Gateway implementation's class",
      { hint: "List them with: kubectl get gatewayclasses" },
    );
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
    ...(options.llm ? { llm: { gatewayClass: String(options.gatewayClass) } } : {}),
  };
}
