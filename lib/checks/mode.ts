/** Categories "mode" and "runtimes": the default deployment mode can work, and runtimes exist. */
import type { V1ConfigMap } from "@kubernetes/client-node";
import {
  INSTALL_KNATIVE,
  INSTALL_RUNTIMES,
  INSTALL_STORAGE_CONTAINER,
  SWITCH_MODE,
  USE_KNATIVE,
} from "../kserve/hints.ts";
import { CRD_PATH, KNATIVE, KSERVE, KSERVE_OBJECTS, VERSION_LABEL } from "../defaults.ts";
import { knativeServed } from "../kserve/knative.ts";
import { configuredIngressClass, knativeKubernetesProblem } from "../kserve/knative_config.ts";
import { knativeConfigChecks, knativeNamespaceIn } from "./knative_config.ts";
import { knativeWebhookCheck } from "./knative_webhook.ts";
import {
  restartControllerCommand,
  startedBefore,
  type StartedPod,
} from "../kserve/knative_seen.ts";
import { deploymentAvailable, explainDeployment } from "../kserve/diagnose.ts";
import { classifyMode } from "../kserve/versions.ts";
import { kindPath, kserveKind } from "../kserve/api_kinds.ts";
import type { CheckContext } from "./context.ts";
import { configJson } from "./config_json.ts";
import { checkMetricsApi, METRICS_HINT } from "./metrics.ts";
import { type Check, CheckFailed, SkipCheck } from "./check_types.ts";
import { scaledToZero, scaleUpCommands } from "./scaled.ts";

async function defaultMode(
  ctx: CheckContext,
): Promise<{ value: string; kind: string | undefined }> {
  const { version } = await ctx.kserve();
  const value = String((await configJson(ctx, "deploy")).defaultDeploymentMode);
  return { value, kind: classifyMode(value, version) };
}

function knativeServes(ctx: CheckContext): Promise<boolean> {
  return knativeServed((groupVersion, resource) => ctx.serves(groupVersion, resource));
}

/** A configuration that does not settle on its own (the check's other failures are pods starting). */
const FIX = { transient: false };

/** Knative mode's last condition: KServe's controller started after Knative Serving existed. */
const controllerSeesKnative: Check<CheckContext> = {
  id: "mode.controller-sees-knative",
  category: "mode",
  description:
    "the KServe controller started after Knative Serving was installed, so it accepts Knative InferenceServices",
  hint: restartControllerCommand("{kserve-ns}"),
  dependsOn: ["mode.knative", "kserve.controller"],
  async run(ctx) {
    const { namespace } = await ctx.kserve();
    const [crd, pods] = await Promise.all([
      ctx.get<{ metadata?: { creationTimestamp?: string } }>(`${CRD_PATH}/${KNATIVE.serviceCrd}`),
      ctx.list<StartedPod>(
        `/api/v1/namespaces/${namespace}/pods`,
        { labelSelector: KSERVE.controllerSelector },
      ),
    ]);
    const blind = startedBefore(
      pods,
      crd?.metadata?.creationTimestamp,
      "seeing",
    );
    if (blind.length) {
      throw new CheckFailed(
        `KServe controller pod ${
          blind.join(", ")
        } started before CustomResourceDefinition ${KNATIVE.serviceCrd} was created (${crd?.metadata?.creationTimestamp}): it looked Knative up once, at start, and rejects every Knative-mode InferenceService (ServerlessModeRejected) until it restarts`,
        restartControllerCommand(namespace),
        FIX,
      );
    }
  },
};

export const modeChecks: Check<CheckContext>[] = [
  {
    id: "mode.default",
    category: "mode",
    description: "the default deployment mode can run InferenceServices in this cluster",
    hint: `Switch to raw mode: ${SWITCH_MODE.raw}; or add Knative Serving: ${INSTALL_KNATIVE}`,
    dependsOn: ["kserve.config-deploy"],
    async run(ctx) {
      const mode = await defaultMode(ctx);
      if (mode.kind === "serverless" && !await knativeServes(ctx)) {
        throw new CheckFailed(
          `The default mode is ${mode.value}, but Knative Serving is not installed: every InferenceService ` +
            `without a mode annotation is rejected ("ServerlessModeRejected"). Serverless without Knative does not exist; ` +
            `RawDeployment (Standard) is the mode without Knative.`,
          // The default is already Knative: switching to it again would change nothing.
          `Switch to raw mode: ${SWITCH_MODE.raw}; or add Knative Serving: ${INSTALL_KNATIVE}`,
          FIX,
        );
      }
      if (ctx.options.mode === "raw" && mode.kind !== "raw") {
        throw new CheckFailed(
          `The default mode is ${mode.value}, not raw`,
          SWITCH_MODE.raw,
        );
      }
      return `${mode.value} (${mode.kind})`;
    },
  },
  {
    id: "mode.knative",
    category: "mode",
    description: "Knative Serving is ready",
    hint: `Install Knative Serving and make it the default mode: ${USE_KNATIVE}`,
    dependsOn: ["mode.default"],
    retryable: true,
    async run(ctx) {
      const mode = await defaultMode(ctx);
      if (mode.kind !== "serverless" && ctx.options.mode !== "serverless") {
        throw new SkipCheck("the default mode does not use Knative");
      }
      if (!await knativeServes(ctx)) {
        throw new CheckFailed("Knative Serving is not installed", undefined, FIX);
      }
      const [server, crd] = await Promise.all([
        ctx.get<{ gitVersion?: string }>("/version"),
        ctx.get<{ metadata?: { labels?: Record<string, string> } }>(
          `${CRD_PATH}/${KNATIVE.serviceCrd}`,
        ),
      ]);
      const tooOld = knativeKubernetesProblem(
        server?.gitVersion,
        crd?.metadata?.labels?.[VERSION_LABEL],
      );
      if (tooOld) throw new CheckFailed(tooOld.message, tooOld.fix, FIX);
      const namespace = await knativeNamespaceIn(ctx);
      const deployments = await ctx.deployments({ namespace });
      const notReady = deployments.filter((d) => !deploymentAvailable(d)).map((d) =>
        d.metadata?.name
      );
      if (deployments.length === 0 || notReady.length) {
        const scaled = deployments.filter(scaledToZero);
        const message = `Knative Serving Deployments in ${namespace} not Available: ${
          notReady.map((name) =>
            scaled.some((d) => d.metadata?.name === name) ? `${name} (scaled to 0)` : name
          ).join(", ") || "none found"
        }`;
        if (scaled.length && scaled.length === notReady.length) {
          throw new CheckFailed(message, scaleUpCommands(scaled), { transient: false });
        }
        // Progressing (their pods starting) resolves on its own; a replica failure (a quota)
        // or a rollout past its deadline needs a fix.
        const stuck = deployments.flatMap((d) => {
          const why = deploymentAvailable(d) ? undefined : explainDeployment(d);
          return why ? [`${d.metadata?.name}: ${why}`] : [];
        });
        if (stuck.length || deployments.length === 0) {
          throw new CheckFailed(`${message}${stuck.length ? ` (${stuck.join("; ")})` : ""}`);
        }
        throw new CheckFailed(`${message}; waiting for their pods to start`, undefined, {
          transient: true,
        });
      }
      // The networking layer and the domain are checks of their own (knative_config.ts).
      const [network, domain] = await Promise.all(
        ["config-network", "config-domain"].map((name) =>
          ctx.get<V1ConfigMap>(`/api/v1/namespaces/${namespace}/configmaps/${name}`)
        ),
      );
      const ingressClass = configuredIngressClass(network?.data) ?? "none";
      const domains = Object.keys(domain?.data ?? {}).filter((k) => !k.startsWith("_"));
      return `ingress ${ingressClass}, domain ${domains.join(", ") || "none (cluster-local)"}`;
    },
  },
  knativeWebhookCheck,
  ...knativeConfigChecks,
  controllerSeesKnative,
  {
    id: "mode.metrics",
    category: "mode",
    description:
      "the metrics API is available, so the HPAs KServe creates for raw-mode models can scale",
    hint: METRICS_HINT,
    dependsOn: ["mode.default"],
    // Models serve without it; they only never scale (K@v0.16.0 reconcilers/hpa: class hpa is the default).
    warning: true,
    retryable: true,
    async run(ctx) {
      const mode = await defaultMode(ctx);
      if (mode.kind !== "raw" && ctx.options.mode !== "raw") {
        throw new SkipCheck("the default mode scales with Knative's autoscaler, not HPAs");
      }
      return await checkMetricsApi(ctx);
    },
  },
];

export const runtimeChecks: Check<CheckContext>[] = [
  {
    id: "runtimes.cluster-serving-runtimes",
    category: "runtimes",
    description: "ClusterServingRuntimes are installed",
    hint: `Apply the release's runtimes once the webhook works: ${INSTALL_RUNTIMES}`,
    // Runtimes can only be created through a working webhook: a broken webhook is the root cause.
    dependsOn: ["kserve.crds", "webhooks.probe"],
    async run(ctx) {
      const runtimes = await ctx.list(kindPath(kserveKind("ClusterServingRuntime")));
      if (runtimes.length === 0) {
        throw new CheckFailed(
          "No ClusterServingRuntime exists: every InferenceService fails with NoSupportingRuntime",
        );
      }
      return `${runtimes.length} runtimes`;
    },
  },
  {
    id: "runtimes.storage-container",
    category: "runtimes",
    description: `ClusterStorageContainer "${KSERVE_OBJECTS.storageContainer}" exists`,
    hint: `Re-create it: ${INSTALL_STORAGE_CONTAINER}`,
    dependsOn: ["kserve.crds", "webhooks.probe"],
    async run(ctx) {
      const found = await ctx.get(
        kindPath(kserveKind("ClusterStorageContainer"), { name: KSERVE_OBJECTS.storageContainer }),
      );
      if (!found) {
        throw new CheckFailed(
          `ClusterStorageContainer ${KSERVE_OBJECTS.storageContainer} does not exist: storage URIs (gs, s3, hf, https) cannot be downloaded`,
        );
      }
    },
  },
];
