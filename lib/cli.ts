/**
 * The command line: the only module that reads argv. It parses into a typed Invocation
 * and hands it to the command's module, which is imported only when that command runs.
 */
import { Command, CommanderError } from "commander";
import { UsageError } from "./errors.ts";
import { durationOption, one } from "./args/parsers.ts";
import { parseNamespace } from "./deploy/validate.ts";
import { writeOut } from "./output.ts";
import { registerLifecycle } from "./args/lifecycle.ts";
import { registerModels } from "./args/models.ts";
import type { GlobalOptions } from "./options.ts";
import type { Invocation } from "./args/invocation.ts";

/** Output formats each command accepts with -o. */
const OUTPUTS: Record<string, string[]> = {
  version: ["text", "json", "yaml"],
  check: ["text", "json"],
  install: ["text", "json", "yaml"],
  uninstall: ["text", "json"],
  deploy: ["yaml", "json"],
  list: ["text", "json"],
  status: ["text", "json"],
  delete: [],
  predict: ["text", "json"],
  pull: ["text", "json"],
  completion: [],
  complete: [],
};

export const SHELLS = ["bash", "zsh", "fish"] as const;

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

  program
    .command("version")
    .description("print the plugin, Kubernetes and installed KServe versions")
    .option("--client", "print only the plugin version; do not contact the cluster", false)
    .action((options: { client: boolean }, command: Command) => {
      onAction({ kind: "version", global: globals(command), client: options.client });
    });

  registerLifecycle(program, onAction, globals);
  registerModels(program, onAction, globals);

  program
    .command("completion")
    .description("print a shell completion script (bash, zsh or fish)")
    .argument("<shell>", `one of ${SHELLS.join(", ")}`)
    .action((shell: string, _options: unknown, command: Command) => {
      if (!(SHELLS as readonly string[]).includes(shell)) {
        throw new UsageError(`Unknown shell "${shell}"`, {
          hint: `Use one of: ${SHELLS.join(", ")}`,
        });
      }
      onAction({ kind: "completion", global: globals(command), shell });
    });

  // kubectl >= 1.26 runs kubectl_complete-kserve, which calls this with the words typed so far.
  program
    .command("__complete", { hidden: true })
    .argument("[words...]")
    .allowUnknownOption(true)
    .helpOption(false)
    .action((words: string[], _options: unknown, command: Command) => {
      onAction({ kind: "complete", global: globals(command), words });
    });

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
  if (argv[0] === "__complete") return completionRequest(argv.slice(1));
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

function completionRequest(words: string[]): Invocation {
  const flag = (name: string) => {
    const index = words.indexOf(name);
    // The flag's value only counts once the user has moved past it.
    return index >= 0 && index + 2 < words.length ? words[index + 1] : undefined;
  };
  return {
    kind: "complete",
    words,
    global: {
      kubeconfig: flag("--kubeconfig"),
      context: flag("--context"),
      namespace: flag("--namespace") ?? flag("-n"),
      verbose: false,
      color: false,
    },
  };
}

/** Whether argv asks for verbose errors; read before parsing so parse errors honour it too. */
export function wantsVerbose(argv: string[]): boolean {
  return argv.some((arg) => arg === "-v" || arg === "--verbose");
}

function globals(command: Command): GlobalOptions {
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

function checkOutput(command: string, output: string | undefined): void {
  if (output === undefined) return;
  const allowed = OUTPUTS[command] ?? [];
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
  switch (invocation.kind) {
    case "help":
      writeOut(invocation.text);
      return 0;
    case "version":
      return (await import("./commands/version.ts")).version(invocation);
    case "install":
      return (await import("./commands/install.ts")).install(invocation);
    case "deploy":
      return (await import("./commands/deploy.ts")).deploy(invocation);
    case "list":
      return (await import("./commands/list.ts")).list(invocation);
    case "status":
      return (await import("./commands/status.ts")).status(invocation);
    case "delete":
      return (await import("./commands/delete.ts")).deleteModel(invocation);
    case "predict":
      return (await import("./commands/predict.ts")).predict(invocation);
    case "pull":
      return (await import("./commands/manifests.ts")).pull(invocation);
    case "uninstall":
      return (await import("./commands/uninstall.ts")).uninstall(invocation);
    case "check":
      return (await import("./commands/check.ts")).check(invocation);
    case "completion":
      return (await import("./commands/completion.ts")).completionScript(invocation);
    case "complete":
      return (await import("./commands/completion.ts")).complete(
        invocation,
        buildProgram(() => {}),
      );
  }
}
