/** creds hf: the Secret KServe reads a Hugging Face token from, for gated models. */
import type { Command } from "commander";
import { type DryRunMode, parseDryRun } from "../options.ts";
import { DEFAULT_HF_SECRET } from "../kserve/hf.ts";
import { defineCommand, globals, group } from "./command.ts";
import { one } from "./parsers.ts";
import type { CredsHfInvocation } from "../commands/creds.ts";
export type { CredsHfInvocation };

export const credsHfArgs = defineCommand({
  kind: "creds-hf",
  outputs: [],
  declare(program, parsed) {
    group(program, "creds", "create the credentials KServe reads when it downloads models")
      .command("hf")
      .description(
        "create (or update) the Secret with a Hugging Face token (its HF_TOKEN key) that deploy --hf-token-secret uses; the token is never printed",
      )
      .requiredOption(
        "--token-from-env <VAR>",
        "the environment variable that holds the token (such as HF_TOKEN)",
      )
      .option("--name <name>", "the Secret's name", DEFAULT_HF_SECRET)
      .option(
        "--dry-run <mode>",
        "client: say what would be written; server: validate it on the server",
        one(parseDryRun),
      )
      .option(
        "--force-conflicts",
        "take the token's field when another field manager set it (a Secret this tool did not write)",
        false,
      )
      .action((options: Record<string, unknown>, command: Command) => {
        parsed({
          global: globals(command),
          tokenFromEnv: String(options.tokenFromEnv),
          name: String(options.name),
          dryRun: options.dryRun as DryRunMode | undefined,
          forceConflicts: options.forceConflicts === true,
        });
      });
  },
  run: async (options: CredsHfInvocation) =>
    (await import("../commands/creds.ts")).credsHf(options),
});
