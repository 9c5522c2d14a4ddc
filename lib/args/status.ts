/** status: a model's conditions, pods, events, autoscaler and URL, and why it is not ready. */
import type { Command } from "commander";
import type { GlobalOptions } from "../options.ts";
import { defineCommand, globals } from "./command.ts";

export interface StatusInvocation {
  global: GlobalOptions;
  name: string;
}

export const statusArgs = defineCommand({
  kind: "status",
  outputs: ["text", "json"],
  declare(program, parsed) {
    program
      .command("status")
      .description(
        "show a model's conditions, pods, events, autoscaler and URL, and why it is not ready",
      )
      .argument("<name>")
      .action((name: string, _options: unknown, command: Command) => {
        parsed({ global: globals(command), name });
      });
  },
  run: async (options: StatusInvocation) => (await import("../commands/status.ts")).status(options),
});
