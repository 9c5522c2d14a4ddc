/**
 * Credentials from a kubeconfig, read and checked before any request: PEM certificates and
 * keys (from files or -data fields), token files, and the failure of an exec credential plugin,
 * each reported as what it is rather than as a network or TLS error later.
 */
import { CliError, UsageError } from "../errors.ts";

/**
 * A PEM from base64 `FIELD-data` or from the file `FIELD` names, as in a kubeconfig. Text that
 * is not PEM is a usage error naming the field and file: TLS would otherwise fail later with a
 * misleading "not signed by that CA" or a network error.
 */
export function pem(field: string, section: Record<string, unknown>): string | undefined {
  const data = section[`${field}-data`];
  if (typeof data === "string" && data) {
    let text: string;
    try {
      text = new TextDecoder().decode(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
    } catch {
      throw new UsageError(`${field}-data in the kubeconfig is not valid base64`, {
        hint: `Set ${field}-data to the base64 of a PEM file (base64 -w0 FILE)`,
      });
    }
    return checkPem(text, field, `${field}-data in the kubeconfig`);
  }
  const file = section[field];
  return typeof file === "string" && file
    ? checkPem(readFile(file, field), field, `${field} ${file}`)
    : undefined;
}

/** What a kubeconfig field must hold: certificates, or a private key. */
function checkPem(text: string, field: string, where: string): string {
  const wanted = field === "client-key"
    ? /-----BEGIN [A-Z ]*PRIVATE KEY-----/
    : /-----BEGIN CERTIFICATE-----/;
  if (!wanted.test(text)) {
    const what = field === "client-key" ? "a PEM private key" : "a PEM certificate";
    throw new UsageError(
      `${where} does not parse: it is not ${what} (no ${
        field === "client-key" ? "BEGIN ... PRIVATE KEY" : "BEGIN CERTIFICATE"
      } block)`,
      { hint: `Point ${field} at ${what} file` },
    );
  }
  return text;
}

/** An exec credential plugin that failed: its command, exit code and last line of stderr. */
export function execFailure(
  exec: { command?: string },
  user: string,
  error: unknown,
  exitCode: number | undefined,
): CliError {
  const message = error instanceof Error ? error.message : String(error);
  const notFound = /ENOENT/.test(message);
  const last = message.trim().split("\n").filter(Boolean).at(-1) ?? "(no output on stderr)";
  return new CliError(
    notFound
      ? `The exec credential plugin "${exec.command}" of user "${user}" could not be started: it is not on PATH`
      : `The exec credential plugin "${exec.command}" of user "${user}" failed${
        exitCode !== undefined ? ` (exit ${exitCode})` : ""
      }: ${last}`,
    {
      hint: notFound
        ? `Install ${exec.command} or put it on PATH; it is the kubeconfig's users[].user.exec.command`
        : `Run the plugin yourself to see why (its command is users[].user.exec in the kubeconfig); often a login has expired`,
    },
  );
}

export function readFile(path: string, field: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    throw new UsageError(`Cannot read ${field} ${path}: ${(error as Error).message}`, {
      hint: `Fix the ${field} path in the kubeconfig, or pass --kubeconfig with another file`,
    });
  }
}
