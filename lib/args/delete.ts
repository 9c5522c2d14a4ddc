/** delete: remove a model of either backend and wait until it is gone. */
import type { Command } from "commander";
import { type DryRunMode, parseDryRun } from "../options.ts";
import { defineCommand, globals } from "./command.ts";
import { durationOption, one } from "./parsers.ts";
import type { DeleteInvocation } from "../commands/delete.ts";
export type { DeleteInvocation };

export const deleteArgs = defineCommand({
  kind: "delete",
  outputs: [],
  declare(program, parsed) {
    program
      .command("delete")
      .description("delete a model and wait until it is gone")
      .argument("<name>")
      .addOption(durationOption("--timeout <duration>", "how long to wait", "2m"))
      .option("--no-wait", "return without waiting for the deletion to finish")
      .option(
        "--dry-run <mode>",
        "client: print what would be deleted; server: validate the delete",
        one(parseDryRun),
      )
      .action((
        name: string,
        options: { timeout: number; wait: boolean; dryRun?: DryRunMode },
        command: Command,
      ) => {
        parsed({
          global: globals(command),
          name,
          timeoutMs: options.timeout,
          wait: options.wait,
          dryRun: options.dryRun,
        });
      });
  },
  run: async (options: DeleteInvocation) =>
    (await import("../commands/delete.ts")).deleteModel(options),
});
