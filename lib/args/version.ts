/** version: the plugin's, Kubernetes' and the installed KServe's versions. */
import type { Command } from "commander";
import type { GlobalOptions } from "../options.ts";
import { defineCommand, globals } from "./command.ts";

export interface VersionInvocation {
  global: GlobalOptions;
  /** Print only the plugin's version; contact no cluster. */
  client: boolean;
}

export const versionArgs = defineCommand({
  kind: "version",
  outputs: ["text", "json", "yaml"],
  declare(program, parsed) {
    program
      .command("version")
      .description("print the plugin, Kubernetes and installed KServe versions")
      .option("--client", "print only the plugin version; do not contact the cluster", false)
      .action((options: { client: boolean }, command: Command) => {
        parsed({ global: globals(command), client: options.client });
      });
  },
  run: async (options: VersionInvocation) =>
    (await import("../commands/version.ts")).version(options),
});
