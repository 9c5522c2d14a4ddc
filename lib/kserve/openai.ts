/**
 * OpenAI chat completions as KServe's huggingface server (python/kserve/kserve/protocol/rest/
 * openai/endpoints.py, under /openai) and vLLM (an LLMInferenceService's workload) serve them:
 * the request body, the server-sent events a streamed answer comes in (`data: {chunk}` then a
 * blank line, ending with `data: [DONE]`), and the timing `chat` reports. Pure functions.
 */
import { CliError } from "../errors.ts";

/** What `chat` asks: one user message, an optional system prompt and sampling limits. */
export interface ChatQuestion {
  message: string;
  system?: string;
  /** max_tokens: the most tokens the answer may have. */
  maxTokens?: number;
  temperature?: number;
  /** Streamed (server-sent events) or one chat.completion object. */
  stream: boolean;
}

/** Token counts as the server reports them (OpenAI's usage object). */
export interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

/**
 * The chat completion request for `model` (the served model's name: KServe's servers take it
 * from --model_name, the InferenceService's name by default). A streamed request asks for the
 * usage in a last chunk (stream_options.include_usage), so tokens are the server's count.
 */
export function chatRequest(model: string, question: ChatQuestion): Record<string, unknown> {
  return {
    model,
    messages: [
      ...(question.system !== undefined ? [{ role: "system", content: question.system }] : []),
      { role: "user", content: question.message },
    ],
    ...(question.maxTokens !== undefined ? { max_tokens: question.maxTokens } : {}),
    ...(question.temperature !== undefined ? { temperature: question.temperature } : {}),
    stream: question.stream,
    ...(question.stream ? { stream_options: { include_usage: true } } : {}),
  };
}

/**
 * Splits a server-sent event stream (text, in pieces of any size) into each event's data: the
 * `data:` lines of one event joined by newlines, dispatched at the blank line that ends it
 * (WHATWG HTML, "Server-sent events"). Comments (`:`) and other fields are skipped; CRLF and LF
 * both end a line.
 */
export function sseData(): TransformStream<string, string> {
  let buffer = "";
  let data: string[] = [];
  const line = (text: string, controller: TransformStreamDefaultController<string>) => {
    if (text === "") {
      if (data.length) controller.enqueue(data.join("\n"));
      data = [];
    } else if (text.startsWith("data:")) {
      data.push(text.slice(text.startsWith("data: ") ? 6 : 5));
    }
  };
  return new TransformStream({
    transform(chunk, controller) {
      buffer += chunk;
      const lines = buffer.split(/\r?\n|\r(?!$)/);
      buffer = lines.pop()!;
      for (const text of lines) line(text, controller);
    },
    flush(controller) {
      // A stream that ends without the last blank line still delivers its last event.
      if (buffer !== "") line(buffer.replace(/\r$/, ""), controller);
      line("", controller);
    },
  });
}

/** What one streamed chunk adds: text, the reason the answer ended, the usage. */
export interface ChunkPart {
  content: string;
  finishReason?: string;
  usage?: Usage;
}

/**
 * One event's data as a chat.completion.chunk. An error object (vLLM sends one mid-stream when
 * generation fails) or data that is not JSON is a CliError naming what the server sent.
 */
export function chunkPart(data: string): ChunkPart {
  let chunk: {
    choices?: { delta?: { content?: unknown }; finish_reason?: unknown }[];
    usage?: Usage | null;
    error?: unknown;
  };
  try {
    chunk = JSON.parse(data);
  } catch {
    throw new CliError(`The model server sent an event that is not JSON: ${data.slice(0, 300)}`);
  }
  if (chunk?.error !== undefined) {
    throw new CliError(
      `The model server reported an error while answering: ${JSON.stringify(chunk.error)}`,
    );
  }
  const choice = chunk?.choices?.[0];
  const content = choice?.delta?.content;
  return {
    content: typeof content === "string" ? content : "",
    ...(typeof choice?.finish_reason === "string" ? { finishReason: choice.finish_reason } : {}),
    ...(chunk?.usage ? { usage: chunk.usage } : {}),
  };
}

/** The assistant's answer in a chat.completion (choices[0].message.content), if it has one. */
export function completionAnswer(completion: unknown): string | undefined {
  const content = (completion as { choices?: { message?: { content?: unknown } }[] })
    ?.choices?.[0]?.message?.content;
  return typeof content === "string" ? content : undefined;
}

/**
 * What was measured of one answer, in milliseconds from when the request was sent.
 * `firstTokenMs`: when the first text arrived (streamed answers only). `tokens`: the server's
 * completion_tokens when it sent a usage, else undefined; `chunks`: the events that carried text.
 */
export interface ChatTiming {
  firstTokenMs?: number;
  totalMs: number;
  tokens?: number;
  chunks: number;
}

/**
 * The timing line `chat` prints on stderr: time to first token (when streamed), total time, the
 * tokens and tokens per second over the total time. Without a token count from the server, the
 * chunks that carried text are counted instead and named as chunks.
 */
export function timingLine(timing: ChatTiming): string {
  const seconds = timing.totalMs / 1000;
  const count = timing.tokens ?? timing.chunks;
  const unit = timing.tokens !== undefined ? "tokens" : "chunks";
  const rate = seconds > 0 ? `, ${(count / seconds).toFixed(1)} ${unit}/s` : "";
  const first = timing.firstTokenMs !== undefined
    ? `time to first token ${duration(timing.firstTokenMs)}, `
    : "";
  const note = timing.tokens === undefined ? " (the server sent no token count)" : "";
  return `${first}total ${duration(timing.totalMs)}, ${count} ${unit}${rate}${note}`;
}

function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
