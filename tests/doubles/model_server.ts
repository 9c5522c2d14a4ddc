// A test double for a KServe model server, run by the test cluster's pod runner for the test-only
// image `kubectl-kserve.test/model-server:<tag>` (scripts/cluster/runner/doubles.ts). It answers
// KServe's v1 and v2 (Open Inference) REST protocols for one toy model, and OpenAI chat
// completions on KServe's huggingface server's route (/openai/v1/chat/completions) and vLLM's
// (/v1/chat/completions), streamed (server-sent events, one token every TOKEN_DELAY_MS) or not,
// where the toy "LLM" answers "<model> heard: <last user message>". So `kubectl kserve predict`
// and `chat` can be tested end to end through the API server's service proxy. It is not a model.
//
//   deno run --no-config --allow-net --allow-env=LISTEN_HOST --allow-read tests/doubles/model_server.ts --model_name=NAME [--http_port=PORT] [--ssl-certfile=PEM --ssl-keyfile=PEM]
//
// Flags are those of KServe's servers (`--flag=value` or `--flag value`); others, such as
// `--model_dir`, are accepted and ignored. It listens on 127.0.0.1 (the runner forwards the pod's
// IP and Service to it), or on $LISTEN_HOST. The toy model: for each instance (a list of numbers), the class index is
// round(sum of the features) mod 3. Runs until SIGTERM or SIGINT; logs one line per request.
import { parseArgs } from "node:util";

export interface ServerOptions {
  modelName: string;
  port: number;
  hostname?: string;
  /** PEM certificate and key: serve HTTPS, as vLLM does with --ssl-certfile/--ssl-keyfile. */
  tls?: { cert: string; key: string };
}

/** The toy model: round(sum of features) mod 3, always in 0..2. */
export function classify(features: number[]): number {
  const sum = Math.round(features.reduce((a, b) => a + b, 0));
  return ((sum % 3) + 3) % 3;
}

class BadRequest extends Error {}

/** KServe's huggingface server's OpenAI route, and vLLM's own (an LLMInferenceService's). */
const CHAT_ROUTES = ["/openai/v1/chat/completions", "/v1/chat/completions"];

/** Time between two streamed tokens: long enough that each arrives on its own. */
export const TOKEN_DELAY_MS = 150;

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

function isNumbers(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === "number" && Number.isFinite(v));
}

async function readJson(req: Request): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await req.json();
  } catch (e) {
    throw new BadRequest(`Unrecognized request format: ${(e as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BadRequest("Unrecognized request format: expected a JSON object");
  }
  return body as Record<string, unknown>;
}

/** v1: {"instances": [[f, ...], ...]} -> {"predictions": [class, ...]}. */
function predictV1(body: Record<string, unknown>): unknown {
  const instances = body.instances;
  if (!Array.isArray(instances)) {
    throw new BadRequest('Expected "instances" to be a list');
  }
  return {
    predictions: instances.map((instance, i) => {
      if (!isNumbers(instance)) throw new BadRequest(`instance ${i} is not a list of numbers`);
      return classify(instance);
    }),
  };
}

/** v2: the first input's data, read as rows of shape[1] features (flat or nested). */
function inferV2(name: string, body: Record<string, unknown>): unknown {
  const inputs = body.inputs;
  const input = Array.isArray(inputs)
    ? inputs[0] as Record<string, unknown> | undefined
    : undefined;
  if (!input || typeof input !== "object") {
    throw new BadRequest('Expected "inputs" to be a non-empty list');
  }
  const shape = input.shape;
  const data = Array.isArray(input.data) ? input.data.flat(Infinity) : undefined;
  if (!isNumbers(shape) || shape.length === 0 || !isNumbers(data)) {
    throw new BadRequest("input 0 needs a numeric shape and numeric data");
  }
  const rows = shape[0]!;
  const width = shape.length > 1 ? shape.slice(1).reduce((a, b) => a * b, 1) : 1;
  if (rows * width !== data.length) {
    throw new BadRequest(
      `input 0 has ${data.length} values, its shape [${shape}] needs ${rows * width}`,
    );
  }
  const classes = Array.from(
    { length: rows },
    (_, r) => classify(data.slice(r * width, (r + 1) * width)),
  );
  return {
    model_name: name,
    ...(typeof body.id === "string" ? { id: body.id } : {}),
    parameters: {},
    outputs: [{ name: "output-0", shape: [rows], datatype: "INT64", data: classes }],
  };
}

/** The toy LLM's answer to a chat: "<model> heard: <last user message>". */
function chatAnswer(name: string, body: Record<string, unknown>): string {
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new BadRequest('Expected "messages" to be a non-empty list');
  }
  const max = body.max_tokens;
  if (max !== undefined && !(typeof max === "number" && Number.isInteger(max) && max > 0)) {
    throw new BadRequest(`max_tokens must be a positive integer, got ${JSON.stringify(max)}`);
  }
  const last = [...messages].reverse().find((m) => m?.role === "user");
  return `${name} heard: ${typeof last?.content === "string" ? last.content : ""}`;
}

/** The answer's tokens: each word with the space before it, as a tokenizer splits them. */
export function tokensOf(answer: string): string[] {
  return answer.match(/\s*\S+/g) ?? [];
}

/** Prompt, completion and total tokens (words stand in for a tokenizer's tokens). */
function usage(body: Record<string, unknown>, completion: number) {
  const prompt = (body.messages as { content?: unknown }[])
    .reduce((sum, m) => sum + tokensOf(String(m?.content ?? "")).length, 0);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
}

/**
 * OpenAI chat completion, as vLLM and KServe's huggingface server answer it (stream: false):
 * one chat.completion object. max_tokens cuts the answer (finish_reason "length").
 */
function chatCompletion(name: string, body: Record<string, unknown>): unknown {
  const { tokens, finish } = limited(chatAnswer(name, body), body);
  return {
    id: "chatcmpl-test",
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: name,
    choices: [{
      index: 0,
      message: { role: "assistant", content: tokens.join("") },
      logprobs: null,
      finish_reason: finish,
    }],
    usage: usage(body, tokens.length),
  };
}

function limited(answer: string, body: Record<string, unknown>) {
  const all = tokensOf(answer);
  const max = typeof body.max_tokens === "number" ? body.max_tokens : all.length;
  return { tokens: all.slice(0, max), finish: max < all.length ? "length" : "stop" };
}

/**
 * The same answer streamed (stream: true) as vLLM sends it: server-sent events, each
 * `data: {chat.completion.chunk}` then a blank line; first the role, then one event per token
 * `tokenDelayMs` apart, then the finish reason, the usage when stream_options.include_usage
 * asks for it, and `data: [DONE]`.
 */
function chatStream(name: string, body: Record<string, unknown>, tokenDelayMs: number): Response {
  const { tokens, finish } = limited(chatAnswer(name, body), body);
  const head = {
    id: "chatcmpl-test",
    object: "chat.completion.chunk",
    created: Math.floor(Date.now() / 1000),
    model: name,
  };
  const choice = (delta: Record<string, string>, finishReason: string | null = null) => ({
    ...head,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  });
  const options = body.stream_options as { include_usage?: boolean } | undefined;
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (data: unknown) =>
        controller.enqueue(
          encoder.encode(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`),
        );
      send(choice({ role: "assistant", content: "" }));
      for (const token of tokens) {
        await new Promise((resolve) => setTimeout(resolve, tokenDelayMs));
        send(choice({ content: token }));
      }
      send(choice({ content: "" }, finish));
      if (options?.include_usage) send({ ...head, choices: [], usage: usage(body, tokens.length) });
      send("[DONE]");
      controller.close();
    },
  });
  return new Response(stream, { headers: { "content-type": "text/event-stream; charset=utf-8" } });
}

/** The request handler; exported for unit tests that need no process. */
export function handler(
  modelName: string,
  tokenDelayMs = TOKEN_DELAY_MS,
): (req: Request) => Promise<Response> {
  const notFound = (name: string) =>
    json({ error: `Model with name ${name} does not exist.` }, 404);
  return async (req) => {
    const path = new URL(req.url).pathname;
    const get = req.method === "GET";
    const post = req.method === "POST";
    let m: RegExpExecArray | null;
    try {
      if (get && path === "/") return json({ status: "alive" });
      // vLLM's health route (an LLMInferenceService's probes).
      if (get && path === "/health") return new Response(null, { status: 200 });
      if (get && (path === "/v2/health/ready" || path === "/v2/health/live")) {
        return json({ ready: true, live: true });
      }
      if (get && path === "/v1/models") return json({ models: [modelName] });
      if (get && path === "/v2") {
        return json({ name: "kubectl-kserve-test-model-server", version: "test", extensions: [] });
      }
      if (get && (m = /^\/v1\/models\/([^/:]+)$/.exec(path))) {
        return m[1] === modelName ? json({ name: modelName, ready: true }) : notFound(m[1]!);
      }
      if (get && (m = /^\/v2\/models\/([^/]+)(\/ready)?$/.exec(path))) {
        if (m[1] !== modelName) return notFound(m[1]!);
        return json(
          m[2]
            ? { name: modelName, ready: true }
            : { name: modelName, versions: [], platform: "kubectl-kserve-test", inputs: [] },
        );
      }
      if (post && (m = /^\/v1\/models\/([^/:]+):predict$/.exec(path))) {
        if (m[1] !== modelName) return notFound(m[1]!);
        return json(predictV1(await readJson(req)));
      }
      if (post && (m = /^\/v2\/models\/([^/]+)\/infer$/.exec(path))) {
        if (m[1] !== modelName) return notFound(m[1]!);
        return json(inferV2(modelName, await readJson(req)));
      }
      if (post && CHAT_ROUTES.includes(path)) {
        const body = await readJson(req);
        if (body.model !== modelName) return notFound(String(body.model));
        return body.stream === true
          ? chatStream(modelName, body, tokenDelayMs)
          : json(chatCompletion(modelName, body));
      }
      return json({ error: `Not Found: ${req.method} ${path}` }, 404);
    } catch (e) {
      if (e instanceof BadRequest) return json({ error: e.message }, 400);
      throw e;
    }
  };
}

/** Starts the server (it listens once this returns). */
export function serve(options: ServerOptions): Deno.HttpServer<Deno.NetAddr> {
  const handle = handler(options.modelName);
  return Deno.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port,
    ...(options.tls ?? {}),
    onListen: ({ hostname, port }) =>
      console.error(`model server for "${options.modelName}" listening on ${hostname}:${port}`),
  }, async (req) => {
    const res = await handle(req);
    console.error(`${req.method} ${new URL(req.url).pathname} ${res.status}`);
    return res;
  });
}

function main(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    options: {
      model_name: { type: "string" },
      http_port: { type: "string" },
      "ssl-certfile": { type: "string" },
      "ssl-keyfile": { type: "string" },
    },
  });
  const modelName = typeof values.model_name === "string" ? values.model_name : "";
  const port = Number(typeof values.http_port === "string" ? values.http_port : "8080");
  if (!modelName || !Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(
      "usage: model_server.ts --model_name=NAME [--http_port=PORT] [--ssl-certfile=PEM --ssl-keyfile=PEM]",
    );
    return 2;
  }
  // LISTEN_HOST: the pod runner's choice (0.0.0.0 in a pod with a network of its own).
  const [certFile, keyFile] = [values["ssl-certfile"], values["ssl-keyfile"]];
  const tls = typeof certFile === "string" && typeof keyFile === "string"
    ? { cert: Deno.readTextFileSync(certFile), key: Deno.readTextFileSync(keyFile) }
    : undefined;
  const hostname = Deno.env.get("LISTEN_HOST") || undefined;
  const server = serve({ modelName, port, hostname, ...(tls ? { tls } : {}) });
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(sig, () => {
      console.error(`${sig} received, stopping`);
      void server.shutdown().then(() => Deno.exit(0));
    });
  }
  return 0;
}

if (import.meta.main) {
  const code = main(Deno.args);
  if (code !== 0) Deno.exit(code);
}
