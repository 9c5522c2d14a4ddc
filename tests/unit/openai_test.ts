/** The OpenAI chat protocol's pure parts: request body, server-sent events, chunks, timing. */
import assert from "node:assert/strict";
import {
  chatRequest,
  chunkPart,
  completionAnswer,
  sseData,
  timingLine,
} from "../../lib/kserve/openai.ts";
import { CliError } from "../../lib/errors.ts";

/** Runs `pieces` (text as it arrived, in any cut) through sseData() and collects the events. */
async function events(pieces: string[]): Promise<string[]> {
  const source = ReadableStream.from(pieces).pipeThrough(sseData());
  return await Array.fromAsync(source);
}

Deno.test("chatRequest(): names the model, puts the system prompt first, asks a stream for its usage", () => {
  assert.deepEqual(chatRequest("qwen", { message: "Hi", stream: false }), {
    model: "qwen",
    messages: [{ role: "user", content: "Hi" }],
    stream: false,
  });
  assert.deepEqual(
    chatRequest("qwen", {
      message: "Hi",
      system: "Be brief",
      maxTokens: 5,
      temperature: 0,
      stream: true,
    }),
    {
      model: "qwen",
      messages: [{ role: "system", content: "Be brief" }, { role: "user", content: "Hi" }],
      max_tokens: 5,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    },
  );
});

Deno.test("sseData(): one event per blank line, wherever the network cut the text", async () => {
  const whole = 'data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n';
  const expected = ['{"a":1}', '{"b":2}', "[DONE]"];
  assert.deepEqual(await events([whole]), expected);
  // Every cut of the same text: byte by byte, and in two pieces at each position.
  assert.deepEqual(await events([...whole]), expected);
  for (let cut = 1; cut < whole.length; cut++) {
    assert.deepEqual(await events([whole.slice(0, cut), whole.slice(cut)]), expected, `cut ${cut}`);
  }
});

Deno.test("sseData(): CRLF lines, comments, other fields, multi-line data and a missing last blank line", async () => {
  assert.deepEqual(
    await events([
      ": keep-alive\r\n\r\nevent: x\r\nid: 1\r\ndata: one\r\ndata:two\r\n\r",
      "\ndata: last",
    ]),
    ["one\ntwo", "last"],
  );
  assert.deepEqual(await events(["\n\n: only a comment\n\n"]), []);
});

Deno.test("chunkPart(): a chunk's text, finish reason and usage; role-only and usage-only chunks carry no text", () => {
  const chunk = (choice: unknown, extra = {}) =>
    JSON.stringify({ object: "chat.completion.chunk", choices: choice ? [choice] : [], ...extra });
  assert.deepEqual(chunkPart(chunk({ index: 0, delta: { role: "assistant", content: "" } })), {
    content: "",
  });
  assert.deepEqual(chunkPart(chunk({ index: 0, delta: { content: " world" } })), {
    content: " world",
  });
  assert.deepEqual(
    chunkPart(chunk({ index: 0, delta: {}, finish_reason: "length" })),
    { content: "", finishReason: "length" },
  );
  assert.deepEqual(chunkPart(chunk(undefined, { usage: { completion_tokens: 7 } })), {
    content: "",
    usage: { completion_tokens: 7 },
  });
  assert.deepEqual(chunkPart(chunk({ index: 0, delta: { content: "x" } }, { usage: null })), {
    content: "x",
  });
});

Deno.test("chunkPart(): an error event or data that is not JSON is a failure naming what was sent", () => {
  assert.throws(
    () => chunkPart(JSON.stringify({ error: { message: "CUDA out of memory", code: 500 } })),
    (e: unknown) =>
      e instanceof CliError && /error while answering: .*CUDA out of memory/.test(e.message),
  );
  assert.throws(() => chunkPart("not json"), /not JSON: not json/);
});

Deno.test("completionAnswer(): the assistant's message, or undefined for anything else", () => {
  assert.equal(
    completionAnswer({ choices: [{ message: { role: "assistant", content: "Hi there" } }] }),
    "Hi there",
  );
  assert.equal(completionAnswer({ error: "Model with name x does not exist." }), undefined);
  assert.equal(completionAnswer(undefined), undefined);
});

Deno.test("timingLine(): time to first token, total, tokens and tokens/s over the total time", () => {
  assert.equal(
    timingLine({ firstTokenMs: 312.4, totalMs: 2000, tokens: 8, chunks: 6 }),
    "time to first token 312 ms, total 2.00 s, 8 tokens, 4.0 tokens/s",
  );
  // Not streamed: no first token was seen, so none is reported.
  assert.equal(
    timingLine({ totalMs: 500, tokens: 3, chunks: 1 }),
    "total 500 ms, 3 tokens, 6.0 tokens/s",
  );
  // No usage from the server: the chunks that carried text are counted, and called chunks.
  assert.equal(
    timingLine({ firstTokenMs: 100, totalMs: 1000, chunks: 4 }),
    "time to first token 100 ms, total 1.00 s, 4 chunks, 4.0 chunks/s (the server sent no token count)",
  );
  assert.equal(timingLine({ totalMs: 0, tokens: 0, chunks: 0 }), "total 0 ms, 0 tokens");
});
