/** `kubectl kserve predict`: an inference request through the API server's service proxy. */
import type { Backend, GlobalOptions, RequestProtocol } from "../options.ts";
import { UsageError } from "../errors.ts";
import { readAllStdin } from "../input.ts";
import { Kube } from "../kube/client.ts";
import { KubeApiError } from "../kube/errors.ts";
import { kindOf, requireModel } from "../models/kinds.ts";
import { predictPathOf, predictRoute } from "../models/routes.ts";
import { predictFailure, wakingLine, wokeLine } from "../models/proxy.ts";
import { writeErr, writeOut } from "../output.ts";

/** predict -d: a request body (JSON, @FILE or @-) in one protocol. */
export interface PredictInvocation {
  global: GlobalOptions;
  name: string;
  request: { protocol: RequestProtocol; data: string };
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

export async function predict(options: PredictInvocation): Promise<number> {
  const { request } = options;
  const body = readData(request.data);
  const kube = await Kube.connect(options.global);
  const namespace = options.global.namespace ?? kube.namespace;
  const model = await requireModel(kube, namespace, options.name);
  const kind = kindOf(model);
  const route = await predictRoute(
    kube,
    kind,
    namespace,
    options.name,
    request.protocol,
    model.object,
  );
  if (route.wakes) writeErr(wakingLine(route));
  const started = performance.now();
  let answer: string;
  try {
    answer = await kube.requestText("POST", route.path, {
      body,
      contentType: "application/json",
      ...(route.headers ? { headers: route.headers } : {}),
    });
  } catch (error) {
    if (!(error instanceof KubeApiError) || error.status < 400) throw error;
    throw predictFailure(error, {
      name: options.name,
      namespace,
      service: route.service,
      protocol: request.protocol,
      ...(route.wakes ? { wakes: route.wakes } : {}),
    }) ?? error;
  }
  if (route.wakes) writeErr(wokeLine(route, performance.now() - started));
  try {
    writeOut(JSON.stringify(JSON.parse(answer), null, 2) + "\n");
  } catch {
    writeOut(answer.endsWith("\n") ? answer : `${answer}\n`);
  }
  return 0;
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
