/** Shell completion: scripts for bash, zsh and fish, and the `__complete` protocol kubectl uses. */
import { TIMINGS } from "../defaults.ts";
import type { Command } from "commander";
import type { GlobalOptions } from "../options.ts";
import { writeOut } from "../output.ts";
import { loadKubeconfig } from "../kube/load.ts";

/** Cobra's ShellCompDirectiveNoFileComp: the shell must not fall back to file names. */
const NO_FILE_COMPLETION = ":4";

/** Prints the completion script for a shell. */
export function completionScript(options: { shell: string }): number {
  writeOut(SCRIPTS[options.shell]!);
  return 0;
}

/**
 * Answers a completion request: `words` are the arguments after `kserve`, the last one being
 * the word under the cursor. Prints one candidate a line, then Cobra's directive line.
 */
export async function complete(
  options: {
    global: GlobalOptions;
    words: string[];
    outputs: Readonly<Record<string, readonly string[]>>;
  },
  program: Command,
): Promise<number> {
  const candidates = await candidatesFor(options.words, program, options);
  writeOut([...candidates, NO_FILE_COMPLETION].join("\n") + "\n");
  return 0;
}

async function candidatesFor(
  words: string[],
  program: Command,
  { global, outputs }: {
    global: GlobalOptions;
    outputs: Readonly<Record<string, readonly string[]>>;
  },
): Promise<string[]> {
  const current = words.at(-1) ?? "";
  const previous = words.at(-2);
  const typed = words.slice(0, -1);
  if (previous === "--context") {
    return (await contextNames(global)).filter((c) => c.startsWith(current));
  }
  if (previous === "-n" || previous === "--namespace") {
    return (await namespaceNames(global)).filter((n) => n.startsWith(current));
  }
  if (previous === "-o" || previous === "--output") {
    return outputFormats(typed, outputs).filter((o) => o.startsWith(current));
  }
  const visible = program.commands.filter((c) => c.name() !== "__complete");
  const sub = visible.find((c) => typed.includes(c.name()));
  if (current.startsWith("-")) {
    const flags = [...program.options, ...(sub?.options ?? [])]
      .flatMap((o) => [o.long, o.short])
      .filter((f): f is string => typeof f === "string");
    return flags.filter((f) => f.startsWith(current));
  }
  if (sub?.name() === "completion") {
    return ["bash", "zsh", "fish"].filter((s) => s.startsWith(current));
  }
  if (sub) return [];
  return visible.map((c) => `${c.name()}\t${c.description()}`).filter((c) => c.startsWith(current));
}

/**
 * The -o formats of the innermost command typed (`manifests pull` is kind pull); before a
 * command is typed, every format some command takes.
 */
function outputFormats(
  typed: string[],
  outputs: Readonly<Record<string, readonly string[]>>,
): readonly string[] {
  const command = typed.findLast((word) => word in outputs);
  if (command !== undefined) return outputs[command]!;
  return [...new Set(Object.values(outputs).flat())];
}

async function contextNames(global: GlobalOptions): Promise<string[]> {
  try {
    return (await loadKubeconfig({ kubeconfig: global.kubeconfig })).config.contexts.map((c) =>
      c.name
    );
  } catch {
    return [];
  }
}

async function namespaceNames(global: GlobalOptions): Promise<string[]> {
  try {
    const { Kube } = await import("../kube/client.ts");
    const kube = await Kube.connect({ ...global, requestTimeoutMs: TIMINGS.completionRequestMs });
    const list = await kube.request<{ items: { metadata: { name: string } }[] }>(
      "GET",
      "/api/v1/namespaces",
    );
    return list.items.map((n) => n.metadata.name);
  } catch {
    return [];
  }
}

const BASH =
  `# bash completion for kubectl-kserve; load with: source <(kubectl kserve completion bash)
_kubectl_kserve() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" line
  local -a words=("\${COMP_WORDS[@]:1:COMP_CWORD}")
  COMPREPLY=()
  while IFS= read -r line; do
    case "$line" in :*) continue ;; esac
    COMPREPLY+=("\${line%%$'\\t'*}")
  done < <(kubectl-kserve __complete "\${words[@]}" 2>/dev/null)
  COMPREPLY=($(compgen -W "\${COMPREPLY[*]}" -- "$cur"))
}
complete -F _kubectl_kserve kubectl-kserve
`;

const ZSH = `#compdef kubectl-kserve
# zsh completion for kubectl-kserve; load with: source <(kubectl kserve completion zsh)
_kubectl_kserve() {
  local -a lines candidates
  lines=("\${(@f)$(kubectl-kserve __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  for line in $lines; do
    [[ $line == :* ]] && continue
    candidates+=("\${line//:/\\\\:}")
  done
  _describe 'kubectl kserve' candidates
}
compdef _kubectl_kserve kubectl-kserve
`;

const FISH =
  `# fish completion for kubectl-kserve; load with: kubectl kserve completion fish | source
function __kubectl_kserve_complete
  set -l words (commandline -opc)[2..-1] (commandline -ct)
  kubectl-kserve __complete $words 2>/dev/null | string match -v -r '^:'
end
complete -c kubectl-kserve -f -a '(__kubectl_kserve_complete)'
`;

const SCRIPTS: Record<string, string> = { bash: BASH, zsh: ZSH, fish: FISH };
