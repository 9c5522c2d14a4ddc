/** What the command line asked for: help, or one command's kind with its options. */
import type { CommandArgs } from "./command.ts";
import type { COMMANDS } from "./commands.ts";

type InvocationOf<Args> = Args extends CommandArgs<infer Kind, infer Options>
  ? { kind: Kind } & Options
  : never;

export type Invocation =
  | { kind: "help"; text: string }
  | InvocationOf<typeof COMMANDS[number]>;
