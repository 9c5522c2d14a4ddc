/**
 * `kubectl kserve chat` (and `predict --chat`): an OpenAI chat completion through the API
 * server's service proxy to any kind of model that serves OpenAI (models/routes.ts), streamed
 * token by token, then its timing on stderr.
 */
import { UsageError } from "../errors.ts";
import { readAllStdin } from "../input.ts";
import { Kube } from "../kube/client.ts";
import { KubeApiError } from "../kube/errors.ts";
import {
  type ChatQuestion,
  chatRequest,
  type ChatTiming,
  chunkPart,
  completionAnswer,
  sseData,
  timingLine,
} from "../kserve/openai.ts";
import { kindOf, requireModel } from "../models/kinds.ts";
import { type PredictRoute, predictRoute } from "../models/routes.ts";
import { predictFailure, wakingLine, wokeLine } from "../models/proxy.ts";
import type { GlobalOptions } from "../options.ts";
import { writeErr, writeOut } from "../output.ts";

export interface ChatInvocation {
  global: GlobalOptions;
  name: string;
  /** The user's message; undefined: read it from standard input. */
  message?: string;
  system?: string;
  maxTokens?: number;
  temperature?: number;
  /** False with --no-stream (and with -o json, which prints the server's whole answer). */
  stream: boolean;
}

/** Where one chat goes and how its failures are named. */
interface Target {
  kube: Kube;
  route: PredictRoute;
  model: {
    name: string;
    namespace: string;
    service: string;
    protocol: "openai";
    wakes?: string;
  };
}

export async function chat(options: ChatInvocation): Promise<number> {
  const message = options.message ?? new TextDecoder().decode(readAllStdin());
  if (!message.trim()) {
    throw new UsageError("chat needs a message: -m was not given and standard input is empty", {
      hint:
        `Pass -m "Hello", or pipe the message in: echo Hello | kubectl kserve chat ${options.name}`,
    });
  }
  const json = options.global.output === "json";
  const question: ChatQuestion = {
    message,
    system: options.system,
    maxTokens: options.maxTokens,
    temperature: options.temperature,
    stream: options.stream && !json,
  };
  const kube = await Kube.connect(options.global);
  const namespace = options.global.namespace ?? kube.namespace;
  const model = await requireModel(kube, namespace, options.name);
  const kind = kindOf(model);
  const route = await predictRoute(kube, kind, namespace, options.name, "openai", model.object);
  const target: Target = {
    kube,
    route,
    model: {
      name: options.name,
      namespace,
      service: route.service,
      protocol: "openai",
      ...(route.wakes ? { wakes: route.wakes } : {}),
    },
  };
  if (route.wakes) writeErr(wakingLine(route));
  const served = kind.servedModel?.(model.object, options.name) ?? options.name;
  const body = JSON.stringify(chatRequest(served, question));
  const timing = question.stream ? await streamed(target, body) : await whole(target, body, json);
  if (route.wakes) writeErr(wokeLine(route, timing.totalMs));
  writeErr(`${timingLine(timing)}\n`);
  return 0;
}

/** Sends the request; the proxy's and the model server's refusals become predictFailure's. */
async function failing<T>(target: Target, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (!(error instanceof KubeApiError) || error.status < 400) throw error;
    throw predictFailure(error, target.model) ?? error;
  }
}

/** A streamed answer: each piece of text is written as it arrives. */
async function streamed(target: Target, body: string): Promise<ChatTiming> {
  const started = performance.now();
  const stream = await failing(
    target,
    () =>
      target.kube.requestStream("POST", target.route.path, {
        body,
        accept: "text/event-stream",
        ...(target.route.headers ? { headers: target.route.headers } : {}),
      }),
  );
  const timing: ChatTiming = { totalMs: 0, chunks: 0 };
  let last = "";
  const events = stream.pipeThrough(new TextDecoderStream()).pipeThrough(sseData());
  try {
    for await (const data of events) {
      if (data.trim() === "[DONE]") break;
      const part = chunkPart(data);
      if (part.usage?.completion_tokens !== undefined) timing.tokens = part.usage.completion_tokens;
      if (!part.content) continue;
      timing.firstTokenMs ??= performance.now() - started;
      timing.chunks++;
      writeOut(part.content);
      last = part.content;
    }
  } finally {
    // The answer ends its line, also when an error event cuts it short.
    if (timing.chunks && !last.endsWith("\n")) writeOut("\n");
  }
  timing.totalMs = performance.now() - started;
  return timing;
}

/** One chat.completion: its answer printed (the whole object with -o json). */
async function whole(target: Target, body: string, json: boolean): Promise<ChatTiming> {
  const started = performance.now();
  const text = await failing(
    target,
    () =>
      target.kube.requestText("POST", target.route.path, {
        body,
        ...(target.route.headers ? { headers: target.route.headers } : {}),
      }),
  );
  const totalMs = performance.now() - started;
  let completion: { usage?: { completion_tokens?: number } } | undefined;
  try {
    completion = JSON.parse(text);
  } catch {
    completion = undefined;
  }
  const answer = completionAnswer(completion);
  if (json || answer === undefined) {
    writeOut(completion ? `${JSON.stringify(completion, null, 2)}\n` : `${text}\n`);
  } else {
    writeOut(answer.endsWith("\n") ? answer : `${answer}\n`);
  }
  const tokens = completion?.usage?.completion_tokens;
  return { totalMs, chunks: answer ? 1 : 0, ...(tokens !== undefined ? { tokens } : {}) };
}
