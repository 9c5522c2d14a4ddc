/**
 * The model-server double's OpenAI chat routes answer as vLLM and KServe's huggingface server do:
 * one chat.completion, or server-sent chat.completion.chunk events ending with [DONE].
 */
import assert from "node:assert/strict";
import { handler } from "./model_server.ts";
import { sseData } from "../../lib/kserve/openai.ts";

const chat = (path: string, body: Record<string, unknown>) =>
  handler("qwen", 5)(
    new Request(`http://model${path}`, { method: "POST", body: JSON.stringify(body) }),
  );
const ask = { model: "qwen", messages: [{ role: "user", content: "What is KServe?" }] };

Deno.test("model-server double: a streamed chat is a role chunk, one chunk per token, the finish reason, the usage when asked, then [DONE]", async () => {
  for (const path of ["/openai/v1/chat/completions", "/v1/chat/completions"]) {
    const response = await chat(path, {
      ...ask,
      stream: true,
      stream_options: { include_usage: true },
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
    const events = await Array.fromAsync(
      response.body!.pipeThrough(new TextDecoderStream()).pipeThrough(sseData()),
    );
    assert.equal(events.at(-1), "[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    assert.ok(chunks.every((c) => c.object === "chat.completion.chunk" && c.model === "qwen"));
    assert.deepEqual(chunks[0].choices[0].delta, { role: "assistant", content: "" });
    const tokens = chunks.slice(1, -2).map((c) => c.choices[0].delta.content);
    assert.deepEqual(tokens, ["qwen", " heard:", " What", " is", " KServe?"]);
    assert.equal(chunks.at(-2).choices[0].finish_reason, "stop");
    assert.deepEqual(chunks.at(-1).choices, []);
    assert.equal(chunks.at(-1).usage.completion_tokens, 5);
  }
});

Deno.test("model-server double: an unstreamed chat is one chat.completion; max_tokens cuts it; a wrong model is 404", async () => {
  const whole = await (await chat("/openai/v1/chat/completions", ask)).json();
  assert.equal(whole.object, "chat.completion");
  assert.equal(whole.choices[0].message.content, "qwen heard: What is KServe?");
  assert.equal(whole.usage.completion_tokens, 5);
  const cut = await (await chat("/v1/chat/completions", { ...ask, max_tokens: 2 })).json();
  assert.equal(cut.choices[0].message.content, "qwen heard:");
  assert.equal(cut.choices[0].finish_reason, "length");
  const other = await chat("/v1/chat/completions", { ...ask, model: "other" });
  assert.equal(other.status, 404);
  assert.match(await other.text(), /Model with name other does not exist/);
  const bad = await chat("/v1/chat/completions", { ...ask, max_tokens: 0 });
  assert.equal(bad.status, 400);
});
