/**
 * completion: a shell's completion script; and __complete (hidden), the protocol through
 * which kubectl >= 1.26 (kubectl_complete-kserve) asks for the candidates of the words typed.
 */
import type { Command } from "commander";
import type { GlobalOptions } from "../options.ts";
import { UsageError } from "../errors.ts";
import { defineCommand, globals } from "./command.ts";

export const SHELLS = ["bash", "zsh", "fish"] as const;

export interface CompletionInvocation {
  global: GlobalOptions;
  shell: string;
}

export interface CompleteInvocation {
  global: GlobalOptions;
  /** The words after `kserve`, as typed; the last one is the word under the cursor. */
  words: string[];
  /** Each command's -o formats, by its kind (lib/args/commands.ts declares them). */
  outputs: Readonly<Record<string, readonly string[]>>;
}

export const completionArgs = defineCommand({
  kind: "completion",
  outputs: [],
  declare(program, parsed) {
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
        parsed({ global: globals(command), shell });
      });
  },
  run: async (options: CompletionInvocation) =>
    (await import("../commands/completion.ts")).completionScript(options),
});

export const completeArgs = defineCommand({
  kind: "complete",
  outputs: [],
  declare(program, parsed) {
    program
      .command("__complete", { hidden: true })
      .argument("[words...]")
      .allowUnknownOption(true)
      .helpOption(false)
      .action((words: string[], _options: unknown, command: Command) => {
        // kubectl sends __complete first, which cli.ts answers before commander runs; this
        // path is only reached with flags before it, where no command's formats are known.
        parsed({ global: globals(command), words, outputs: {} });
      });
  },
  run: async (options: CompleteInvocation, program: () => Command) =>
    (await import("../commands/completion.ts")).complete(options, program()),
});

/**
 * A completion request read from the words as typed (commander would consume --context and
 * friends itself): a global flag's value counts once the user has moved past it.
 */
export function completionRequest(
  words: string[],
  outputs: Readonly<Record<string, readonly string[]>>,
): CompleteInvocation {
  const flag = (name: string) => {
    const index = words.indexOf(name);
    return index >= 0 && index + 2 < words.length ? words[index + 1] : undefined;
  };
  return {
    words,
    outputs,
    global: {
      kubeconfig: flag("--kubeconfig"),
      context: flag("--context"),
      namespace: flag("--namespace") ?? flag("-n"),
      verbose: false,
      color: false,
    },
  };
}
