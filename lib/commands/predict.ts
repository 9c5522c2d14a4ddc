/** `kubectl kserve predict`: an inference request through the API server's service proxy. */
import type { Backend, GlobalOptions, PredictRequest, RequestProtocol } from "../options.ts";
import { CliError, UsageError } from "../errors.ts";
import { Kube } from "../kube/client.ts";
import { KubeApiError } from "../kube/errors.ts";
import { kindOf, requireModel } from "../models/kinds.ts";
import { predictPathOf } from "../models/kind.ts";
import { writeOut } from "../output.ts";

export interface PredictInvocation {
  global: GlobalOptions;
  name: string;
  request: PredictRequest;
}

/** The proxy path of a model's predict endpoint; needs no ingress and no DNS. */
export function predictPath(
  backend: Backend,
  namespace: string,
  name: string,
  protocol: RequestProtocol,
): string {
  return predictPathOf(kindOf(backend), namespace, name, protocol);
}

/**
 * The OpenAI chat completion for one user message. `model` is the served model's name, which
 * KServe's servers take from --model_name (the InferenceService's name by default).
 */
export function chatBody(model: string, message: string): string {
  return JSON.stringify({ model, messages: [{ role: "user", content: message }] });
}

/** The assistant's answer in a chat completion (choices[0].message.content), if it has one. */
export function chatAnswer(answer: string): string | undefined {
  try {
    const content = JSON.parse(answer)?.choices?.[0]?.message?.content;
    return typeof content === "string" ? content : undefined;
  } catch {
    return undefined;
  }
}

export async function predict(options: PredictInvocation): Promise<number> {
  const { request } = options;
  const body = "chat" in request ? chatBody(options.name, request.chat) : readData(request.data);
  const kube = await Kube.connect(options.global);
  const namespace = options.global.namespace ?? kube.namespace;
  const model = await requireModel(kube, namespace, options.name);
  let answer: string;
  try {
    answer = await kube.requestText(
      "POST",
      predictPath(model.backend, namespace, options.name, request.protocol),
      {
        body,
        contentType: "application/json",
      },
    );
  } catch (error) {
    if (!(error instanceof KubeApiError) || error.status < 400) throw error;
    throw predictFailure(error, {
      name: options.name,
      namespace,
      service: kindOf(model).service(options.name),
      protocol: request.protocol,
    }) ?? error;
  }
  const said = "chat" in request && options.global.output !== "json"
    ? chatAnswer(answer)
    : undefined;
  if (said !== undefined) {
    writeOut(said.endsWith("\n") ? said : `${said}\n`);
    return 0;
  }
  try {
    writeOut(JSON.stringify(JSON.parse(answer), null, 2) + "\n");
  } catch {
    writeOut(answer.endsWith("\n") ? answer : `${answer}\n`);
  }
  return 0;
}

/**
 * Why a predict request failed, told apart by who answered. The API server answers with a
 * metav1.Status: its service proxy found no Service (404, needs a fix), no ready endpoint (503
 * "no endpoints available", transient while pods start) or could not connect to the pod (502/503
 * "error trying to reach service", transient while the server starts, else a port mismatch). Any
 * other body is the model server's own answer. Undefined: not a predict-specific failure
 * (401/403 from the API server keep their own messages).
 */
export function predictFailure(
  error: KubeApiError,
  model: { name: string; namespace: string; service: string; protocol: RequestProtocol },
): CliError | undefined {
  const status = `kubectl kserve status ${model.name} -n ${model.namespace}`;
  if (!error.fromApiServer) {
    return new CliError(`The model server answered HTTP ${error.status}: ${error.message}`, {
      hint:
        `Check the request body against the ${model.protocol} protocol, and the model's log: ${status}`,
    });
  }
  if (error.status === 404) {
    return new CliError(
      `Service ${model.namespace}/${model.service} not found: the API server has nothing to send ${model.name}'s request to (${error.message})`,
      { hint: `See which of the model's objects are missing: ${status}` },
    );
  }
  if (error.status === 503 && /no endpoints available/i.test(error.message)) {
    return new CliError(
      `${model.name} has no ready endpoint to answer (transient while its pods start): ${error.message}`,
      { hint: `Retry once a pod is ready; see why none is: ${status}` },
    );
  }
  if (error.status === 502 || error.status === 503) {
    return new CliError(
      `The API server could not reach ${model.name}'s pod through Service ${model.namespace}/${model.service} (transient while the model server starts; if it stays, the Service's port is not the one the server listens on): ${error.message}`,
      {
        hint:
          `Retry in a moment; if it persists, compare the pod's port with the Service's: ${status}`,
      },
    );
  }
  return undefined;
}

/** -d takes JSON inline, @FILE, or @- for standard input; it must parse as JSON. */
function readData(data: string): string {
  let text = data;
  if (data.startsWith("@")) {
    const path = data.slice(1);
    try {
      text = path === "-" ? new TextDecoder().decode(readAllStdin()) : Deno.readTextFileSync(path);
    } catch (error) {
      throw new UsageError(`Cannot read ${path}: ${(error as Error).message}`);
    }
  }
  try {
    JSON.parse(text);
  } catch (error) {
    throw new UsageError(`The request body is not valid JSON: ${(error as Error).message}`, {
      hint: `Pass -d '{"instances": [[6.8, 2.8, 4.8, 1.4]]}' or -d @request.json`,
    });
  }
  return text;
}

function readAllStdin(): Uint8Array {
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
