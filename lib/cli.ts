/**
 * The command line: the only module that reads argv. It parses into a typed Invocation
 * and hands it to the command's module, which is imported only when that command runs.
 */
import { Command, CommanderError } from "commander";
import { UsageError } from "./errors.ts";
import { durationOption, one, parseNamespace } from "./args/parsers.ts";
import { writeOut } from "./output.ts";
import type { CommandArgs } from "./args/command.ts";
import { COMMANDS } from "./args/commands.ts";
import { completionRequest } from "./args/completion.ts";
import type { Invocation } from "./args/invocation.ts";

/** Columns help is wrapped to. */
export const HELP_WIDTH = 80;

/** Builds the commander tree; `onAction` receives what the user asked for. */
export function buildProgram(onAction: (invocation: Invocation) => void): Command {
  const program = new Command("kubectl kserve")
    .description(
      "Install, check and use KServe the right way: RawDeployment/Standard (recommended), " +
        "plain Deployments without KServe, or Serverless/Knative.",
    )
    .usage("[command] [flags]")
    .option(
      "--kubeconfig <file>",
      "path to the kubeconfig file (default: KUBECONFIG or ~/.kube/config)",
    )
    .option("--context <name>", "the kubeconfig context to use")
    .option(
      "-n, --namespace <namespace>",
      'namespace (default: the context\'s, else "default")',
      one(parseNamespace),
    )
    .addOption(
      durationOption(
        "--request-timeout <duration>",
        "per-request timeout such as 30s or 1m; 0 means none",
        "30s",
      ),
    )
    .option("-o, --output <format>", "output format (text, json or yaml, depending on the command)")
    .option("-v, --verbose", "show stack traces and request details on errors", false)
    .option("--no-color", "never colour the output (also: NO_COLOR, or when piped)")
    .showSuggestionAfterError(true)
    // A fixed width, on a terminal too: the help main.ts prints without loading commander
    // (args/help.generated.ts) is this same text.
    .configureHelp({ helpWidth: HELP_WIDTH })
    .exitOverride()
    .configureOutput({ outputError: () => {} });

  for (const args of commands()) {
    args.declare(program, (options) => onAction({ kind: args.kind, ...options } as Invocation));
  }

  for (const command of descendants(program)) {
    command.exitOverride().configureOutput({ outputError: () => {} });
  }
  return program;
}

/** `kubectl kserve --help` as commander prints it (scripts/gen_help.ts writes it down for main.ts). */
export function programHelp(): string {
  return buildProgram(() => {}).helpInformation();
}

/** Every subcommand, nested ones included (manifests pull). */
function descendants(command: Command): Command[] {
  return command.commands.flatMap((c) => [c, ...descendants(c)]);
}

/** Parses argv into an Invocation, or throws UsageError for a bad command line. */
export async function parseCommandLine(argv: string[]): Promise<Invocation> {
  // Completion gets the words as typed: commander would consume --context and friends itself.
  if (argv[0] === "__complete") {
    const outputs = Object.fromEntries(commands().map((args) => [args.kind, args.outputs]));
    return { kind: "complete", ...completionRequest(argv.slice(1), outputs) };
  }
  let invocation: Invocation | undefined;
  let helpText = "";
  const program = buildProgram((found) => invocation = found);
  const capture = {
    writeOut: (text: string) => helpText += text,
    writeErr: (text: string) => helpText += text,
  };
  for (const command of [program, ...descendants(program)]) {
    command.configureOutput({ ...capture, outputError: () => {} });
  }
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.help") {
        return { kind: "help", text: helpText };
      }
      throw new UsageError(error.message.replace(/^error: /, ""), {
        hint: "Run 'kubectl kserve --help' for usage",
      });
    }
    throw error;
  }
  if (!invocation) return { kind: "help", text: program.helpInformation() };
  if (invocation.kind !== "help") checkOutput(invocation.kind, invocation.global.output);
  return invocation;
}

/** Whether argv asks for verbose errors; read before parsing so parse errors honour it too. */
export function wantsVerbose(argv: string[]): boolean {
  return argv.some((arg) => arg === "-v" || arg === "--verbose");
}

/** The declaration of a command, by its invocation's kind. */
function commandArgs(kind: string): CommandArgs<string, object> {
  return commands().find((args) => args.kind === kind)!;
}

/** The commands, their options erased: each runs only with the options its own action built. */
function commands(): readonly CommandArgs<string, object>[] {
  return COMMANDS;
}

function checkOutput(command: string, output: string | undefined): void {
  if (output === undefined) return;
  const allowed = commandArgs(command).outputs;
  if (!allowed.includes(output)) {
    throw new UsageError(
      allowed.length
        ? `Invalid output format "${output}" for ${command}`
        : `The ${command} command takes no -o/--output`,
      allowed.length ? { hint: `Use one of: ${allowed.join(", ")}` } : {},
    );
  }
}

/** Runs what was parsed; each command's module loads only when it runs. */
export async function execute(invocation: Invocation): Promise<number> {
  if (invocation.kind === "help") {
    writeOut(invocation.text);
    return 0;
  }
  return await commandArgs(invocation.kind).run(invocation, () => buildProgram(() => {}));
}
