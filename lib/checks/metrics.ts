/**
 * The resource metrics API (metrics.k8s.io, served by metrics-server): every HPA this plugin or
 * KServe creates scales on CPU or memory from it, and without it an HPA never scales (its
 * ScalingActive condition turns False with FailedGetResourceMetric).
 */
import { METRICS_API } from "../defaults.ts";
import { KubeApiError } from "../kube/errors.ts";
import type { CheckContext } from "./context.ts";
import { CheckFailed } from "./check_types.ts";

/** The APIService as the check reads it (apiregistration.k8s.io/v1). */
interface MetricsApiService {
  spec?: { service?: { namespace?: string; name?: string } };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

export const METRICS_HINT = `Install metrics-server: ${METRICS_API.install}`;

/**
 * Passes (with a note when only discovery could tell) when the metrics API is served and
 * Available; throws CheckFailed naming the APIService and its condition otherwise. A namespace
 * user may not read APIServices (403): API discovery, which anyone may read, answers instead.
 * An APIService that exists but is not Available is transient only while its endpoints are missing.
 */
export async function checkMetricsApi(ctx: CheckContext): Promise<string | void> {
  const path = `/apis/apiregistration.k8s.io/v1/apiservices/${METRICS_API.apiService}`;
  let service: MetricsApiService | undefined;
  try {
    service = await ctx.get<MetricsApiService>(path);
  } catch (error) {
    if (!(error instanceof KubeApiError) || error.status !== 403) throw error;
    if (await ctx.serves(METRICS_API.groupVersion, "pods")) return "served (from API discovery)";
    throw new CheckFailed("metrics.k8s.io is not served (from API discovery)", undefined, {
      transient: false,
    });
  }
  if (!service) {
    throw new CheckFailed(
      "metrics.k8s.io is not served: metrics-server is not installed",
      undefined,
      { transient: false },
    );
  }
  const available = (service.status?.conditions ?? []).find((c) => c.type === "Available");
  if (available?.status !== "True") {
    throw new CheckFailed(
      `metrics.k8s.io is not Available: APIService ${METRICS_API.apiService} says ${
        available ? `${available.reason ?? "False"}: ${available.message ?? ""}` : "nothing yet"
      }`,
      `See why its Service${
        service.spec?.service
          ? ` ${service.spec.service.namespace}/${service.spec.service.name}`
          : ""
      } does not answer: kubectl describe apiservice ${METRICS_API.apiService}`,
      // Endpoints missing: metrics-server's pods are starting. A missing Service or a failed
      // discovery (TLS to the kubelets, on kind) needs a fix (kube-aggregator's condition reasons).
      {
        transient: !available ||
          ["MissingEndpoints", "EndpointsNotFound"].includes(available.reason ?? ""),
      },
    );
  }
}
