/** check: diagnose KServe and its dependencies down to the root cause, with the fix. */
import type { Command } from "commander";
import type { CheckMode } from "../options.ts";
import { UsageError } from "../errors.ts";
import { defineCommand, globals } from "./command.ts";
import { durationOption, one, parseCheckMode } from "./parsers.ts";
import type { CheckInvocation } from "../commands/check.ts";
export type { CheckInvocation };

export const checkArgs = defineCommand({
  kind: "check",
  outputs: ["text", "json"],
  declare(program, parsed) {
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
      .option(
        "--llm",
        "check what LLMInferenceServices need (run anyway when some exist): llmisvc, Gateway API, InferencePool, presets",
        false,
      )
      .action(
        (
          options: {
            pre: boolean;
            mode?: CheckMode;
            wait?: number;
            allNamespaces: boolean;
            llm: boolean;
          },
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
          parsed({
            global: globals(command),
            pre: options.pre,
            mode: options.mode,
            waitMs: options.wait,
            allNamespaces: options.allNamespaces,
            llm: options.llm,
          });
        },
      );
  },
  run: async (options: CheckInvocation) => (await import("../commands/check.ts")).check(options),
});
