/** Reading what the user pipes in. A leaf: it imports nothing. */

/** All of standard input, as bytes (until end of file). */
export function readAllStdin(): Uint8Array {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(65536);
  for (let n = Deno.stdin.readSync(buffer); n !== null && n > 0; n = Deno.stdin.readSync(buffer)) {
    chunks.push(buffer.slice(0, n));
  }
  const out = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) out.set(chunk, (offset += chunk.length) - chunk.length);
  return out;
}
