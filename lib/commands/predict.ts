/** `kubectl kserve predict`: an inference request through the API server's service proxy. */
import type { Backend, GlobalOptions } from "../options.ts";
import { CliError, UsageError } from "../errors.ts";
import { Kube } from "../kube/client.ts";
import { KubeApiError } from "../kube/errors.ts";
import { requireModel } from "../deploy/models.ts";
import { writeOut } from "../output.ts";

export interface PredictInvocation {
  global: GlobalOptions;
  name: string;
  data: string;
  protocol: "v1" | "v2";
}

/** The proxy path of a model's predict endpoint; needs no ingress and no DNS. */
export function predictPath(
  backend: Backend,
  namespace: string,
  name: string,
  protocol: "v1" | "v2",
): string {
  const service = backend === "kserve" ? `${name}-predictor` : name;
  const route = protocol === "v2" ? `v2/models/${name}/infer` : `v1/models/${name}:predict`;
  return `/api/v1/namespaces/${namespace}/services/${service}:80/proxy/${route}`;
}

export async function predict(options: PredictInvocation): Promise<number> {
  const body = readData(options.data);
  const kube = await Kube.connect(options.global);
  const namespace = options.global.namespace ?? kube.namespace;
  const model = await requireModel(kube, namespace, options.name);
  let answer: string;
  try {
    answer = await kube.requestText(
      "POST",
      predictPath(model.backend, namespace, options.name, options.protocol),
      {
        body,
        contentType: "application/json",
      },
    );
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 503) {
      throw new CliError(`${options.name} has no ready endpoint to answer: ${error.message}`, {
        hint: `kubectl kserve status ${options.name} -n ${namespace}`,
      });
    }
    if (
      error instanceof KubeApiError && error.status >= 400 && error.status !== 401 &&
      error.status !== 403
    ) {
      throw new CliError(`The model server answered HTTP ${error.status}: ${error.message}`, {
        hint:
          `Check the request body against the ${options.protocol} protocol, and the model's log: kubectl kserve status ${options.name} -n ${namespace}`,
      });
    }
    throw error;
  }
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
