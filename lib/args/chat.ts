/** chat: an OpenAI chat completion through the API server's service proxy, streamed. */
import type { Command } from "commander";
import { UsageError } from "../errors.ts";
import { defineCommand, globals } from "./command.ts";
import { one, parseCount } from "./parsers.ts";
import type { ChatInvocation } from "../commands/chat.ts";
export type { ChatInvocation };

export const chatArgs = defineCommand({
  kind: "chat",
  outputs: ["text", "json"],
  declare(program, parsed) {
    program
      .command("chat")
      .description(
        "ask an LLM (OpenAI chat completion) through the API server's service proxy; streams the answer, then its timing on stderr",
      )
      .argument("<name>")
      .option("-m, --message <text>", "the user's message (default: standard input)")
      .option("--system <text>", "a system prompt before the message")
      .option("--max-tokens <n>", "the most tokens the answer may have", one(maxTokens))
      .option("--temperature <t>", "sampling temperature, 0 to 2", one(parseTemperature))
      .option("--no-stream", "wait for the whole answer instead of streaming it")
      .action((name: string, options: ChatFlags, command: Command) => {
        parsed(chatInvocation(globals(command), name, options));
      });
  },
  run: async (options: ChatInvocation) => (await import("../commands/chat.ts")).chat(options),
});

/** What commander reads for chat's flags (and predict --chat's message). */
export interface ChatFlags {
  message?: string;
  system?: string;
  maxTokens?: number;
  temperature?: number;
  stream?: boolean;
}

/** The chat a command line asks for. A -m that is only blanks is refused (exit 2). */
export function chatInvocation(
  global: ChatInvocation["global"],
  name: string,
  flags: ChatFlags,
): ChatInvocation {
  if (flags.message !== undefined && !flags.message.trim()) {
    throw new UsageError("The message is empty", { hint: `Pass a message: -m "Hello"` });
  }
  return {
    global,
    name,
    ...(flags.message !== undefined ? { message: flags.message } : {}),
    ...(flags.system !== undefined ? { system: flags.system } : {}),
    ...(flags.maxTokens !== undefined ? { maxTokens: flags.maxTokens } : {}),
    ...(flags.temperature !== undefined ? { temperature: flags.temperature } : {}),
    stream: flags.stream !== false,
  };
}

const maxTokens = (value: string) => parseCount(value, "--max-tokens");

/** OpenAI's temperature: a number from 0 to 2. */
export function parseTemperature(value: string): number {
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || number < 0 || number > 2) {
    throw new UsageError(`Invalid --temperature "${value}": expected a number from 0 to 2`);
  }
  return number;
}
