/** list: models of both backends in one table. */
import type { Command } from "commander";
import type { GlobalOptions } from "../options.ts";
import { defineCommand, globals } from "./command.ts";

export interface ListInvocation {
  global: GlobalOptions;
  allNamespaces: boolean;
}

export const listArgs = defineCommand({
  kind: "list",
  outputs: ["text", "json"],
  declare(program, parsed) {
    program
      .command("list")
      .description("list models of every kind (InferenceService, LLMInferenceService, Deployment)")
      .option("-A, --all-namespaces", "list models in every namespace", false)
      .action((options: { allNamespaces: boolean }, command: Command) => {
        parsed({ global: globals(command), allNamespaces: options.allNamespaces });
      });
  },
  run: async (options: ListInvocation) => (await import("../commands/list.ts")).list(options),
});
