/** predict: an inference request through the API server's service proxy. */
import type { Command } from "commander";
import { parseRequestProtocol, type PredictRequest, type RequestProtocol } from "../options.ts";
import { UsageError } from "../errors.ts";
import { defineCommand, globals } from "./command.ts";
import { one } from "./parsers.ts";
import type { PredictInvocation } from "../commands/predict.ts";
import { type ChatInvocation, chatInvocation } from "./chat.ts";
export type { PredictInvocation };

export const predictArgs = defineCommand({
  kind: "predict",
  outputs: ["text", "json"],
  declare(program, parsed) {
    program
      .command("predict")
      .description(
        "send an inference request through the API server's service proxy (no ingress needed)",
      )
      .argument("<name>")
      .option("-d, --data <json|@file>", "request body: JSON, @FILE, or @- for standard input")
      .option(
        "--chat <message>",
        "ask an LLM one question, as `kubectl kserve chat NAME -m MESSAGE` does (streamed; all of the answer with -o json)",
      )
      .option(
        "--protocol <protocol>",
        "v1 (/v1/models/NAME:predict), v2 (/v2/models/NAME/infer) or openai (/openai/v1/chat/completions)",
        one(parseRequestProtocol),
      )
      .action(
        (
          name: string,
          options: { data?: string; chat?: string; protocol?: RequestProtocol },
          command: Command,
        ) => {
          const request = predictRequest(options);
          const global = globals(command);
          parsed(
            "chat" in request
              ? chatInvocation(global, name, { message: request.chat })
              : { global, name, request },
          );
        },
      );
  },
  // --chat is chat's alias: one code path.
  run: async (options: PredictInvocation | ChatInvocation) =>
    "request" in options
      ? (await import("../commands/predict.ts")).predict(options)
      : (await import("../commands/chat.ts")).chat(options),
});

/**
 * predict's request from its flags: -d (any protocol; v1 when none is given) or --chat (openai
 * only). Usage errors: neither, both, or --chat with --protocol v1 or v2.
 */
export function predictRequest(
  o: { data?: string; chat?: string; protocol?: RequestProtocol },
): PredictRequest {
  if (o.data !== undefined && o.chat !== undefined) {
    throw new UsageError("-d and --chat both give the request: use one", {
      hint: "Use --chat MESSAGE to ask an LLM, or -d with the whole request body",
    });
  }
  if (o.chat !== undefined) {
    if (o.protocol && o.protocol !== "openai") {
      throw new UsageError(
        `--chat sends an OpenAI chat completion, not a ${o.protocol} request`,
        { hint: `Drop --protocol ${o.protocol}, or send a ${o.protocol} body with -d` },
      );
    }
    if (!o.chat.trim()) {
      throw new UsageError("--chat needs a message", { hint: `Use --chat "Hello"` });
    }
    return { protocol: "openai", chat: o.chat };
  }
  if (o.data === undefined) {
    throw new UsageError("predict needs a request", {
      hint:
        `Pass -d '{"instances": [[6.8, 2.8, 4.8, 1.4]]}', -d @request.json, or --chat "Hello" for an LLM`,
    });
  }
  return { protocol: o.protocol ?? "v1", data: o.data };
}
