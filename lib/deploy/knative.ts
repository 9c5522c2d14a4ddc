/**
 * What deploy checks against the cluster before it applies, beyond runtimes: Knative's
 * scheduling features for GPU node placement in Serverless mode.
 */
import { UsageError } from "../errors.ts";
import type { Kube } from "../kube/client.ts";
import type { KServeInstall } from "../kserve/detect.ts";
import { knativeNamespace } from "../kserve/knative.ts";
import { classifyMode } from "../kserve/versions.ts";
import type { DeployRequest } from "./spec.ts";
import { defaultDeploymentMode } from "../kserve/config.ts";

/**
 * Knative rejects a Revision's nodeSelector and tolerations unless config-features enables
 * kubernetes.podspec-nodeselector / -tolerations (Knative's "features" docs); KServe in
 * Serverless mode passes them to the Revision. Refused before the apply, with the flag to set.
 */
export async function requireKnativeScheduling(
  kube: Kube,
  request: DeployRequest,
  kserve: KServeInstall,
): Promise<void> {
  const wanted = [
    ...(Object.keys(request.nodeSelector ?? {}).length ? ["kubernetes.podspec-nodeselector"] : []),
    ...(request.tolerations?.length ? ["kubernetes.podspec-tolerations"] : []),
  ];
  if (!wanted.length) return;
  const defaultMode = defaultDeploymentMode(kserve.configMap?.data);
  const kind = request.mode ??
    (defaultMode ? classifyMode(defaultMode, kserve.version) : undefined);
  if (kind !== "serverless") return;
  const namespace = await knativeNamespace(kube);
  let features: { data?: Record<string, string> } | undefined;
  try {
    features = await kube.getOptional(`/api/v1/namespaces/${namespace}/configmaps/config-features`);
  } catch (error) {
    // A namespace editor may not read Knative's config: Knative itself then says no, on apply.
    if ((error as { status?: number }).status === 403) return;
    throw error;
  }
  const off = wanted.filter((flag) => features?.data?.[flag] !== "enabled");
  if (!off.length) return;
  throw new UsageError(
    `In Serverless (Knative) mode, Knative rejects a Revision's ${
      off.map((f) => f.replace("kubernetes.podspec-", "")).join(" and ")
    } unless config-features enables ${off.join(" and ")} (now: ${
      off.map((f) => features?.data?.[f] ?? "unset").join(", ")
    })`,
    {
      hint: `kubectl patch configmap config-features -n ${namespace} --type merge -p '${
        JSON.stringify({ data: Object.fromEntries(off.map((f) => [f, "enabled"])) })
      }', or deploy in raw mode (--mode raw)`,
    },
  );
}
