/** Requests to a model's server through the API server's service proxy: why one failed. */
import { CliError } from "../errors.ts";
import type { KubeApiError } from "../kube/errors.ts";
import type { RequestProtocol } from "../options.ts";

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
  model: {
    name: string;
    namespace: string;
    /** NAME in the model's namespace, or NAMESPACE/NAME. */
    service: string;
    protocol: RequestProtocol;
    /** The Knative revision at zero that the request went to wake, through the activator. */
    wakes?: string;
  },
): CliError | undefined {
  const status = `kubectl kserve status ${model.name} -n ${model.namespace}`;
  const activator = model.wakes &&
    activatorFailure(error, { ...model, wakes: model.wakes }, status);
  if (activator) return activator;
  if (!error.fromApiServer) {
    return new CliError(`The model server answered HTTP ${error.status}: ${error.message}`, {
      hint:
        `Check the request body against the ${model.protocol} protocol, and the model's log: ${status}`,
    });
  }
  if (error.status === 404) {
    return new CliError(
      `Service ${
        serviceName(model)
      } not found: the API server has nothing to send ${model.name}'s request to (${error.message})`,
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
      `The API server could not reach ${model.name}'s pod through Service ${
        serviceName(model)
      } (transient while the model server starts; if it stays, the Service's port is not the one the server listens on): ${error.message}`,
      {
        hint:
          `Retry in a moment; if it persists, compare the pod's port with the Service's: ${status}`,
      },
    );
  }
  return undefined;
}

/** NAMESPACE/NAME of the Service a request went through. */
function serviceName(model: { namespace: string; service: string }): string {
  return model.service.includes("/") ? model.service : `${model.namespace}/${model.service}`;
}

/**
 * A request through Knative's activator to a revision at zero that failed: the API server
 * refused the proxy (403: these credentials may not proxy to the activator's Service), or the
 * activator (or the woken server) answered with an error, such as a timeout while no pod became
 * ready. Other API server answers are left to predictFailure's own.
 */
function activatorFailure(
  error: KubeApiError,
  model: { name: string; service: string; wakes: string },
  status: string,
): CliError | undefined {
  if (error.fromApiServer && error.status === 403) {
    return new CliError(
      `Revision ${model.wakes} of ${model.name} is scaled to zero, and waking it through the API server needs services/proxy on ${model.service} (Knative's activator), which these credentials may not use: ${error.message}`,
      {
        hint:
          `Ask for that permission, or send the request to the model's URL through the ingress, which wakes it too (${status})`,
      },
    );
  }
  if (error.fromApiServer) return undefined;
  return new CliError(
    `Revision ${model.wakes} of ${model.name} was scaled to zero; Knative's activator, which starts its pod and holds the request, or the model server answered HTTP ${error.status}: ${error.message}`,
    { hint: `See whether a pod started, and why not: ${status}` },
  );
}

/** What predict and chat say on stderr before a request that wakes a revision at zero. */
export function wakingLine(route: { wakes?: string; service: string }): string {
  return `Revision ${route.wakes} has no ready pod (scaled to zero): sending the request through Knative's activator (${route.service}), which wakes it and holds the request until a pod is ready\n`;
}

/** What they say once the woken revision answered; `ms`: since the request was sent. */
export function wokeLine(route: { wakes?: string }, ms: number): string {
  return `Revision ${route.wakes} answered through the activator after ${
    (ms / 1000).toFixed(1)
  }s\n`;
}
