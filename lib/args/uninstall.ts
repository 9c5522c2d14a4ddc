/** uninstall: remove KServe (and optionally cert-manager, Knative) without hanging. */
import type { Command } from "commander";
import { parseDryRun } from "../options.ts";
import { defineCommand, globals } from "./command.ts";
import { durationOption } from "./parsers.ts";
import type { UninstallInvocation } from "../commands/uninstall.ts";
export type { UninstallInvocation };

export const uninstallArgs = defineCommand({
  kind: "uninstall",
  outputs: ["text", "json"],
  declare(program, parsed) {
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
        parsed({
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
  },
  run: async (options: UninstallInvocation) =>
    (await import("../commands/uninstall.ts")).uninstall(options),
});
