/** The flags stop and start share; each command is its own module (stop.ts, start.ts). */
import type { Command } from "commander";
import { type DryRunMode, parseDryRun } from "../options.ts";
import { defineCommand, globals } from "./command.ts";
import { durationOption, one } from "./parsers.ts";
import type { StopInvocation } from "../commands/stop.ts";
export type { StopInvocation };

const DESCRIPTIONS = {
  stop:
    "stop a model: its pods and their GPUs go, the model and its configuration stay (serving.kserve.io/stop)",
  start: "start a stopped model again (clears serving.kserve.io/stop)",
} as const;

export function stopStartArgs<Kind extends "stop" | "start">(kind: Kind) {
  return defineCommand({
    kind,
    outputs: [],
    declare(program, parsed: (options: StopInvocation) => void) {
      program
        .command(kind)
        .description(DESCRIPTIONS[kind])
        .argument("<name>", "an InferenceService or LLMInferenceService")
        .option(
          "--wait",
          kind === "stop" ? "wait until its pods are gone" : "wait until it is Ready again",
          false,
        )
        .addOption(durationOption("--timeout <duration>", "how long --wait waits", "5m"))
        .option(
          "--dry-run <mode>",
          "client: say what would change; server: validate the change on the server",
          one(parseDryRun),
        )
        .action((
          name: string,
          options: { wait: boolean; timeout: number; dryRun?: DryRunMode },
          command: Command,
        ) => {
          parsed({
            global: globals(command),
            name,
            stop: kind === "stop",
            dryRun: options.dryRun,
            wait: options.wait,
            timeoutMs: options.timeout,
          });
        });
    },
    run: async (options: StopInvocation) =>
      (await import("../commands/stop.ts")).stopOrStart(options),
  });
}
