/**
 * rollout start|promote|undo|status: canary rollouts of a Knative-mode InferenceService, with
 * the verbs of `kubectl rollout`. start takes deploy's model flags (model_flags.ts).
 */
import type { Command } from "commander";
import { type DryRunMode, parseDryRun } from "../options.ts";
import { defineCommand, globals, group } from "./command.ts";
import { durationOption, one, parseCount } from "./parsers.ts";
import { modelFlags, modelRequest } from "./model_flags.ts";
import type { RolloutInvocation } from "../commands/rollout.ts";
export type { RolloutInvocation };

const VERBS = {
  promote: "send 100% of the traffic to the latest revision (removes canaryTrafficPercent)",
  undo: "send all traffic back to the previous rolled-out revision (canaryTrafficPercent 0)",
  status: "show each revision's share of the traffic as the Route sends it, and its readiness",
} as const;

/** The flags of every verb that writes: --dry-run and --force-conflicts, as deploy's. */
function writeFlags(command: Command): Command {
  return command
    .option(
      "--dry-run <mode>",
      "client: print the InferenceService; server: validate it on the server",
      one(parseDryRun),
    )
    .option(
      "--force-conflicts",
      "take fields that other field managers set on the InferenceService",
      false,
    );
}

export const rolloutArgs = defineCommand({
  kind: "rollout",
  outputs: ["text", "json"],
  declare(program, parsed) {
    const rollout = group(
      program,
      "rollout",
      "canary rollouts of a Knative-mode model: start, promote, undo, status",
    );
    const start = rollout.command("start")
      .description(
        "roll out a new revision of a model with --traffic percent of the requests; the previous one keeps the rest",
      )
      .argument("<name>", "the model")
      .requiredOption(
        "--traffic <percent>",
        "the new revision's share of the traffic, 0 to 100",
        one((value) => parseCount(value, "--traffic")),
      );
    writeFlags(modelFlags(start))
      .option(
        "--wait",
        "wait until the new revision serves its share, or fail fast with why",
        false,
      )
      .addOption(durationOption("--timeout <duration>", "how long --wait waits", "5m"))
      .action((name: string, options: Record<string, unknown>, command: Command) => {
        parsed({
          global: globals(command),
          verb: "start",
          name,
          traffic: options.traffic as number,
          request: modelRequest(name, options),
          dryRun: options.dryRun as DryRunMode | undefined,
          forceConflicts: options.forceConflicts === true,
          wait: options.wait === true,
          timeoutMs: options.timeout as number,
        });
      });
    for (const [verb, description] of Object.entries(VERBS)) {
      const command = rollout.command(verb).description(description).argument(
        "<name>",
        "the model",
      );
      (verb === "status" ? command : writeFlags(command)).action(
        (name: string, options: Record<string, unknown>, command: Command) => {
          parsed({
            global: globals(command),
            verb: verb as keyof typeof VERBS,
            name,
            dryRun: options.dryRun as DryRunMode | undefined,
            forceConflicts: options.forceConflicts === true,
            wait: false,
            timeoutMs: 0,
          });
        },
      );
    }
  },
  run: async (options: RolloutInvocation) =>
    (await import("../commands/rollout.ts")).rollout(options),
});
