/**
 * kubectl-kserve: `deno run main.ts ARGS` behaves like `kubectl kserve ARGS`.
 * The only module that exits: everything else throws typed errors, mapped here to output and exit codes.
 */
import { CliError, ExitCode } from "./lib/errors.ts";
import { colorEnabled, styles, writeErr, writeOut } from "./lib/output.ts";
import { fastAnswer } from "./lib/args/fast_path.ts";
import { contactsServer, warmUpKubeconfigParser, warmUpTls } from "./lib/kube/warmup.ts";

async function main(argv: string[]): Promise<number> {
  const fast = fastAnswer(argv);
  if (fast?.kind === "help") {
    writeOut(fast.text);
    return ExitCode.ok;
  }
  if (fast?.kind === "client-version") {
    const { version } = await import("./lib/commands/version.ts");
    return await version({ global: { verbose: false, color: true }, client: true });
  }
  // Started before the CLI's modules load (imported below, not statically) so they overlap.
  if (contactsServer(argv)) {
    warmUpTls();
    warmUpKubeconfigParser();
  }
  const { execute, parseCommandLine, wantsVerbose } = await import("./lib/cli.ts");
  try {
    return await execute(await parseCommandLine(argv));
  } catch (error) {
    reportError(error, wantsVerbose(argv), !argv.includes("--no-color"));
    return error instanceof CliError ? error.exitCode : ExitCode.failed;
  }
}

function reportError(error: unknown, verbose: boolean, colorFlag: boolean): void {
  const s = styles(colorEnabled(Deno.stderr, colorFlag));
  if (error instanceof CliError) {
    writeErr(`${s.red("error:")} ${error.message}\n`);
    if (error.hint) writeErr(`  ${s.dim("hint:")} ${error.hint}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    writeErr(`${s.red("error:")} ${message}\n`);
    writeErr(
      `  ${s.dim("hint:")} this is a bug in kubectl-kserve; rerun with -v and report the output\n`,
    );
  }
  if (verbose && error instanceof Error) writeErr(`${s.dim(String(error.stack))}\n`);
  let cause = error instanceof Error ? error.cause : undefined;
  while (verbose && cause) {
    writeErr(s.dim(`caused by: ${cause instanceof Error ? cause.stack : String(cause)}\n`));
    cause = cause instanceof Error ? cause.cause : undefined;
  }
}

/** For benchmarks: how many API requests were sent, on stderr, when KUBECTL_KSERVE_STATS is set. */
async function reportStats(): Promise<void> {
  if (!Deno.env.get("KUBECTL_KSERVE_STATS")) return;
  const { ApiConnection } = await import("./lib/kube/connection.ts");
  writeErr(`stats: api_requests=${ApiConnection.requestsSent}\n`);
}

if (import.meta.main) {
  const code = await main(Deno.args);
  await reportStats();
  Deno.exit(code);
}
