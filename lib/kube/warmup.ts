/**
 * Deno initialises its TLS crypto library once per process, on first use: ~25 ms of CPU that the
 * first request to the API server would otherwise spend on the main thread, after every module has
 * loaded. Generating a WebCrypto key runs the same initialisation on a background thread, so
 * starting one at launch overlaps it with module loading. It sends nothing; the key is discarded.
 */
export function warmUpTls(): void {
  crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign"])
    .catch(() => {});
}

/**
 * The YAML parser every kubeconfig is read with (kubeconfig.ts) is CommonJS, loaded through Deno's
 * Node compatibility: ~40 ms of module loading that would otherwise start only once the command
 * line is parsed and its command's modules are loaded. Importing it at launch lets it load while
 * the CLI's own modules do. A failed import is left to kubeconfig.ts's own import to report.
 */
export function warmUpKubeconfigParser(): void {
  import("yaml").catch(() => {});
}

/** Commands and flags that never open a connection, so the warm-up would be wasted work. */
const OFFLINE_COMMANDS = new Set(["completion", "__complete", "help"]);

/** Whether argv looks like a command that talks to a server; a guess made before parsing, so a wrong
 * guess only costs the warm-up or its saving. */
export function contactsServer(argv: readonly string[]): boolean {
  const command = argv.find((arg) => !arg.startsWith("-"));
  if (command === undefined || OFFLINE_COMMANDS.has(command)) return false;
  if (argv.includes("--help") || argv.includes("-h")) return false;
  return !(command === "version" && argv.includes("--client"));
}
