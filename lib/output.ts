/** Where output goes and whether it may be coloured. */

export interface Styles {
  bold(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
}

/** "1 object", "2 objects": a count with its noun in the right number. */
export function countOf(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

/** Colour only on a terminal, and never with NO_COLOR set or --no-color given. */
export function colorEnabled(stream: { isTerminal(): boolean }, flag = true): boolean {
  const noColor = Deno.env.get("NO_COLOR");
  return flag && !(noColor !== undefined && noColor !== "") && stream.isTerminal();
}

/** ANSI styles, or identity functions when colour is off. */
export function styles(enabled: boolean): Styles {
  const wrap = (open: number, close: number) => (text: string) =>
    enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  return {
    bold: wrap(1, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    dim: wrap(2, 22),
  };
}

const encoder = new TextEncoder();

/** Writes text to stdout as is. */
export function writeOut(text: string): void {
  writeAll(Deno.stdout, encoder.encode(text));
}

/** Writes text to stderr as is. */
export function writeErr(text: string): void {
  writeAll(Deno.stderr, encoder.encode(text));
}

function writeAll(stream: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  // A pipe may take fewer bytes than offered; keep writing until all are out.
  for (let offset = 0; offset < bytes.length;) offset += stream.writeSync(bytes.subarray(offset));
}
