/**
 * The contract of a command on the command line. Each command (or group of commands) is one
 * module under lib/args/ that declares its arguments and flags with commander, its -o formats
 * and its options type, and loads the command's module (lib/commands/) only when it runs.
 * lib/args/commands.ts lists the modules in the order `--help` shows them.
 */
import type { Command } from "commander";
import type { GlobalOptions } from "../options.ts";

export interface CommandArgs<Kind extends string, Options> {
  /** The invocation's kind: the command's name, or its own name inside a group (pull). */
  kind: Kind;
  /** The -o formats the command accepts; empty when it takes no -o. */
  outputs: readonly string[];
  /** Declares the command on the program; `parsed` receives the options commander read. */
  declare(program: Command, parsed: (options: Options) => void): void;
  /** Runs the command (its module is imported here), returning the exit code. */
  run(options: Options, program: () => Command): Promise<number>;
}

/**
 * Types a command's declaration: `kind` stays a literal, so invocations narrow on it, and the
 * options type is the one `run` declares for its parameter.
 */
export function defineCommand<Kind extends string, Options>(
  args: CommandArgs<Kind, Options>,
): CommandArgs<Kind, Options> {
  return args;
}

/** A group's command (manifests, rollout), created by the first of its subcommands declared. */
export function group(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ??
    program.command(name).description(description);
}

/** The flags every command takes, as commander read them for `command`. */
export function globals(command: Command): GlobalOptions {
  const raw = command.optsWithGlobals() as Record<string, unknown>;
  const string = (key: string) => typeof raw[key] === "string" ? raw[key] as string : undefined;
  return {
    kubeconfig: string("kubeconfig"),
    context: string("context"),
    namespace: string("namespace"),
    requestTimeoutMs: raw.requestTimeout as number | undefined,
    output: string("output"),
    verbose: raw.verbose === true,
    color: raw.color !== false,
  };
}

/** Repeated flags collected into a list (commander's argParser with a previous value). */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
