/**
 * The two invocations answered without loading the command-line parser: `--help` (also `-h`,
 * `help`, or no arguments) and `version --client`. commander imports Node built-ins whose
 * loading costs about as long as kubectl takes to start; these two run in scripts and prompts,
 * so they must start at least as fast as `kubectl version --client` (scripts/bench/startup.ts).
 * The help text is commander's own (help.generated.ts, checked by tests/unit/fast_path_test.ts).
 */
import { PROGRAM_HELP } from "./help.generated.ts";

export type FastAnswer = { kind: "help"; text: string } | { kind: "client-version" };

/** What argv asks for when it is one of the two, else undefined (parse it with commander). */
export function fastAnswer(argv: string[]): FastAnswer | undefined {
  if (argv.length === 0 || (argv.length === 1 && ["--help", "-h", "help"].includes(argv[0]!))) {
    return { kind: "help", text: PROGRAM_HELP };
  }
  if (argv.length === 2 && argv[0] === "version" && argv[1] === "--client") {
    return { kind: "client-version" };
  }
  return undefined;
}
