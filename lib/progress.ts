/** Progress for long work: a spinner line per step on a terminal, plain lines when piped. */
import { colorEnabled, styles, writeErr } from "./output.ts";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export interface Step {
  update(detail: string): void;
  done(summary: string): void;
  fail(summary: string): void;
}

/** Reports steps on stderr; `quiet` (for -o json) reports nothing. */
export class Progress {
  readonly #tty: boolean;
  readonly #quiet: boolean;
  readonly #s: ReturnType<typeof styles>;

  constructor(options: { quiet?: boolean; color?: boolean } = {}) {
    this.#quiet = options.quiet ?? false;
    this.#tty = !this.#quiet && Deno.stderr.isTerminal();
    this.#s = styles(colorEnabled(Deno.stderr, options.color ?? true));
  }

  /** Starts a step; on a terminal its line animates until done() or fail(). */
  start(label: string): Step {
    if (this.#quiet) return { update() {}, done() {}, fail() {} };
    const s = this.#s;
    if (!this.#tty) {
      writeErr(`${label}...\n`);
      return {
        update() {},
        done: (summary) => writeErr(`${s.green("√")} ${label}: ${summary}\n`),
        fail: (summary) => writeErr(`${s.red("×")} ${label}: ${summary}\n`),
      };
    }
    let detail = "";
    let frame = 0;
    const draw = () =>
      writeErr(
        `\r\x1b[2K${s.dim(FRAMES[frame++ % FRAMES.length]!)} ${label}${
          detail ? s.dim(` (${detail})`) : ""
        }`,
      );
    draw();
    const timer = setInterval(draw, 100);
    const finish = (mark: string, summary: string) => {
      clearInterval(timer);
      writeErr(`\r\x1b[2K${mark} ${label}: ${summary}\n`);
    };
    return {
      update: (text) => detail = text,
      done: (summary) => finish(s.green("√"), summary),
      fail: (summary) => finish(s.red("×"), summary),
    };
  }

  /** A plain note between steps. */
  note(text: string): void {
    if (!this.#quiet) writeErr(`${text}\n`);
  }
}
