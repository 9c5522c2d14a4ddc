/**
 * How the API server's service proxy reaches a Knative revision, on plain data: through its
 * private Service while it has a ready pod, through Knative's activator while it has none.
 *
 * Why not the revision's public Service (REVISION, the one Knative's Route uses): at zero,
 * Knative's serverlessservice reconciler fills its Endpoints with the activator's pods, which run
 * in Knative's namespace, and the API server's service proxy only proxies to addresses that are
 * pods of the Service's own namespace (kube-apiserver pkg/registry/core/service/storage
 * ResourceLocation, isValidAddress): it answers "no endpoints available" on any cluster. So a
 * revision at zero is reached through the activator's own Service, `activator-service` in
 * Knative's namespace, with the headers that name the revision
 * (knative.dev/serving pkg/activator: Knative-Serving-Revision, Knative-Serving-Namespace; its
 * context handler reads them before the Host). The activator holds the request, the autoscaler
 * scales the revision up from the activator's report, and the activator sends the request on
 * once a pod is ready.
 */
import { revisionService } from "./traffic.ts";

/** Knative's activator Service (knative.dev/networking ActivatorServiceName), in Knative's namespace. */
export const ACTIVATOR_SERVICE = "activator-service";

/** The headers the activator finds the revision by (knative.dev/serving pkg/activator). */
export function activatorHeaders(revision: string, namespace: string): Record<string, string> {
  return { "Knative-Serving-Revision": revision, "Knative-Serving-Namespace": namespace };
}

/** The Deployment Knative runs a revision's pods in (knative.dev/serving pkg/reconciler/revision/resources/names). */
export function revisionDeployment(revision: string): string {
  return `${revision}-deployment`;
}

/** Where the API server's service proxy sends a request for a model's revision. */
export interface RevisionRoute {
  /** The Service's namespace and name. */
  namespace: string;
  service: string;
  /** Request headers the Service's server needs (the activator's). */
  headers?: Record<string, string>;
  /** Set when the revision had no ready pod: the activator wakes it. */
  wakes?: string;
}

/**
 * The route to `revision` in `namespace`: its private Service while `readyPods` is more than 0
 * or unknown (undefined: its Deployment could not be read), else the activator in
 * `knativeNamespace`, with the revision's headers.
 */
export function revisionRoute(
  revision: string,
  namespace: string,
  readyPods: number | undefined,
  knativeNamespace: string,
): RevisionRoute {
  if (readyPods === undefined || readyPods > 0) {
    return { namespace, service: revisionService(revision) };
  }
  return {
    namespace: knativeNamespace,
    service: ACTIVATOR_SERVICE,
    headers: activatorHeaders(revision, namespace),
    wakes: revision,
  };
}
