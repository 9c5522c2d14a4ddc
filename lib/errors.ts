/** Exit codes shared by every command, following kubectl and cmctl. */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  timeout: 124,
} as const;

/**
 * An error a person can act on: `message` says what is wrong and why, `hint` how to fix it.
 * Everything under lib/ throws these; only main.ts turns them into output and an exit code.
 */
export class CliError extends Error {
  readonly exitCode: number;
  readonly hint: string | undefined;

  constructor(
    message: string,
    options: { exitCode?: number; hint?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? ExitCode.failed;
    this.hint = options.hint;
  }
}

/** Bad command line or bad input file: exit 2, nothing was sent to the cluster. */
export class UsageError extends CliError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { ...options, exitCode: ExitCode.usage });
  }
}

/** A wait ran past its deadline. */
export class DeadlineError extends CliError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { ...options, exitCode: ExitCode.timeout });
  }
}
