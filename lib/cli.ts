/**
 * The command line: the only module that reads argv. It parses into a typed Invocation
 * and hands it to the command's module, which is imported only when that command runs.
 */
import { Command, CommanderError } from "commander";
import { UsageError } from "./errors.ts";
import { DEFAULT_KSERVE_VERSION } from "./defaults.ts";
import { parseDuration } from "./duration.ts";
import { writeOut } from "./output.ts";
import type { InstallInvocation } from "./commands/install.ts";
import type { UninstallInvocation } from "./commands/uninstall.ts";

/** Flags every command takes; kubectl does not pass its own global flags to plugins. */
export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  /** Milliseconds; 0 means no limit. */
  requestTimeoutMs?: number;
  output?: string;
  verbose: boolean;
  color: boolean;
}

export type Invocation =
  | { kind: "help"; text: string }
  | { kind: "version"; global: GlobalOptions; client: boolean }
  | { kind: "completion"; global: GlobalOptions; shell: string }
  | { kind: "complete"; global: GlobalOptions; words: string[] }
  | ({ kind: "install"; global: GlobalOptions } & Omit<InstallInvocation, "global">)
  | ({ kind: "uninstall"; global: GlobalOptions } & Omit<UninstallInvocation, "global">)
  | {
    kind: "check";
    global: GlobalOptions;
    pre: boolean;
    mode?: "raw" | "serverless" | "deployment";
    waitMs?: number;
    allNamespaces: boolean;
  };

/** Output formats each command accepts with -o. */
const OUTPUTS: Record<string, string[]> = {
  version: ["text", "json", "yaml"],
  check: ["text", "json"],
  install: ["text", "json", "yaml"],
  uninstall: ["text", "json"],
  completion: [],
  complete: [],
};

export const SHELLS = ["bash", "zsh", "fish"] as const;
const CHECK_MODES = ["raw", "serverless", "deployment"] as const;

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
    .option("-n, --namespace <namespace>", 'namespace (default: the context\'s, else "default")')
    .option(
      "--request-timeout <duration>",
      "per-request timeout such as 30s or 1m; 0 means none",
      "30s",
    )
    .option("-o, --output <format>", "output format (text, json or yaml, depending on the command)")
    .option("-v, --verbose", "show stack traces and request details on errors", false)
    .option("--no-color", "never colour the output (also: NO_COLOR, or when piped)")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: () => {} });

  program
    .command("version")
    .description("print the plugin, Kubernetes and installed KServe versions")
    .option("--client", "print only the plugin version; do not contact the cluster", false)
    .action((options: { client: boolean }, command: Command) => {
      onAction({ kind: "version", global: globals(command), client: options.client });
    });

  program
    .command("check")
    .description("diagnose KServe and its dependencies down to the root cause, with the fix")
    .option(
      "--pre",
      "check that KServe can be installed (permissions, conflicts, cert-manager)",
      false,
    )
    .option("--mode <mode>", "what to check for: raw, serverless or deployment (no KServe)")
    .option(
      "--wait <duration>",
      "retry failing checks until they pass or this time runs out (exit 124)",
    )
    .option("-A, --all-namespaces", "check InferenceServices in every namespace", false)
    .action(
      (
        options: { pre: boolean; mode?: string; wait?: string; allNamespaces: boolean },
        command: Command,
      ) => {
        if (
          options.mode !== undefined && !(CHECK_MODES as readonly string[]).includes(options.mode)
        ) {
          throw new UsageError(`Unknown mode "${options.mode}"`, {
            hint: `Use one of: ${CHECK_MODES.join(", ")}`,
          });
        }
        if (options.pre && options.mode === "deployment") {
          throw new UsageError(
            "--pre checks a KServe install; --mode deployment needs no install",
            {
              hint: "Use --pre with --mode raw or serverless",
            },
          );
        }
        onAction({
          kind: "check",
          global: globals(command),
          pre: options.pre,
          mode: options.mode as "raw" | "serverless" | "deployment" | undefined,
          waitMs: options.wait === undefined ? undefined : parseDuration(options.wait, "--wait"),
          allNamespaces: options.allNamespaces,
        });
      },
    );

  program
    .command("install")
    .description(
      "install cert-manager and KServe (raw), plus Knative for serverless; safe to run again",
    )
    .option(
      "--mode <mode>",
      "raw (RawDeployment/Standard, no Knative) or serverless (Knative)",
      "raw",
    )
    .option("--version <version>", "KServe version to install", DEFAULT_KSERVE_VERSION)
    .option("--ingress <layer>", "serverless networking layer: kourier or istio", "kourier")
    .option(
      "--ingress-class <name>",
      'IngressClass for raw mode\'s Ingresses; "none" creates no Ingress',
    )
    .option(
      "--manifests <dir|url>",
      "install from a mirror URL or an air-gapped directory (<component>/<version>/<file>)",
    )
    .option(
      "--dry-run <mode>",
      "client: print the plan, change nothing; server: validate on the server",
    )
    .option("--timeout <duration>", "how long to wait for everything to become ready", "10m")
    .option("--cert-manager-version <version>", "override the cert-manager version")
    .option("--knative-version <version>", "override the Knative Serving version")
    .option("--without-knative", "(not possible: explains why)", false)
    .option("--force", "install a combination of versions that is not supported", false)
    .option("-y, --yes", "do not ask before running istioctl install", false)
    .action((options: Record<string, string | boolean | undefined>, command: Command) => {
      onAction({ kind: "install", global: globals(command), ...installOptions(options) });
    });

  program
    .command("uninstall")
    .description(
      "remove KServe in the order that never hangs; optionally cert-manager and Knative too",
    )
    .option(
      "--with-cert-manager",
      "also remove cert-manager (refused while it has other Certificates)",
      false,
    )
    .option("--with-knative", "also remove Knative Serving and its networking layer", false)
    .option("--keep-crds", "keep the CRDs (and so every custom object)", false)
    .option("--force", "delete existing InferenceServices and other models too", false)
    .option("--dry-run", "print what would be deleted, change nothing", false)
    .option("--timeout <duration>", "how long to wait for objects to go away", "5m")
    .option("-y, --yes", "do not ask for confirmation", false)
    .action((options: Record<string, string | boolean>, command: Command) => {
      onAction({
        kind: "uninstall",
        global: globals(command),
        withCertManager: options.withCertManager === true,
        withKnative: options.withKnative === true,
        keepCrds: options.keepCrds === true,
        force: options.force === true,
        dryRun: options.dryRun === true,
        timeoutMs: parseDuration(String(options.timeout), "--timeout"),
        yes: options.yes === true,
      });
    });

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

  for (const command of program.commands) {
    command.exitOverride().configureOutput({ outputError: () => {} });
  }
  return program;
}

/** Parses argv into an Invocation, or throws UsageError for a bad command line. */
export async function parseCommandLine(argv: string[]): Promise<Invocation> {
  let invocation: Invocation | undefined;
  let helpText = "";
  const program = buildProgram((found) => invocation = found);
  const capture = {
    writeOut: (text: string) => helpText += text,
    writeErr: (text: string) => helpText += text,
  };
  program.configureOutput({ ...capture, outputError: () => {} });
  for (const command of program.commands) {
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

function globals(command: Command): GlobalOptions {
  const raw = command.optsWithGlobals() as Record<string, unknown>;
  const string = (key: string) => typeof raw[key] === "string" ? raw[key] as string : undefined;
  const timeout = string("requestTimeout");
  return {
    kubeconfig: string("kubeconfig"),
    context: string("context"),
    namespace: string("namespace"),
    requestTimeoutMs: timeout === undefined
      ? undefined
      : parseDuration(timeout, "--request-timeout"),
    output: string("output"),
    verbose: raw.verbose === true,
    color: raw.color !== false,
  };
}

function installOptions(
  options: Record<string, string | boolean | undefined>,
): Omit<InstallInvocation, "global"> {
  const mode = normalizeMode(String(options.mode));
  if (options.withoutKnative) {
    throw new UsageError("Serverless mode without Knative does not exist", {
      hint:
        "Serverless (Knative) mode needs Knative Serving. The mode without Knative is RawDeployment (Standard): kubectl kserve install --mode raw",
    });
  }
  const ingress = String(options.ingress);
  if (ingress !== "kourier" && ingress !== "istio") {
    throw new UsageError(`Unknown ingress layer "${ingress}"`, { hint: "Use kourier or istio" });
  }
  const dryRun = options.dryRun as string | undefined;
  if (dryRun !== undefined && dryRun !== "client" && dryRun !== "server") {
    throw new UsageError(`Invalid --dry-run "${dryRun}"`, {
      hint: "Use --dry-run=client or --dry-run=server",
    });
  }
  const version = String(options.version);
  return {
    mode,
    version: version.startsWith("v") ? version : `v${version}`,
    ingress,
    ingressClass: options.ingressClass as string | undefined,
    manifests: options.manifests as string | undefined,
    dryRun,
    timeoutMs: parseDuration(String(options.timeout), "--timeout"),
    yes: options.yes === true,
    force: options.force === true,
    certManagerVersion: options.certManagerVersion as string | undefined,
    knativeVersion: options.knativeVersion as string | undefined,
  };
}

/** Accepts the mode names of every KServe version, and explains the one the guide invented. */
function normalizeMode(value: string): "raw" | "serverless" {
  const lower = value.toLowerCase();
  if (["raw", "rawdeployment", "standard"].includes(lower)) return "raw";
  if (["serverless", "knative"].includes(lower)) return "serverless";
  throw new UsageError(`Unknown mode "${value}"`, {
    hint: lower.includes("serverless")
      ? "Serverless without Knative does not exist (there is no kserve-serverless.yaml); the mode without Knative is --mode raw"
      : "Use --mode raw (RawDeployment/Standard, recommended) or --mode serverless (Knative)",
  });
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
